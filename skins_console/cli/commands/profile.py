"""``profile add | set | list | use | remove | test``: merchant profiles."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from decimal import Decimal
from typing import TYPE_CHECKING

from skins_console.cli.exit_codes import EXIT_PROVIDER, CliUsageError
from skins_console.cli.formats import profile_json
from skins_console.cli.output import Line, Report, Table, one_line
from skins_console.cli.parser import Commands, add_actions, add_command
from skins_console.cli.session import Session

if TYPE_CHECKING:
    from skins_console.core.records import ProfileRecord
    from skins_console.services.profile_service import ProfileSecrets
    from skins_console.store.team_profiles import TeamProfile

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
        "SKINSLINK_WEBHOOK_SECRET, SKINS_CONSOLE_DATABASE_PASSWORD (env) or a prompt on a "
        "terminal. With --database the profile's orders live in a team PostgreSQL "
        "database; if the team already has the profile, the provider URLs may be left out "
        "(this computer joins it).",
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("--skinsnode-url", metavar="U", help="required unless joining a team")
    add.add_argument("--skinsnode-client-id", metavar="ID", help="required unless joining")
    add.add_argument("--skinslink-url", metavar="U", help="required unless joining")
    add.add_argument("--webhook-url", metavar="U", help="required unless joining")
    add.add_argument(
        "--database",
        metavar="URL",
        help="keep the orders in a team database: postgresql://USER@HOST:PORT/DBNAME"
        "[?sslmode=verify-full] (no password in it)",
    )
    add.add_argument(
        "--operator",
        metavar="NAME",
        help="with --database: who you are in the team's records (default: the "
        "operator_name setting, else your OS user name)",
    )
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
    add.set_defaults(handler=add_profile, database_away="the profile was not added")
    change = add_command(
        sub,
        "set",
        help="change this computer's operator name or database password of a team profile",
        epilog="--password reads SKINS_CONSOLE_DATABASE_PASSWORD (env) or asks on a terminal; "
        "the new password is tried on the team database before it replaces the keyring's.",
    )
    change.add_argument("name", metavar="NAME")
    change.add_argument("--operator", metavar="NAME", help="your name in its records ('': OS user)")
    change.add_argument("--password", action="store_true", help="change its database password")
    change.set_defaults(handler=set_team_profile)
    listing = add_command(sub, "list", help="all profiles (this computer's and team ones)")
    listing.set_defaults(handler=list_profiles)
    use = add_command(sub, "use", help="make a profile the active one")
    use.add_argument("name", metavar="NAME")
    use.set_defaults(handler=use_profile)
    remove = add_command(
        sub,
        "remove",
        help="delete a profile and its keyring secrets (a team profile: only this "
        "computer's link to it)",
    )
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


PROVIDER_OPTIONS = (
    ("--skinsnode-url", "skinsnode_url"),
    ("--skinsnode-client-id", "skinsnode_client_id"),
    ("--skinslink-url", "skinslink_url"),
    ("--webhook-url", "webhook_url"),
)


def _provider_profile(
    args: argparse.Namespace, name: str, *, joining: bool
) -> ProfileRecord | None:
    """The profile the options describe; None when joining a team without them."""
    from skins_console.core.errors import ValidationError
    from skins_console.core.records import ProfileRecord
    from skins_console.services.deposit_service import skinslink_game

    missing = [flag for flag, attr in PROVIDER_OPTIONS if not (getattr(args, attr) or "").strip()]
    if joining and len(missing) == len(PROVIDER_OPTIONS):
        return None
    if missing:
        raise CliUsageError(
            f"profile add needs {', '.join(missing)}"
            + (" (or none of the provider options, to join the team's profile)" if joining else "")
        )
    try:
        tolerance = Decimal(args.tolerance.strip().rstrip("%"))
    except Exception:
        raise ValidationError(
            f"--tolerance {args.tolerance!r} is not a percentage (e.g. 2.5)", field="tolerance"
        ) from None
    if args.low_balance < 0:
        raise ValidationError("--low-balance must be zero or more cents", field="low_balance")
    return ProfileRecord(
        name=name,
        skinsnode_base_url=args.skinsnode_url.strip(),
        skinsnode_client_id=args.skinsnode_client_id.strip(),
        skinslink_base_url=args.skinslink_url.strip(),
        webhook_url=args.webhook_url.strip(),
        default_game=skinslink_game(args.default_game),
        min_price_tolerance_pct=tolerance,
        low_balance_threshold_cents=args.low_balance,
    )


def _provider_secrets() -> ProfileSecrets:
    from skins_console.services.profile_service import ProfileSecrets

    return ProfileSecrets(
        skinsnode_client_secret=_required_secret(
            "skinsnode_client_secret", "SkinsNode client secret"
        ),
        skinslink_api_key=_required_secret("skinslink_api_key", "Skinslink API key"),
        skinslink_webhook_secret=_secret_from_env_or_prompt(
            "skinslink_webhook_secret", "Skinslink webhook secret", skippable=True
        ),
    )


async def add_profile(session: Session) -> Report:
    from skins_console.core.errors import ValidationError
    from skins_console.core.records import validate_profile_name
    from skins_console.services.profile_service import ProfileService

    args = session.args
    name = validate_profile_name(args.name)
    if args.database is not None:
        return await _add_team_profile(session, name)
    if args.operator is not None:
        raise CliUsageError("--operator names you in a team database; it goes with --database")
    profile = _provider_profile(args, name, joining=False)
    assert profile is not None
    ctx = await session.open(need_profile=False, local_book=True)
    if await ctx.profiles.get(name) is not None or _team_profile(session, name) is not None:
        raise ValidationError(
            f"A profile named “{name}” already exists; remove it first "
            f"(`skins-console profile remove {name}`) or choose another name.",
            field="name",
            code="profile_exists",
        )
    record = await ProfileService(ctx).add(profile, _provider_secrets())
    active = " and made it the active profile" if record.active else ""
    return Report(
        {"profile": profile_json(record)},
        [Line(f"Added profile “{record.name}”{active}; secrets are in the OS keyring.")],
    )


async def _add_team_profile(session: Session, name: str) -> Report:
    from skins_console.services.team_setup import add_team_profile
    from skins_console.store.settings import Settings
    from skins_console.store.team_profiles import (
        TeamProfile,
        parse_database_url,
        validate_operator,
    )

    args = session.args
    url = parse_database_url(args.database)
    team = TeamProfile(name, url.text, validate_operator(args.operator))
    profile = _provider_profile(args, name, joining=True)
    password = database_password(url.user, url.where)
    paths = session.paths()
    settings = Settings.load(paths.settings_file)
    added = await add_team_profile(
        paths, settings, team, profile=profile, secrets=_provider_secrets(), password=password
    )
    who = added.team.operator or settings.operator_name or "your OS user name"
    verb = "Joined the team's" if added.joined else "Added team"
    active = " It is the active profile." if settings.active_profile == name else ""
    return Report(
        {"profile": profile_json(added.record, added.team), "joined": added.joined},
        [
            Line(
                f"{verb} profile “{name}” (team database {added.team.where}; you are "
                f"“{who}” in its records); secrets are in the OS keyring.{active}"
            )
        ],
    )


def database_password(user: str, where: str) -> str | None:
    """From the environment or a hidden prompt; None: no password (trust, certificate or
    .pgpass authentication)."""
    from skins_console.store.secrets import SecretKind

    value = os.environ.get(SecretKind.DATABASE_PASSWORD.env)
    if value:
        return value
    if sys.stdin.isatty():
        return (
            getpass.getpass(
                f"Password of {user} at {where} (input hidden, Enter if it needs none): "
            )
            or None
        )
    return None


def _new_database_password(user: str, where: str) -> str | None:
    """``profile set --password``: like ``database_password``, but never "none" by default
    (no variable and no terminal is a mistake, not a password-less database)."""
    from skins_console.store.secrets import SecretKind

    env = SecretKind.DATABASE_PASSWORD.env
    if not os.environ.get(env) and not sys.stdin.isatty():
        raise CliUsageError(
            f"The new database password is needed: set {env} in the environment, or run on a "
            "terminal to be asked for it. It is never accepted as an option."
        )
    return database_password(user, where)


def _operator_phrase(session: Session, operator: str | None) -> str:
    """Who the records will name: the profile's own operator, else the setting, else the OS
    user, and which of the three it is."""
    from skins_console.store.database import default_operator
    from skins_console.store.settings import Settings

    if operator:
        return f"“{operator}”"
    setting = Settings.load(session.paths().settings_file).operator_name
    if setting:
        return f"“{setting}” (the operator_name setting)"
    return f"“{default_operator()}” (your OS user name)"


async def set_team_profile(session: Session) -> Report:
    from skins_console.core.errors import ProfileError
    from skins_console.services.team_setup import KEEP, Keep, change_team_profile

    args = session.args
    team = _team_profile(session, args.name)
    if team is None:
        raise ProfileError(
            f"There is no team profile named “{args.name}” on this computer; `profile set` "
            "changes a team profile's operator name or database password.",
            code="profile_missing",
        )
    if args.operator is None and not args.password:
        raise CliUsageError("profile set needs --operator NAME, --password or both")
    operator: str | Keep | None = KEEP if args.operator is None else args.operator
    password: str | Keep | None = KEEP
    if args.password:
        password = _new_database_password(team.url.user, team.where)
    changed = await change_team_profile(
        session.paths(), team.name, operator=operator, password=password
    )
    said = []
    if not isinstance(operator, Keep):
        said.append(f"you are now {_operator_phrase(session, changed.operator)} in its records")
    if not isinstance(password, Keep):
        said.append(
            "the new database password worked and is in the OS keyring"
            if password
            else "the database needs no password; the keyring's is deleted"
        )
    return Report(
        {
            "profile": team.name,
            "database": changed.database,
            "operator": changed.operator,
            "password_changed": not isinstance(password, Keep),
        },
        [Line(f"Team profile “{team.name}” ({changed.where}): {'; '.join(said)}.")],
    )


def _team_profile(session: Session, name: str) -> TeamProfile | None:
    from skins_console.store.team_profiles import registry_for

    return registry_for(session.paths()).get(name)


async def list_profiles(session: Session) -> Report:
    from skins_console.core.money import format_cents
    from skins_console.services.profile_service import ProfileService
    from skins_console.store.settings import Settings
    from skins_console.store.team_profiles import registry_for

    paths = session.paths()
    teams = registry_for(paths).all()
    profiles: list[ProfileRecord] = []
    settings = Settings.load(paths.settings_file)
    if paths.database.exists() or not teams:  # a team-only computer has no local book
        ctx = await session.open(need_profile=False, local_book=True)
        profiles = await ProfileService(ctx).list()
        settings = ctx.settings
    # A team profile is active through the setting; the local book's flag only otherwise.
    active = settings.active_profile
    if not any(team.name == active for team in teams):
        active = next((p.name for p in profiles if p.active), active)
    data = {
        "profiles": [{**profile_json(p), "active": p.name == active} for p in profiles]
        + [
            {
                "name": t.name,
                "active": t.name == active,
                "database": t.database,
                "operator": t.operator,
            }
            for t in teams
        ]
    }
    if not profiles and not teams:
        return Report(
            data, [Line("No profiles yet. Add one with `skins-console profile add NAME …`.")]
        )
    rows = [
        [
            "*" if p.name == active else "",
            p.name,
            "this computer",
            p.skinsnode_base_url,
            p.skinsnode_client_id,
            p.skinslink_base_url,
            p.webhook_url,
            p.default_game,
            f"{p.min_price_tolerance_pct}%",
            format_cents(p.low_balance_threshold_cents),
        ]
        for p in profiles
    ]
    rows += [
        [
            "*" if t.name == active else "",
            t.name,
            f"team {t.where}" + (f" (as {t.operator})" if t.operator else ""),
            # A team profile's provider settings live in the team's book, which listing
            # does not open (it may be away); `profile test NAME` opens it.
            "in the team book",
            *[""] * 6,
        ]
        for t in teams
    ]
    table = Table(
        [
            "",
            "Name",
            "Orders kept in",
            "SkinsNode",
            "Client ID",
            "Skinslink",
            "Webhook URL",
            "Game",
            "Tolerance",
            "Low balance",
        ],
        rows,
    )
    return Report(data, [table])


async def use_profile(session: Session) -> Report:
    from skins_console.services.profile_service import ProfileService
    from skins_console.services.team_setup import use_team_profile
    from skins_console.store.settings import Settings

    name = session.args.name
    if _team_profile(session, name) is not None:
        paths = session.paths()
        team = use_team_profile(paths, Settings.load(paths.settings_file), name)
        return Report(
            {"profile": {"name": team.name, "database": team.database}},
            [Line(f"“{team.name}” (team database {team.where}) is now the active profile.")],
        )
    ctx = await session.open(need_profile=False, local_book=True)
    record = await ProfileService(ctx).use(name)
    return Report(
        {"profile": profile_json(record)}, [Line(f"“{record.name}” is now the active profile.")]
    )


async def remove_profile(session: Session) -> Report:
    from skins_console.services.profile_service import ProfileService
    from skins_console.services.team_setup import forget_team_profile
    from skins_console.store.settings import Settings

    name = session.args.name
    if _team_profile(session, name) is not None:
        paths = session.paths()
        team = await forget_team_profile(paths, Settings.load(paths.settings_file), name)
        return Report(
            {"removed": name, "database": team.database},
            [
                Line(
                    f"Removed the team profile “{name}” from this computer (its keyring "
                    f"secrets too); its orders stay in the team database {team.where}."
                )
            ],
        )
    ctx = await session.open(need_profile=False, local_book=True)
    await ProfileService(ctx).remove(name)
    return Report({"removed": name}, [Line(f"Removed profile “{name}” and its keyring secrets.")])


async def test_profile(session: Session) -> Report:
    from skins_console.services.profile_service import ProfileService

    # A named profile is tested in its own book (a team profile's is the team database).
    ctx = await session.open(need_profile=session.args.name is None, profile=session.args.name)
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
