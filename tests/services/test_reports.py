"""Period reports: local calendar days (daylight saving included), weeks from Monday,
months; every row adds up to its records' own figures and the totals to the rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from skins_console.core.errors import ValidationError
from skins_console.core.margin import Charged, order_figures
from skins_console.core.models import OrderRequest, OrderState
from skins_console.core.records import DepositRecord
from skins_console.services.report_service import (
    ReportService,
    aggregate,
    default_range,
    periods_between,
    report_csv,
)
from skins_console.store.orders_repository import apply_order_state, insert_order_draft
from tests.fixtures.store import make_order

BERLIN = ZoneInfo("Europe/Berlin")
URL = "https://steamcommunity.com/tradeoffer/new/?partner=1&token=abcdefgh"


def _order(key: str, at: datetime, status: str, cents: int, charged: str | None, cur="USD"):
    return make_order(
        key,
        status,
        at,
        catalog_item_id="cat",
        expected_price_cents=cents,
        trade_url=URL,
        charged_amount=Decimal(charged) if charged else None,
        charged_currency=cur if charged else None,
    )


def _deposit(key: str, at: datetime, status: str, amount: str) -> DepositRecord:
    return DepositRecord(
        profile="main",
        merchant_tx_id=key,
        trade_id=1,
        game="csgo",
        partner=1,
        token="abcdefgh",
        items=(),
        request_body={},
        status=status,
        created_at=at,
        updated_at=at,
        amount=Decimal(amount),
    )


# Berlin leaves summer time at 03:00 on Sunday 2026-10-25 (UTC+2 → UTC+1).
ORDERS = [
    # 00:30 CEST on the 25th (still the 24th in UTC)
    _order("a", datetime(2026, 10, 24, 22, 30, tzinfo=UTC), "completed", 1840, "24.90"),
    # 23:30 CET on the 25th
    _order("b", datetime(2026, 10, 25, 22, 30, tzinfo=UTC), "failed", 1000, "15"),
    # 00:30 CET on Monday the 26th
    _order("c", datetime(2026, 10, 25, 23, 30, tzinfo=UTC), "completed", 500, "9.5", "EUR"),
    _order("d", datetime(2026, 10, 26, 8, 0, tzinfo=UTC), "reversed", 700, "12"),
    _order("e", datetime(2026, 10, 26, 9, 0, tzinfo=UTC), "sending", 300, "5"),
    _order("f", datetime(2026, 10, 26, 10, 0, tzinfo=UTC), "sent", 250, None),
    # outside the range (the 28th in Berlin)
    _order("g", datetime(2026, 10, 27, 23, 30, tzinfo=UTC), "completed", 999, "20"),
]
DEPOSITS = [
    _deposit("x", datetime(2026, 10, 25, 12, 0, tzinfo=UTC), "completed", "22.755"),
    _deposit("y", datetime(2026, 10, 26, 12, 0, tzinfo=UTC), "reverted", "7.1"),
    _deposit("z", datetime(2026, 10, 26, 13, 0, tzinfo=UTC), "hold", "3"),
]


def test_days_follow_the_local_calendar_through_daylight_saving():
    report = aggregate(
        ORDERS, DEPOSITS, period="day", first=date(2026, 10, 24), last=date(2026, 10, 27),
        zone=BERLIN,
    )  # fmt: skip
    assert [r.label for r in report.rows] == [
        "2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27",
    ]  # fmt: skip
    empty, sunday, monday, tuesday = report.rows
    assert empty.orders == 0 and empty.margin_usd == 0 and tuesday.orders == 0
    assert sunday.orders == 2 and sunday.spend_cents == 2840
    assert sunday.refunds == 1 and sunday.refunded_cents == 1000
    assert sunday.revenue_usd == Decimal("24.90") and sunday.margin_usd == Decimal("6.50")
    assert sunday.deposits_paid == 1 and sunday.deposits_paid_usd == Decimal("22.755")
    # Monday: c (EUR, no margin), d (reversed), f (open, no charge); e never reached SkinsNode
    assert monday.orders == 3 and monday.spend_cents == 500 + 700 + 250
    assert monday.reversals == 1 and monday.reversed_cents == 700
    assert monday.margin_orders == 0 and monday.revenue_usd == 0
    assert monday.charged_other == {"EUR": Decimal("9.5")}
    assert monday.deposit_reversals == 1 and monday.deposit_reversed_usd == Decimal("7.1")
    assert monday.deposits_paid == 0  # on hold is not paid out yet
    assert report.zone.startswith("Europe/Berlin")


def test_rows_add_up_to_the_orders_and_the_totals_to_the_rows():
    first, last = date(2026, 10, 1), date(2026, 10, 31)
    for period in ("day", "week", "month"):
        report = aggregate(ORDERS, DEPOSITS, period=period, first=first, last=last, zone=BERLIN)
        inside = [o for o in ORDERS if o.external_id != "g"] + [ORDERS[-1]]
        figures = [order_figures(o) for o in inside]
        totals = report.totals
        assert totals.spend_cents == sum(f.cost_cents or 0 for f in figures)
        assert totals.margin_usd == sum((f.margin for f in figures if f.margin), Decimal(0))
        assert totals.orders == sum(r.orders for r in report.rows) == 6
        assert totals.margin_usd == sum((r.margin_usd for r in report.rows), Decimal(0))
        assert totals.margin_usd == Decimal("6.50") + Decimal("20") - Decimal("9.99")
    weeks = aggregate(ORDERS, DEPOSITS, period="week", first=first, last=last, zone=BERLIN)
    labels = {r.label: r for r in weeks.rows}
    # Sunday the 25th closes ISO week 43; Monday the 26th opens week 44.
    assert labels["2026-W43"].orders == 2 and labels["2026-W44"].orders == 4
    assert weeks.rows[0].first_day == first and weeks.rows[-1].last_day == last
    months = aggregate(ORDERS, DEPOSITS, period="month", first=first, last=last, zone=BERLIN)
    assert [r.label for r in months.rows] == ["2026-10"]
    text = report_csv(months).decode("utf-8-sig").splitlines()
    assert text[0].startswith("period,first_day,last_day,orders,spend_usd")
    assert text[-1].startswith("total,2026-10-01,2026-10-31,6,52.89,1,10.00,1,7.00,44.90,16.51,")
    assert ",9.5 EUR,22.755," in text[-1] and "Europe/Berlin (UTC" in text[-1]


def test_ranges_are_checked_and_defaults_end_today():
    with pytest.raises(ValidationError, match="before it starts"):
        periods_between(date(2026, 11, 2), date(2026, 11, 1), "day")
    with pytest.raises(ValidationError, match="more than 3660 days"):
        periods_between(date(2000, 1, 1), date(2026, 1, 1), "day")
    with pytest.raises(ValidationError, match="day, week or month"):
        periods_between(date(2026, 1, 1), date(2026, 1, 2), "year")
    assert default_range("day", date(2026, 11, 30)) == (date(2026, 11, 17), date(2026, 11, 30))
    assert default_range("week", date(2026, 11, 30)) == (date(2026, 9, 14), date(2026, 11, 30))
    assert default_range("month", date(2026, 11, 30)) == (date(2025, 12, 1), date(2026, 11, 30))


async def test_the_service_reads_the_stored_orders_of_the_range(services_ctx):
    ctx = services_ctx

    async def stored(key: str, at: datetime, cents: int, charged: Charged | None, status: str):
        request = OrderRequest("cat", cents, key, "https://h", URL)
        await ctx.db.call(
            insert_order_draft,
            profile="main",
            request=request,
            item_name="AK-47 | Redline (Field-Tested)",
            charged=charged,
            shop_order=key,
            now=at,
        )
        state = OrderState(key, status, None, URL, cents, "USD", None, {})
        await ctx.db.call(apply_order_state, "main", state, now=at)

    usd = Charged(Decimal("30.00"))
    await stored("WEB-1", datetime(2026, 11, 2, 0, 0, tzinfo=UTC), 2000, usd, "completed")
    await stored("WEB-2", datetime(2026, 11, 3, 23, 59, 59, tzinfo=UTC), 1500, usd, "expired")
    await stored("WEB-3", datetime(2026, 11, 4, 0, 0, tzinfo=UTC), 1000, usd, "completed")
    await stored("WEB-4", datetime(2026, 11, 1, 23, 59, 59, tzinfo=UTC), 1000, usd, "completed")

    report = await ReportService(ctx).build("day", date(2026, 11, 2), date(2026, 11, 3), zone=UTC)
    assert [r.orders for r in report.rows] == [1, 1]
    assert report.totals.spend_cents == 3500 and report.totals.refunded_cents == 1500
    assert report.totals.margin_usd == Decimal("10.00") and report.zone == "UTC"
    stored_order = await ctx.orders.get("main", "WEB-1")
    assert stored_order.charged_amount == Decimal("30.00") and stored_order.shop_order == "WEB-1"
    assert replace(stored_order, status="completed") == stored_order
