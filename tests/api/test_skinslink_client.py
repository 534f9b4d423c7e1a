"""SkinslinkClient against the sandbox over loopback HTTP: quotes, deposits, status, the
envelope, domain codes, and reconciliation by merchant_tx_id."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from skins_console.core.errors import (
    ApiTimeoutError,
    ApiValidationError,
    AuthError,
    DepositFailedError,
    ForbiddenError,
    MalformedResponseError,
    MarketNameError,
    NotFoundError,
    OutcomeUnknownError,
    ProviderRefusal,
    QuoteExpiredError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from skins_console.core.models import DepositItem, DepositRequest, utcnow
from tests.api.conftest import requests, skinslink, unique

REDLINE = "AK-47 | Redline (Field-Tested)"
ASIIMOV = "AWP | Asiimov (Field-Tested)"
GET_PRICES = "POST /api/v1/merchant/get-prices"
CREATE = "POST /api/v1/merchant/create-deposit-by-hash-name"
STATUS = "GET /api/v1/merchant/deposit/status"


def deposit_truth(sb, tx):
    return sb.truth()["skinslink"]["deposits"].get(tx)


async def quoted_request(
    client,
    sb,
    names=(REDLINE,),
    *,
    min_price=None,
    count=None,
    result_url=None,
    outcome="completed",
) -> DepositRequest:
    """A fresh quote turned into a deposit request; its fate is scripted so that the
    sandbox's random provider failures (5%) never make a test flaky."""
    quote = await client.get_prices("csgo", list(names))
    assert quote.trade_id is not None
    names = list(names) if count is None else [names[0]] * count
    items = tuple(
        DepositItem(str(38029384123 + i), name, min_price) for i, name in enumerate(names)
    )
    tx = unique("dep")
    sb.script_deposit(tx, outcome)
    return DepositRequest(
        trade_id=quote.trade_id,
        merchant_tx_id=tx,
        game="csgo",
        partner=123456789,
        token="AbCdEfGh",
        items=items,
        result_url=result_url,
    )


# --- get-prices ------------------------------------------------------------------------


async def test_quote_locks_for_five_minutes(sb, sl):
    before = utcnow()
    quote = await sl.get_prices("cs2", [REDLINE, ASIIMOV, "Sticker | Not A Real Sticker"])
    assert quote.game == "csgo"
    assert quote.trade_id is not None
    assert before + timedelta(minutes=5) <= quote.lock_expires_at <= utcnow() + timedelta(minutes=5)
    assert {item.name for item in quote.items} == {REDLINE, ASIIMOV}
    assert all(isinstance(item.price, Decimal) for item in quote.items)
    assert quote.sum == sum(item.price for item in quote.items)
    assert quote.unpriced == ("Sticker | Not A Real Sticker",)
    truth = sb.truth()["skinslink"]["quotes"][str(quote.trade_id)]
    assert {name: Decimal(p) for name, p in truth["items"].items()} == {
        item.name: item.price for item in quote.items
    }


async def test_price_only_quote_has_no_lock(sb, sl):
    quotes = len(sb.truth()["skinslink"]["quotes"])
    quote = await sl.get_prices("csgo", [REDLINE], no_deposit_intent=True)
    assert quote.trade_id is None and quote.lock_expires_at is None
    assert quote.items[0].name == REDLINE
    assert len(sb.truth()["skinslink"]["quotes"]) == quotes


async def test_nothing_priced_gives_an_empty_quote(sl):
    quote = await sl.get_prices("csgo", ["Sticker | Nobody Sells This"])
    assert quote.items == () and quote.total == 0 and quote.sum == 0
    assert quote.trade_id is None
    assert quote.raw["items"] is None


async def test_names_are_sent_exactly_as_typed(sl):
    quote = await sl.get_prices("csgo", ["AK-47|Redline  (field-tested)", f" {REDLINE} "])
    assert quote.requested == ("AK-47|Redline  (field-tested)", REDLINE)
    assert [item.name for item in quote.items] == [REDLINE]


async def test_quote_inputs_checked_before_sending(sb, sl):
    before = requests(sb, GET_PRICES)
    with pytest.raises(MarketNameError, match="Unknown game"):
        await sl.get_prices("minecraft", [REDLINE])
    with pytest.raises(ValidationError, match="at most 2000"):
        await sl.get_prices("csgo", [f"Sticker | {i}" for i in range(2001)])
    with pytest.raises(ValidationError, match="at least one"):
        await sl.get_prices("csgo", [])
    assert requests(sb, GET_PRICES) == before


async def test_a_2000_name_quote_goes_through(sl):
    names = [REDLINE] + [f"Sticker | Nobody {i}" for i in range(1999)]
    quote = await sl.get_prices("csgo", names, no_deposit_intent=True)
    assert len(quote.requested) == 2000 and len(quote.unpriced) == 1999


async def test_quote_timeout_is_retried(sb):
    async with skinslink(sb, timeout=0.3) as client:
        before = requests(sb, GET_PRICES)
        sb.set_faults(
            [
                {
                    "kind": "latency",
                    "latency_ms": 700,
                    "route": "/api/v1/merchant/get-prices",
                    "count": 1,
                }
            ]
        )
        quote = await client.get_prices("csgo", [REDLINE])
    assert quote.items
    assert requests(sb, GET_PRICES) == before + 2


# --- create-deposit-by-hash-name -----------------------------------------------------------


async def test_create_deposit(sb, sl):
    req = await quoted_request(sl, sb, (REDLINE, ASIIMOV), min_price=Decimal("0.5"))
    state = await sl.create_deposit_by_hash_name(req)
    assert state.status == "active"
    assert state.id == req.trade_id and state.merchant_tx_id == req.merchant_tx_id
    assert isinstance(state.amount, Decimal) and state.amount > 1
    assert state.bot_name and isinstance(state.bot_steam_id, int)
    assert state.trade_offer_id and state.trade_offer_expiry_at > utcnow()
    assert Decimal(deposit_truth(sb, req.merchant_tx_id)["amount"]) == state.amount


async def test_deposit_status_by_id_and_by_merchant_tx_id(sb, sl):
    req = await quoted_request(sl, sb)
    created = await sl.create_deposit_by_hash_name(req)
    by_id = await sl.deposit_status(id=created.id)
    by_tx = await sl.deposit_status(merchant_tx_id=req.merchant_tx_id)
    assert by_id.id == by_tx.id == created.id
    assert by_tx.merchant_tx_id == req.merchant_tx_id
    assert by_tx.amount is None  # the status answer carries no amount


async def test_deposit_status_errors(sb, sl):
    with pytest.raises(ValidationError):
        await sl.deposit_status()
    with pytest.raises(ValidationError):
        await sl.deposit_status(id=0)
    with pytest.raises(NotFoundError) as info:
        await sl.deposit_status(merchant_tx_id=unique("nope"))
    assert "not found error" in info.value.message


async def test_reused_merchant_tx_id_adopts_the_existing_deposit(sb, sl):
    req = await quoted_request(sl, sb)
    first = await sl.create_deposit_by_hash_name(req)
    again = await sl.create_deposit_by_hash_name(req)
    assert again.id == first.id and again.status == first.status
    truth = deposit_truth(sb, req.merchant_tx_id)
    assert truth["posts"] == 2 and truth["created"] == 1


async def test_provider_failure_on_http_200_raises_with_state(sb, sl):
    req = await quoted_request(sl, sb, outcome="provider_failed")
    with pytest.raises(DepositFailedError) as info:
        await sl.create_deposit_by_hash_name(req)
    assert info.value.state.status == "failed"
    assert info.value.state.fail_reason == "provider_unavailable"
    assert "pricing provider is unavailable" in info.value.message


async def test_expired_quote_says_quote_again(sb, sl):
    req = await quoted_request(sl, sb)
    sb.advance(301)
    with pytest.raises(QuoteExpiredError) as info:
        await sl.create_deposit_by_hash_name(req)
    assert "the 5-minute quote expired; quote again" in info.value.message
    assert info.value.details[0]["code"] == "inventory_reload"
    assert deposit_truth(sb, req.merchant_tx_id)["created"] == 0


async def test_price_below_minimum(sb, sl):
    req = await quoted_request(sl, sb, min_price=Decimal("100000"))
    with pytest.raises(ProviderRefusal) as info:
        await sl.create_deposit_by_hash_name(req)
    assert info.value.code == "item_specified_price_not_found"
    assert "price fell below your minimum" in info.value.message


async def test_too_many_items(sb, sl):
    req = await quoted_request(sl, sb, count=51)
    with pytest.raises(ProviderRefusal) as info:
        await sl.create_deposit_by_hash_name(req)
    assert info.value.code == "too_many_items"
    assert "split it" in info.value.message


async def test_plain_validation_error_keeps_details(sb, sl):
    name = "Sticker | Cheap Test Sticker"
    httpx.post(f"{sb.base_url}/_sandbox/skinslink/prices", json={"prices": {name: "0.5"}})
    req = await quoted_request(sl, sb, (name,))
    with pytest.raises(ApiValidationError) as info:
        await sl.create_deposit_by_hash_name(req)
    assert info.value.details[0]["code"] == "gt"
    assert "Amount" in info.value.message


async def test_deposit_inputs_checked_before_sending(sb, sl):
    req = await quoted_request(sl, sb)
    before = requests(sb, CREATE)
    bad = dataclasses.replace(req, items=(DepositItem("not-a-number", REDLINE),))
    with pytest.raises(ValidationError) as info:
        await sl.create_deposit_by_hash_name(bad)
    assert info.value.field == "asset_id" and "must be a number" in info.value.message
    assert requests(sb, CREATE) == before


# --- reconciliation ------------------------------------------------------------------------


async def test_lost_create_answer_is_reconciled(sb, sl):
    req = await quoted_request(sl, sb)
    before = requests(sb, CREATE)
    sb.set_faults(
        [{"kind": "drop", "route": "/api/v1/merchant/create-deposit", "count": 1, "commit": True}]
    )
    state = await sl.create_deposit_by_hash_name(req)
    assert state.merchant_tx_id == req.merchant_tx_id and state.status == "active"
    assert requests(sb, CREATE) == before + 1
    truth = deposit_truth(sb, req.merchant_tx_id)
    assert truth["posts"] == 1 and truth["created"] == 1


async def test_create_that_never_arrived_is_resent_identically(sb, sl):
    req = await quoted_request(sl, sb)
    before = requests(sb, CREATE)
    sb.set_faults(
        [{"kind": "error", "status": 502, "route": "/api/v1/merchant/create-deposit", "count": 1}]
    )
    state = await sl.create_deposit_by_hash_name(req)
    assert state.status == "active"
    assert requests(sb, CREATE) == before + 2
    truth = deposit_truth(sb, req.merchant_tx_id)
    assert truth["posts"] == 1 and truth["created"] == 1


async def test_garbled_create_answer_is_reconciled(sb, sl):
    req = await quoted_request(sl, sb)
    sb.set_faults([{"kind": "malformed", "route": "/api/v1/merchant/create-deposit", "count": 1}])
    state = await sl.create_deposit_by_hash_name(req)
    assert state.id == req.trade_id
    assert deposit_truth(sb, req.merchant_tx_id)["posts"] == 1


async def test_outcome_unknown_when_status_is_unreachable(sb, sl):
    req = await quoted_request(sl, sb)
    sb.set_faults(
        [
            {"kind": "error", "status": 503, "route": "/api/v1/merchant/create-deposit"},
            {"kind": "error", "status": 503, "route": "/api/v1/merchant/deposit"},
        ]
    )
    with pytest.raises(OutcomeUnknownError) as info:
        await sl.create_deposit_by_hash_name(req)
    assert req.merchant_tx_id in info.value.message and info.value.outcome_unknown


# --- transport and HTTP errors ----------------------------------------------------------------


async def test_missing_and_wrong_api_key(sb):
    async with httpx.AsyncClient() as raw:
        answer = await raw.get(f"{sb.skinslink_base_url}/merchant/deposit/status?id=1")
    assert answer.status_code == 401  # the sandbox really requires the header
    from skins_console.api.skinslink_client import SkinslinkClient

    async with SkinslinkClient(sb.skinslink_base_url, "wrong-key-value") as client:
        with pytest.raises(AuthError) as info:
            await client.get_prices("csgo", [REDLINE])
    assert "invalid API key" in info.value.message
    assert "wrong-key-value" not in info.value.message


async def test_forbidden(sb, sl):
    sb.set_faults([{"kind": "error", "status": 403, "route": "/api/v1/merchant/get-prices"}])
    with pytest.raises(ForbiddenError) as info:
        await sl.get_prices("csgo", [REDLINE])
    assert "Skinslink" in info.value.message and "allow-list" in info.value.message


async def test_status_retry_after_is_honoured(sb, sl):
    req = await quoted_request(sl, sb)
    await sl.create_deposit_by_hash_name(req)
    sb.set_faults(
        [{"kind": "rate_limit", "route": "/api/v1/merchant/deposit", "count": 1, "retry_after": 1}]
    )
    started = time.monotonic()
    await sl.deposit_status(merchant_tx_id=req.merchant_tx_id)
    assert time.monotonic() - started >= 1.0


async def test_status_rate_limited_beyond_cap(sb):
    async with skinslink(sb, max_retry_after=1) as client:
        sb.set_faults(
            [{"kind": "rate_limit", "route": "/api/v1/merchant/deposit", "retry_after": 60}]
        )
        with pytest.raises(RateLimitedError) as info:
            await client.deposit_status(id=1)
    assert info.value.retry_after == 60


async def test_status_server_error_and_timeout(sb):
    async with skinslink(sb, max_get_retries=1, timeout=0.2) as client:
        sb.set_faults([{"kind": "error", "status": 500, "route": "/api/v1/merchant/deposit"}])
        with pytest.raises(ServerError) as info:
            await client.deposit_status(id=1)
        assert "HTTP 500" in info.value.message and "Skinslink said" in info.value.message
        sb.set_faults([{"kind": "error", "status": 408, "route": "/api/v1/merchant/deposit"}])
        with pytest.raises(ApiTimeoutError):
            await client.deposit_status(id=1)
        sb.set_faults([{"kind": "latency", "latency_ms": 500, "route": "/api/v1/merchant/deposit"}])
        with pytest.raises(ApiTimeoutError):
            await client.deposit_status(id=1)


async def test_status_malformed(sb):
    async with skinslink(sb, max_get_retries=0) as client:
        sb.set_faults([{"kind": "malformed", "route": "/api/v1/merchant/deposit"}])
        with pytest.raises(MalformedResponseError) as info:
            await client.deposit_status(id=742)
    assert "Skinslink" in info.value.message


async def test_sandbox_webhook_verifies(sb, sl, webhook_receiver):
    from skins_console.api.webhook_signatures import verify_skinslink_webhook

    req = await quoted_request(sl, sb, result_url=webhook_receiver.url, outcome="failed")
    await sl.create_deposit_by_hash_name(req)
    sb.advance(400)
    received = await asyncio.to_thread(webhook_receiver.wait_for, lambda d: d, 5)
    hook = verify_skinslink_webhook(received[0].body, sb.config.skinslink_webhook_secret)
    assert hook.trade_id == req.trade_id
    assert hook.merchant_tx_id == req.merchant_tx_id
    assert json.loads(received[0].body)["status"] == hook.status == "failed"
