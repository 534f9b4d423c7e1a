"""``export orders | deposits --csv FILE`` (``--csv -``: the CSV on standard output)."""

from __future__ import annotations

import sys
from pathlib import Path

from skins_console.cli.exit_codes import CliUsageError
from skins_console.cli.output import Line, Report
from skins_console.cli.parser import Commands, add_actions, add_command
from skins_console.cli.session import Session

#: ``--csv -`` writes the document to standard output (for a pipe: ``| csvlook``)
STDOUT = "-"


def register(commands: Commands) -> None:
    export = add_command(commands, "export", help="CSV exports")
    export_sub = add_actions(export, "export_command", metavar="WHAT")
    for what in ("orders", "deposits"):
        sub = add_command(export_sub, what, help=f"all {what} of the profile as CSV")
        sub.add_argument(
            "--csv", required=True, metavar="FILE", help="the file to write; - for standard output"
        )
        sub.set_defaults(handler=export_csv, export_what=what)


async def export_csv(session: Session) -> Report:
    from skins_console.services.export_service import ExportService

    args = session.args
    if args.csv == STDOUT:
        if args.json:
            raise CliUsageError(
                "--csv - writes the CSV to standard output, where --json writes its document; "
                "use one of them"
            )
        service = ExportService(await session.open())
        if args.export_what == "orders":
            data, count = await service.orders_csv(bom=False)
        else:
            data, count = await service.deposits_csv(bom=False)
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        # Only the CSV goes to stdout; the count is a remark on stderr.
        return Report(
            {"file": STDOUT, "rows": count},
            [],
            notes=[f"Wrote {_rows(count, args.export_what)} to standard output"],
        )
    path = Path(args.csv).expanduser()
    if path.is_dir():
        raise CliUsageError(f"{path} is a folder; give a file name, e.g. {path / 'orders.csv'}")
    service = ExportService(await session.open())
    if args.export_what == "orders":
        count = await service.export_orders(path)
    else:
        count = await service.export_deposits(path)
    return Report(
        {"file": str(path.resolve()), "rows": count},
        [Line(f"Wrote {_rows(count, args.export_what)} to {path}")],
    )


def _rows(count: int, what: str) -> str:
    """``1 order``, ``2 orders``: ``what`` is the plural."""
    return f"{count:,} {what if count != 1 else what.removesuffix('s')}"
