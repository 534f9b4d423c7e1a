"""Wallet movements: debits, refunds, and only the balance change no order explains."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from skins_console.core.records import WalletSnapshot
from skins_console.core.wallet_movements import OTHER_CHANGE, movements
from tests.fixtures.store import make_order

T0 = datetime(2026, 12, 1, 11, 1, 15, tzinfo=UTC)
CACHE = timedelta(seconds=30)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def other_changes(orders, snapshots) -> list[int]:
    return [m.cents for m in movements(orders, snapshots, lag=CACHE) if m.kind == OTHER_CHANGE]


# The demo walk of 2026-12-01: two sales from $5,000.00; the second expired and SkinsNode
# refunded it; the balance read at 11:02:15 already held the refund, and the console learned
# of the expiry at 11:02:19 (its next poll).
GLOVES = make_order("gloves", "completed", at(0), accepted_at=at(2), expected_price_cents=19_892)
PACKAGE = make_order(
    "package", "expired", at(30), accepted_at=at(34), updated_at=at(64), expected_price_cents=4_938
)


def test_a_refund_the_balance_held_before_the_console_learned_of_it_is_not_another_change():
    reads = [WalletSnapshot("main", at(0), 500_000), WalletSnapshot("main", at(60), 480_108)]
    rows = movements([GLOVES, PACKAGE], reads, lag=CACHE)
    assert sorted((m.kind, m.cents) for m in rows) == [
        ("debit", -19_892),
        ("debit", -4_938),
        ("refund", 4_938),
    ]
    # It used to show "+$49.38 other change" beside the refund: counted twice.


def test_a_read_before_the_refund_and_a_read_after_it_explain_themselves():
    before = [WalletSnapshot("main", at(0), 500_000), WalletSnapshot("main", at(50), 475_170)]
    assert other_changes([GLOVES, PACKAGE], before) == []
    after = [*before, WalletSnapshot("main", at(120), 480_108)]
    assert other_changes([GLOVES, PACKAGE], after) == []


def test_a_read_from_the_cache_that_lags_a_debit_is_not_another_change():
    reads = [WalletSnapshot("main", at(0), 500_000), WalletSnapshot("main", at(40), 480_108)]
    assert other_changes([GLOVES, PACKAGE], reads) == []  # the package's debit not in it yet


def test_a_top_up_is_reported_even_beside_orders_around_the_read():
    top_up = 50_000
    reads = [
        WalletSnapshot("main", at(0), 500_000),
        WalletSnapshot("main", at(60), 480_108 + top_up),
    ]
    assert other_changes([GLOVES, PACKAGE], reads) == [top_up]
    # Long after the orders, the same: the change is dated at the first read that held it.
    later = [*reads, WalletSnapshot("main", at(3_600), 480_108 + top_up)]
    [change] = [m for m in movements([GLOVES, PACKAGE], later, lag=CACHE) if m.kind == OTHER_CHANGE]
    assert (change.cents, change.at) == (top_up, at(60))


def test_an_order_outside_the_console_is_reported_when_nothing_around_the_read_explains_it():
    reads = [WalletSnapshot("main", at(0), 500_000), WalletSnapshot("main", at(600), 478_000)]
    # Gloves were sold here (−198.92); the other −21.08 is not any order of this console.
    assert other_changes([GLOVES], reads) == [-2_108]
