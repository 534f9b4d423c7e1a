"""Every JSON example of the provider contracts and seeds, replayed through the clients
over loopback HTTP (or through the parser and webhook checks they feed), #10.6.

The examples are copies in ``tests/api/data/contract_examples.json`` (each with its source
path and section; ``verbatim`` where the source has a JSON block, otherwise built from the
source's field table or sentence), so the tests never read the shared contract folder.
Each answer is served as is by a stand-in provider; requests the console sends for the
same inputs must equal the documented request bodies.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from skins_console.api.skinslink_client import SkinslinkClient
from skins_console.api.skinslink_parse import parse_quote
from skins_console.api.skinsnode_client import SkinsNodeClient
from skins_console.api.webhook_signatures import (
    sign_skinsnode,
    skinslink_sign,
    verify_skinslink_webhook,
    verify_skinsnode_webhook,
)
from skins_console.core import errors
from skins_console.core.models import DepositItem, DepositRequest, OrderRequest, parse_time
from skins_console.core.money import loads_exact
from tests.api.standin import Canned, StandIn

DATA = Path(__file__).parent / "data" / "contract_examples.json"
EXAMPLES: list[dict[str, Any]] = json.loads(DATA.read_text(encoding="utf-8"))["examples"]
SECRET = "contract-example-secret"
GET_PRICES = "/api/v1/merchant/get-prices"
CREATE = "/api/v1/merchant/create-deposit-by-hash-name"
STATUS = "/api/v1/merchant/deposit/status"


def examples(*kinds: str):
    return [pytest.param(e, id=e["id"]) for e in EXAMPLES if e["kind"] in kinds]


def example(example_id: str) -> dict[str, Any]:
    return next(e for e in EXAMPLES if e["id"] == example_id)


def body_of(ex: dict[str, Any]) -> Any:
    return loads_exact(ex["body"])


def serve(provider: StandIn, method: str, path: str, ex: dict[str, Any]) -> None:
    provider.script(method, path, reply=Canned(ex.get("status", 200), ex["body"].encode()))


def link(provider: StandIn) -> SkinslinkClient:
    return SkinslinkClient(provider.url + "/api/v1", "key", timeout=3.0, max_get_retries=0)


def node(provider: StandIn) -> SkinsNodeClient:
    return SkinsNodeClient(provider.url, "id", "secret", timeout=3.0, max_get_retries=0)


def test_every_example_is_replayed_here():
    handled = {
        "skinslink.get_prices",
        "skinslink.get_prices.request",
        "skinslink.quote_data",
        "skinslink.create_deposit.request",
        "skinslink.error",
        "skinslink.deposit_status",
        "skinslink.create_deposit",
        "skinslink.webhook",
        "skinsnode.order_request",
        "skinsnode.order_accepted",
        "skinsnode.order_state",
        "skinsnode.webhook",
        "skinsnode.health",
        "skinsnode.wallet",
    }
    assert {e["kind"] for e in EXAMPLES} == handled
    assert len({e["id"] for e in EXAMPLES}) == len(EXAMPLES) >= 40
    for ex in EXAMPLES:
        assert ex["source"].startswith(("seeds/", "contracts/")) and ex["section"]
        if ex["kind"] != "skinslink.error" or ex["verbatim"]:
            loads_exact(ex["body"])  # every example is JSON


# --- Skinslink -------------------------------------------------------------------------


def _check_quote(quote, want: dict[str, Any]) -> None:
    assert quote.trade_id == want["trade_id"]
    assert quote.total == want["total"]
    assert quote.sum == Decimal(want["sum"])
    assert [str(item.price) for item in quote.items] == want["prices"]
    assert [str(item.original_price) for item in quote.items] == want["original_prices"]
    assert [item.name for item in quote.items] == want["names"][: len(quote.items)]


@pytest.mark.parametrize("ex", examples("skinslink.get_prices"))
async def test_get_prices_answer(provider, ex):
    serve(provider, "POST", GET_PRICES, ex)
    async with link(provider) as client:
        quote = await client.get_prices("csgo", ex["expect"]["names"])
    _check_quote(quote, ex["expect"])
    assert (quote.lock_expires_at is None) == (quote.trade_id is None)


@pytest.mark.parametrize("ex", examples("skinslink.quote_data"))
def test_quote_data(ex):
    want = ex["expect"]
    _check_quote(
        parse_quote(body_of(ex)["data"], game="csgo", requested=tuple(want["names"])), want
    )


@pytest.mark.parametrize("ex", examples("skinslink.get_prices.request"))
async def test_get_prices_request_is_the_documented_body(provider, ex):
    documented = body_of(ex)
    price_only = ex["expect"]["no_deposit_intent"]
    answer = "get-prices-empty-inventory" if price_only else "get-prices-response"
    serve(provider, "POST", GET_PRICES, example(answer))
    async with link(provider) as client:
        await client.get_prices(
            documented["game"],
            documented["marketHashNames"],
            no_deposit_intent=price_only,
        )
    (sent,) = provider.requests("POST", GET_PRICES)
    assert loads_exact(sent.body) == documented


def _documented_deposit(documented: dict[str, Any]) -> DepositRequest:
    return DepositRequest(
        trade_id=documented["id"],
        merchant_tx_id=documented["merchant_tx_id"],
        game=documented["game"],
        partner=documented["partner"],
        token=documented["token"],
        items=tuple(
            DepositItem(item["asset_id"], item["name"], item.get("min_price"))
            for item in documented["items"]
        ),
    )


@pytest.mark.parametrize("ex", examples("skinslink.create_deposit.request"))
async def test_create_deposit_request_is_the_documented_body(provider, ex):
    documented = body_of(ex)
    serve(provider, "POST", CREATE, example("create-deposit-active"))
    async with link(provider) as client:
        state = await client.create_deposit_by_hash_name(_documented_deposit(documented))
    (sent,) = provider.requests("POST", CREATE)
    assert loads_exact(sent.body) == documented
    assert b'"min_price":22.50' in sent.body  # a JSON number, exactly as documented
    assert state.status == "active"


@pytest.mark.parametrize("ex", examples("skinslink.error"))
async def test_error_answers(provider, ex):
    want = ex["expect"]
    serve(provider, "POST", GET_PRICES, ex)
    async with link(provider) as client:
        with pytest.raises(errors.ApiError) as info:
            await client.get_prices("csgo", ["AK-47 | Redline (Field-Tested)"])
    error = info.value
    assert type(error).__name__ == want["error"], error.message
    assert error.code == want["code"]
    assert want["phrase"] in error.message
    assert error.status == ex["status"]
    assert "\n" not in error.message and len(error.message) < 400


@pytest.mark.parametrize("ex", examples("skinslink.deposit_status"))
async def test_deposit_status_answers(provider, ex):
    want = ex["expect"]
    serve(provider, "GET", STATUS, ex)
    async with link(provider) as client:
        state = await client.deposit_status(merchant_tx_id="order-9999")
    assert state.status == want["status"]
    assert state.bot_steam_id == want["bot_steam_id"] and isinstance(state.bot_steam_id, int)
    assert state.fail_reason == want["fail_reason"]
    if "hold_end_date" in want:
        assert state.hold_end_date == datetime.fromisoformat(want["hold_end_date"])


@pytest.mark.parametrize("ex", examples("skinslink.create_deposit"))
async def test_create_deposit_answers(provider, ex):
    want = ex["expect"]
    serve(provider, "POST", CREATE, ex)
    documented = body_of(example("hash-name-create-deposit-request"))
    async with link(provider) as client:
        if "error" in want:
            with pytest.raises(errors.DepositFailedError) as info:
                await client.create_deposit_by_hash_name(_documented_deposit(documented))
            assert info.value.state.fail_reason == want["fail_reason"]
            assert "pricing provider is unavailable" in info.value.message
            return
        state = await client.create_deposit_by_hash_name(_documented_deposit(documented))
    assert state.status == want["status"] and state.amount == Decimal(want["amount"])
    assert state.bot_steam_id == want["bot_steam_id"]


@pytest.mark.parametrize("ex", examples("skinslink.webhook"))
def test_skinslink_webhook_payloads(ex):
    want = ex["expect"]
    signed = ex["body"].replace(
        "b64EncodedSHA256Signature==", skinslink_sign(want["trade_id"], SECRET)
    )
    hook = verify_skinslink_webhook(signed.encode(), SECRET)
    assert (hook.trade_id, hook.status, hook.offer_id) == (
        want["trade_id"],
        want["status"],
        want["offer_id"],
    )
    assert hook.amount == Decimal(want["amount"])
    with pytest.raises(errors.WebhookRejected):
        verify_skinslink_webhook(ex["body"].encode(), SECRET)  # the docs' placeholder sign


# --- SkinsNode -------------------------------------------------------------------------


def _documented_order(documented: dict[str, Any]) -> OrderRequest:
    return OrderRequest(
        catalog_item_id=documented["catalogItemId"],
        expected_price_cents=documented["expectedPrice"],
        external_id=documented["externalId"],
        webhook_url=documented["webhookUrl"],
        trade_url=documented["tradeUrl"],
    )


@pytest.mark.parametrize("ex", examples("skinsnode.order_request"))
async def test_order_request_is_the_documented_body(provider, ex):
    documented = body_of(ex)
    serve(provider, "POST", "/v1/orders", example("order-accepted-agent"))
    async with node(provider) as client:
        accepted = await client.create_order(_documented_order(documented))
    (sent,) = provider.requests("POST", "/v1/orders")
    assert loads_exact(sent.body) == documented
    assert accepted.external_id == documented["externalId"]


@pytest.mark.parametrize("ex", examples("skinsnode.order_accepted"))
async def test_order_accepted_answers(provider, ex):
    want = ex["expect"]
    serve(provider, "POST", "/v1/orders", ex)
    documented = body_of(example("order-request-agent"))
    request = _documented_order({**documented, "externalId": want["external_id"]})
    async with node(provider) as client:
        accepted = await client.create_order(request)
    assert (accepted.external_id, accepted.status) == (want["external_id"], want["status"])
    wanted_at = want["accepted_at"]
    assert accepted.accepted_at == (datetime.fromisoformat(wanted_at) if wanted_at else None)


@pytest.mark.parametrize("ex", examples("skinsnode.order_state"))
async def test_order_state_answers(provider, ex):
    want = ex["expect"]
    serve(provider, "GET", "/v1/orders/", ex)
    async with node(provider) as client:
        state = await client.get_order(want["external_id"])
    assert (state.status, state.amount_cents) == (want["status"], want["amount_cents"])
    assert (state.failure.code if state.failure else None) == want["failure_code"]


@pytest.mark.parametrize("ex", examples("skinsnode.webhook"))
def test_skinsnode_webhook_payloads(ex):
    want = ex["expect"]
    stamp = "2026-04-25T12:36:12.000Z"
    raw = ex["body"].encode()
    headers = {
        "x-event-type": "order.updated",
        "x-delivery-id": "01971d02-0001",
        "x-timestamp": stamp,
        "x-signature": sign_skinsnode(SECRET, stamp, raw),
    }
    delivery = verify_skinsnode_webhook(headers, raw, SECRET, now=parse_time(stamp))
    order = delivery.order
    assert (order.external_id, order.status) == (want["external_id"], want["status"])
    assert order.amount_cents == want["amount_cents"]
    assert order.steam_offer_id == want["steam_offer_id"]
    assert order.timestamps == want["timestamps"]  # "...": "ISO datetimes" is no time


@pytest.mark.parametrize("ex", examples("skinsnode.health", "skinsnode.wallet"))
async def test_health_and_wallet_answers(provider, ex):
    want = ex["expect"]
    async with node(provider) as client:
        if ex["kind"] == "skinsnode.health":
            serve(provider, "GET", "/v1/health", ex)
            health = await client.health()
            assert (health.ok, health.service) == (want["ok"], want["service"])
        else:
            serve(provider, "GET", "/v1/wallet", ex)
            wallet = await client.wallet()
            assert (wallet.available_cents, wallet.currency) == (
                want["available_cents"],
                want["currency"],
            )
