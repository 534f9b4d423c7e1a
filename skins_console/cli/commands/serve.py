"""``serve``: the headless worker (tracking and the webhook listener) until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import signal

from skins_console.cli.output import Fields, Report
from skins_console.cli.parser import Commands, add_command
from skins_console.cli.session import Session


def register(commands: Commands) -> None:
    serve = add_command(
        commands,
        "serve",
        help="track orders and receive webhooks headless until stopped (a server's worker)",
        epilog="SIGTERM or SIGINT ends it: the listener stops, the check or send under way "
        "finishes (up to 20 s; a second signal cuts it short, and recovery completes it with "
        "the same key), then it exits with 0.",
    )
    serve.add_argument(
        "--webhooks-host",
        default=None,
        metavar="HOST",
        help="address the webhook listener binds to (default: the webhook_listener_host "
        "setting, 127.0.0.1; 0.0.0.0 on a server)",
    )
    serve.add_argument(
        "--webhooks-port",
        type=int,
        default=None,
        metavar="PORT",
        help="its port (default: the webhook_listener_port setting, 8765)",
    )
    serve.set_defaults(handler=serve_worker)


async def serve_worker(session: Session) -> Report:
    from skins_console.cli.commands.notify import forwarding
    from skins_console.services.worker import serve

    args = session.args
    ctx = await session.open()
    host = args.webhooks_host or ctx.settings.webhook_listener_host
    port = (
        args.webhooks_port if args.webhooks_port is not None else ctx.settings.webhook_listener_port
    )
    stop, stop_now = asyncio.Event(), asyncio.Event()

    def on_signal() -> None:
        # The first signal stops gracefully; a second one cuts the grace period short.
        (stop_now if stop.is_set() else stop).set()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, on_signal)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl+C raises instead
            pass
    async with forwarding(session, ctx):
        summary = await serve(ctx, host, port, stop, stop_now=stop_now, announce=session.out.note)
    hooks = summary.webhooks
    return Report(
        {
            "stopped": True,
            "profile": ctx.require_profile().name,
            "host": summary.host,
            "port": summary.port,
            "changes": summary.changes,
            "webhooks": {
                "received": hooks.received,
                "applied": hooks.applied,
                "duplicates": hooks.duplicates,
                "rejected": hooks.rejected,
            },
            "finished_cleanly": summary.finished_cleanly,
        },
        [
            Fields(
                [
                    ("Changes", str(summary.changes)),
                    (
                        "Webhooks",
                        f"{hooks.received} received, {hooks.applied} applied, "
                        f"{hooks.duplicates} repeated, {hooks.rejected} rejected",
                    ),
                ]
            )
        ],
    )
