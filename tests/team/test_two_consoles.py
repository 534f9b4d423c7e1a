"""Two complete consoles, two operators, one PostgreSQL book, one sandbox.

The sandbox's truth is the judge: how many times each order was POSTed and created, and
how many status reads it served.
"""

from __future__ import annotations

import asyncio
import secrets

import pytest

from skins_console.core.errors import KeyInUseError
from skins_console.services import change_bus
from skins_console.services.catalog_service import CatalogService
from skins_console.services.checkout_service import CheckoutRequest, CheckoutService
from skins_console.services.lifecycle import ACCEPTED, FAILED
from skins_console.services.tracking_service import TrackingService
from tests.fixtures.services import make_trade_url, pick_item

ORDER_READS = "GET /v1/orders/{externalId}"


def _key(label: str) -> str:
    return f"team-{label}-{secrets.token_hex(4)}"


def _remote(sandbox, key: str) -> dict:
    return sandbox.truth()["skinsnode"]["orders"].get(key) or {"posts": 0, "created": 0}


async def test_the_same_key_from_two_operators_makes_one_order(team, sandbox):
    alice = await team.console("alice")
    bob = await team.console("bob")
    item = await pick_item(alice, max_price_cents=3000)
    key = _key("same")
    request = CheckoutRequest(catalog_item_id=item.id, trade_url=make_trade_url(), external_id=key)

    sold = await CheckoutService(alice).checkout(request)
    assert sold.outcome in (ACCEPTED, FAILED), sold.message
    assert (sold.record.operator, sold.record.sent_by) == ("alice", "alice")

    with pytest.raises(KeyInUseError) as refused:
        await CheckoutService(bob).checkout(request)
    assert refused.value.operator == "alice" and refused.value.key == key
    assert "alice" in refused.value.message and "Nothing was sent" in refused.value.message
    assert refused.value.sent_at == sold.record.created_at

    remote = _remote(sandbox, key)
    assert (remote["posts"], remote["created"]) == (1, 1)
    # Bob's console lists the order, with who made it.
    seen = await bob.orders.get("shop", key)
    assert seen is not None and seen.operator == "alice"


async def test_the_same_key_from_two_operators_at_the_same_moment(team, sandbox):
    alice = await team.console("alice")
    bob = await team.console("bob")
    item = await pick_item(alice, max_price_cents=3000)
    key = _key("race")
    request = CheckoutRequest(catalog_item_id=item.id, trade_url=make_trade_url(), external_id=key)

    outcomes = await asyncio.gather(
        CheckoutService(alice).checkout(request),
        CheckoutService(bob).checkout(request),
        return_exceptions=True,
    )
    sold = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(sold) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], KeyInUseError), refused[0]
    winner = sold[0].record.operator
    assert refused[0].operator == winner
    remote = _remote(sandbox, key)
    assert (remote["posts"], remote["created"]) == (1, 1)


@pytest.mark.slow
async def test_twenty_orders_from_each_at_once_none_lost_or_doubled(team, sandbox_factory):
    box = sandbox_factory(initial_balance_cents=50_000_000)
    alice = await team.console("alice", sandbox=box)
    bob = await team.console("bob", sandbox=box)
    items = (await CatalogService(alice).refresh()).items[:40]
    assert len(items) == 40
    wanted: dict[str, str] = {}
    jobs = []
    for n, item in enumerate(items):
        ctx, operator = (alice, "alice") if n % 2 == 0 else (bob, "bob")
        key = _key(f"{operator}-{n}")
        wanted[key] = operator
        jobs.append(
            CheckoutService(ctx).checkout(
                CheckoutRequest(
                    catalog_item_id=item.id, trade_url=make_trade_url(), external_id=key
                )
            )
        )
    results = await asyncio.gather(*jobs)
    assert all(r.outcome in (ACCEPTED, FAILED) for r in results), [r.message for r in results]

    remote = box.truth()["skinsnode"]["orders"]
    assert {k: (o["posts"], o["created"]) for k, o in remote.items()} == {
        key: (1, 1) for key in wanted
    }
    for ctx in (alice, bob):
        book = {o.external_id: o for o in await ctx.orders.get_many("shop", list(wanted))}
        assert {k: o.operator for k, o in book.items()} == wanted
        assert not [o for o in book.values() if o.status in ("draft", "sending")]


async def test_a_change_by_one_console_reaches_the_other(team, sandbox):
    alice = await team.console("alice")
    bob = await team.console("bob")
    with bob.bus.queue(frozenset({change_bus.DATABASE})) as states:
        await team.live(bob)
        assert (await asyncio.wait_for(states.get(), timeout=20)).key is None  # listening

    item = await pick_item(alice, max_price_cents=3000)
    key = _key("feed")
    with bob.bus.queue(frozenset({change_bus.ORDER})) as heard:
        await CheckoutService(alice).checkout(
            CheckoutRequest(catalog_item_id=item.id, trade_url=make_trade_url(), external_id=key)
        )
        # A new order, announced by the database (Alice's console publishes on her own bus).
        change = await asyncio.wait_for(heard.get(), timeout=10)
        assert change == change_bus.Change(change_bus.ORDER, key)
        heard.drain()

        await alice.orders.record_event("shop", key, "note", "buyer asked for a refund")
        while (await asyncio.wait_for(heard.get(), timeout=10)).key != key:
            pass
    events = await bob.events.for_record("shop", "order", key)
    note = [e for e in events if e.type == "note"]
    assert note and note[-1].operator == "alice"


@pytest.mark.slow
async def test_two_trackers_read_each_order_no_more_often_than_one(team, sandbox_factory):
    box = sandbox_factory(initial_balance_cents=50_000_000)
    alice = await team.console("alice", sandbox=box)
    bob = await team.console("bob", sandbox=box)
    items = (await CatalogService(alice).refresh()).items[:12]
    keys = []
    for item in items:
        key = _key("track")
        # Open for the whole test: the trade offer waits out its 10-minute window.
        box.script_order(key, "expired")
        await CheckoutService(alice).checkout(
            CheckoutRequest(catalog_item_id=item.id, trade_url=make_trade_url(), external_id=key),
        )
        keys.append(key)
    # Both consoles start at once, and a first pass looks at every open record: each order
    # is read by one of them, once (the other finds it leased, or looked at just now).
    floor = alice.cadence.seconds(alice.cadence.order_floor)
    await asyncio.sleep(floor)  # past the cache window of the checkout's confirming read
    reads_before = box.truth()["requests"].get(ORDER_READS, 0)
    passes = await asyncio.gather(
        TrackingService(alice).run_pass(everything=True),
        TrackingService(bob).run_pass(everything=True),
    )
    assert box.truth()["requests"].get(ORDER_READS, 0) - reads_before == len(keys), passes
    looked = await alice.orders.get_many("shop", keys)
    assert all(o.last_checked_at is not None for o in looked)

    # Then both track for a while: never more reads than one console's cadence allows
    # (one per order per cache window of 30 sandbox seconds, plus the first).
    reads_before = box.truth()["requests"].get(ORDER_READS, 0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    stop = asyncio.Event()
    trackers = [
        asyncio.ensure_future(TrackingService(ctx).run_forever(stop)) for ctx in (alice, bob)
    ]
    try:
        await asyncio.sleep(floor * 8)
    finally:
        stop.set()
        await asyncio.gather(*trackers)
    window = loop.time() - started
    reads = box.truth()["requests"].get(ORDER_READS, 0) - reads_before
    one_console_most = len(keys) * (int(window / floor) + 1)
    assert 0 < reads <= one_console_most, (reads, one_console_most)
