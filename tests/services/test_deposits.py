"""Skinslink quotes and deposits against the sandbox: stored quote with its lock, deposit
written before sending, min_price from the tolerance, expired quote refused locally, 409
adopted, HTTP-200 failure recorded with its reason."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from skins_console.core.errors import ValidationError
from skins_console.core.models import DepositItem, DepositRequest
from skins_console.core.trade_url import parse_trade_url
from skins_console.services.checkout_service import new_external_id
from skins_console.services.clock import Clock
from skins_console.services.deposit_service import (
    DepositInput,
    DepositLine,
    DepositService,
    default_min_price,
)

AK = "AK-47 | Redline (Field-Tested)"
AWP = "AWP | Asiimov (Field-Tested)"


class Later(Clock):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def now(self):
        return super().now() + timedelta(seconds=self.seconds)


def test_default_min_price_is_the_quote_less_the_tolerance_rounded_down():
    assert default_min_price(Decimal("15.817"), Decimal("2.5")) == Decimal("15.421")
    assert default_min_price(Decimal("10"), Decimal("0")) == Decimal("10.000")


async def test_quote_is_stored_with_its_lock(services_ctx):
    quote = await DepositService(services_ctx).quote(
        [AK, "StatTrak™ AK-47 | Redline (Field-Tested)"]
    )
    stored = await services_ctx.quotes.get(quote.id)
    assert stored.trade_id is not None and stored.lock_expires_at > stored.fetched_at
    assert stored.lock_expires_at - stored.fetched_at == services_ctx.cadence.delay(300)
    assert all(isinstance(item["price"], Decimal) for item in stored.items)
    assert "StatTrak™ AK-47 | Redline (Field-Tested)" in stored.requested


async def test_deposit_is_written_then_created_with_default_min_price(
    services_ctx_factory, sandbox, trade_url
):
    # Sandbox prices drift with its fast clock; a wide tolerance keeps the floor below it.
    ctx = await services_ctx_factory(sandbox, min_price_tolerance_pct=Decimal("50"))
    service = DepositService(ctx)
    quote = await service.quote([AK, AWP])
    result = await service.create(
        DepositInput(
            quote.id,
            trade_url(),
            (DepositLine(AK, "111111"), DepositLine(AWP, "222222", Decimal("1.50"))),
        )
    )
    assert result.ok, result.message
    deposit = result.deposit
    prices = {i["name"]: Decimal(i["price"]) for i in quote.items}
    body_items = {i["name"]: i["min_price"] for i in deposit.request_body["items"]}
    assert body_items[AK] == default_min_price(prices[AK], Decimal("50"))
    assert body_items[AWP] == Decimal("1.50")
    assert deposit.status == "active" and deposit.trade_offer_id
    assert (await ctx.quotes.get(quote.id)).used_by == deposit.merchant_tx_id
    events = await ctx.events.for_record("main", "deposit", deposit.merchant_tx_id)
    assert [e.new_status for e in events if e.new_status][:3] == ["draft", "sending", "active"]
    with pytest.raises(ValidationError) as info:
        await service.create(DepositInput(quote.id, trade_url(), (DepositLine(AK, "333"),)))
    assert info.value.code == "quote_used"


async def test_expired_quote_is_refused_locally_with_a_requote_message(
    services_ctx, sandbox, trade_url
):
    ctx = services_ctx
    service = DepositService(ctx)
    quote = await service.quote([AK])
    posts = sandbox.truth()["requests"].get("POST /api/v1/merchant/create-deposit-by-hash-name", 0)
    ctx.clock = Later(ctx.cadence.seconds(301))
    with pytest.raises(ValidationError) as info:
        await service.create(DepositInput(quote.id, trade_url(), (DepositLine(AK, "1"),)))
    assert info.value.code == "quote_expired" and "Quote again" in info.value.message
    assert await ctx.deposits.get("main", "anything") is None
    assert (
        sandbox.truth()["requests"].get("POST /api/v1/merchant/create-deposit-by-hash-name", 0)
        == posts
    )


async def test_price_only_quote_and_unquoted_item_are_refused(services_ctx, trade_url):
    service = DepositService(services_ctx)
    price_only = await service.quote([AK], price_only=True)
    assert price_only.trade_id is None
    with pytest.raises(ValidationError, match="price-only"):
        await service.create(DepositInput(price_only.id, trade_url(), (DepositLine(AK, "1"),)))
    quote = await service.quote([AK])
    with pytest.raises(ValidationError) as info:
        await service.create(DepositInput(quote.id, trade_url(), (DepositLine(AWP, "1"),)))
    assert info.value.code == "item_not_quoted"


async def test_conflict_adopts_the_existing_deposit(services_ctx, sandbox, trade_url):
    ctx = services_ctx
    service = DepositService(ctx)
    quote = await service.quote([AK])
    url = trade_url()
    trade = parse_trade_url(url)
    key = new_external_id(ctx.clock.now())
    # Another run (say, the GUI) already created it under this merchant_tx_id.
    await (await ctx.skinslink()).create_deposit_by_hash_name(
        DepositRequest(
            quote.trade_id,
            key,
            "csgo",
            trade.partner,
            trade.token,
            (DepositItem("777", AK, Decimal("0.01")),),
        )
    )
    result = await service.create(
        DepositInput(quote.id, url, (DepositLine(AK, "777", Decimal("0.01")),), merchant_tx_id=key)
    )
    assert result.ok and result.deposit.status == "active"
    truth = sandbox.truth()["skinslink"]["deposits"][key]
    assert truth["created"] == 1 and truth["posts"] == 2


async def test_http_200_failure_is_recorded_with_its_reason(services_ctx, sandbox, trade_url):
    ctx = services_ctx
    service = DepositService(ctx)
    quote = await service.quote([AK])
    key = new_external_id(ctx.clock.now())
    sandbox.script_deposit(key, "provider_failed")
    result = await service.create(
        DepositInput(
            quote.id, trade_url(), (DepositLine(AK, "5", Decimal("0.01")),), merchant_tx_id=key
        )
    )
    assert result.outcome == "failed"
    assert result.deposit.status == "failed"
    assert result.deposit.fail_reason == "provider_unavailable"
    assert "unavailable" in result.message
    assert result.deposit.next_check_at is None
