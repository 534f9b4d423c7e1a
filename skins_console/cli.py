"""``skins-console``: the headless command line over the services.

Without a command (or with ``--sandbox``) it starts the desktop app; every command runs on
a plain asyncio loop and never imports Qt. Results go to stdout (rich tables on a
terminal, plain text in a pipe, one JSON document with ``--json``); problems go to stderr
as one line, with an exit code that says what kind of problem it was (see ``EPILOG``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from skins_console import APP_NAME, __version__

log = logging.getLogger("skins_console.cli")

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_PROVIDER = 4
EXIT_STORE = 5
EXIT_KEYRING = 6
EXIT_PENDING = 7
EXIT_INTERRUPTED = 130

EPILOG = """\
exit codes:
  0    success
  1    internal error (a bug: details are in the log file)
  2    usage error (unknown command or option)
  3    input error (bad trade URL, unknown item or profile, price moved, balance too low,
       expired quote, …): nothing was sent
  4    provider error or refusal (SkinsNode/Skinslink unreachable, credentials or IP
       rejected, order or deposit refused or failed)
  5    local store error (database corrupt, read-only, disk full, folder not writable)
  6    keyring error (no usable OS keyring for the API secrets)
  7    not finished: an order's outcome is still unknown (it stays "sending" and is
       completed automatically with the same id), or sync timed out with records open
  130  interrupted (Ctrl-C)

secrets are never command-line options: profile add reads SKINSNODE_CLIENT_SECRET,
SKINSLINK_API_KEY and SKINSLINK_WEBHOOK_SECRET from the environment, or asks for them
without echo on a terminal, and keeps them in the OS keyring only.
"""

SECRET_ENV = {
    "skinsnode_client_secret": "SKINSNODE_CLIENT_SECRET",
    "skinslink_api_key": "SKINSLINK_API_KEY",
    "skinslink_webhook_secret": "SKINSLINK_WEBHOOK_SECRET",
}
TIME_SCALE_ENV = "SKINS_CONSOLE_TIME_SCALE"


class CliUsageError(Exception):
    """Bad command-line input found after parsing (exit code 3 with the message)."""


# --- parser ----------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than zero")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError("must be zero or more")
    return value


def build_parser(*, sandbox_options: bool = True) -> argparse.ArgumentParser:
    """The full parser; ``sandbox_options=False`` skips importing the sandbox (a third of
    the start-up time) when the command line does not mention it."""
    parser = argparse.ArgumentParser(
        prog="skins-console",
        description=f"{APP_NAME}: sell on SkinsNode and buy through Skinslink. Without a "
        "command, the desktop app starts.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="keep every file (database, settings, logs) under DIR"
    )
    parser.add_argument("--profile", metavar="NAME", help="use this profile for this run")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="debug logging to the log folder (secrets are never logged)",
    )
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="start the desktop app in demo mode on a local sandbox",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=None,
        metavar="N",
        help="with --sandbox: run the demo clock N times faster (default: real time)",
    )
    parser.add_argument(
        "--selftest",
        action="store_true",
        help="check the installation (packaging smoke test) and exit",
    )
    # Against a fast sandbox (--speed N) polling intervals shrink by 1/N; hidden because an
    # operator has no use for it.
    parser.add_argument("--time-scale", type=float, default=None, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    _profile_parser(commands)
    health = commands.add_parser("health", help="is SkinsNode reachable")
    health.set_defaults(handler=cmd_health)
    wallet = commands.add_parser("wallet", help="SkinsNode balance, reserved and projected")
    wallet.set_defaults(handler=cmd_wallet)
    catalog = commands.add_parser("catalog", help="refresh and search the SkinsNode catalog")
    catalog.add_argument("--search", metavar="TEXT", help="words that must all appear")
    catalog.add_argument("--limit", type=_positive_int, default=50, metavar="N")
    catalog.add_argument(
        "--offline", action="store_true", help="search the stored copy without downloading"
    )
    catalog.set_defaults(handler=cmd_catalog)

    order = commands.add_parser("order", help="create or show one SkinsNode order")
    order_sub = order.add_subparsers(dest="order_command", metavar="ACTION", required=True)
    create = order_sub.add_parser("create", help="sell a catalog item to a buyer")
    create.add_argument("--item", required=True, metavar="CATALOG_ID")
    create.add_argument("--trade-url", required=True, metavar="URL")
    create.add_argument(
        "--external-id",
        metavar="ID",
        help="your order id (default: sc-<date>-<random>); reusing the id "
        "of the same order resumes it, another order's id is refused",
    )
    create.add_argument(
        "--price",
        metavar="CENTS",
        help="the price the buyer was quoted (cents, or $12.34); refused if "
        "the catalog price moved",
    )
    create.set_defaults(handler=cmd_order_create)
    show = order_sub.add_parser("show", help="an order and its timeline")
    show.add_argument("external_id", metavar="EXTERNAL_ID")
    show.set_defaults(handler=cmd_order_show)

    orders = commands.add_parser("orders", help="list or sync orders")
    orders_sub = orders.add_subparsers(dest="orders_command", metavar="ACTION", required=True)
    listing = orders_sub.add_parser("list", help="orders stored locally")
    listing.add_argument(
        "--status", action="append", metavar="S", help="only this status (repeatable)"
    )
    listing.add_argument("--open", action="store_true", help="only orders not yet final")
    listing.add_argument("--limit", type=_positive_int, default=200, metavar="N")
    listing.set_defaults(handler=cmd_orders_list)
    sync = orders_sub.add_parser("sync", help="check open orders and deposits now")
    sync.add_argument("--watch", action="store_true", help="keep checking as they are due")
    sync.add_argument(
        "--until-terminal",
        action="store_true",
        help="watch until every order is final and every deposit is final or in its 7-day hold",
    )
    sync.add_argument(
        "--timeout",
        type=_non_negative_float,
        metavar="SECONDS",
        help="stop watching after this long (exit 7 if records are open)",
    )
    sync.set_defaults(handler=cmd_orders_sync)

    quote = commands.add_parser("quote", help="Skinslink prices (locked 5 minutes)")
    quote.add_argument(
        "names",
        nargs="+",
        metavar="NAME",
        help="market hash names; '-' reads one name per line from stdin",
    )
    quote.add_argument("--game", metavar="G", help="csgo, rust, dota2 or tf2")
    quote.add_argument(
        "--price-only",
        action="store_true",
        help="prices only: no lock, cannot be used for a deposit",
    )
    quote.set_defaults(handler=cmd_quote)

    deposit = commands.add_parser("deposit", help="create or show one Skinslink deposit")
    deposit_sub = deposit.add_subparsers(dest="deposit_command", metavar="ACTION", required=True)
    dcreate = deposit_sub.add_parser("create", help="buy quoted items from a seller")
    dcreate.add_argument(
        "--quote",
        required=True,
        type=_positive_int,
        metavar="ID",
        help="the quote id printed by `quote`",
    )
    dcreate.add_argument("--trade-url", required=True, metavar="URL")
    dcreate.add_argument(
        "--item",
        action="append",
        required=True,
        metavar="NAME=ASSET_ID[:MIN_PRICE]",
        help="repeatable; MIN_PRICE in dollars (default: quoted price "
        "minus the profile's tolerance)",
    )
    dcreate.add_argument("--merchant-tx-id", metavar="ID")
    dcreate.set_defaults(handler=cmd_deposit_create)
    dshow = deposit_sub.add_parser("show", help="a deposit and its timeline")
    dshow.add_argument("merchant_tx_id", metavar="MERCHANT_TX_ID")
    dshow.set_defaults(handler=cmd_deposit_show)
    deposits = commands.add_parser("deposits", help="list deposits")
    deposits_sub = deposits.add_subparsers(dest="deposits_command", metavar="ACTION", required=True)
    dlist = deposits_sub.add_parser("list", help="deposits stored locally")
    dlist.add_argument("--status", action="append", metavar="S")
    dlist.add_argument("--limit", type=_positive_int, default=200, metavar="N")
    dlist.set_defaults(handler=cmd_deposits_list)

    export = commands.add_parser("export", help="CSV exports")
    export_sub = export.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    for what in ("orders", "deposits"):
        sub = export_sub.add_parser(what, help=f"all {what} of the profile as CSV")
        sub.add_argument("--csv", required=True, metavar="FILE", type=Path)
        sub.set_defaults(handler=cmd_export, export_what=what)

    sandbox = commands.add_parser("sandbox", help="the local sandbox of both providers")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)
    serve = sandbox_sub.add_parser("serve", help="run the sandbox in the foreground")
    if sandbox_options:
        from skins_console.sandbox.cli import add_serve_arguments

        add_serve_arguments(serve)
    serve.set_defaults(sync_handler=cmd_sandbox_serve)

    webhooks = commands.add_parser("webhooks", help="receive provider webhooks")
    webhooks_sub = webhooks.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    wserve = webhooks_sub.add_parser("serve", help="listen for webhooks in the foreground")
    wserve.add_argument(
        "--host", default=None, help="default: the webhook_listener_host setting (127.0.0.1)"
    )
    wserve.add_argument(
        "--port", type=int, default=None, help="default: the webhook_listener_port setting (8765)"
    )
    wserve.set_defaults(handler=cmd_webhooks_serve)
    return parser


def _profile_parser(commands) -> None:
    profile = commands.add_parser("profile", help="merchant profiles")
    sub = profile.add_subparsers(dest="profile_command", metavar="ACTION", required=True)
    add = sub.add_parser(
        "add",
        help="add a profile (secrets from env or a hidden prompt)",
        epilog="secrets: SKINSNODE_CLIENT_SECRET, SKINSLINK_API_KEY, "
        "SKINSLINK_WEBHOOK_SECRET (env) or a prompt on a terminal",
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("--skinsnode-url", required=True, metavar="U")
    add.add_argument("--skinsnode-client-id", required=True, metavar="ID")
    add.add_argument("--skinslink-url", required=True, metavar="U")
    add.add_argument("--webhook-url", required=True, metavar="U")
    add.add_argument("--default-game", default="csgo", metavar="G")
    add.add_argument(
        "--tolerance",
        default="2",
        metavar="PCT",
        help="deposit min_price = quoted price minus this percentage (default 2; "
        "Skinslink suggests 1-2%% so small price moves do not refuse it)",
    )
    add.add_argument(
        "--low-balance",
        default=0,
        type=int,
        metavar="CENTS",
        help="warn when the projected balance falls below this",
    )
    add.set_defaults(handler=cmd_profile_add)
    lst = sub.add_parser("list", help="all profiles")
    lst.set_defaults(handler=cmd_profile_list)
    use = sub.add_parser("use", help="make a profile the active one")
    use.add_argument("name", metavar="NAME")
    use.set_defaults(handler=cmd_profile_use)
    remove = sub.add_parser("remove", help="delete a profile and its keyring secrets")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=cmd_profile_remove)
    test = sub.add_parser("test", help="check health, credentials and balance")
    test.add_argument("name", nargs="?", metavar="NAME")
    test.set_defaults(handler=cmd_profile_test)


# --- output ----------------------------------------------------------------------------


class Output:
    """stdout for results, stderr for notes and errors; quiet except JSON under --json."""

    def __init__(self, as_json: bool) -> None:
        from rich.console import Console

        self.as_json = as_json
        self.out = Console(highlight=False, soft_wrap=True)
        if not self.out.is_terminal:
            # In a pipe rich assumes 80 columns; ids and names would be folded mid-word.
            self.out = Console(highlight=False, soft_wrap=True, width=200)
        self.err = Console(stderr=True, highlight=False)
        if not self.err.is_terminal:
            self.err = Console(stderr=True, highlight=False, soft_wrap=True, width=200)

    @property
    def interactive(self) -> bool:
        return not self.as_json and self.err.is_terminal

    def json(self, data: Any) -> None:
        sys.stdout.write(
            json.dumps(data, default=_json_default, ensure_ascii=False, indent=2) + "\n"
        )
        sys.stdout.flush()

    def line(self, text: str = "") -> None:
        if not self.as_json:
            self.out.print(text, markup=False)

    def note(self, text: str) -> None:
        """A side remark on stderr (never mixed into --json stdout)."""
        self.err.print(text, markup=False)

    def table(self, columns: list[str], rows: list[list[str]], *, title: str | None = None):
        if self.as_json:
            return
        from rich.table import Table

        table = Table(title=title, show_lines=False, header_style="bold")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*row)
        self.out.print(table)

    def fields(self, pairs: list[tuple[str, str]]) -> None:
        width = max((len(k) for k, _ in pairs), default=0)
        for key, value in pairs:
            self.line(f"{key.ljust(width)}  {value}")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        from skins_console.core.models import format_time

        return format_time(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def _time(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


# --- running a command -----------------------------------------------------------------


@dataclass
class Cli:
    args: argparse.Namespace
    out: Output
    ctx: Any = None

    async def open(self, *, need_profile: bool = True, recover: bool = False):
        from skins_console.services.context import AppContext
        from skins_console.store.paths import resolve_paths

        paths = resolve_paths(self.args.data_dir)
        scale = self.args.time_scale
        if scale is None:
            env = os.environ.get(TIME_SCALE_ENV)
            # None: learnt from the profile's sandbox (real providers run at real time).
            scale = float(env) if env else None
        if scale is not None and not scale > 0:
            raise CliUsageError("--time-scale must be greater than zero")
        self.ctx = await AppContext.open(paths, profile=self.args.profile, time_scale=scale)
        if need_profile:
            self.ctx.require_profile()
        if recover:
            await self.recover()
        return self.ctx

    async def recover(self) -> None:
        """Finish sends a crash or kill interrupted, before doing anything new."""
        from skins_console.core.errors import AuthError, ForbiddenError, UserFacingError
        from skins_console.services.recovery_service import RecoveryService

        try:
            result = await RecoveryService(self.ctx).recover()
        except (AuthError, ForbiddenError):
            raise
        except UserFacingError as exc:
            self.out.note(f"warning: could not finish interrupted sends yet: {exc.message}")
            return
        if result.total:
            parts = []
            for label, keys in (
                ("adopted", result.adopted),
                ("sent again", result.resent),
                ("still unconfirmed", result.still_unknown),
                ("refused", result.rejected),
            ):
                if keys:
                    parts.append(f"{len(keys)} {label} ({', '.join(keys)})")
            self.out.note("Recovered interrupted sends: " + "; ".join(parts))

    async def close(self) -> None:
        if self.ctx is not None:
            await self.ctx.close()


def _exit_code(exc: BaseException) -> int:
    from skins_console.core import errors

    if isinstance(exc, errors.OutcomeUnknownError):
        return EXIT_PENDING
    if isinstance(exc, errors.SecretStoreError):
        return EXIT_KEYRING
    if isinstance(exc, errors.StoreError):
        return EXIT_STORE
    if isinstance(exc, errors.ApiError):
        return EXIT_PROVIDER
    if isinstance(
        exc, (errors.ValidationError, errors.ProfileError, errors.InsufficientBalanceError)
    ):
        return EXIT_INPUT
    if isinstance(exc, errors.UserFacingError):
        return EXIT_INPUT
    return EXIT_INTERNAL


def _fail(out: Output, code: int, kind: str, message: str) -> int:
    one_line = " ".join(message.split())
    out.note(f"error: {one_line}")
    if out.as_json:
        out.json({"ok": False, "error": {"code": kind, "message": one_line, "exit_code": code}})
    return code


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(sandbox_options="sandbox" in argv)
    args = parser.parse_args(argv)
    if args.selftest:
        from skins_console.selftest import run_selftest

        return run_selftest(args)
    if args.command is None:
        # Imported here: every headless command must work without Qt installed or loaded.
        from skins_console.ui.app import run_gui

        return run_gui(args)
    if getattr(args, "sync_handler", None) is not None:
        return args.sync_handler(args)
    out = Output(args.json)
    try:
        _configure_logging(args)
        return asyncio.run(_run(args, out))
    except KeyboardInterrupt:
        out.note("interrupted")
        return EXIT_INTERRUPTED


def _configure_logging(args: argparse.Namespace) -> None:
    from skins_console.services.logs import configure_file_logging
    from skins_console.store.paths import resolve_paths

    try:
        paths = resolve_paths(args.data_dir)
    except Exception:
        return
    configure_file_logging(paths.log_file, verbose=args.verbose)
    log.debug("skins-console %s: %s", __version__, args.command)


def _stop_on_sigterm() -> None:
    """SIGTERM ends a command like Ctrl-C: the running task is cancelled, so a send in
    progress stays "sending" (recovery finishes it) and the store is closed cleanly."""
    import signal

    task = asyncio.current_task()
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    except (NotImplementedError, RuntimeError, AttributeError):  # Windows: not supported
        pass


async def _run(args: argparse.Namespace, out: Output) -> int:
    from skins_console.core.errors import UserFacingError
    from skins_console.core.money import MoneyError

    cli = Cli(args, out)
    _stop_on_sigterm()
    try:
        return await args.handler(cli)
    except CliUsageError as exc:
        return _fail(out, EXIT_INPUT, "invalid_input", str(exc))
    except MoneyError as exc:
        return _fail(out, EXIT_INPUT, "invalid_amount", str(exc))
    except UserFacingError as exc:
        return _fail(out, _exit_code(exc), exc.code, exc.message)
    except asyncio.CancelledError:
        out.note("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:
        log.exception("internal error in %s", args.command)
        return _fail(
            out,
            EXIT_INTERNAL,
            "internal_error",
            f"internal error ({type(exc).__name__}); details are in the log file.",
        )
    finally:
        await cli.close()


# --- profile ---------------------------------------------------------------------------


def _read_secret(name: str, prompt: str, *, required: bool) -> str | None:
    env = SECRET_ENV[name]
    value = os.environ.get(env)
    if value:
        return value
    if sys.stdin.isatty():
        value = getpass.getpass(
            f"{prompt} (input hidden, Enter to skip): "
            if not required
            else f"{prompt} (input hidden): "
        )
        if value or not required:
            return value or None
    if not required:
        return None
    raise CliUsageError(
        f"The {prompt} is needed: set {env} in the environment, or run on a "
        "terminal to be asked for it. It is never accepted as an option."
    )


def _profile_json(profile) -> dict[str, Any]:
    return {
        "name": profile.name,
        "active": profile.active,
        "skinsnode_url": profile.skinsnode_base_url,
        "skinsnode_client_id": profile.skinsnode_client_id,
        "skinslink_url": profile.skinslink_base_url,
        "webhook_url": profile.webhook_url,
        "default_game": profile.default_game,
        "tolerance_pct": str(profile.min_price_tolerance_pct),
        "low_balance_cents": profile.low_balance_threshold_cents,
    }


async def cmd_profile_add(cli: Cli) -> int:
    from skins_console.core.errors import ValidationError
    from skins_console.core.records import ProfileRecord, validate_profile_name
    from skins_console.services.deposit_service import skinslink_game
    from skins_console.services.profile_service import ProfileSecrets, ProfileService

    args = cli.args
    name = validate_profile_name(args.name)
    try:
        tolerance = Decimal(args.tolerance.strip().rstrip("%"))
    except Exception:
        raise ValidationError(
            f"--tolerance {args.tolerance!r} is not a percentage (e.g. 2.5)", field="tolerance"
        ) from None
    if args.low_balance < 0:
        raise ValidationError("--low-balance must be zero or more cents", field="low_balance")
    profile = ProfileRecord(
        name=name,
        skinsnode_base_url=args.skinsnode_url.strip(),
        skinsnode_client_id=args.skinsnode_client_id.strip(),
        skinslink_base_url=args.skinslink_url.strip(),
        webhook_url=args.webhook_url.strip(),
        default_game=skinslink_game(args.default_game),
        min_price_tolerance_pct=tolerance,
        low_balance_threshold_cents=args.low_balance,
    )
    ctx = await cli.open(need_profile=False)
    if await ctx.profiles.get(name) is not None:
        raise ValidationError(
            f"A profile named “{name}” already exists; remove it first or choose another name.",
            field="name",
            code="profile_exists",
        )
    secrets = ProfileSecrets(
        skinsnode_client_secret=_read_secret(
            "skinsnode_client_secret", "SkinsNode client secret", required=True
        ),
        skinslink_api_key=_read_secret("skinslink_api_key", "Skinslink API key", required=True),
        skinslink_webhook_secret=_read_secret(
            "skinslink_webhook_secret", "Skinslink webhook secret", required=False
        ),
    )
    record = await ProfileService(ctx).add(profile, secrets)
    if cli.out.as_json:
        cli.out.json({"ok": True, "profile": _profile_json(record)})
    else:
        active = " and made it the active profile" if record.active else ""
        cli.out.line(f"Added profile “{record.name}”{active}; secrets are in the OS keyring.")
    return EXIT_OK


async def cmd_profile_list(cli: Cli) -> int:
    from skins_console.core.money import format_cents
    from skins_console.services.profile_service import ProfileService

    ctx = await cli.open(need_profile=False)
    profiles = await ProfileService(ctx).list()
    if cli.out.as_json:
        cli.out.json({"ok": True, "profiles": [_profile_json(p) for p in profiles]})
        return EXIT_OK
    if not profiles:
        cli.out.line("No profiles yet. Add one with `skins-console profile add NAME …`.")
        return EXIT_OK
    cli.out.table(
        [
            "",
            "Name",
            "SkinsNode",
            "Client ID",
            "Skinslink",
            "Webhook URL",
            "Game",
            "Tolerance",
            "Low balance",
        ],
        [
            [
                "*" if p.active else "",
                p.name,
                p.skinsnode_base_url,
                p.skinsnode_client_id,
                p.skinslink_base_url,
                p.webhook_url,
                p.default_game,
                f"{p.min_price_tolerance_pct}%",
                format_cents(p.low_balance_threshold_cents),
            ]
            for p in profiles
        ],
    )
    return EXIT_OK


async def cmd_profile_use(cli: Cli) -> int:
    from skins_console.services.profile_service import ProfileService

    ctx = await cli.open(need_profile=False)
    record = await ProfileService(ctx).use(cli.args.name)
    if cli.out.as_json:
        cli.out.json({"ok": True, "profile": _profile_json(record)})
    else:
        cli.out.line(f"“{record.name}” is now the active profile.")
    return EXIT_OK


async def cmd_profile_remove(cli: Cli) -> int:
    from skins_console.services.profile_service import ProfileService

    ctx = await cli.open(need_profile=False)
    await ProfileService(ctx).remove(cli.args.name)
    if cli.out.as_json:
        cli.out.json({"ok": True, "removed": cli.args.name})
    else:
        cli.out.line(f"Removed profile “{cli.args.name}” and its keyring secrets.")
    return EXIT_OK


async def cmd_profile_test(cli: Cli) -> int:
    from skins_console.services.profile_service import ProfileService

    ctx = await cli.open(need_profile=cli.args.name is None)
    result = await ProfileService(ctx).test(cli.args.name)
    if cli.out.as_json:
        cli.out.json(
            {
                "ok": result.ok,
                "profile": result.profile,
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in result.checks],
            }
        )
    else:
        for check in result.checks:
            mark = "ok  " if check.ok else "FAIL"
            cli.out.line(f"{mark}  {check.name}: {check.detail}")
    if not result.ok:
        failed = next(c for c in result.checks if not c.ok)
        cli.out.note(f"error: {failed.name}: {' '.join(failed.detail.split())}")
        return EXIT_PROVIDER
    return EXIT_OK


# --- health, wallet, catalog -----------------------------------------------------------


async def cmd_health(cli: Cli) -> int:
    ctx = await cli.open()
    health = await (await ctx.skinsnode()).health()
    if cli.out.as_json:
        cli.out.json({"ok": health.ok, "service": health.service})
    else:
        cli.out.line(f"SkinsNode: {'ok' if health.ok else 'NOT OK'} ({health.service or '?'})")
    return EXIT_OK if health.ok else EXIT_PROVIDER


def _wallet_json(view) -> dict[str, Any]:
    return {
        "available_cents": view.available_cents,
        "currency": view.currency,
        "reserved_cents": view.reserved_cents,
        "projected_cents": view.projected_cents,
        "low_balance_threshold_cents": view.low_balance_threshold_cents,
        "low": view.low,
        "as_of": view.fetched_at,
        "offline": view.offline,
    }


async def cmd_wallet(cli: Cli) -> int:
    from skins_console.core.money import format_cents
    from skins_console.services.wallet_service import WalletService

    ctx = await cli.open(recover=True)
    view = await WalletService(ctx).fetch()
    if cli.out.as_json:
        cli.out.json({"ok": True, "wallet": _wallet_json(view)})
        return EXIT_OK
    cli.out.fields(
        [
            ("Available", format_cents(view.available_cents, view.currency)),
            (
                "Reserved",
                format_cents(view.reserved_cents, view.currency)
                + "  (open orders the balance does not show yet)",
            ),
            ("Projected", format_cents(view.projected_cents, view.currency)),
            ("As of", _time(view.fetched_at)),
        ]
    )
    if view.low:
        cli.out.note(
            "warning: the projected balance is below the low-balance threshold of "
            f"{format_cents(view.low_balance_threshold_cents, view.currency)}"
        )
    return EXIT_OK


def _item_json(item) -> dict[str, Any]:
    return {
        "id": item.id,
        "market_hash_name": item.market_hash_name,
        "price_cents": item.price_cents,
        "currency": item.currency,
        "wear": item.wear,
        "float": item.float_value,
        "phase": item.display_phase,
        "paint_seed": item.paint_seed,
    }


async def cmd_catalog(cli: Cli) -> int:
    from skins_console.core.money import format_cents
    from skins_console.services.catalog_service import CatalogService

    ctx = await cli.open(recover=not cli.args.offline)
    service = CatalogService(ctx)
    if cli.out.interactive and not cli.args.offline:
        with cli.out.err.status("Refreshing the catalog…") as status:
            view = await service.search(
                cli.args.search,
                limit=cli.args.limit,
                progress=lambda text: status.update(text + "…"),
            )
    else:
        view = await service.search(
            cli.args.search, limit=cli.args.limit, refresh=not cli.args.offline
        )
    if view.stale_reason:
        cli.out.note(
            f"warning: showing the stored catalog of {_time(view.fetched_at)}: {view.stale_reason}"
        )
    if view.skipped:
        cli.out.note(f"warning: {len(view.skipped)} catalog entries could not be read")
    if cli.out.as_json:
        cli.out.json(
            {
                "ok": True,
                "total": view.total,
                "matched": view.matched,
                "fetched_at": view.fetched_at,
                "offline": view.offline,
                "items": [_item_json(i) for i in view.items],
            }
        )
        return EXIT_OK
    if view.fetched_at is None:
        cli.out.line("No stored catalog yet; run `skins-console catalog` while online.")
        return EXIT_OK
    cli.out.table(
        ["Catalog ID", "Item", "Wear", "Float", "Phase", "Price"],
        [
            [
                i.id,
                i.market_hash_name,
                i.wear or "",
                _float_text(i.float_value),
                i.display_phase or "",
                format_cents(i.price_cents, i.currency),
            ]
            for i in view.items
        ],
    )
    cli.out.line(
        f"{len(view.items)} shown of {view.matched} matching; catalog of "
        f"{view.total} items as of {_time(view.fetched_at)}"
        + (" (offline)" if view.offline else "")
    )
    return EXIT_OK


def _float_text(value) -> str:
    return "" if value is None else f"{value:.4f}"


# --- orders ----------------------------------------------------------------------------


def _order_json(order) -> dict[str, Any]:
    from skins_console.core.statuses import Provider, describe

    return {
        "external_id": order.external_id,
        "status": order.status,
        "status_text": describe(Provider.SKINSNODE, order.status),
        "item_name": order.item_name,
        "catalog_item_id": order.catalog_item_id,
        "expected_price_cents": order.expected_price_cents,
        "amount_cents": order.amount_cents,
        "trade_url": order.trade_url,
        "buyer_steamid64": order.buyer_steamid64,
        "steam_offer_id": order.steam_offer_id,
        "failure_code": order.failure_code,
        "failure_message": order.failure_message,
        "created_at": order.created_at,
        "accepted_at": order.accepted_at,
        "sent_at": order.sent_at,
        "completed_at": order.completed_at,
        "settles_at": order.settles_at,
        "next_check_at": order.next_check_at,
        "attempts": order.attempts,
    }


_OUTCOME_EXIT = {
    "accepted": EXIT_OK,
    "existing": EXIT_OK,
    "failed": EXIT_PROVIDER,
    "rejected": EXIT_PROVIDER,
    "unknown": EXIT_PENDING,
    "busy": EXIT_PENDING,
}


async def cmd_order_create(cli: Cli) -> int:
    from skins_console.core.money import parse_cents_input
    from skins_console.core.trade_url import parse_trade_url
    from skins_console.services.checkout_service import (
        CheckoutRequest,
        CheckoutService,
        validate_external_id,
    )

    args = cli.args
    # Checked before opening anything: a typo must cost nothing and leave nothing behind.
    parse_trade_url(args.trade_url)
    price = parse_cents_input(args.price, field="--price") if args.price else None
    if args.external_id:
        validate_external_id(args.external_id)
    ctx = await cli.open(recover=True)
    result = await CheckoutService(ctx).checkout(
        CheckoutRequest(
            catalog_item_id=args.item.strip(),
            trade_url=args.trade_url,
            expected_price_cents=price,
            external_id=args.external_id,
        )
    )
    code = _OUTCOME_EXIT.get(result.outcome, EXIT_PROVIDER)
    if cli.out.as_json:
        cli.out.json(
            {
                "ok": code == EXIT_OK,
                "outcome": result.outcome,
                "message": result.message,
                "reused": result.reused,
                "order": _order_json(result.order),
            }
        )
    else:
        cli.out.line(f"{result.order.external_id}  {result.order.status}  {result.order.item_name}")
        if code == EXIT_OK:
            cli.out.line(result.message)
    if code != EXIT_OK:
        cli.out.note(
            ("error: " if code == EXIT_PROVIDER else "pending: ") + " ".join(result.message.split())
        )
    return code


def _timeline_rows(events) -> list[list[str]]:
    rows = []
    for event in events:
        move = ""
        if event.new_status:
            move = f"{event.old_status or '∅'} → {event.new_status}"
        rows.append([_time(event.at), event.type, move, event.message])
    return rows


def _event_json(event) -> dict[str, Any]:
    return {
        "at": event.at,
        "type": event.type,
        "old_status": event.old_status,
        "new_status": event.new_status,
        "message": event.message,
    }


async def cmd_order_show(cli: Cli) -> int:
    from skins_console.core.errors import ValidationError
    from skins_console.core.money import format_cents
    from skins_console.core.statuses import Provider, describe
    from skins_console.services.explain import explain_order_failure

    ctx = await cli.open()
    profile = ctx.require_profile().name
    order = await ctx.orders.get(profile, cli.args.external_id)
    if order is None:
        raise ValidationError(
            f"There is no order {cli.args.external_id} in profile “{profile}”.",
            code="unknown_order",
        )
    events = await ctx.events.for_record(profile, "order", order.external_id)
    if cli.out.as_json:
        cli.out.json(
            {"ok": True, "order": _order_json(order), "timeline": [_event_json(e) for e in events]}
        )
        return EXIT_OK
    pairs = [
        ("Order", order.external_id),
        ("Status", f"{order.status}: {describe(Provider.SKINSNODE, order.status)}"),
        ("Item", f"{order.item_name} ({order.catalog_item_id})"),
        ("Price", format_cents(order.expected_price_cents)),
        ("Buyer", f"{order.trade_url}"),
    ]
    if order.buyer_steamid64:
        pairs.append(
            ("Buyer profile", f"https://steamcommunity.com/profiles/{order.buyer_steamid64}")
        )
    if order.steam_offer_id:
        pairs.append(("Trade offer", order.steam_offer_id))
    if order.failure_code:
        pairs.append(("Why", explain_order_failure(order.failure_code, order.failure_message)))
    pairs += [
        ("Created", _time(order.created_at)),
        ("Completed", _time(order.completed_at)),
        ("Settles", _time(order.settles_at)),
    ]
    cli.out.fields(pairs)
    cli.out.table(["When", "Type", "Status", "What"], _timeline_rows(events), title="Timeline")
    return EXIT_OK


async def cmd_orders_list(cli: Cli) -> int:
    from skins_console.core.money import format_cents
    from skins_console.core.records import ActivityFilter

    ctx = await cli.open()
    profile = ctx.require_profile().name
    if cli.args.open:
        orders = await ctx.orders.list_open(profile)
        if cli.args.status:
            orders = [o for o in orders if o.status in cli.args.status]
        orders = orders[: cli.args.limit]
    else:
        orders = await ctx.orders.search(
            ActivityFilter(
                profile=profile,
                statuses=tuple(cli.args.status) if cli.args.status else None,
                limit=cli.args.limit,
            )
        )
    if cli.out.as_json:
        cli.out.json({"ok": True, "orders": [_order_json(o) for o in orders]})
        return EXIT_OK
    cli.out.table(
        ["Order", "Status", "Item", "Price", "Created"],
        [
            [
                o.external_id,
                o.status,
                o.item_name,
                format_cents(o.expected_price_cents),
                _time(o.created_at),
            ]
            for o in orders
        ],
    )
    return EXIT_OK


async def cmd_orders_sync(cli: Cli) -> int:
    from skins_console.services.tracking_service import TrackingService

    args = cli.args
    watch = args.watch or args.until_terminal
    ctx = await cli.open(recover=True)
    tracker = TrackingService(ctx)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.timeout if args.timeout is not None else None
    totals = {"checked": 0, "changed": 0, "failed": 0}
    status = (
        cli.out.err.status("Checking open orders and deposits…")
        if cli.out.interactive and watch
        else None
    )
    if status is not None:
        status.start()
    if watch and not cli.out.as_json:
        cli.out.note(f"Watching {await _unfinished(ctx)} open order(s)/deposit(s); Ctrl-C stops.")
    first = True
    try:
        while True:
            result = await tracker.run_pass(everything=first)
            first = False
            for key in ("checked", "changed", "failed"):
                totals[key] += getattr(result, key)
            for changed in result.changed_keys:
                await _print_change(cli, changed)
            if result.paused:
                cli.out.note(f"error: {result.paused}: {tracker.paused_detail}")
                return _sync_done(cli, totals, EXIT_PROVIDER, paused=result.paused)
            open_count = await _unfinished(ctx)
            if status is not None:
                status.update(
                    f"{open_count} open · {totals['changed']} changes · {totals['checked']} checks"
                )
            if not watch:
                return _sync_done(cli, totals, EXIT_OK, open_count=open_count)
            if args.until_terminal and open_count == 0:
                return _sync_done(cli, totals, EXIT_OK, open_count=0)
            delay = ctx.cadence.seconds(ctx.cadence.idle)
            if result.next_due_at is not None:
                delay = min(delay, max(0.0, (result.next_due_at - ctx.clock.now()).total_seconds()))
            if deadline is not None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    cli.out.note(
                        f"pending: timed out with {open_count} order(s)/deposit(s) still open"
                    )
                    return _sync_done(cli, totals, EXIT_PENDING, open_count=open_count)
                delay = min(delay, remaining)
            await asyncio.sleep(max(delay, 0.02))
    finally:
        if status is not None:
            status.stop()


async def _unfinished(ctx) -> int:
    """Orders not final, deposits neither final nor in their (7-day) hold."""
    from skins_console.core.statuses import is_terminal

    profile = ctx.require_profile().name
    orders = [
        o for o in await ctx.orders.list_open(profile) if not is_terminal("skinsnode", o.status)
    ]
    deposits = [
        d
        for d in await ctx.deposits.list_open(profile)
        if d.status != "hold" and not is_terminal("skinslink", d.status)
    ]
    return len(orders) + len(deposits)


async def _print_change(cli: Cli, key: str) -> None:
    ctx = cli.ctx
    profile = ctx.require_profile().name
    order = await ctx.orders.get(profile, key)
    if order is not None:
        if not cli.out.as_json:
            cli.out.line(f"order {key}: {order.status}")
        return
    deposit = await ctx.deposits.get(profile, key)
    if deposit is not None and not cli.out.as_json:
        cli.out.line(f"deposit {key}: {deposit.status}")


def _sync_done(
    cli: Cli, totals: dict, code: int, *, open_count: int | None = None, paused: str | None = None
) -> int:
    if cli.out.as_json:
        cli.out.json({"ok": code == EXIT_OK, **totals, "open": open_count, "paused": paused})
    else:
        cli.out.line(
            f"{totals['checked']} checks, {totals['changed']} changes, "
            f"{totals['failed']} failed"
            + (f", {open_count} still open" if open_count is not None else "")
        )
    return code


# --- Skinslink -------------------------------------------------------------------------


def _quote_names(names: list[str]) -> list[str]:
    result: list[str] = []
    for name in names:
        if name == "-":
            result.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            result.append(name)
    if not result:
        raise CliUsageError("No item names given (stdin was empty).")
    return result


async def cmd_quote(cli: Cli) -> int:
    from skins_console.core.money import format_usd
    from skins_console.services.deposit_service import DepositService

    names = _quote_names(cli.args.names)
    ctx = await cli.open(recover=True)
    quote = await DepositService(ctx).quote(
        names, game=cli.args.game, price_only=cli.args.price_only
    )
    priced = {item["name"] for item in quote.items}
    unpriced = [name for name in quote.requested if name not in priced]
    if cli.out.as_json:
        cli.out.json(
            {
                "ok": True,
                "quote": {
                    "id": quote.id,
                    "trade_id": quote.trade_id,
                    "game": quote.game,
                    "sum": quote.sum,
                    "lock_expires_at": quote.lock_expires_at,
                    "items": [
                        {
                            "name": i["name"],
                            "price": i["price"],
                            "original_price": i.get("original_price"),
                        }
                        for i in quote.items
                    ],
                    "unpriced": unpriced,
                },
            }
        )
        return EXIT_OK
    cli.out.table(
        ["Item", "Price", "Provider price"],
        [
            [
                i["name"],
                format_usd(Decimal(i["price"])),
                format_usd(Decimal(i["original_price"]))
                if i.get("original_price") is not None
                else "",
            ]
            for i in quote.items
        ],
    )
    if quote.trade_id is not None:
        cli.out.line(
            f"Quote {quote.id} (Skinslink trade {quote.trade_id}): "
            f"{format_usd(quote.sum)} in total, prices locked until "
            f"{_time(quote.lock_expires_at)}. Use it with "
            f"`deposit create --quote {quote.id} …`."
        )
    else:
        cli.out.line(f"Price-only quote {quote.id}: {format_usd(quote.sum)} in total (no lock).")
    if unpriced:
        cli.out.note(f"warning: no price for {len(unpriced)} name(s): {', '.join(unpriced)}")
    return EXIT_OK


def parse_item_spec(spec: str):
    """``NAME=ASSET_ID[:MIN_PRICE]``; the name may itself contain ``=`` or ``:``."""
    from skins_console.core.money import parse_usd_input
    from skins_console.services.deposit_service import DepositLine

    name, sep, rest = spec.rpartition("=")
    if not sep or not name.strip() or not rest.strip():
        raise CliUsageError(f"--item {spec!r}: write NAME=ASSET_ID or NAME=ASSET_ID:MIN_PRICE")
    asset, colon, minimum = rest.partition(":")
    if not asset.strip().isdigit():
        raise CliUsageError(
            f"--item {spec!r}: the asset id {asset.strip()!r} must be a number "
            "(the Steam asset id of the seller's item)"
        )
    min_price = (
        parse_usd_input(minimum, field=f"minimum price of {name.strip()}") if colon else None
    )
    return DepositLine(name=name.strip(), asset_id=asset.strip(), min_price=min_price)


def _deposit_json(deposit) -> dict[str, Any]:
    from skins_console.core.statuses import Provider, describe

    return {
        "merchant_tx_id": deposit.merchant_tx_id,
        "trade_id": deposit.trade_id,
        "status": deposit.status,
        "status_text": describe(Provider.SKINSLINK, deposit.status),
        "game": deposit.game,
        "items": list(deposit.items),
        "amount": deposit.amount,
        "partner": deposit.partner,
        "trade_offer_id": deposit.trade_offer_id,
        "trade_offer_expiry_at": deposit.trade_offer_expiry_at,
        "bot_name": deposit.bot_name,
        "fail_reason": deposit.fail_reason,
        "hold_end_date": deposit.hold_end_date,
        "created_at": deposit.created_at,
        "completed_at": deposit.completed_at,
        "attempts": deposit.attempts,
    }


async def cmd_deposit_create(cli: Cli) -> int:
    from skins_console.core.trade_url import parse_trade_url
    from skins_console.services.checkout_service import validate_external_id
    from skins_console.services.deposit_service import DepositInput, DepositService

    args = cli.args
    parse_trade_url(args.trade_url)
    lines = tuple(parse_item_spec(spec) for spec in args.item)
    if args.merchant_tx_id:
        validate_external_id(args.merchant_tx_id)
    ctx = await cli.open(recover=True)
    result = await DepositService(ctx).create(
        DepositInput(
            quote_id=args.quote,
            trade_url=args.trade_url,
            items=lines,
            merchant_tx_id=args.merchant_tx_id,
        )
    )
    code = _OUTCOME_EXIT.get(result.outcome, EXIT_PROVIDER)
    if cli.out.as_json:
        cli.out.json(
            {
                "ok": code == EXIT_OK,
                "outcome": result.outcome,
                "message": result.message,
                "reused": result.reused,
                "deposit": _deposit_json(result.deposit),
            }
        )
    else:
        cli.out.line(f"{result.deposit.merchant_tx_id}  {result.deposit.status}")
        if code == EXIT_OK:
            cli.out.line(result.message)
    if code != EXIT_OK:
        cli.out.note(
            ("error: " if code == EXIT_PROVIDER else "pending: ") + " ".join(result.message.split())
        )
    return code


async def cmd_deposit_show(cli: Cli) -> int:
    from skins_console.core.money import format_usd
    from skins_console.core.statuses import Provider, describe
    from skins_console.services.deposit_service import DepositService
    from skins_console.services.deposits_flow import deposit_settles_at
    from skins_console.services.explain import explain_deposit_failure

    ctx = await cli.open()
    deposit = await DepositService(ctx).get(cli.args.merchant_tx_id)
    events = await ctx.events.for_record(deposit.profile, "deposit", deposit.merchant_tx_id)
    if cli.out.as_json:
        cli.out.json(
            {
                "ok": True,
                "deposit": _deposit_json(deposit),
                "timeline": [_event_json(e) for e in events],
            }
        )
        return EXIT_OK
    pairs = [
        ("Deposit", deposit.merchant_tx_id),
        ("Status", f"{deposit.status}: {describe(Provider.SKINSLINK, deposit.status)}"),
        ("Trade id", str(deposit.trade_id)),
        ("Items", "; ".join(f"{i.get('name')} ({i.get('asset_id')})" for i in deposit.items)),
        ("Amount", format_usd(deposit.amount)),
    ]
    if deposit.trade_offer_id:
        pairs.append(
            (
                "Trade offer",
                f"{deposit.trade_offer_id} from {deposit.bot_name or '?'}"
                f", expires {_time(deposit.trade_offer_expiry_at)}",
            )
        )
    if deposit.fail_reason:
        pairs.append(("Why", explain_deposit_failure(deposit.fail_reason)))
    pairs += [
        ("Created", _time(deposit.created_at)),
        ("Settles", _time(deposit_settles_at(deposit, ctx.cadence))),
    ]
    cli.out.fields(pairs)
    cli.out.table(["When", "Type", "Status", "What"], _timeline_rows(events), title="Timeline")
    return EXIT_OK


async def cmd_deposits_list(cli: Cli) -> int:
    from skins_console.core.money import format_usd
    from skins_console.core.records import ActivityFilter

    ctx = await cli.open()
    profile = ctx.require_profile().name
    deposits = await ctx.deposits.search(
        ActivityFilter(
            profile=profile,
            statuses=tuple(cli.args.status) if cli.args.status else None,
            limit=cli.args.limit,
        )
    )
    if cli.out.as_json:
        cli.out.json({"ok": True, "deposits": [_deposit_json(d) for d in deposits]})
        return EXIT_OK
    cli.out.table(
        ["Deposit", "Status", "Items", "Amount", "Created"],
        [
            [
                d.merchant_tx_id,
                d.status,
                str(len(d.items)),
                format_usd(d.amount),
                _time(d.created_at),
            ]
            for d in deposits
        ],
    )
    return EXIT_OK


# --- export, sandbox, webhooks ---------------------------------------------------------


async def cmd_export(cli: Cli) -> int:
    from skins_console.services.export_service import ExportService

    ctx = await cli.open()
    service = ExportService(ctx)
    path: Path = cli.args.csv.expanduser()
    if path.is_dir():
        raise CliUsageError(f"{path} is a folder; give a file name, e.g. {path / 'orders.csv'}")
    if cli.args.export_what == "orders":
        count = await service.export_orders(path)
    else:
        count = await service.export_deposits(path)
    if cli.out.as_json:
        cli.out.json({"ok": True, "file": str(path.resolve()), "rows": count})
    else:
        cli.out.line(f"Wrote {count} {cli.args.export_what} to {path}")
    return EXIT_OK


def cmd_sandbox_serve(args: argparse.Namespace) -> int:
    from skins_console.sandbox.cli import serve

    return serve(args)


async def cmd_webhooks_serve(cli: Cli) -> int:
    from skins_console.services.webhook_listener import serve_forever

    ctx = await cli.open()
    host = cli.args.host or ctx.settings.webhook_listener_host
    port = cli.args.port if cli.args.port is not None else ctx.settings.webhook_listener_port
    await serve_forever(ctx, host, port, announce=cli.out.note)
    return 0
