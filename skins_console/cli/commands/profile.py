"""``profile add | list | use | remove | test``: merchant profiles."""

from __future__ import annotations

import getpass
import os
import sys
from decimal import Decimal

from skins_console.cli.exit_codes import EXIT_PROVIDER, CliUsageError
from skins_console.cli.formats import profile_json
from skins_console.cli.output import Line, Report, Table, one_line
from skins_console.cli.parser import Commands, add_actions, add_command
from skins_console.cli.session import Session

SECRET_ENV = {
    "skinsnode_client_secret": "SKINSNODE_CLIENT_SECRET",
    "skinslink_api_key": "SKINSLINK_API_KEY",
    "skinslink_webhook_secret": "SKINSLINK_WEBHOOK_SECRET",
}


def register(commands: Commands) -> None:
    profile = add_command(commands, "profile", help="merchant profiles")
    sub = add_actions(profile, "profile_command")
    add = add_command(
        sub,
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
    add.set_defaults(handler=add_profile)
    listing = add_command(sub, "list", help="all profiles")
    listing.set_defaults(handler=list_profiles)
    use = add_command(sub, "use", help="make a profile the active one")
    use.add_argument("name", metavar="NAME")
    use.set_defaults(handler=use_profile)
    remove = add_command(sub, "remove", help="delete a profile and its keyring secrets")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=remove_profile)
    test = add_command(sub, "test", help="check health, credentials and balance")
    test.add_argument("name", nargs="?", metavar="NAME")
    test.set_defaults(handler=test_profile)


def _secret_from_env_or_prompt(name: str, prompt: str, *, skippable: bool) -> str | None:
    value = os.environ.get(SECRET_ENV[name])
    if value:
        return value
    if sys.stdin.isatty():
        hint = "input hidden, Enter to skip" if skippable else "input hidden"
        return getpass.getpass(f"{prompt} ({hint}): ") or None
    return None


def _required_secret(name: str, prompt: str) -> str:
    value = _secret_from_env_or_prompt(name, prompt, skippable=False)
    if value:
        return value
    raise CliUsageError(
        f"The {prompt} is needed: set {SECRET_ENV[name]} in the environment, or run on a "
        "terminal to be asked for it. It is never accepted as an option."
    )


async def add_profile(session: Session) -> Report:
    from skins_console.core.errors import ValidationError
    from skins_console.core.records import ProfileRecord, validate_profile_name
    from skins_console.services.deposit_service import skinslink_game
    from skins_console.services.profile_service import ProfileSecrets, ProfileService

    args = session.args
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
    ctx = await session.open(need_profile=False)
    if await ctx.profiles.get(name) is not None:
        raise ValidationError(
            f"A profile named “{name}” already exists; remove it first "
            f"(`skins-console profile remove {name}`) or choose another name.",
            field="name",
            code="profile_exists",
        )
    secrets = ProfileSecrets(
        skinsnode_client_secret=_required_secret(
            "skinsnode_client_secret", "SkinsNode client secret"
        ),
        skinslink_api_key=_required_secret("skinslink_api_key", "Skinslink API key"),
        skinslink_webhook_secret=_secret_from_env_or_prompt(
            "skinslink_webhook_secret", "Skinslink webhook secret", skippable=True
        ),
    )
    record = await ProfileService(ctx).add(profile, secrets)
    active = " and made it the active profile" if record.active else ""
    return Report(
        {"profile": profile_json(record)},
        [Line(f"Added profile “{record.name}”{active}; secrets are in the OS keyring.")],
    )


async def list_profiles(session: Session) -> Report:
    from skins_console.core.money import format_cents
    from skins_console.services.profile_service import ProfileService

    ctx = await session.open(need_profile=False)
    profiles = await ProfileService(ctx).list()
    data = {"profiles": [profile_json(p) for p in profiles]}
    if not profiles:
        return Report(
            data, [Line("No profiles yet. Add one with `skins-console profile add NAME …`.")]
        )
    table = Table(
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
    return Report(data, [table])


async def use_profile(session: Session) -> Report:
    from skins_console.services.profile_service import ProfileService

    ctx = await session.open(need_profile=False)
    record = await ProfileService(ctx).use(session.args.name)
    return Report(
        {"profile": profile_json(record)}, [Line(f"“{record.name}” is now the active profile.")]
    )


async def remove_profile(session: Session) -> Report:
    from skins_console.services.profile_service import ProfileService

    name = session.args.name
    ctx = await session.open(need_profile=False)
    await ProfileService(ctx).remove(name)
    return Report({"removed": name}, [Line(f"Removed profile “{name}” and its keyring secrets.")])


async def test_profile(session: Session) -> Report:
    from skins_console.services.profile_service import ProfileService

    ctx = await session.open(need_profile=session.args.name is None)
    result = await ProfileService(ctx).test(session.args.name)
    report = Report(
        {
            "profile": result.profile,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in result.checks],
        },
        [
            Line(f"{'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
            for check in result.checks
        ],
    )
    if not result.ok:
        failed = next(c for c in result.checks if not c.ok)
        report.exit_code = EXIT_PROVIDER
        report.notes.append(f"error: {failed.name}: {one_line(failed.detail)}")
    return report
