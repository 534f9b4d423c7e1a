"""``database migrate``, ``database import-local``: the book's schema, and moving a local
history into a team database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from skins_console.cli.exit_codes import EXIT_INPUT, CliUsageError
from skins_console.cli.output import Fields, Line, Report, Table
from skins_console.cli.parser import Commands, add_actions, add_command, positive_int
from skins_console.cli.session import Session

if TYPE_CHECKING:
    from skins_console.store.team_profiles import TeamProfile


def register(commands: Commands) -> None:
    database = add_command(commands, "database", help="the order book's database")
    actions = add_actions(database, "database_command")
    migrate = add_command(
        actions,
        "migrate",
        help="bring the profile's book to this version's schema",
        epilog="A local book is backed up first (the backups folder). A team database that "
        "already holds an older schema is changed for the whole team: back it up with "
        "pg_dump first; the command asks (or takes --yes).",
    )
    migrate.add_argument(
        "--yes", action="store_true", help="migrate a team database without asking"
    )
    migrate.add_argument(
        "--database",
        metavar="URL",
        help="a team database not set up as a profile here yet: postgresql://USER@HOST:PORT/"
        "DBNAME (password from SKINS_CONSOLE_DATABASE_PASSWORD or a prompt)",
    )
    migrate.set_defaults(handler=migrate_book, database_away="its schema was not changed")
    copy = add_command(
        actions,
        "import-local",
        help="copy a local book's history into the team profile's database",
        epilog="Copies the profile row, orders, deposits, timelines, buyers and their notes, "
        "attention marks, wallet history and quotes; anything already there is skipped, so "
        "it can be run again and continues after an interruption.",
    )
    copy.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="DATA_DIR",
        help="the data folder of the local book (its --data-dir, or the per-OS default)",
    )
    copy.add_argument(
        "--source-profile",
        metavar="NAME",
        help="the local profile to copy (default: the same name, else the only one)",
    )
    copy.add_argument("--batch-size", type=positive_int, default=500, help="rows a transaction")
    copy.set_defaults(
        handler=import_local_history,
        database_away="the copy did not finish (what was already copied stays there; run "
        "again, it skips that and carries on)",
    )


def _team(session: Session) -> TeamProfile | None:
    """The chosen profile's team profile; None: its book is the local file."""
    from skins_console.store.settings import Settings
    from skins_console.store.team_profiles import book_for

    paths = session.paths()
    settings = Settings.load(paths.settings_file)
    return book_for(paths, settings, session.args.profile)


def pg_dump_advice(team: TeamProfile) -> str:
    url = team.url
    return (
        f"pg_dump --format=custom --file=skins-console-backup.dump --host={url.host} "
        f"--port={url.port} --username={url.user} {url.dbname}"
    )


async def migrate_book(session: Session) -> Report:
    import asyncio

    from skins_console.core.errors import StoreError
    from skins_console.services.context import team_password
    from skins_console.store.database import migrate
    from skins_console.store.secrets import SecretStore

    args = session.args
    paths = session.paths()
    if args.database is not None:
        from skins_console.cli.commands.profile import database_password
        from skins_console.store.team_profiles import TeamProfile, parse_database_url

        url = parse_database_url(args.database)
        team: TeamProfile | None = TeamProfile(args.profile or "", url.text)
        password = database_password(url.user, url.where)
    else:
        team = _team(session)
        password = await team_password(SecretStore(), team) if team is not None else None
    if team is None:
        if not paths.database.exists():
            return Report(
                {"database": str(paths.database), "from_version": None, "to_version": None},
                [Line(f"There is no book in {paths.data_dir} yet; nothing to migrate.")],
            )
        target: Path | str = paths.database
        where = str(paths.database)
    else:
        target = team.database
        where = f"team database {team.where}"
    confirm = bool(args.yes)
    try:
        done = await asyncio.to_thread(
            migrate, target, password, confirm=confirm, backups_dir=paths.backups_dir
        )
    except StoreError as exc:
        if exc.code != "database_needs_migration" or team is None or confirm:
            raise
        if not _confirmed(team):
            raise CliUsageError(
                f"The {where} holds an older schema; migrating changes it for the whole team. "
                f"Back it up first ({pg_dump_advice(team)}), then run this again with --yes."
            ) from None
        done = await asyncio.to_thread(
            migrate, target, password, confirm=True, backups_dir=paths.backups_dir
        )
    data = {
        "database": where,
        "backend": done.backend,
        "from_version": done.from_version,
        "to_version": done.to_version,
        "backup": str(done.backup_path) if done.backup_path else None,
    }
    if done.from_version is None:
        line = f"The {where} is up to date (schema {done.to_version}); nothing to do."
    else:
        line = f"Migrated the {where} from schema {done.from_version} to {done.to_version}."
        if done.backup_path:
            line += f" The previous file is kept in {done.backup_path}."
    return Report(data, [Line(line)])


def _confirmed(team: TeamProfile) -> bool:
    """Ask on a terminal (never when input is a pipe: scripts pass --yes)."""
    if not sys.stdin.isatty():
        return False
    print(
        f"The team database {team.where} holds an older schema; migrating changes it for "
        f"every operator. Back it up first:\n  {pg_dump_advice(team)}",
        file=sys.stderr,
    )
    answer = input("Migrate it now? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


async def import_local_history(session: Session) -> Report:
    from skins_console.store.database import Database
    from skins_console.store.import_local import ImportCounts, import_local, source_profiles
    from skins_console.store.paths import resolve_paths

    args = session.args
    team = _team(session)
    if team is None:
        raise CliUsageError(
            "import-local copies into a team database: name a team profile with --profile "
            "(set one up with `skins-console profile add NAME --database postgresql://…`)."
        )
    source_paths = resolve_paths(args.source, create=False)
    if not source_paths.database.is_file():
        raise CliUsageError(
            f"There is no Skins Console book in {source_paths.data_dir} "
            f"(no {source_paths.database.name}); give the data folder it was run with."
        )
    ctx = await session.open()
    source = await Database.open(source_paths.database, backups_dir=source_paths.backups_dir)
    try:
        names = await source.read(source_profiles)
        chosen = args.source_profile or (
            team.name if team.name in names else names[0] if len(names) == 1 else None
        )
        if chosen is None:
            raise CliUsageError(
                f"The local book has {len(names)} profiles ({', '.join(names) or 'none'}); "
                "choose one with --source-profile NAME."
            )
        with session.out.progress("Copying…") as progress:

            def moved(table: str, counts: ImportCounts) -> None:
                progress.update(
                    f"{table}: {counts.copied} copied, {counts.already_there} already there"
                )

            result = await import_local(
                source,
                ctx.db,
                source_profile=chosen,
                profile=team.name,
                batch_size=args.batch_size,
                on_batch=moved,
            )
        upgraded = source.migrated_from
        backup = source.backup_path
    finally:
        await source.close()
    tables = {
        name: {"copied": c.copied, "already_there": c.already_there}
        for name, c in result.tables.items()
    }
    report = Report(
        {
            "profile": team.name,
            "source_profile": chosen,
            "database": team.where,
            "copied": result.copied,
            "already_there": result.already_there,
            "tables": tables,
            "conflicts": [{"kind": k, "key": key} for k, key in result.conflicts],
        },
        [
            Fields(
                [
                    ("From", f"{source_paths.database} (profile “{chosen}”)"),
                    ("Into", f"team database {team.where} (profile “{team.name}”)"),
                    ("Copied", str(result.copied)),
                    ("Already there", str(result.already_there)),
                ]
            ),
            Table(
                ["Records", "Copied", "Already there"],
                [
                    [name.replace("_", " "), str(c.copied), str(c.already_there)]
                    for name, c in result.tables.items()
                ],
            ),
        ],
    )
    if upgraded is not None:
        report.notes.append(
            f"The local book was brought from schema {upgraded} to this version's first"
            + (f" (its previous file is kept in {backup})." if backup else ".")
        )
    if result.conflicts:
        report.exit_code = EXIT_INPUT
        keys = ", ".join(f"{kind} {key}" for kind, key in result.conflicts)
        report.notes.append(
            f"error: not copied, the team database has another record under the same key: "
            f"{keys} (compare them with `order show KEY` / `deposit show KEY` in each book)."
        )
    return report
