"""Recovery of writes a crash left ``draft`` or ``sending``: adopt what the provider has,
resend what it never got, always under the same key, exactly once."""

from __future__ import annotations

from skins_console.core.models import DepositItem, DepositRequest, OrderRequest
from skins_console.core.trade_url import parse_trade_url
from skins_console.services.checkout_service import _write_draft as write_order_draft
from skins_console.services.checkout_service import new_external_id
from skins_console.services.deposit_service import DepositService
from skins_console.services.deposit_service import _write_draft as write_deposit_draft
from skins_console.services.recovery_service import RecoveryService
from tests.fixtures.services import pick_item


async def _crashed_order(ctx, trade_url, *, sending: bool):
    item = await pick_item(ctx)
    trade = parse_trade_url(trade_url())
    key = new_external_id(ctx.clock.now())
    request = OrderRequest(item.id, item.price_cents, key, "http://127.0.0.1:9/hooks", trade.url)
    await ctx.db.call(
        write_order_draft,
        profile="main",
        request=request,
        item=item,
        trade=trade,
        now=ctx.clock.now(),
    )
    if sending:
        await ctx.orders.mark_sending("main", key)
    return request


async def test_draft_never_sent_is_sent_with_its_own_key(services_ctx, sandbox, trade_url):
    ctx = services_ctx
    request = await _crashed_order(ctx, trade_url, sending=False)
    result = await RecoveryService(ctx).recover()
    assert result.resent == [request.external_id]
    order = await ctx.orders.get("main", request.external_id)
    assert order.status not in ("draft", "sending")
    truth = sandbox.truth()["skinsnode"]["orders"][request.external_id]
    assert truth["created"] == 1 and truth["posts"] == 1
    events = await ctx.events.for_record("main", "order", request.external_id)
    assert any(e.type == "recovery" and "same externalId" in e.message for e in events)


async def test_sending_that_reached_the_provider_is_adopted_not_resent(
    services_ctx, sandbox, trade_url
):
    ctx = services_ctx
    request = await _crashed_order(ctx, trade_url, sending=True)
    # The POST got through, then the process died before recording the answer.
    await (await ctx.skinsnode()).create_order(request)
    result = await RecoveryService(ctx).recover()
    assert result.adopted == [request.external_id]
    truth = sandbox.truth()["skinsnode"]["orders"][request.external_id]
    assert truth["created"] == 1 and truth["posts"] == 1
    assert (await ctx.orders.get("main", request.external_id)).status != "sending"


async def test_deposit_left_sending_is_adopted_or_resent_once(services_ctx, sandbox, trade_url):
    ctx = services_ctx
    service = DepositService(ctx)
    keys = []
    for reached_provider in (False, True):
        quote = await service.quote(["AK-47 | Redline (Field-Tested)"])
        trade = parse_trade_url(trade_url())
        key = new_external_id(ctx.clock.now())
        request = DepositRequest(
            quote.trade_id,
            key,
            "csgo",
            trade.partner,
            trade.token,
            (DepositItem("1234567", "AK-47 | Redline (Field-Tested)"),),
        )
        await ctx.db.call(
            write_deposit_draft,
            profile="main",
            request=request,
            quote_id=quote.id,
            trade=trade,
            now=ctx.clock.now(),
        )
        await ctx.deposits.mark_sending("main", key)
        if reached_provider:
            await (await ctx.skinslink()).create_deposit_by_hash_name(request)
        keys.append(key)
    result = await RecoveryService(ctx).recover()
    assert result.resent == [keys[0]] and result.adopted == [keys[1]]
    truth = sandbox.truth()["skinslink"]["deposits"]
    for key in keys:
        assert truth[key]["created"] == 1
        assert (await ctx.deposits.get("main", key)).status not in ("draft", "sending")


async def test_nothing_to_recover_costs_no_request(services_ctx, sandbox):
    before = dict(sandbox.truth()["requests"])
    result = await RecoveryService(services_ctx).recover()
    assert result.total == 0
    assert sandbox.truth()["requests"] == before
