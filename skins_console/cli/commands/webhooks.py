"""``webhooks serve``: the headless webhook listener."""

from __future__ import annotations

from skins_console.cli.output import Report
from skins_console.cli.parser import Commands, add_actions, add_command
from skins_console.cli.session import Session


def register(commands: Commands) -> None:
    webhooks = add_command(commands, "webhooks", help="receive provider webhooks")
    actions = add_actions(webhooks, "webhooks_command")
    serve = add_command(actions, "serve", help="listen for webhooks in the foreground")
    serve.add_argument(
        "--host", default=None, help="default: the webhook_listener_host setting (127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=None, help="default: the webhook_listener_port setting (8765)"
    )
    serve.set_defaults(handler=serve_webhooks)


async def serve_webhooks(session: Session) -> Report:
    from skins_console.cli.commands.notify import forwarding
    from skins_console.services.webhook_listener import serve_forever

    args = session.args
    ctx = await session.open()
    host = args.host or ctx.settings.webhook_listener_host
    port = args.port if args.port is not None else ctx.settings.webhook_listener_port
    async with forwarding(session, ctx):
        await serve_forever(ctx, host, port, announce=session.out.note)
    return Report({"host": host, "port": port, "stopped": True})
