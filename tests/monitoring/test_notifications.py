"""Notifications come from the timeline: once per change, a summary after an absence."""

from __future__ import annotations

import asyncio

import pytest

from skins_console.core.models import utcnow
from skins_console.services.catalog_service import CatalogService
from skins_console.services.notification_service import NotificationService
from skins_console.services.tracking_service import TrackingService
from tests.fixtures.services import make_trade_url
from tests.monitoring.helpers import place_order


async def _track_until(ctx, external_id: str, status: str, timeout: float = 30.0) -> None:
    """Polling alone: repeated tracker passes, as the GUI's loop runs them."""
    tracker = TrackingService(ctx)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (await ctx.orders.get(ctx.profile.name, external_id)).status != status:
        assert loop.time() < deadline, await ctx.orders.get(ctx.profile.name, external_id)
        await tracker.run_pass()
        await asyncio.sleep(0.05)


@pytest.fixture
async def fast_ctx(sandbox_factory, services_ctx_factory):
    sandbox = sandbox_factory(speed=240.0)
    return sandbox, await services_ctx_factory(sandbox)


async def test_polling_alone_completes_and_each_change_is_notified_once(fast_ctx):
    sandbox, ctx = fast_ctx
    notes = NotificationService(ctx)
    assert await notes.start() == []  # first run: nothing to summarise
    external_id = await place_order(ctx, sandbox, "completed")
    await _track_until(ctx, external_id, "completed")
    first = await notes.collect()
    kinds = [n.kind for n in first if n.key == external_id]
    assert kinds.count("order_completed") == 1
    assert kinds.count("order_sent") <= 1
    assert all(n.record_kind == "order" for n in first)
    completed = next(n for n in first if n.kind == "order_completed")
    assert "delivered" in completed.body and "$" in completed.body
    # Nothing new happened: nothing is notified again, however often we ask.
    assert await notes.collect() == []
    assert await NotificationService(ctx).collect() == []


async def test_rules_in_settings_silence_a_kind(fast_ctx):
    sandbox, ctx = fast_ctx
    rules = dict(ctx.settings.notifications)
    rules["order_expired"] = False
    ctx.settings.notifications = rules
    notes = NotificationService(ctx)
    await notes.start()
    expired = await place_order(ctx, sandbox, "expired")
    await _track_until(ctx, expired, "expired", timeout=40)
    assert not [n for n in await notes.collect() if n.kind == "order_expired"]


async def test_summary_of_what_changed_while_closed(fast_ctx):
    sandbox, ctx = fast_ctx
    await NotificationService(ctx).start()  # the console ran once, then closed
    done = await place_order(ctx, sandbox, "completed")
    failed = await place_order(ctx, sandbox, "failed:price_changed")
    await _track_until(ctx, done, "completed")
    await _track_until(ctx, failed, "failed")
    # A new console session starts: one summary, then nothing more for those changes.
    session = NotificationService(ctx)
    summary = await session.start()
    assert len(summary) == 1 and summary[0].kind == "away_summary_attention"
    assert "1 order delivered" in summary[0].body and "1 order failed" in summary[0].body
    assert await session.collect() == []


async def test_a_failed_deposit_is_notified_with_its_reason_in_words(fast_ctx):
    """Skinslink names a failure by a code; the note says it plainly, not "Failed"."""
    from decimal import Decimal

    from skins_console.services.checkout_service import new_external_id
    from skins_console.services.deposit_service import DepositInput, DepositLine, DepositService

    sandbox, ctx = fast_ctx
    notes = NotificationService(ctx)
    await notes.start()
    service = DepositService(ctx)
    name = "AK-47 | Redline (Field-Tested)"
    quote = await service.quote([name])
    key = new_external_id(ctx.clock.now())
    sandbox.script_deposit(key, "provider_failed")
    line = DepositLine(name, "5", Decimal("0.01"))
    result = await service.create(
        DepositInput(quote.id, make_trade_url(), (line,), merchant_tx_id=key)
    )
    assert result.deposit.status == "failed"
    [failed] = [n for n in await notes.collect() if n.key == key]
    assert failed.kind == "deposit_failed" and failed.urgent
    assert failed.title == "Deposit failed"
    assert failed.body.startswith(f"{name} $")
    assert failed.body.endswith(
        ": Skinslink's pricing provider is unavailable right now; try again in a few minutes."
    )


async def test_low_balance_and_paused_tracking_notify_once_per_crossing(fast_ctx):
    _sandbox, ctx = fast_ctx
    notes = NotificationService(ctx)
    assert notes.check_balance(50_00, 40_00, threshold_cents=100_00).kind == "low_balance"
    assert notes.check_balance(45_00, 30_00, threshold_cents=100_00) is None
    assert notes.check_balance(500_00, 450_00, threshold_cents=100_00) is None  # re-armed
    assert notes.check_balance(50_00, 40_00, threshold_cents=100_00) is not None
    assert notes.check_balance(0, 0, threshold_cents=0) is None  # no threshold set
    paused = "tracking paused: credentials rejected"
    first = notes.check_tracking(paused, "SkinsNode said 401.")
    assert first.kind == "credentials_rejected" and first.urgent
    assert notes.check_tracking(paused, "again") is None
    assert notes.check_tracking(None, None) is None
    assert notes.check_tracking(paused, "again") is not None


def test_a_burst_is_shown_as_one_grouped_message():
    from skins_console.services.notification_service import Notification, group

    sent = [
        Notification("order_sent", "Trade offer sent", f"item {i}", "order", f"o{i}")
        for i in range(5)
    ]
    assert group(sent[:3]) is None  # a few changes are shown one by one
    burst = group([*sent, Notification("order_failed", "Order failed", "x", "order", "o9")])
    assert burst.title == "6 updates" and burst.urgent
    assert "5 × trade offer sent" in burst.body and "1 × order failed" in burst.body
    assert not group(sent).urgent


async def test_tracking_loop_finishes_a_crashed_send_and_reconciles_everything_at_start(fast_ctx):
    """The GUI's loop: an order left "sending" by a crash is finished with its own key, and
    every open order is re-read at start even if not due yet."""
    from skins_console.core.models import OrderRequest
    from skins_console.store.orders_repository import insert_order_draft, mark_order_sending

    sandbox, ctx = fast_ctx
    catalog = await CatalogService(ctx).refresh()
    item = catalog.items[1]
    key = f"crash-{utcnow().timestamp():.6f}"
    request = OrderRequest(
        item.id, item.price_cents, key, ctx.profile.webhook_url, make_trade_url()
    )
    profile = ctx.profile.name
    await ctx.db.call(
        insert_order_draft, profile=profile, request=request, item_name=item.market_hash_name
    )
    await ctx.db.call(mark_order_sending, profile, key)  # the process died here
    stop = asyncio.Event()
    tracker = TrackingService(ctx)
    loop = asyncio.create_task(tracker.run_forever(stop))
    try:
        # The send is finished first, then the start-up pass re-reads every open order:
        # wait for both (the second lands a moment after the first).
        for _ in range(400):
            order = await ctx.orders.get(profile, key)
            if order.status not in ("draft", "sending") and order.last_checked_at is not None:
                break
            await asyncio.sleep(0.05)
        assert order.status not in ("draft", "sending"), order.status
        assert order.last_checked_at is not None
    finally:
        stop.set()
        await loop
    truth = sandbox.truth()["skinsnode"]["orders"][key]
    assert truth["created"] == 1 and truth["posts"] == 1
