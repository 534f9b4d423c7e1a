"""The tracker against the sandbox: cadence, forward-only statuses, back-off, pause on
rejected credentials, Trade Protection settlement, and running beside a checkout."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from decimal import Decimal

from skins_console.core.models import OrderState
from skins_console.services import change_bus
from skins_console.services.checkout_service import (
    CheckoutRequest,
    CheckoutService,
    new_external_id,
)
from skins_console.services.clock import Clock
from skins_console.services.orders_flow import record_report
from skins_console.services.tracking_service import PAUSED_CREDENTIALS, TrackingService
from skins_console.store.secrets import SecretKind
from tests.fixtures.services import pick_item, wait_until


class ShiftedClock(Clock):
    """Wall time plus a jump, for the 7-day window without waiting for it."""

    def __init__(self, shift: timedelta) -> None:
        self.shift = shift

    def now(self):
        return super().now() + self.shift


async def _place(ctx, sandbox, trade_url, outcome: str | None = None) -> str:
    item = await pick_item(ctx)
    key = new_external_id(ctx.clock.now())
    if outcome:
        sandbox.script_order(key, outcome)
    result = await CheckoutService(ctx).checkout(
        CheckoutRequest(item.id, trade_url(), external_id=key)
    )
    assert result.order.status not in ("draft", "sending"), result.message
    return key


async def _until_status(ctx, tracker, key, statuses, timeout=20.0, sandbox=None):
    async def reached():
        if sandbox is not None:
            sandbox.advance(20)  # the buyer accepts sooner; nothing else changes
        await tracker.run_pass()
        order = await ctx.orders.get("main", key)
        return order if order.status in statuses else None

    return await wait_until(reached, timeout=timeout)


async def test_order_is_followed_to_completion_and_watched_until_it_settles(
    services_ctx, sandbox, trade_url
):
    ctx = services_ctx
    key = await _place(ctx, sandbox, trade_url, "completed")
    tracker = TrackingService(ctx)
    order = await _until_status(ctx, tracker, key, {"completed"}, sandbox=sandbox)
    assert order.completed_at is not None
    assert order.settles_at == order.completed_at + ctx.cadence.delay(7 * 24 * 3600)
    assert order.next_check_at is not None, "completed orders stay watched until they settle"
    statuses = [
        e.new_status for e in await ctx.events.for_record("main", "order", key) if e.new_status
    ]
    assert statuses[-1] == "completed" and statuses.count("completed") == 1

    ctx.clock = ShiftedClock(order.settles_at - ctx.clock.now() + timedelta(seconds=1))
    await tracker.run_pass()
    settled = await ctx.orders.get("main", key)
    assert settled.next_check_at is None
    events = await ctx.events.for_record("main", "order", key)
    assert events[-1].type == "note" and "Settled" in events[-1].message


async def test_never_polls_an_order_inside_the_cache_window(services_ctx, sandbox, trade_url):
    ctx = services_ctx
    key = await _place(ctx, sandbox, trade_url)
    tracker = TrackingService(ctx)
    floor = ctx.cadence.delay(ctx.cadence.order_floor)
    route = "GET /v1/orders/{externalId}"
    polls = []
    for _ in range(12):
        before = sandbox.truth()["requests"].get(route, 0)
        await tracker.run_pass(now=ctx.clock.now() + floor)  # claims the order is due
        if sandbox.truth()["requests"].get(route, 0) > before:
            polls.append(asyncio.get_running_loop().time())
        await asyncio.sleep(floor.total_seconds() / 4)
    gaps = [b - a for a, b in itertools.pairwise(polls)]
    assert polls, "the order was never polled"
    assert all(gap >= floor.total_seconds() * 0.9 for gap in gaps), gaps
    order = await ctx.orders.get("main", key)
    assert order.last_checked_at is not None


async def test_a_reported_status_never_moves_backwards(services_ctx, sandbox, trade_url):
    ctx = services_ctx
    key = await _place(ctx, sandbox, trade_url, "completed")
    tracker = TrackingService(ctx)
    await _until_status(ctx, tracker, key, {"completed"}, sandbox=sandbox)
    stale = OrderState(
        external_id=key,
        status="sent",
        steam_offer_id=None,
        trade_url=None,
        amount_cents=None,
        currency=None,
        failure=None,
        timestamps={},
    )
    assert await record_report(ctx, "main", stale) is False
    assert (await ctx.orders.get("main", key)).status == "completed"


async def test_rejected_credentials_pause_tracking_with_a_reason(services_ctx, sandbox, trade_url):
    ctx = services_ctx
    key = await _place(ctx, sandbox, trade_url)
    changes = []
    ctx.bus.subscribe(lambda change: changes.append(change))
    await ctx.secrets.aset("main", SecretKind.SKINSNODE_CLIENT_SECRET, "revoked-secret")
    await ctx.refresh_profile()
    tracker = TrackingService(ctx)
    await asyncio.sleep(ctx.cadence.seconds(ctx.cadence.order_floor))  # past the cache window
    result = await tracker.run_pass(now=ctx.clock.now() + timedelta(minutes=5))
    assert result.paused == PAUSED_CREDENTIALS
    assert "401" in tracker.paused_detail
    assert change_bus.Change(change_bus.TRACKING, PAUSED_CREDENTIALS) in changes
    assert (await ctx.orders.get("main", key)).status != "failed"


async def test_failures_back_off_exponentially_and_429_waits_retry_after(
    services_ctx_factory, sandbox_factory, trade_url
):
    sandbox = sandbox_factory()
    ctx = await services_ctx_factory(sandbox)
    key = await _place(ctx, sandbox, trade_url)
    tracker = TrackingService(ctx)
    sandbox.add_faults([{"kind": "error", "status": 503, "route": "/v1/orders/", "method": "GET"}])
    delays = []
    await asyncio.sleep(ctx.cadence.seconds(ctx.cadence.order_floor))  # past the cache window
    now = ctx.clock.now() + timedelta(hours=1)
    for _ in range(3):
        result = await tracker.run_pass(now=now)
        assert result.failed == 1
        due = (await ctx.orders.get("main", key)).next_check_at
        delays.append(due - now)
        now = due
    assert delays[0] < delays[1] < delays[2]
    sandbox.set_faults(
        [{"kind": "rate_limit", "route": "/v1/orders/", "method": "GET", "retry_after": 120}]
    )
    await tracker.run_pass(now=now)
    assert (await ctx.orders.get("main", key)).next_check_at - now >= timedelta(seconds=120)
    events = await ctx.events.for_record("main", "order", key)
    assert sum(1 for e in events if e.type == "api_error") == 1, "one event per failure run"


async def test_tracker_and_checkout_at_the_same_time(services_ctx, sandbox, trade_url):
    ctx = services_ctx
    first = await _place(ctx, sandbox, trade_url)
    tracker = TrackingService(ctx)
    stop = asyncio.Event()
    runner = asyncio.create_task(tracker.run_forever(stop))
    keys = [first]
    try:
        for _ in range(3):
            keys.append(await _place(ctx, sandbox, trade_url))
            tracker.wake()
        await _until_status(
            ctx,
            tracker,
            keys[-1],
            {
                "completed",
                "failed",
                "cancelled",
                "expired",
                "reversed",
                "sent",
                "pending",
                "processing",
                "queued",
            },
        )
    finally:
        stop.set()
        await asyncio.wait_for(runner, 5)
    truth = sandbox.truth()["skinsnode"]["orders"]
    for key in keys:
        assert truth[key]["created"] == 1 and truth[key]["posts"] == 1
        assert (await ctx.orders.get("main", key)).status not in ("draft", "sending")


async def test_deposit_is_watched_through_its_hold_and_settles(services_ctx, sandbox, trade_url):
    from skins_console.services.deposit_service import (
        DepositInput,
        DepositLine,
        DepositService,
    )

    ctx = services_ctx
    service = DepositService(ctx)
    quote = await service.quote(["AK-47 | Redline (Field-Tested)"])
    key = new_external_id(ctx.clock.now())
    sandbox.script_deposit(key, "completed")
    created = await service.create(
        DepositInput(
            quote.id,
            trade_url(),
            (DepositLine("AK-47 | Redline (Field-Tested)", "424242", Decimal("0.01")),),
            merchant_tx_id=key,
        )
    )
    assert created.ok, created.message
    tracker = TrackingService(ctx)
    sandbox.advance(400)  # the seller accepts: Steam's 7-day hold starts

    async def held():
        await tracker.run_pass(now=ctx.clock.now() + timedelta(minutes=1))
        deposit = await ctx.deposits.get("main", key)
        return deposit if deposit.status == "hold" else None

    deposit = await wait_until(held)
    assert deposit.hold_end_date is not None
    assert deposit.next_check_at <= deposit.hold_end_date + timedelta(seconds=1)
    sandbox.advance(7 * 24 * 3600 + 60)

    async def completed():
        await tracker.run_pass(now=ctx.clock.now() + timedelta(hours=3))
        found = await ctx.deposits.get("main", key)
        return found if found.status == "completed" else None

    deposit = await wait_until(completed)
    assert deposit.next_check_at is None, "the hold has ended: it settled"
    events = await ctx.events.for_record("main", "deposit", key)
    assert any(e.type == "note" and "Settled" in e.message for e in events)
    customer = await ctx.customers.get("main", deposit.partner)
    assert customer.last_success_at is not None


async def test_sync_now_checks_open_records_that_are_not_due_yet(services_ctx, sandbox, trade_url):
    ctx = services_ctx
    key = await _place(ctx, sandbox, trade_url)
    tracker = TrackingService(ctx)
    await asyncio.sleep(ctx.cadence.seconds(ctx.cadence.order_floor))
    assert (await tracker.run_pass(now=ctx.clock.now() - timedelta(minutes=1))).checked == 0
    forced = await tracker.run_pass(now=ctx.clock.now() - timedelta(minutes=1), everything=True)
    assert forced.checked == 1
    assert (await ctx.orders.get("main", key)).last_checked_at is not None
