"""The command groups, in ``--help`` order. Each module has ``register(commands)``, which
adds its commands with ``parser.add_command`` and points each at a handler:
``async def handler(session: Session) -> Report`` (or ``sync_handler(args) -> int`` for a
command that runs without the services' loop)."""

from skins_console.cli.commands import (
    account,
    attention,
    buyers,
    database,
    deposits,
    export,
    notify,
    orders,
    profile,
    report,
    sandbox,
    serve,
    webhooks,
)

GROUPS = (
    profile,
    account,
    orders,
    buyers,
    attention,
    report,
    deposits,
    export,
    sandbox,
    webhooks,
    serve,
    database,
    notify,
)
