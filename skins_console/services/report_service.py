"""Period reports: per day, week or month, what the orders cost, earned and gave back.

A report is pure aggregation of the stored orders and deposits (``store/report_queries``)
over the operator's local calendar, so every figure adds up to the records' own:

* each order counts in the period it was **created** (local time), its refund or reversal
  with it; each deposit likewise;
* **orders**: orders SkinsNode has (not ``draft``/``sending``/``rejected``); **spend**: their
  cost (``core.margin.order_figures``: price reported, else expected);
* **refunds**: orders whose status gives the price back (the status table's
  ``refunds_wallet``: failed, cancelled, expired) and that money; **reversals**: delivered
  orders reversed afterwards, and deposits reverted, with their amounts;
* **revenue** and **margin**: the USD charges of orders that stand as sales, and their
  margins (charged − cost); charges in another currency are listed per currency, never
  converted;
* **deposits paid out**: completed Skinslink deposits and their amounts (exact Decimal).

Weeks start on Monday (ISO weeks). Periods with nothing in them are listed as zeros, so a
chart shows the gaps.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path

from skins_console.core.columns import Column, csv_columns, keys, values
from skins_console.core.errors import ValidationError
from skins_console.core.margin import MARGIN_CURRENCY, format_amount, order_figures
from skins_console.core.money import cents_to_usd, format_cents
from skins_console.core.records import DepositRecord, OrderRecord
from skins_console.core.statuses import Group, Provider, info
from skins_console.services.context import AppContext
from skins_console.store.report_queries import deposits_created_between, orders_created_between

PERIODS = ("day", "week", "month")
#: how many periods one report may list (ten years of days)
MAX_PERIODS = 3660
#: the range shown when none is given: this many periods up to today
DEFAULT_SPAN = {"day": 14, "week": 12, "month": 12}
ZERO = Decimal(0)


@dataclass(slots=True)
class PeriodFigures:
    """One row of the report (and, summed, its totals)."""

    label: str
    first_day: date
    last_day: date
    orders: int = 0
    spend_cents: int = 0
    refunds: int = 0
    refunded_cents: int = 0
    reversals: int = 0
    reversed_cents: int = 0
    revenue_usd: Decimal = ZERO
    margin_usd: Decimal = ZERO
    #: orders the revenue and margin cover (USD charges that stand as sales)
    margin_orders: int = 0
    #: charges in other currencies of orders that stand as sales: currency → amount
    charged_other: dict[str, Decimal] = field(default_factory=dict)
    deposits_paid: int = 0
    deposits_paid_usd: Decimal = ZERO
    deposit_reversals: int = 0
    deposit_reversed_usd: Decimal = ZERO

    def add_order(self, order: OrderRecord) -> None:
        figures = order_figures(order)
        if figures.cost_cents is None:
            return
        self.orders += 1
        self.spend_cents += figures.cost_cents
        if figures.refunded_cents:
            self.refunds += 1
            self.refunded_cents += figures.refunded_cents
        if figures.reversed:
            self.reversals += 1
            self.reversed_cents += figures.cost_cents
        if figures.margin is not None and figures.charged is not None:
            self.margin_orders += 1
            self.revenue_usd += figures.charged.amount
            self.margin_usd += figures.margin
        elif figures.sold and figures.charged is not None and not figures.charged.is_usd:
            currency = figures.charged.currency
            self.charged_other[currency] = (
                self.charged_other.get(currency, ZERO) + figures.charged.amount
            )

    def add_deposit(self, deposit: DepositRecord) -> None:
        entry = info(Provider.SKINSLINK, deposit.status)
        amount = deposit.amount if deposit.amount is not None else ZERO
        if deposit.status == "completed":
            self.deposits_paid += 1
            self.deposits_paid_usd += amount
        elif entry.group is Group.REVERSED:
            self.deposit_reversals += 1
            self.deposit_reversed_usd += amount

    def absorb(self, other: PeriodFigures) -> None:
        for name in (
            "orders",
            "spend_cents",
            "refunds",
            "refunded_cents",
            "reversals",
            "reversed_cents",
            "revenue_usd",
            "margin_usd",
            "margin_orders",
            "deposits_paid",
            "deposits_paid_usd",
            "deposit_reversals",
            "deposit_reversed_usd",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for currency, amount in other.charged_other.items():
            self.charged_other[currency] = self.charged_other.get(currency, ZERO) + amount

    def as_json(self) -> dict[str, object]:
        return {
            "period": self.label,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "orders": self.orders,
            "spend_usd": cents_to_usd(self.spend_cents),
            "refunds": self.refunds,
            "refunded_usd": cents_to_usd(self.refunded_cents),
            "reversals": self.reversals,
            "reversed_usd": cents_to_usd(self.reversed_cents),
            "revenue_usd": self.revenue_usd,
            "margin_usd": self.margin_usd,
            "margin_orders": self.margin_orders,
            "charged_other": dict(sorted(self.charged_other.items())),
            "deposits_paid_out": self.deposits_paid,
            "deposits_paid_out_usd": self.deposits_paid_usd,
            "deposit_reversals": self.deposit_reversals,
            "deposit_reversed_usd": self.deposit_reversed_usd,
        }


@dataclass(frozen=True, slots=True)
class PeriodReport:
    period: str
    first_day: date
    last_day: date
    #: the time zone the days are counted in, as the operator reads it
    zone: str
    rows: tuple[PeriodFigures, ...]
    totals: PeriodFigures

    def as_json(self) -> dict[str, object]:
        return {
            "period": self.period,
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "time_zone": self.zone,
            "counted_by": "creation time of each order and deposit, in that time zone",
            "periods": [row.as_json() for row in self.rows],
            "totals": self.totals.as_json(),
        }


# --- the columns (window table, CLI table and CSV file) ------------------------------


def _usd(amount: Decimal) -> str:
    return format_amount(amount, MARGIN_CURRENCY)


def _counted(count: int, cents: int) -> str:
    return f"{count} · {format_cents(cents)}" if count else "0"


def _other_charges(row: PeriodFigures) -> str:
    return ", ".join(format_amount(a, c) for c, a in sorted(row.charged_other.items()))


def _revenue_text(row: PeriodFigures) -> str:
    other = _other_charges(row)
    return _usd(row.revenue_usd) + (f" + {other}" if other else "")


REPORT_COLUMNS: tuple[Column[PeriodFigures], ...] = (
    Column("period", "Period", lambda r: r.label, sort=lambda r: r.first_day),
    Column("first_day", "From", lambda r: r.first_day.isoformat(), in_table=False, in_cli=False),
    Column("last_day", "To", lambda r: r.last_day.isoformat(), in_table=False, in_cli=False),
    Column("orders", "Orders", lambda r: str(r.orders), sort=lambda r: r.orders, align="right",
           value=lambda r: r.orders, tooltip="Orders SkinsNode has, created in the period"),
    Column("spend_usd", "Spend", lambda r: format_cents(r.spend_cents),
           sort=lambda r: r.spend_cents, value=lambda r: str(cents_to_usd(r.spend_cents)),
           align="right", tooltip="What those orders cost (before refunds)"),
    Column("refunds", "Refunds", lambda r: _counted(r.refunds, r.refunded_cents),
           sort=lambda r: r.refunded_cents, value=lambda r: r.refunds, align="right",
           tooltip="Orders SkinsNode refunded (failed, cancelled, expired) and the amount"),
    Column("refunded_usd", "Refunded", lambda r: format_cents(r.refunded_cents),
           value=lambda r: str(cents_to_usd(r.refunded_cents)), in_table=False, in_cli=False),
    Column("reversals", "Reversals", lambda r: str(r.reversals + r.deposit_reversals),
           sort=lambda r: r.reversals + r.deposit_reversals, value=lambda r: r.reversals,
           align="right",
           tooltip="Delivered orders reversed and deposits reverted (Trade Protection)"),
    Column("reversed_usd", "Reversed orders", lambda r: format_cents(r.reversed_cents),
           value=lambda r: str(cents_to_usd(r.reversed_cents)), in_table=False, in_cli=False),
    Column("revenue_usd", "Revenue", _revenue_text, sort=lambda r: r.revenue_usd,
           value=lambda r: str(r.revenue_usd), align="right",
           tooltip="What buyers paid for the orders that stand as sales (USD charges; "
           "other currencies are listed, never converted)"),
    Column("margin_usd", "Margin", lambda r: _usd(r.margin_usd), sort=lambda r: r.margin_usd,
           value=lambda r: str(r.margin_usd), align="right",
           tooltip="Revenue − cost of the orders charged in USD that stand as sales"),
    Column("margin_orders", "Margin orders", lambda r: str(r.margin_orders),
           value=lambda r: r.margin_orders, in_table=False, in_cli=False),
    Column("charged_other", "Charged in other currencies", _other_charges,
           value=lambda r: "; ".join(f"{a} {c}" for c, a in sorted(r.charged_other.items())),
           in_table=False, in_cli=False),
    Column("deposits_paid_out_usd", "Deposits paid out",
           lambda r: f"{r.deposits_paid} · {_usd(r.deposits_paid_usd)}" if r.deposits_paid
           else "0", sort=lambda r: r.deposits_paid_usd, value=lambda r: str(r.deposits_paid_usd),
           align="right", tooltip="Completed Skinslink deposits and what they paid out"),
    Column("deposits_paid_out", "Deposits", lambda r: str(r.deposits_paid),
           value=lambda r: r.deposits_paid, in_table=False, in_cli=False),
    Column("deposit_reversals", "Deposits reverted", lambda r: str(r.deposit_reversals),
           value=lambda r: r.deposit_reversals, in_table=False, in_cli=False),
    Column("deposit_reversed_usd", "Deposits reverted (USD)", lambda r: _usd(
           r.deposit_reversed_usd), value=lambda r: str(r.deposit_reversed_usd),
           in_table=False, in_cli=False),
)  # fmt: skip


def report_csv(report: PeriodReport) -> bytes:
    """The report as CSV: a line per period, then the totals (period ``total``); money as
    exact decimal dollars, days as the operator's local dates."""
    import csv
    import io

    columns = csv_columns(REPORT_COLUMNS)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    # The zone on every line: a spreadsheet that sorts or filters keeps it with the days.
    writer.writerow([*keys(columns), "time_zone"])
    for row in (*report.rows, report.totals):
        writer.writerow([*values(columns, row).values(), report.zone])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- the calendar ------------------------------------------------------------------------


def period_start(day: date, period: str) -> date:
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_period(start: date, period: str) -> date:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_label(start: date, period: str) -> str:
    if period == "day":
        return start.isoformat()
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start:%Y-%m}"


def default_range(period: str, today: date) -> tuple[date, date]:
    start = period_start(today, period)
    for _ in range(DEFAULT_SPAN[period] - 1):
        start = period_start(start - timedelta(days=1), period)
    return start, today


def local_date(moment: datetime, zone: tzinfo | None) -> date:
    """The operator's calendar day of ``moment`` (``zone`` None: the system's local time,
    with its daylight-saving rule for that instant)."""
    return (moment.astimezone(zone) if zone is not None else moment.astimezone()).date()


def local_midnight(day: date, zone: tzinfo | None) -> datetime:
    naive = datetime.combine(day, time())
    aware = naive.replace(tzinfo=zone) if zone is not None else naive.astimezone()
    return aware.astimezone(UTC)


def zone_name(zone: tzinfo | None) -> str:
    """``Europe/Berlin (UTC+01:00)``: the zone's name where it has one, and today's offset."""
    now = datetime.now(zone) if zone is not None else datetime.now().astimezone()
    offset = now.strftime("%z")
    offset_text = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    name = str(zone) if zone is not None else _system_zone_name() or now.tzname() or ""
    if name in ("Etc/UTC", "Etc/UCT", "UCT", "Universal", "Zulu", "Etc/Zulu"):
        name = "UTC"
    if not name or name in ("UTC", offset_text):
        return offset_text if name != "UTC" else "UTC"
    return f"{name} ({offset_text})"


def _system_zone_name() -> str | None:
    configured = os.environ.get("TZ", "").lstrip(":")
    if configured and "/" in configured and not configured.startswith("/"):
        return configured
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return None
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else None


def periods_between(first: date, last: date, period: str) -> list[tuple[date, date]]:
    """``(first_day, last_day)`` of every period from the one holding ``first`` to the one
    holding ``last``, clipped to the range."""
    if period not in PERIODS:
        raise ValidationError(f"Unknown period {period!r}: use day, week or month.", field="period")
    if last < first:
        raise ValidationError(
            f"The range ends ({last}) before it starts ({first}).", field="to", code="bad_range"
        )
    spans = []
    start = period_start(first, period)
    while start <= last:
        following = next_period(start, period)
        spans.append((max(start, first), min(following - timedelta(days=1), last)))
        if len(spans) > MAX_PERIODS:
            raise ValidationError(
                f"That range holds more than {MAX_PERIODS} {period}s: choose a shorter range "
                "or a longer period.",
                field="from",
                code="bad_range",
            )
        start = following
    return spans


def aggregate(
    orders: Iterable[OrderRecord],
    deposits: Iterable[DepositRecord],
    *,
    period: str,
    first: date,
    last: date,
    zone: tzinfo | None = None,
    zone_label: str | None = None,
) -> PeriodReport:
    """The report of these records (pure): each lands in the period of its local creation
    day; records outside ``first..last`` are left out."""
    spans = periods_between(first, last, period)
    rows = [PeriodFigures(period_label(period_start(a, period), period), a, b) for a, b in spans]
    by_start = {period_start(row.first_day, period): row for row in rows}

    def row_for(moment: datetime) -> PeriodFigures | None:
        day = local_date(moment, zone)
        if not first <= day <= last:
            return None
        return by_start.get(period_start(day, period))

    for order in orders:
        row = row_for(order.created_at)
        if row is not None:
            row.add_order(order)
    for deposit in deposits:
        row = row_for(deposit.created_at)
        if row is not None:
            row.add_deposit(deposit)
    totals = PeriodFigures("total", first, last)
    for row in rows:
        totals.absorb(row)
    return PeriodReport(period, first, last, zone_label or zone_name(zone), tuple(rows), totals)


class ReportService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    @staticmethod
    async def export_csv(report: PeriodReport, path: Path) -> Path:
        """Written atomically (a full disk leaves any earlier file as it was)."""
        import asyncio

        from skins_console.store.settings import atomic_write

        await asyncio.to_thread(atomic_write, Path(path), report_csv(report))
        return Path(path)

    def today(self, zone: tzinfo | None = None) -> date:
        return local_date(self.ctx.clock.now(), zone)

    async def build(
        self,
        period: str,
        first: date | None = None,
        last: date | None = None,
        *,
        zone: tzinfo | None = None,
    ) -> PeriodReport:
        """The active profile's report; without a range, the last ``DEFAULT_SPAN`` periods
        up to today."""
        profile = self.ctx.require_profile().name
        if period not in PERIODS:
            periods_between(date.today(), date.today(), period)  # raises the message
        today = self.today(zone)
        if last is None:
            last = today if first is None else max(first, today)
        if first is None:
            first = default_range(period, last)[0]
        periods_between(first, last, period)  # the range's checks, before any read
        # A day either side: the exact local-day test is made per record.
        since = local_midnight(first, zone) - timedelta(days=1)
        until = local_midnight(last + timedelta(days=1), zone) + timedelta(days=1)
        orders = await self.ctx.db.read(orders_created_between, profile, since, until)
        deposits = await self.ctx.db.read(deposits_created_between, profile, since, until)
        return aggregate(orders, deposits, period=period, first=first, last=last, zone=zone)
