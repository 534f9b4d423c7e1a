"""``export orders | deposits --csv FILE``."""

from __future__ import annotations

from pathlib import Path

from skins_console.cli.exit_codes import CliUsageError
from skins_console.cli.output import Line, Report
from skins_console.cli.parser import Commands, add_actions, add_command
from skins_console.cli.session import Session


def register(commands: Commands) -> None:
    export = add_command(commands, "export", help="CSV exports")
    export_sub = add_actions(export, "export_command", metavar="WHAT")
    for what in ("orders", "deposits"):
        sub = add_command(export_sub, what, help=f"all {what} of the profile as CSV")
        sub.add_argument("--csv", required=True, metavar="FILE", type=Path)
        sub.set_defaults(handler=export_csv, export_what=what)


async def export_csv(session: Session) -> Report:
    from skins_console.services.export_service import ExportService

    args = session.args
    ctx = await session.open()
    service = ExportService(ctx)
    path: Path = args.csv.expanduser()
    if path.is_dir():
        raise CliUsageError(f"{path} is a folder; give a file name, e.g. {path / 'orders.csv'}")
    if args.export_what == "orders":
        count = await service.export_orders(path)
    else:
        count = await service.export_deposits(path)
    return Report(
        {"file": str(path.resolve()), "rows": count},
        [Line(f"Wrote {count} {args.export_what} to {path}")],
    )
