"""Checkout against the sandbox with a real SQLite file: the order is written before it is
sent, sent once under its externalId, and every refusal leaves a clear message."""

from __future__ import annotations

import pytest

from skins_console.core.errors import (
    AuthError,
    InsufficientBalanceError,
    TradeUrlError,
    ValidationError,
)
from skins_console.core.records import ActivityFilter
from skins_console.services import orders_flow
from skins_console.services.checkout_service import (
    CheckoutRequest,
    CheckoutService,
    new_external_id,
)
from skins_console.services.profile_service import ProfileSecrets
from skins_console.services.tracking_service import TrackingService
from tests.fixtures.services import pick_item, sandbox_secrets, wait_until


async def _orders(ctx):
    return await ctx.orders.search(ActivityFilter(profile="main"))


def _truth(sandbox, external_id):
    return sandbox.truth()["skinsnode"]["orders"].get(external_id)


async def test_accepted_order_is_stored_before_and_after_sending(services_ctx, sandbox, trade_url):
    ctx = services_ctx
    item = await pick_item(ctx)
    url = trade_url()
    result = await CheckoutService(ctx).checkout(
        CheckoutRequest(item.id, url, expected_price_cents=item.price_cents)
    )
    assert result.ok, result.message
    order = result.order
    assert order.external_id.startswith("sc-")
    assert order.status not in ("draft", "sending", "rejected")
    assert order.request_body == {
        "catalogItemId": item.id,
        "expectedPrice": item.price_cents,
        "externalId": order.external_id,
        "webhookUrl": "http://127.0.0.1:9/hooks",
        "tradeUrl": url,
    }
    events = await ctx.events.for_record("main", "order", order.external_id)
    assert [e.new_status for e in events][:3] == ["draft", "sending", "accepted"]
    truth = _truth(sandbox, order.external_id)
    assert truth["posts"] == 1 and truth["created"] == 1
    customer = await ctx.customers.get("main", order.buyer_partner)
    assert customer is not None and customer.last_used_at is not None


async def test_malformed_trade_url_leaves_no_order(services_ctx, sandbox):
    ctx = services_ctx
    before = sandbox.truth()["requests"].get("POST /v1/orders", 0)
    with pytest.raises(TradeUrlError, match="token"):
        await CheckoutService(ctx).checkout(
            CheckoutRequest("any", "https://steamcommunity.com/tradeoffer/new/?partner=1234")
        )
    assert await _orders(ctx) == []
    assert sandbox.truth()["requests"].get("POST /v1/orders", 0) == before


async def test_unknown_item_is_refused_before_anything_is_written(services_ctx, trade_url):
    with pytest.raises(ValidationError) as info:
        await CheckoutService(services_ctx).checkout(
            CheckoutRequest("00000000-0000-4000-8000-000000000000", trade_url())
        )
    assert info.value.code == "unknown_item"
    assert "not in the SkinsNode catalog" in info.value.message
    assert await _orders(services_ctx) == []


async def test_moved_price_is_refused_with_both_prices(services_ctx, sandbox, trade_url):
    ctx = services_ctx
    item = await pick_item(ctx)
    sandbox.catalog.set_price(item.id, item.price_cents + 125)
    try:
        with pytest.raises(ValidationError) as info:
            await CheckoutService(ctx).checkout(
                CheckoutRequest(item.id, trade_url(), expected_price_cents=item.price_cents)
            )
    finally:
        sandbox.catalog.set_price(item.id, item.price_cents)
    assert info.value.code == "price_changed"
    assert (info.value.quoted_cents, info.value.current_cents) == (
        item.price_cents,
        item.price_cents + 125,
    )
    assert await _orders(ctx) == []


async def test_balance_minus_reserved_must_cover_the_price(
    services_ctx_factory, sandbox_factory, trade_url
):
    box = sandbox_factory(initial_balance_cents=100)
    ctx = await services_ctx_factory(box)
    item = await pick_item(ctx, min_price_cents=101)  # a sticker under $1 would be affordable
    with pytest.raises(InsufficientBalanceError) as info:
        await CheckoutService(ctx).checkout(CheckoutRequest(item.id, trade_url()))
    assert "$1.00 available" in info.value.message
    assert await _orders(ctx) == []
    assert box.truth()["requests"].get("POST /v1/orders", 0) == 0


async def test_rejected_credentials_write_nothing(services_ctx_factory, sandbox, trade_url):
    good = sandbox_secrets(sandbox)
    ctx = await services_ctx_factory(
        sandbox, secrets=ProfileSecrets("wrong-secret-value", good.skinslink_api_key)
    )
    with pytest.raises(AuthError, match="401"):
        await CheckoutService(ctx).checkout(CheckoutRequest("x", trade_url()))
    assert await _orders(ctx) == []


async def test_given_id_of_the_same_order_is_reused_and_of_another_refused(
    services_ctx, sandbox, trade_url
):
    ctx = services_ctx
    item = await pick_item(ctx)
    url = trade_url()
    key = new_external_id(ctx.clock.now())
    first = await CheckoutService(ctx).checkout(CheckoutRequest(item.id, url, external_id=key))
    assert first.ok
    again = await CheckoutService(ctx).checkout(CheckoutRequest(item.id, url, external_id=key))
    assert again.reused and again.outcome == "existing"
    with pytest.raises(ValidationError) as info:
        await CheckoutService(ctx).checkout(CheckoutRequest(item.id, trade_url(), external_id=key))
    assert info.value.code == "duplicate_external_id"
    truth = _truth(sandbox, key)
    assert truth["posts"] == 1 and truth["created"] == 1


async def test_answer_lost_after_commit_is_reconciled_not_duplicated(
    services_ctx_factory, sandbox_factory, trade_url
):
    sandbox = sandbox_factory()
    ctx = await services_ctx_factory(sandbox)
    item = await pick_item(ctx)
    key = new_external_id(ctx.clock.now())
    sandbox.add_faults(
        [{"kind": "drop", "route": "/v1/orders", "method": "POST", "commit": True, "count": 1}]
    )
    result = await CheckoutService(ctx).checkout(
        CheckoutRequest(item.id, trade_url(), external_id=key)
    )
    assert result.ok, result.message
    truth = _truth(sandbox, key)
    assert truth["created"] == 1 and truth["posts"] == 1


async def test_outcome_still_unknown_stays_sending_until_tracking_finishes_it(
    services_ctx_factory, sandbox_factory, trade_url
):
    sandbox = sandbox_factory()
    ctx = await services_ctx_factory(sandbox)
    item = await pick_item(ctx)
    key = new_external_id(ctx.clock.now())
    sandbox.add_faults([{"kind": "error", "status": 503, "route": "/v1/orders", "method": "POST"}])
    result = await CheckoutService(ctx).checkout(
        CheckoutRequest(item.id, trade_url(), external_id=key)
    )
    sandbox.set_faults([])
    assert result.outcome == orders_flow.UNKNOWN
    assert result.order.status == "sending"
    assert "sending" in result.message and "same order id" in result.message
    tracker = TrackingService(ctx)

    async def settled():
        await tracker.run_pass()
        order = await ctx.orders.get("main", key)
        return order.status not in ("draft", "sending")

    await wait_until(settled)
    truth = _truth(sandbox, key)
    assert truth["created"] == 1
    order = await ctx.orders.get("main", key)
    assert order.request_body["externalId"] == key


async def test_business_failure_is_explained(services_ctx, sandbox, trade_url):
    ctx = services_ctx
    item = await pick_item(ctx)
    key = new_external_id(ctx.clock.now())
    sandbox.script_order(key, "failed:insufficient_funds")
    result = await CheckoutService(ctx).checkout(
        CheckoutRequest(item.id, trade_url(), external_id=key)
    )
    tracker = TrackingService(ctx)

    async def failed():
        await tracker.run_pass()
        return (await ctx.orders.get("main", key)).status == "failed"

    if result.outcome != orders_flow.FAILED:
        await wait_until(failed)
    order = await ctx.orders.get("main", key)
    assert order.failure_code == "insufficient_funds"
    customer = await ctx.customers.get("main", order.buyer_partner)
    assert "Top up" in (customer.last_error or "")


async def test_one_shop_order_is_sold_once_even_from_two_sales_at_once(
    services_ctx, sandbox, trade_url
):
    import asyncio
    from decimal import Decimal

    from skins_console.core.errors import ShopOrderTakenError
    from skins_console.core.margin import Charged

    ctx = services_ctx
    item = await pick_item(ctx)
    other = await pick_item(ctx)
    charged = Charged(Decimal("49.90"), "EUR")

    def sale(catalog_id: str) -> CheckoutRequest:
        return CheckoutRequest(catalog_id, trade_url(), charged=charged, shop_order="SHOP-42")

    service = CheckoutService(ctx)
    results = await asyncio.gather(
        service.checkout(sale(item.id)), service.checkout(sale(other.id)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, ShopOrderTakenError)]
    placed = [r for r in results if not isinstance(r, BaseException)]
    assert len(refused) == 1 and len(placed) == 1, results
    assert "Shop order SHOP-42 already has an order" in refused[0].message
    order = placed[0].order
    assert order.external_id == order.shop_order == "SHOP-42"
    assert order.charged_amount == Decimal("49.90") and order.charged_currency == "EUR"
    assert _truth(sandbox, "SHOP-42")["posts"] == 1
    # Later, too: refused before anything is sent, whatever became of the first sale.
    with pytest.raises(ShopOrderTakenError):
        await service.checkout(sale(item.id))
    assert _truth(sandbox, "SHOP-42")["posts"] == 1
    with pytest.raises(ValidationError, match="shop order number"):
        await service.checkout(CheckoutRequest(item.id, trade_url(), shop_order="#42"))
