"""The buyer book and the attention queue against the sandbox, with a real SQLite file: a
buyer reverses a trade, is named, shows up in the book with their record, is warned about
before the next sale, and the reversal waits in the attention queue until handled."""

from __future__ import annotations

from datetime import timedelta

import pytest

from skins_console.core.errors import (
    AmbiguousBuyerError,
    BuyerReversedWarning,
    UnknownAttentionItemError,
    UnknownBuyerError,
    ValidationError,
)
from skins_console.core.records import ActivityFilter
from skins_console.core.trade_url import STEAMID64_BASE
from skins_console.services import lifecycle, orders_flow
from skins_console.services.attention_service import AttentionService
from skins_console.services.buyer_book import BuyerBook
from skins_console.services.checkout_service import (
    CheckoutRequest,
    CheckoutService,
    new_external_id,
)
from tests.fixtures.services import make_trade_url, pick_item, wait_until

PARTNER = 987_650_001


async def _sell(ctx, sandbox, url, outcome, **request):
    item = await pick_item(ctx)
    key = new_external_id(ctx.clock.now())
    sandbox.script_order(key, outcome)
    result = await CheckoutService(ctx).checkout(
        CheckoutRequest(item.id, url, expected_price_cents=item.price_cents, external_id=key)
    )
    assert result.ok, result.message
    return key


async def _until(ctx, key, status):
    async def reached():
        order = await ctx.orders.get("main", key)
        if order.status == status:
            return order
        await lifecycle.check(orders_flow.LIFECYCLE, ctx, order)
        return None

    return await wait_until(reached, timeout=30, interval=0.6)


async def test_reversal_named_warned_and_resolved(services_ctx, sandbox):
    ctx = services_ctx
    first_url = make_trade_url(PARTNER, token="Old1-_ab")
    key = await _sell(ctx, sandbox, first_url, "reversed")
    sandbox.advance(400)  # the buyer accepts within the trade window
    delivered = await _until(ctx, key, "completed")
    sandbox.advance(3700)  # ... and reverses it within Trade Protection
    await _until(ctx, key, "reversed")

    book = BuyerBook(ctx)
    steamid = STEAMID64_BASE + PARTNER
    summary = await book.find(str(steamid))
    assert summary.orders == 1 and summary.reversals == 1 and summary.delivered == 0
    assert summary.total_spent_cents == 0  # a reversed sale is no money
    assert summary.last_reversal_at is not None and summary.reversed_recently(ctx.clock.now())
    assert summary.customer.last_success_at is not None  # it did work once

    named = await book.name(str(steamid), "  Dana   the Trader ", note="asked for a discount")
    assert named.name == "Dana the Trader" and named.customer.note == "asked for a discount"
    assert (await book.find("dana THE trader")).partner == PARTNER
    assert (await book.find(str(PARTNER))).partner == PARTNER
    with pytest.raises(UnknownBuyerError, match="Did you mean Dana the Trader"):
        await book.find("Dana the Trder")
    with pytest.raises(ValidationError, match="SteamID"):
        await book.name(str(steamid), "12345")

    # Orders are found by the buyer's name.
    found = await ctx.orders.search(ActivityFilter(profile="main", text="the trader"))
    assert [o.external_id for o in found] == [key]

    # Selling to them again: a warning first, nothing written or sent.
    new_url = make_trade_url(PARTNER, token="New2-_cd")
    posts = sandbox.truth()["requests"].get("POST /v1/orders", 0)
    orders_before = len(await ctx.orders.search(ActivityFilter(profile="main")))
    item = await pick_item(ctx)
    with pytest.raises(BuyerReversedWarning) as warned:
        await CheckoutService(ctx).checkout(CheckoutRequest(item.id, new_url))
    assert warned.value.reversals == 1 and warned.value.keys == (key,)
    assert "Dana the Trader" in warned.value.message and str(steamid) in warned.value.message
    assert sandbox.truth()["requests"].get("POST /v1/orders", 0) == posts
    assert len(await ctx.orders.search(ActivityFilter(profile="main"))) == orders_before

    again = new_external_id(ctx.clock.now())
    sandbox.script_order(again, "completed")
    result = await CheckoutService(ctx).checkout(
        CheckoutRequest(item.id, new_url, external_id=again, confirm_reversal=True)
    )
    assert result.ok, result.message
    notes = [e.message for e in await ctx.events.for_record("main", "order", again)]
    assert any(n.startswith("Sold despite a warning: Dana the Trader") for n in notes)

    # The book keeps both trade URLs; the first one worked once.
    details = await book.details("Dana the Trader")
    urls = {u.trade_url: u for u in details.trade_urls}
    assert set(urls) == {first_url, new_url}
    assert urls[first_url].last_success_at is not None
    assert urls[first_url].last_success_at >= delivered.completed_at
    assert urls[new_url].last_success_at is None and urls[new_url].last_used_at is not None
    assert details.summary.orders == 2 and {o.external_id for o in details.orders} == {key, again}

    # The reversal waits in the attention queue, with its reason, until handled.
    queue = AttentionService(ctx)
    items = {i.key: i for i in await queue.items()}
    assert items[key].reason == "reversed" and items[key].buyer_name == "Dana the Trader"
    assert items[key].explanation == "reversed after delivery"
    ctx.settings.operator_name = "Kim"
    done = await queue.resolve(key, note="banned on the shop")
    assert done.reason == "reversed" and done.kind == "order"
    assert key not in {i.key for i in await queue.items()}
    timeline = await ctx.events.for_record("main", "order", key)
    assert timeline[-1].type == "note"
    assert timeline[-1].message == "Marked handled by Kim (reversed): banned on the shop"
    assert timeline[-1].details["operator"] == "Kim"
    with pytest.raises(UnknownAttentionItemError, match="Kim already marked it handled"):
        await queue.resolve(key)
    with pytest.raises(UnknownAttentionItemError, match="no such order"):
        await queue.resolve("sc-nothing-here")


async def test_two_buyers_with_one_name_are_told_apart(services_ctx):
    ctx = services_ctx
    book = BuyerBook(ctx)
    for partner in (987_650_011, 987_650_012):
        await book.name(make_trade_url(partner), "Alex")
    with pytest.raises(AmbiguousBuyerError) as info:
        await book.find("alex")
    assert info.value.steamids == (STEAMID64_BASE + 987_650_011, STEAMID64_BASE + 987_650_012)
    assert (await book.find(str(987_650_012))).name == "Alex"
    listed = await book.list(text="alex")
    assert {s.partner for s in listed} == {987_650_011, 987_650_012}
    assert all(s.orders == 0 and s.reversals == 0 for s in listed)
    with pytest.raises(UnknownBuyerError):
        await book.name(str(STEAMID64_BASE + 987_650_099), "Nobody")
    assert await book.reversal_warning(987_650_011) is None


async def test_new_reason_brings_a_handled_item_back(services_ctx):
    """A send never confirmed is stuck; handled for that, it leaves the queue; refused by
    the provider later, it comes back with the new reason."""
    from skins_console.core.models import OrderRequest
    from skins_console.store.orders_repository import insert_order_draft, mark_order_rejected

    ctx = services_ctx
    then = ctx.clock.now() - timedelta(minutes=20)
    request = OrderRequest(
        catalog_item_id="cat-x",
        expected_price_cents=500,
        external_id="sc-stuck-1",
        webhook_url="http://127.0.0.1:9/hooks",
        trade_url=make_trade_url(987_650_021),
    )
    await ctx.db.call(
        insert_order_draft, profile="main", request=request, item_name="AWP | Safari Mesh", now=then
    )
    queue = AttentionService(ctx)
    [item] = [i for i in await queue.items() if i.key == "sc-stuck-1"]
    assert item.reason == "stuck: not confirmed by the provider" and item.previous is None
    await queue.resolve("order:sc-stuck-1")
    assert "sc-stuck-1" not in {i.key for i in await queue.items()}

    await ctx.db.call(
        mark_order_rejected,
        "main",
        "sc-stuck-1",
        code="validation_error",
        message="The trade URL is invalid.",
    )
    [back] = [i for i in await queue.items() if i.key == "sc-stuck-1"]
    assert back.reason == "rejected" and back.previous is not None
    assert back.previous.reason == "stuck: not confirmed by the provider"
    assert back.explanation.startswith("refused by the provider")
    with pytest.raises(UnknownAttentionItemError):
        await queue.resolve("deposit:sc-stuck-1")


async def test_a_buyers_margin_adds_up_their_usd_sales_exactly(services_ctx, sandbox):
    """Margin per buyer: charged minus cost over the sales charged in USD, in exact
    decimals; a sale charged in EUR and a failed one add nothing."""
    from decimal import Decimal

    from skins_console.core.margin import Charged

    ctx = services_ctx
    partner = 987_650_777
    url = make_trade_url(partner, token="Mrg1-_zz")
    sold = []
    for outcome, charged in (
        ("completed", Charged(Decimal("19.999"))),
        ("completed", Charged(Decimal("7.5"), "EUR")),
        ("failed", Charged(Decimal("50"))),
        ("completed", Charged(Decimal("0.01"))),
    ):
        item = await pick_item(ctx, min_price_cents=100)
        key = new_external_id(ctx.clock.now())
        sandbox.script_order(key, outcome)
        result = await CheckoutService(ctx).checkout(
            CheckoutRequest(
                item.id, url, expected_price_cents=item.price_cents, external_id=key,
                charged=charged,
            )
        )  # fmt: skip
        assert result.ok, result.message
        sold.append((key, outcome, charged, item.price_cents))
    sandbox.advance(400)
    for key, outcome, _charged, _cost in sold:
        await _until(ctx, key, outcome)

    summary = await BuyerBook(ctx).summary(partner)
    expected = sum(
        (
            c.amount - Decimal(cost) / 100
            for _k, o, c, cost in sold
            if o == "completed" and c.is_usd
        ),
        Decimal(0),
    )
    assert summary is not None and summary.margin_usd == expected
    assert summary.margin_usd.as_tuple().exponent <= -2  # exact, never a float
