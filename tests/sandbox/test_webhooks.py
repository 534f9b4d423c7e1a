"""Outgoing webhooks: SkinsNode HMAC headers, Skinslink body sign, retries, bookkeeping."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal

from skins_console.api.webhook_signatures import (
    verify_skinslink_webhook,
    verify_skinsnode_webhook,
)
from skins_console.core.trade_url import STEAMID64_BASE
from tests.sandbox.conftest import (
    exact,
    order_body,
    skinslink_client,
    skinsnode_client,
    wait_until,
)
from tests.sandbox.test_skinslink_routes import REDLINE, deposit_body

FLOW = ["queued", "processing", "pending", "sent", "completed"]


def _statuses(received):
    return [json.loads(d.body)["status"] for d in received]


def test_skinsnode_webhooks_are_signed_and_complete(sandbox_factory, webhook_receiver):
    sb = sandbox_factory(speed=2000, catalog_size=20)
    secret = sb.config.skinsnode_client_secret
    with skinsnode_client(sb) as client:
        item = client.get("/v1/catalog").json()["items"][0]
        sb.script_order("wh-1", "completed")
        client.post("/v1/orders", json=order_body(item, "wh-1", webhook_receiver.url))
        received = webhook_receiver.wait_for(
            lambda got: got if _statuses(got)[-1:] == ["completed"] else None
        )
    assert sorted(_statuses(received), key=FLOW.index) == FLOW
    ids = set()
    for delivery in received:
        headers = delivery.headers
        assert headers["x-event-type"] == "order.updated"
        assert headers["content-type"] == "application/json"
        expected = hmac.new(
            secret.encode(), headers["x-timestamp"].encode() + b"." + delivery.body, hashlib.sha256
        ).hexdigest()
        assert hmac.compare_digest(headers["x-signature"], expected)
        verified = verify_skinsnode_webhook(headers, delivery.body, secret)
        assert verified.order.external_id == "wh-1"
        ids.add(headers["x-delivery-id"])
        payload = json.loads(delivery.body, parse_float=Decimal)
        assert set(payload) == {
            "externalId",
            "status",
            "steamOfferId",
            "amount",
            "currency",
            "error",
            "timestamps",
        }
        assert payload["amount"] == str(item["price"]) and payload["currency"] == "USD"
        assert payload["error"] is None
    assert len(ids) == len(received)
    last = json.loads(received[-1].body)
    assert last["steamOfferId"].isdigit() and "completedAt" in last["timestamps"]

    # The receiver answers before the sandbox records the outcome: wait for its records.
    def all_delivered():
        found = [d for d in sb.truth()["webhooks"] if d["key"] == "wh-1"]
        return (
            found
            if len(found) == len(FLOW) and all(d["state"] == "delivered" for d in found)
            else None
        )

    assert len(wait_until(all_delivered)) == len(FLOW)


def test_failed_order_webhook_carries_the_error(sandbox_factory, webhook_receiver):
    sb = sandbox_factory(speed=60, catalog_size=20)
    with skinsnode_client(sb) as client:
        item = client.get("/v1/catalog").json()["items"][0]
        client.post(
            "/v1/orders",
            json=order_body(item, "wh-f", webhook_receiver.url, expectedPrice=item["price"] - 1),
        )
        received = webhook_receiver.wait_for(lambda got: got)
    payload = json.loads(received[0].body)
    assert payload["status"] == "failed"
    assert payload["error"]["code"] == "price_changed"


def test_failed_deliveries_are_retried_with_the_same_id(sandbox_factory, webhook_receiver):
    sb = sandbox_factory(speed=2000, catalog_size=20)
    webhook_receiver.fail_next(3, status=503)
    with skinsnode_client(sb) as client:
        item = client.get("/v1/catalog").json()["items"][0]
        client.post(
            "/v1/orders",
            json=order_body(item, "wh-r", webhook_receiver.url, expectedPrice=item["price"] + 5),
        )
        received = webhook_receiver.wait_for(
            lambda got: got if any(d.answered == 200 for d in got) else None
        )
    assert [d.answered for d in received] == [503, 503, 503, 200]
    assert len({d.headers["x-delivery-id"] for d in received}) == 1
    assert len({d.body for d in received}) == 1
    # The receiver has answered before the sandbox records the attempt: wait for its record.
    delivery = wait_until(
        lambda: next(
            (d for d in sb.truth()["webhooks"] if d["key"] == "wh-r" and d["state"] == "delivered"),
            None,
        )
    )
    assert delivery["attempt_count"] == 4
    assert [a.get("http_status") for a in delivery["attempts"]] == [503, 503, 503, 200]


def test_delivery_gives_up_after_ten_attempts(sandbox_factory, webhook_receiver):
    sb = sandbox_factory(speed=1, catalog_size=20)
    webhook_receiver.fail_next(50, status=500)
    with skinsnode_client(sb) as client:
        item = client.get("/v1/catalog").json()["items"][0]
        client.post(
            "/v1/orders",
            json=order_body(item, "wh-g", webhook_receiver.url, expectedPrice=item["price"] + 5),
        )
        seen = webhook_receiver.wait_for(lambda got: len(got))

        def retry_scheduled(n):
            # The receiver counts a request before the sandbox has read its 500 and fixed
            # the retry time; a clock jump in between would push the retry past the jump.
            found = [d for d in sb.truth()["webhooks"] if d["key"] == "wh-g"]
            return found and found[0]["attempt_count"] >= n and found[0]["next_attempt_at"]

        while seen < 10:
            wait_until(lambda n=seen: retry_scheduled(n))
            sb.advance(3000)  # longer than any back-off step: the next retry falls due
            seen = webhook_receiver.wait_for(lambda got, n=seen: len(got) if len(got) > n else None)

    def gave_up():
        found = [d for d in sb.truth()["webhooks"] if d["key"] == "wh-g"]
        return found if found and found[0]["state"] == "gave_up" else None

    delivery = wait_until(gave_up)[0]
    assert delivery["attempt_count"] == 10
    assert len(webhook_receiver.received()) == 10


def test_non_loopback_webhook_urls_are_never_contacted(sandbox_factory):
    sb = sandbox_factory(speed=60, catalog_size=20)
    with skinsnode_client(sb) as client:
        item = client.get("/v1/catalog").json()["items"][0]
        client.post(
            "/v1/orders",
            json=order_body(
                item, "wh-x", "https://store.example/hook", expectedPrice=item["price"] + 1
            ),
        )
    delivery = wait_until(
        lambda: next((d for d in sb.truth()["webhooks"] if d["key"] == "wh-x"), None)
    )
    assert delivery["state"] == "undeliverable" and delivery["attempt_count"] == 1


def test_skinslink_webhooks_signed_in_body(sandbox_factory, webhook_receiver):
    sb = sandbox_factory(speed=1)
    secret = sb.config.skinslink_webhook_secret
    with skinslink_client(sb) as client:
        q = exact(
            client.post("/merchant/get-prices", json={"game": "csgo", "marketHashNames": [REDLINE]})
        )["data"]
        sb.script_deposit("sw-1", "completed")
        created = exact(
            client.post(
                "/merchant/create-deposit-by-hash-name",
                json=deposit_body(q["id"], "sw-1", result_url=webhook_receiver.url),
            )
        )["data"]
        sb.advance(sb.config.offer_window_seconds)
        webhook_receiver.wait_for(lambda got: len(got) >= 1)
        sb.advance(sb.config.hold_seconds)
        received = webhook_receiver.wait_for(lambda got: got if len(got) >= 2 else None)
    assert _statuses(received) == ["hold", "completed"]
    for delivery in received:
        payload = json.loads(delivery.body, parse_float=Decimal)
        expected = base64.b64encode(hashlib.sha256(f"{q['id']}{secret}".encode()).digest()).decode()
        assert payload["sign"] == expected
        assert verify_skinslink_webhook(delivery.body, secret).trade_id == q["id"]
        assert payload["trade_id"] == q["id"] and payload["merchant_tx_id"] == "sw-1"
        assert payload["steam_id"] == str(STEAMID64_BASE + 123456789)
        assert payload["offer_id"] == created["trade_offer_id"]
        assert payload["amount"] == created["amount"] and payload["amount_currency"] == "usd"
        assert isinstance(payload["trade_date"], str)
    hold = json.loads(received[0].body)
    assert hold["hold_end_date"].endswith("Z") and "fail_reason" not in hold


def test_skinslink_failure_webhook_has_fail_reason(sandbox_factory, webhook_receiver):
    sb = sandbox_factory(speed=1, skinslink_result_url=webhook_receiver.url)
    with skinslink_client(sb) as client:
        q = exact(
            client.post("/merchant/get-prices", json={"game": "csgo", "marketHashNames": [REDLINE]})
        )["data"]
        sb.script_deposit("sw-2", "provider_failed")
        client.post("/merchant/create-deposit-by-hash-name", json=deposit_body(q["id"], "sw-2"))
        received = webhook_receiver.wait_for(lambda got: got)
    payload = json.loads(received[0].body)
    assert payload["status"] == "failed" and payload["fail_reason"] == "provider_unavailable"
    assert payload["offer_id"] == ""


def test_a_receiver_that_does_not_answer_in_time_is_retried(sandbox_factory, webhook_receiver):
    # At ×100 the 10 s timeout is 0.1 s of wall time, raised to the 0.5 s floor.
    sb = sandbox_factory(speed=100, catalog_size=20)
    webhook_receiver.hang_next(1, 1.5)
    with skinsnode_client(sb) as client:
        item = client.get("/v1/catalog").json()["items"][0]
        client.post(
            "/v1/orders",
            json=order_body(item, "wh-t", webhook_receiver.url, expectedPrice=item["price"] + 5),
        )
        webhook_receiver.wait_for(lambda got: len(got) >= 1)

    def delivered():
        found = [d for d in sb.truth()["webhooks"] if d["key"] == "wh-t"]
        return found[0] if found and found[0]["state"] == "delivered" else None

    delivery = wait_until(delivered, timeout=10)
    assert delivery["attempt_count"] == 2
    assert "timed out" in delivery["attempts"][0]["error"].lower()
    assert delivery["attempts"][1]["http_status"] == 200
