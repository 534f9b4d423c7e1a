"""SkinsNodeClient against the sandbox over loopback HTTP: every route, every error, and
the create-order reconciliation rules (one order per externalId, whatever the network does).
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from skins_console.core.errors import (
    ApiConnectionError,
    ApiTimeoutError,
    ApiValidationError,
    AuthError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from skins_console.core.models import OrderRequest
from skins_console.core.statuses import ORDER_KNOWN
from tests.api.conftest import TRADE_URL, requests, skinsnode, unique
from tests.conftest import wait_for

POST_ORDERS = "POST /v1/orders"
GET_ORDER = "GET /v1/orders/{externalId}"
_used: set[str] = set()


async def fresh_item(client):
    """A listed catalog item no other test has ordered."""
    catalog = await client.catalog()
    for item in catalog.items:
        if item.id not in _used and item.price_cents < 100_000:
            _used.add(item.id)
            return item
    raise AssertionError("the sandbox catalog ran out of unused items")


async def order_for(
    client, prefix="ord", *, webhook_url="https://merchant.example/hooks", **overrides
) -> OrderRequest:
    item = await fresh_item(client)
    fields = dict(
        catalog_item_id=item.id,
        expected_price_cents=item.price_cents,
        external_id=unique(prefix),
        webhook_url=webhook_url,
        trade_url=TRADE_URL,
    )
    fields.update(overrides)
    return OrderRequest(**fields)


def order_truth(sb, external_id):
    return sb.truth()["skinsnode"]["orders"].get(external_id)


def debits(sb, external_id):
    ledger = sb.truth()["skinsnode"]["wallet"]["ledger"]
    return [row for row in ledger if row["externalId"] == external_id and row["kind"] == "debit"]


# --- reads -----------------------------------------------------------------------------


async def test_health_needs_no_credentials(sb):
    async with skinsnode(sb) as good:
        assert (await good.health()).ok
    async with skinsnode_wrong(sb) as wrong:
        health = await wrong.health()  # works whatever the credentials
        assert health.ok and health.service == "skinsnode"
        with pytest.raises(AuthError):
            await wrong.wallet()


def skinsnode_wrong(sb):
    from skins_console.api.skinsnode_client import SkinsNodeClient

    return SkinsNodeClient(
        sb.base_url,
        sb.config.skinsnode_client_id,
        "wrong-secret-value",
        timeout=3.0,
        backoff_base=0.01,
    )


async def test_wallet_matches_sandbox_truth(sb, sn):
    sb.set_balance(123_456)
    wallet = await sn.wallet()
    assert wallet.available_cents == 123_456
    assert wallet.currency == "USD"
    assert wallet.client_id == sb.config.skinsnode_client_id
    assert wallet.raw["availableBalance"] == "123456"


async def test_catalog_parses_every_entry(sb, sn):
    catalog = await sn.catalog()
    assert catalog.skipped == ()
    assert len(catalog.items) > 100
    item = catalog.items[0]
    assert isinstance(item.price_cents, int) and item.price_cents > 0
    assert item.raw["price"] == item.price_cents
    assert item.float_value is not None and item.wear is not None


async def test_create_then_get_order(sb, sn):
    sb.set_balance(1_000_000)
    req = await order_for(sn)
    accepted = await sn.create_order(req)
    assert accepted.external_id == req.external_id
    assert accepted.status == "accepted"
    assert accepted.accepted_at is not None
    state = await sn.get_order(req.external_id)
    assert state.external_id == req.external_id
    assert state.amount_cents == req.expected_price_cents
    assert state.status in ORDER_KNOWN
    assert state.trade_url == TRADE_URL
    assert state.item["id"] == req.catalog_item_id


async def test_get_unknown_order_is_not_found(sn):
    with pytest.raises(NotFoundError) as info:
        await sn.get_order(unique("missing"))
    assert "SkinsNode" in info.value.message and info.value.status == 404


async def test_external_id_with_slash_is_quoted_in_the_path(sb, sn):
    sb.set_balance(1_000_000)
    req = await order_for(sn, "a/b c")
    await sn.create_order(req)
    assert (await sn.get_order(req.external_id)).external_id == req.external_id


# --- idempotency and reconciliation ---------------------------------------------------


async def test_same_external_id_twice_is_one_order_debited_once(sb, sn):
    sb.set_balance(1_000_000)
    req = await order_for(sn)
    first = await sn.create_order(req)
    second = await sn.create_order(req)
    assert first.external_id == second.external_id == req.external_id
    truth = order_truth(sb, req.external_id)
    assert truth["posts"] == 2 and truth["created"] == 1
    assert len(debits(sb, req.external_id)) == 1
    assert (
        sb.truth()["skinsnode"]["wallet"]["balance_cents"] == 1_000_000 - req.expected_price_cents
    )


async def test_lost_response_is_reconciled_not_duplicated(sb, sn):
    sb.set_balance(1_000_000)
    req = await order_for(sn)
    posts, gets = requests(sb, POST_ORDERS), requests(sb, GET_ORDER)
    sb.set_faults(
        [{"kind": "drop", "route": "/v1/orders", "method": "POST", "count": 1, "commit": True}]
    )
    accepted = await sn.create_order(req)
    assert accepted.external_id == req.external_id
    assert accepted.raw["externalId"] == req.external_id  # built from the lookup
    truth = order_truth(sb, req.external_id)
    assert truth["posts"] == 1 and truth["created"] == 1
    assert requests(sb, POST_ORDERS) == posts + 1  # found by the lookup: never resent
    assert requests(sb, GET_ORDER) == gets + 1
    assert len(debits(sb, req.external_id)) == 1


async def test_post_that_never_arrived_is_resent_with_the_same_key(sb, sn):
    sb.set_balance(1_000_000)
    req = await order_for(sn)
    posts = requests(sb, POST_ORDERS)
    sb.set_faults([{"kind": "drop", "route": "/v1/orders", "method": "POST", "count": 1}])
    accepted = await sn.create_order(req)
    assert accepted.external_id == req.external_id and accepted.status == "accepted"
    truth = order_truth(sb, req.external_id)
    assert truth["posts"] == 1 and truth["created"] == 1  # the first never got processed
    assert requests(sb, POST_ORDERS) == posts + 2
    assert len(debits(sb, req.external_id)) == 1


@pytest.mark.parametrize("commit", [False, True])
async def test_server_error_reconciles(sb, sn, commit):
    sb.set_balance(1_000_000)
    req = await order_for(sn)
    posts = requests(sb, POST_ORDERS)
    sb.set_faults(
        [
            {
                "kind": "error",
                "status": 503,
                "route": "/v1/orders",
                "method": "POST",
                "count": 1,
                "commit": commit,
            }
        ]
    )
    await sn.create_order(req)
    truth = order_truth(sb, req.external_id)
    assert truth["created"] == 1 and truth["posts"] == 1
    assert requests(sb, POST_ORDERS) == posts + (1 if commit else 2)


async def test_garbled_answer_is_reconciled(sb, sn):
    sb.set_balance(1_000_000)
    req = await order_for(sn)
    sb.set_faults([{"kind": "malformed", "route": "/v1/orders", "method": "POST", "count": 1}])
    accepted = await sn.create_order(req)
    assert accepted.external_id == req.external_id
    assert order_truth(sb, req.external_id)["posts"] == 1


async def test_timeout_then_late_processing_still_one_order(sb):
    sb.set_balance(1_000_000)
    async with skinsnode(sb, timeout=0.4) as client:
        req = await order_for(client)
        sb.set_faults(
            [
                {
                    "kind": "latency",
                    "latency_ms": 1200,
                    "route": "/v1/orders",
                    "method": "POST",
                    "count": 1,
                }
            ]
        )
        accepted = await client.create_order(req)
    assert accepted.external_id == req.external_id
    # The slow first POST is processed after the client gave up and resent: the sandbox
    # must answer it with the existing order, not a second one.
    await wait_for(lambda: order_truth(sb, req.external_id)["posts"] == 2, timeout=5)
    truth = order_truth(sb, req.external_id)
    assert truth["created"] == 1
    assert len(debits(sb, req.external_id)) == 1


async def test_outcome_unknown_when_the_lookup_fails_too(sb, sn):
    req = await order_for(sn)
    posts = requests(sb, POST_ORDERS)
    sb.set_faults([{"kind": "error", "status": 502, "route": "/v1/orders"}])
    with pytest.raises(OutcomeUnknownError) as info:
        await sn.create_order(req)
    assert info.value.outcome_unknown
    assert req.external_id in info.value.message and "sending" in info.value.message
    assert requests(sb, POST_ORDERS) == posts + 1  # never resent blind


async def test_resending_is_bounded(sb, sn):
    req = await order_for(sn)
    posts = requests(sb, POST_ORDERS)
    sb.set_faults([{"kind": "drop", "route": "/v1/orders", "method": "POST"}])
    with pytest.raises(OutcomeUnknownError):
        await sn.create_order(req)
    assert requests(sb, POST_ORDERS) == posts + sn.create_attempts
    assert order_truth(sb, req.external_id) is None


# --- definite refusals ----------------------------------------------------------------


async def test_validation_error_has_details_and_is_not_retried(sb, sn):
    req = await order_for(sn, trade_url="https://steamcommunity.com/tradeoffer/new/?partner=1")
    posts = requests(sb, POST_ORDERS)
    with pytest.raises(ApiValidationError) as info:
        await sn.create_order(req)
    assert info.value.status == 422
    assert [d["field"] for d in info.value.details] == ["tradeUrl"]
    assert "tradeUrl" in info.value.message
    assert requests(sb, POST_ORDERS) == posts + 1


async def test_unknown_catalog_item_is_not_found(sb, sn):
    req = await order_for(sn, catalog_item_id="00000000-0000-4000-8000-000000000000")
    with pytest.raises(NotFoundError):
        await sn.create_order(req)
    assert order_truth(sb, req.external_id)["created"] == 0


async def test_conflict_adopts_the_existing_order(sb, sn):
    sb.set_balance(1_000_000)
    req = await order_for(sn)
    await sn.create_order(req)
    sb.set_faults(
        [{"kind": "error", "status": 409, "route": "/v1/orders", "method": "POST", "count": 1}]
    )
    adopted = await sn.create_order(req)
    assert adopted.external_id == req.external_id
    assert order_truth(sb, req.external_id)["created"] == 1


async def test_wrong_credentials(sb):
    async with skinsnode_wrong(sb) as client:
        with pytest.raises(AuthError) as info:
            await client.wallet()
    assert "credentials" in info.value.message
    assert "wrong-secret-value" not in info.value.message + repr(info.value.body)


async def test_forbidden_names_the_allow_list(sb, sn):
    sb.set_faults([{"kind": "error", "status": 403, "route": "/v1/wallet"}])
    with pytest.raises(ForbiddenError) as info:
        await sn.wallet()
    assert "allow-list" in info.value.message and "fixed-IP relay" in info.value.message


async def test_client_side_checks_before_sending(sb, sn):
    posts = requests(sb, POST_ORDERS)
    for bad in (
        dict(external_id=""),
        dict(expected_price_cents=12.5),
        dict(expected_price_cents=True),
        dict(trade_url=""),
        dict(webhook_url=""),
    ):
        req = OrderRequest(
            **{
                **dict(
                    catalog_item_id="x",
                    expected_price_cents=1,
                    external_id="e",
                    webhook_url="https://w",
                    trade_url="t",
                ),
                **bad,
            }
        )
        with pytest.raises(ValidationError):
            await sn.create_order(req)
    assert requests(sb, POST_ORDERS) == posts


# --- read retries, 429, timeouts, garbled answers ----------------------------------------


async def test_read_retries_server_errors_then_succeeds(sb, sn):
    before = requests(sb, "GET /v1/wallet")
    sb.set_faults([{"kind": "error", "status": 503, "route": "/v1/wallet", "count": 2}])
    await sn.wallet()
    assert requests(sb, "GET /v1/wallet") == before + 3


async def test_read_retries_are_bounded(sb):
    async with skinsnode(sb, max_get_retries=2) as client:
        before = requests(sb, "GET /v1/wallet")
        sb.set_faults([{"kind": "error", "status": 500, "route": "/v1/wallet"}])
        with pytest.raises(ServerError) as info:
            await client.wallet()
    assert requests(sb, "GET /v1/wallet") == before + 3
    assert info.value.status == 500 and "try again" in info.value.message.lower()


async def test_retry_after_is_honoured(sb, sn):
    before = requests(sb, "GET /v1/wallet")
    sb.set_faults([{"kind": "rate_limit", "route": "/v1/wallet", "count": 1, "retry_after": 1}])
    started = time.monotonic()
    await sn.wallet()
    assert time.monotonic() - started >= 1.0
    assert requests(sb, "GET /v1/wallet") == before + 2


async def test_long_retry_after_is_reported_not_slept(sb):
    async with skinsnode(sb, max_retry_after=2) as client:
        sb.set_faults([{"kind": "rate_limit", "route": "/v1/wallet", "retry_after": 120}])
        started = time.monotonic()
        with pytest.raises(RateLimitedError) as info:
            await client.wallet()
    assert time.monotonic() - started < 1.0
    assert info.value.retry_after == 120 and "120 s" in info.value.message


async def test_rate_limited_create_waits_and_resends_same_body(sb, sn):
    sb.set_balance(1_000_000)
    req = await order_for(sn)
    sb.set_faults(
        [
            {
                "kind": "rate_limit",
                "route": "/v1/orders",
                "method": "POST",
                "count": 1,
                "retry_after": 1,
            }
        ]
    )
    await sn.create_order(req)
    assert order_truth(sb, req.external_id) == {
        **order_truth(sb, req.external_id),
        "posts": 1,
        "created": 1,
    }


async def test_malformed_json_is_reported(sb):
    async with skinsnode(sb, max_get_retries=1) as client:
        before = requests(sb, "GET /v1/wallet")
        sb.set_faults([{"kind": "malformed", "route": "/v1/wallet"}])
        with pytest.raises(MalformedResponseError) as info:
            await client.wallet()
    assert requests(sb, "GET /v1/wallet") == before + 2
    assert "SkinsNode" in info.value.message and "cannot read" in info.value.message


async def test_malformed_once_is_retried(sb, sn):
    sb.set_faults([{"kind": "malformed", "route": "/v1/catalog", "count": 1}])
    assert (await sn.catalog()).items


async def test_read_timeout(sb):
    async with skinsnode(sb, timeout=0.2, max_get_retries=1) as client:
        sb.set_faults([{"kind": "latency", "latency_ms": 600, "route": "/v1/wallet"}])
        with pytest.raises(ApiTimeoutError) as info:
            await client.wallet()
    assert "did not answer within 0.2 s" in info.value.message


async def test_dropped_connection_on_read(sb):
    async with skinsnode(sb, max_get_retries=1) as client:
        sb.set_faults([{"kind": "drop", "route": "/v1/wallet"}])
        with pytest.raises(ApiConnectionError) as info:
            await client.wallet()
    assert info.value.outcome_unknown


async def test_unreachable_server():
    import socket

    from skins_console.api.skinsnode_client import SkinsNodeClient

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with SkinsNodeClient(
        f"http://127.0.0.1:{port}", "id", "secret", max_get_retries=0
    ) as client:
        with pytest.raises(ApiConnectionError) as info:
            await client.health()
    assert f"127.0.0.1:{port}" in info.value.message and "Could not connect" in info.value.message


async def test_no_secret_in_logs_or_errors(sb, caplog):
    caplog.set_level(logging.DEBUG)
    secret = sb.config.skinsnode_client_secret
    async with skinsnode(sb, max_get_retries=1) as client:
        await client.wallet()
        sb.set_faults([{"kind": "error", "status": 500, "route": "/v1/wallet"}])
        with pytest.raises(ServerError) as info:
            await client.wallet()
        assert secret not in repr(client)
    assert "GET /v1/wallet -> 200" in caplog.text
    assert secret not in caplog.text
    assert secret not in str(info.value) and secret not in repr(info.value.body)


async def test_concurrent_reads_share_one_client(sb, sn):
    # Kept at 5: the sandbox's listen backlog is the stdlib default of 5, and a larger burst
    # of new connections waits for a 1 s SYN retransmit.
    results = await asyncio.gather(*(sn.wallet() for _ in range(5)))
    assert len({w.available_cents for w in results}) == 1


# --- signed webhooks from the sandbox ------------------------------------------------------


async def test_sandbox_webhooks_verify(sb, sn, webhook_receiver):
    from skins_console.api.webhook_signatures import verify_skinsnode_webhook
    from skins_console.core.errors import WebhookRejected

    sb.set_balance(1_000_000)
    req = await order_for(sn, webhook_url=webhook_receiver.url)
    await sn.create_order(req)
    sb.advance(30)
    received = await asyncio.to_thread(webhook_receiver.wait_for, lambda d: d, 5)
    hook = received[0]
    delivery = verify_skinsnode_webhook(hook.headers, hook.body, sb.config.skinsnode_client_secret)
    assert delivery.order.external_id == req.external_id
    assert delivery.event_type == "order.updated"
    with pytest.raises(WebhookRejected):
        verify_skinsnode_webhook(hook.headers, hook.body, "not-the-secret")


async def test_a_large_catalog_is_read_stepwise_and_a_garbled_one_refused(sandbox_factory):
    """Over 1 MB the answer is parsed off the loop from its network chunks
    (api/json_stream.py): the same data as ``loads_exact`` over the whole body; a
    truncated body is an error."""
    from skins_console.api import http
    from skins_console.core.money import loads_exact

    big = sandbox_factory(catalog_size=4000)
    async with skinsnode(big, max_get_retries=1) as client:
        stepwise = await client._http.get("/v1/catalog", limits=client._catalog_limits)
        whole = await client._http._client.get("/v1/catalog", headers=client._http._auth_headers)
        assert len(whole.content) > http.DECODE_OFF_LOOP_BYTES
        assert stepwise.data == loads_exact(whole.content)
        assert len((await client.catalog()).items) == 4000
        big.set_faults([{"kind": "malformed", "route": "/v1/catalog"}])
        with pytest.raises(MalformedResponseError):
            await client.catalog()
