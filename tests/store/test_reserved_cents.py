"""The wallet's "reserved" figure is one SUM in the store; it must equal the rule the wallet
used to apply to every open order read in full, on both backends (SQLite, PostgreSQL)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from skins_console.core.models import OrderRequest
from skins_console.core.records import OrderRecord
from skins_console.core.statuses import ORDER_DRAFT, ORDER_SENDING, ORDER_STATUSES
from skins_console.store.codec import ts
from skins_console.store.orders_repository import (
    insert_order_draft,
    list_open_orders,
    reserved_cents,
)
from skins_console.store.profiles_repository import create_profile
from tests.fixtures.store import make_profile

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TRADE = "https://steamcommunity.com/tradeoffer/new/?partner=12345&token=abcdefgh"
#: every SkinsNode status, and one the console does not know (an open one, then)
STATUSES = [info.status for info in ORDER_STATUSES] + ["held_for_review"]


def old_rule(orders: list[OrderRecord], accepted_since: datetime) -> int:
    """The wallet service's rule before it became SQL, verbatim (the reference)."""
    total = 0
    for order in orders:
        if order.status in (ORDER_DRAFT, ORDER_SENDING):
            total += order.expected_price_cents
        elif order.accepted_at is None or order.accepted_at >= accepted_since:
            total += (
                order.amount_cents if order.amount_cents is not None else order.expected_price_cents
            )
    return total


def _accepted_at(rng: random.Random) -> datetime | None:
    pick = rng.random()
    if pick < 0.2:
        return None
    if pick < 0.6:  # right around the horizons below, down to the millisecond
        return T0 + timedelta(milliseconds=rng.randint(-3, 3))
    return T0 + timedelta(seconds=rng.uniform(-120, 120))


def _write_orders(conn, rng: random.Random, count: int) -> None:
    for n in range(count):
        profile = rng.choice(["main", "main", "other"])
        insert_order_draft(
            conn,
            profile=profile,
            request=OrderRequest(
                catalog_item_id=f"cat-{n}",
                expected_price_cents=rng.choice([0, 1, 99, 1840, rng.randint(1, 10**9)]),
                external_id=f"ord-{n}",
                webhook_url="http://127.0.0.1:9/wh",
                trade_url=TRADE,
            ),
            item_name="AK-47 | Redline (Field-Tested)",
            now=T0,
        )
        amount = rng.choice([None, None, 0, 1, 1840, rng.randint(1, 10**10)])
        conn.execute(
            "UPDATE orders SET status = ?, amount_cents = ?, accepted_at = ? "
            "WHERE profile = ? AND external_id = ?",
            (rng.choice(STATUSES), amount, ts(_accepted_at(rng)), profile, f"ord-{n}"),
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sum_equals_the_rule_over_every_open_order(book_opener, seed):
    db = book_opener.open_sync(operator="alice")
    try:
        db.call_sync(create_profile, make_profile())
        db.call_sync(create_profile, make_profile(name="other"))
        rng = random.Random(seed)
        db.call_sync(_write_orders, rng, 250)
        horizons = [
            T0,
            T0 + timedelta(microseconds=1),  # just after a whole millisecond
            T0 + timedelta(microseconds=999),
            T0 - timedelta(microseconds=1500),
            T0 + timedelta(milliseconds=2, microseconds=500),
            T0 - timedelta(seconds=60),
            T0 + timedelta(days=1),  # nothing accepted that late
            T0 - timedelta(days=1),
        ]
        for profile in ("main", "other", "nobody"):
            opened = db.call_sync(list_open_orders, profile)
            for since in horizons:
                got = db.call_sync(reserved_cents, profile, accepted_since=since)
                assert type(got) is int
                assert got == old_rule(opened, since), (profile, since)
        assert db.call_sync(reserved_cents, "nobody", accepted_since=T0) == 0
        # a horizon in another time zone means the same instant
        tokyo = (T0 + timedelta(microseconds=1)).astimezone(timezone(timedelta(hours=9)))
        assert db.call_sync(reserved_cents, "main", accepted_since=tokyo) == old_rule(
            db.call_sync(list_open_orders, "main"), tokyo
        )
    finally:
        db.close_sync()
