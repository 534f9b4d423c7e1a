"""``notify add telegram|discord``, ``notify list|remove|test``: chat notifications, and
``forwarding``, which the long-running commands (``orders sync``, ``webhooks serve``) wrap
their work in so their order and deposit changes reach Telegram and Discord.

On a worker without a keyring (``serve`` in a container) ``notify add`` keeps only the
channel's settings (the chat id); the token or webhook URL stays in the worker's
environment (``TELEGRAM_BOT_TOKEN``, ``DISCORD_WEBHOOK_URL``) and is read from there
whenever a message goes."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from skins_console.cli.exit_codes import EXIT_OK, EXIT_PROVIDER, CliUsageError
from skins_console.cli.output import Fields, Line, Report, Table
from skins_console.cli.parser import Commands, add_actions, add_command
from skins_console.cli.session import Session

if TYPE_CHECKING:
    from skins_console.services.chat_notify import ChannelInfo, ChatRelay, ChatSetup
    from skins_console.services.context import AppContext

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
WEBHOOK_ENV = "DISCORD_WEBHOOK_URL"
#: How long a long-running command waits, on its way out, for the last messages to go.
FLUSH_SECONDS = 15.0


def register(commands: Commands) -> None:
    notify = add_command(
        commands, "notify", help="send notifications to Telegram or Discord (chat channels)"
    )
    actions = add_actions(notify, "notify_command")
    add = add_command(actions, "add", help="set up a chat channel for the profile")
    kinds = add_actions(add, "notify_kind", metavar="KIND")
    telegram = add_command(
        kinds,
        "telegram",
        help=f"a Telegram chat (bot token from {TOKEN_ENV} or a hidden prompt)",
    )
    telegram.add_argument(
        "--chat-id", required=True, metavar="ID", help="the chat's id, or @channelname"
    )
    telegram.add_argument(
        "--api-base",
        metavar="URL",
        default=None,
        help="the Bot API server (default: https://api.telegram.org)",
    )
    telegram.set_defaults(handler=add_telegram)
    discord = add_command(
        kinds,
        "discord",
        help=f"a Discord channel webhook (URL from {WEBHOOK_ENV} or a hidden prompt)",
    )
    discord.set_defaults(handler=add_discord)
    listing = add_command(actions, "list", help="the profile's chat channels")
    listing.set_defaults(handler=list_channels)
    remove = add_command(actions, "remove", help="stop sending to a channel; forget its secret")
    remove.add_argument("kind", choices=("telegram", "discord"), metavar="KIND")
    remove.set_defaults(handler=remove_channel)
    test = add_command(actions, "test", help="send a test message to each channel now")
    test.add_argument("kind", nargs="?", choices=("telegram", "discord"), metavar="KIND")
    test.set_defaults(handler=test_channels)


def _secret(env: str, prompt: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if sys.stdin.isatty():
        value = getpass.getpass(f"{prompt} (input hidden): ")
        if value:
            return value
    raise CliUsageError(
        f"The {prompt} is needed: set {env} in the environment, or run on a terminal to be "
        "asked for it. It is never accepted as an option."
    )


async def _kept_in_keyring(setup: ChatSetup, env: str, value: str) -> str | None:
    """``value`` to store in the keyring, or None where there is no keyring and the value
    came from ``env``: the worker reads it from its environment whenever it sends."""
    if os.environ.get(env) == value and not await setup.keyring_usable():
        return None
    return value


def _channel_json(info: ChannelInfo) -> dict:
    return {
        "kind": info.kind,
        "target": info.target,
        "api_base": info.api_base,
        "secret_in_keyring": info.has_secret and info.secret_from == "keyring",
        "secret_from": info.secret_from or None,
    }


def _secret_place(info: ChannelInfo) -> str:
    if not info.has_secret:
        return "MISSING (add it again)"
    if info.secret_from == "environment":
        return f"from {TOKEN_ENV if info.kind == 'telegram' else WEBHOOK_ENV}"
    return "in the keyring"


def _channel_fields(info: ChannelInfo) -> list[tuple[str, str]]:
    pairs = [("Channel", info.label), ("Sends to", info.target)]
    if info.api_base:
        pairs.append(("API", info.api_base))
    pairs.append(("Secret", _secret_place(info)))
    return pairs


async def add_telegram(session: Session) -> Report:
    from skins_console.core.chat_targets import (
        TELEGRAM_API_BASE,
        validate_api_base,
        validate_chat_id,
    )
    from skins_console.services.chat_notify import ChatSetup

    args = session.args
    # Checked before the prompt: a typo in the chat id must not cost a pasted token.
    validate_chat_id(args.chat_id)
    base = validate_api_base(args.api_base) if args.api_base else TELEGRAM_API_BASE
    token = _secret(TOKEN_ENV, "Telegram bot token")
    setup = ChatSetup(await session.open())
    kept = await _kept_in_keyring(setup, TOKEN_ENV, token)
    info = await setup.add_telegram(args.chat_id, kept, api_base=base)
    return Report(
        {"channel": _channel_json(info)},
        [Fields(_channel_fields(info)), Line("Saved. Try it with `skins-console notify test`.")],
    )


async def add_discord(session: Session) -> Report:
    from skins_console.services.chat_notify import ChatSetup

    url = _secret(WEBHOOK_ENV, "Discord webhook URL")
    setup = ChatSetup(await session.open())
    info = await setup.add_discord(await _kept_in_keyring(setup, WEBHOOK_ENV, url))
    return Report(
        {"channel": _channel_json(info)},
        [Fields(_channel_fields(info)), Line("Saved. Try it with `skins-console notify test`.")],
    )


async def list_channels(session: Session) -> Report:
    from skins_console.services.chat_notify import ChatSetup

    ctx = await session.open()
    channels = await ChatSetup(ctx).list_channels()
    profile = ctx.require_profile().name
    if not channels:
        return Report(
            {"channels": []},
            [
                Line(
                    f"No chat channel for profile “{profile}”. Add one with "
                    "`skins-console notify add telegram --chat-id ID` or "
                    "`skins-console notify add discord`."
                )
            ],
        )
    rows = [
        [
            info.label,
            info.target,
            info.api_base or "",
            _secret_place(info),
        ]
        for info in channels
    ]
    return Report(
        {"channels": [_channel_json(info) for info in channels]},
        [Table(["Channel", "Sends to", "API", "Secret"], rows)],
    )


async def remove_channel(session: Session) -> Report:
    from skins_console.core.errors import ChatChannelMissingError
    from skins_console.services.chat_notify import ChatSetup

    ctx = await session.open()
    kind = session.args.kind
    if not await ChatSetup(ctx).remove(kind):
        raise ChatChannelMissingError(profile=ctx.require_profile().name, kind=kind)
    return Report(
        {"removed": kind}, [Line(f"{kind.capitalize()} notifications are off; secret deleted.")]
    )


async def test_channels(session: Session) -> Report:
    from skins_console.services.chat_notify import ChatSetup

    ctx = await session.open()
    results = await ChatSetup(ctx).send_test(session.args.kind)
    failed = [r for r in results if not r.delivered]
    return Report(
        {
            "results": [
                {
                    "kind": r.kind,
                    "target": r.target,
                    "delivered": r.delivered,
                    "message": r.message,
                }
                for r in results
            ]
        },
        [
            Table(
                ["Channel", "Sends to", "Result"],
                [[r.label, r.target, r.message] for r in results],
            )
        ],
        exit_code=EXIT_PROVIDER if failed else EXIT_OK,
        notes=[f"error: {r.label}: {r.message}" for r in failed],
    )


@asynccontextmanager
async def forwarding(session: Session, ctx: AppContext) -> AsyncIterator[ChatRelay | None]:
    """Forward the command's order and deposit changes to the profile's chat channels
    while the block runs; on the way out, wait a little for the last messages. A chat
    problem is one warning on stderr; it never stops the command."""
    from skins_console.cli.phrasing import phrase
    from skins_console.core.errors import UserFacingError
    from skins_console.services.chat_notify import ChatRelay

    def problem(_label: str, message: str) -> None:
        session.out.note(f"warning: {message}")

    relay = ChatRelay(ctx, on_problem=problem)
    try:
        started = await relay.start()
    except UserFacingError as exc:
        session.out.note(f"warning: chat notifications are off for this run: {phrase(exc)}")
        started = False
    if started and relay.dispatcher is not None:
        names = ", ".join(f"{c.label} ({c.target})" for c in relay.dispatcher.channels)
        session.out.note(f"Notifications are forwarded to {names}.")
    try:
        yield relay if started else None
    finally:
        if started and not await relay.stop(flush_timeout=FLUSH_SECONDS):
            session.out.note(
                "warning: some chat notifications were still waiting to be delivered and "
                "were dropped."
            )
