"""Leases on both backends: one holder at a time, lapsed leases taken over, due records
shared out between consoles without a record going to two of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from skins_console.core.models import OrderRequest
from skins_console.store import leases
from skins_console.store.lifecycle_repository import bound
from skins_console.store.orders_repository import (
    ORDERS,
    insert_order_draft,
    schedule_order_check,
)
from skins_console.store.profiles_repository import create_profile
from tests.fixtures.store import make_profile

_claim_send = bound(leases.claim_send, ORDERS, "claim_send")
_claim_due = bound(leases.claim_due, ORDERS, "claim_due")
_release = bound(leases.release, ORDERS, "release")
_lease_of = bound(leases.lease_of, ORDERS, "lease_of")
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ALICE = "alice@host-a:11:aa"
BOB = "bob@host-b:22:bb"


def _draft(conn, key: str, *, now: datetime = T0):
    request = OrderRequest(
        catalog_item_id=f"cat-{key}",
        expected_price_cents=1840,
        external_id=key,
        webhook_url="http://127.0.0.1:9/hooks",
        trade_url="https://steamcommunity.com/tradeoffer/new/?partner=1&token=abcdefgh",
    )
    return insert_order_draft(conn, profile="main", request=request, item_name="AK", now=now)


@pytest.fixture
async def book(book_target):
    await book_target.call(create_profile, make_profile())
    return book_target


async def test_a_send_lease_has_one_holder_until_it_lapses(book):
    await book.call(_draft, "o-1")
    until = T0 + timedelta(seconds=60)

    first = await book.call(_claim_send, "main", "o-1", ALICE, until, T0)
    assert first.granted and first.record.external_id == "o-1"
    # The holder may renew; another console is refused and told who holds it until when.
    assert (await book.call(_claim_send, "main", "o-1", ALICE, until, T0)).granted
    refused = await book.call(_claim_send, "main", "o-1", BOB, until, T0 + timedelta(seconds=59))
    assert not refused.granted
    assert (refused.holder, refused.holder_until) == (ALICE, until)
    assert refused.record.status == "draft"

    # Once it has lapsed (the holder died), another console takes it over.
    later = T0 + timedelta(seconds=61)
    taken = await book.call(_claim_send, "main", "o-1", BOB, later + timedelta(seconds=60), later)
    assert taken.granted
    assert await book.read(_lease_of, "main", "o-1") == (
        BOB,
        later + timedelta(seconds=60),
    )


async def test_release_gives_back_only_the_owners_own_lease(book):
    await book.call(_draft, "o-2")
    until = T0 + timedelta(seconds=60)
    await book.call(_claim_send, "main", "o-2", ALICE, until, T0)

    assert await book.call(_release, "main", ["o-2"], BOB) == 0
    assert (await book.read(_lease_of, "main", "o-2"))[0] == ALICE
    assert await book.call(_release, "main", ["o-2"], ALICE) == 1
    assert await book.read(_lease_of, "main", "o-2") == (None, None)
    assert (await book.call(_claim_send, "main", "o-2", BOB, until, T0)).granted


async def test_due_records_go_to_one_console_each(book):
    for n in range(6):
        await book.call(_draft, f"d-{n}", now=T0 + timedelta(seconds=n))
    # Not due yet: d-5 looks again in an hour.
    await book.call(schedule_order_check, "main", "d-5", next_check_at=T0 + timedelta(hours=1))
    now = T0 + timedelta(minutes=1)
    until = now + timedelta(seconds=60)

    alice = await book.call(_claim_due, now, ALICE, until, 3, profile="main")
    bob = await book.call(_claim_due, now, BOB, until, 10, profile="main")
    assert [o.external_id for o in alice] == ["d-0", "d-1", "d-2"]  # longest waiting first
    assert [o.external_id for o in bob] == ["d-3", "d-4"]
    # Nothing is left for a third console while both leases run.
    assert await book.call(_claim_due, now, "c@h:3:c", until, 10, profile="main") == []

    # Everything open (a first pass) still skips what another console holds.
    everything = await book.call(
        _claim_due, now, ALICE, until, 100, profile="main", everything=True
    )
    assert sorted(o.external_id for o in everything) == ["d-0", "d-1", "d-2", "d-5"]

    # When Bob's lease lapses, his records are due for whoever asks.
    after = until + timedelta(seconds=1)
    taken = await book.call(
        _claim_due, after, "c@h:3:c", after + timedelta(seconds=60), 10,
        profile="main",
    )  # fmt: skip
    assert sorted(o.external_id for o in taken) == ["d-0", "d-1", "d-2", "d-3", "d-4"]
