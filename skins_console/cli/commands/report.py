"""``report --period day|week|month [--from DATE --to DATE] [--csv FILE]``: what the orders
cost, earned and gave back, per period of the operator's local calendar."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from skins_console.cli.output import Fields, Line, Report, Table
from skins_console.cli.parser import Commands, add_command
from skins_console.cli.session import Session


def local_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: write it as YYYY-MM-DD (e.g. 2026-11-30)"
        ) from None


def register(commands: Commands) -> None:
    report = add_command(
        commands,
        "report",
        help="orders, spend, revenue, margin, refunds, reversals and deposits per period",
        description="Per day, week (Monday to Sunday) or month of your local time zone: "
        "orders, spend, refunds, reversals, revenue and margin (USD charges of orders that "
        "stand as sales) and deposits paid out. Each order and deposit counts in the period "
        "it was created. Without --from/--to: the last 14 days, 12 weeks or 12 months.",
    )
    report.add_argument("--period", choices=("day", "week", "month"), default="day")
    report.add_argument("--from", dest="first", type=local_date, metavar="DATE")
    report.add_argument("--to", dest="last", type=local_date, metavar="DATE")
    report.add_argument("--csv", type=Path, metavar="FILE", help="also write the report as CSV")
    report.set_defaults(handler=show_report)


async def show_report(session: Session) -> Report:
    from skins_console.cli.exit_codes import CliUsageError
    from skins_console.core.columns import cli_columns, headers, texts
    from skins_console.services.report_service import REPORT_COLUMNS, ReportService

    args = session.args
    if args.first and args.last and args.last < args.first:
        raise CliUsageError(f"--to {args.last} is before --from {args.first}.")
    csv_path: Path | None = args.csv.expanduser() if args.csv else None
    if csv_path is not None and csv_path.is_dir():
        raise CliUsageError(f"{csv_path} is a folder; give a file name, e.g. report.csv")
    ctx = await session.open()
    service = ReportService(ctx)
    report = await service.build(args.period, args.first, args.last)
    columns = cli_columns(REPORT_COLUMNS)
    rows = [list(texts(columns, row)) for row in report.rows]
    rows.append(list(texts(columns, report.totals)))
    data = report.as_json()
    blocks: list[Fields | Table | Line] = [
        Fields(
            [
                ("Periods", f"{args.period}s from {report.first_day} to {report.last_day}"),
                ("Time zone", report.zone),
                ("Counted by", "when each order or deposit was created"),
            ]
        ),
        Table(list(headers(columns)), rows),
    ]
    if report.totals.orders and report.totals.margin_orders < report.totals.orders:
        left_out = report.totals.orders - report.totals.margin_orders
        blocks.append(
            Line(
                f"The margin covers {report.totals.margin_orders} of {report.totals.orders} "
                f"orders; {left_out} have no USD charged amount or did not stand as sales."
            )
        )
    if csv_path is not None:
        written = await service.export_csv(report, csv_path)
        data["csv"] = str(written.resolve())
        blocks.append(Line(f"Wrote {len(report.rows)} {args.period}s and the totals to {written}"))
    return Report(data, blocks)
