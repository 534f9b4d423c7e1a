"""The sandbox follows the corrected contract (skinslink.md "Corrections", skinsnode.md §5):
the worst cases a client must accept really occur."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from decimal import Decimal

import httpx

from skins_console.api.webhook_signatures import sign_skinsnode
from tests.sandbox.conftest import exact, order_body, skinslink_client, skinsnode_client, wait_until
from tests.sandbox.test_skinslink_routes import REDLINE, deposit_body

CUSTOM_CURRENCY = {
    "custom_currency",
    "custom_currency_multiplier",
    "custom_currency_rate",
    "custom_currency_sum",
}


def _quote(client: httpx.Client) -> int:
    answer = client.post(
        "/merchant/get-prices", json={"game": "csgo", "marketHashNames": [REDLINE]}
    )
    return exact(answer)["data"]["id"]


def test_skinsnode_retries_keep_the_original_timestamp(sandbox_factory, webhook_receiver):
    sb = sandbox_factory(speed=2000, catalog_size=20)
    secret = sb.config.skinsnode_client_secret
    webhook_receiver.fail_next(2, status=503)
    with skinsnode_client(sb) as client:
        item = client.get("/v1/catalog").json()["items"][0]
        client.post(
            "/v1/orders",
            json=order_body(item, "ts-1", webhook_receiver.url, expectedPrice=item["price"] + 1),
        )
        received = webhook_receiver.wait_for(lambda got: got if len(got) >= 3 else None)
    assert [d.answered for d in received] == [503, 503, 200]
    stamps = {d.headers["x-timestamp"] for d in received}
    signatures = {d.headers["x-signature"] for d in received}
    assert len(stamps) == 1 and len(signatures) == 1  # the FIRST attempt's, every time
    (stamp,) = stamps
    assert signatures == {sign_skinsnode(secret, stamp, received[0].body)}
    delivery = wait_until(
        lambda: next(
            (d for d in sb.truth()["webhooks"] if d["key"] == "ts-1" and d["state"] == "delivered"),
            None,
        )
    )
    assert {a["x_timestamp"] for a in delivery["attempts"]} == {stamp}


def test_fail_reason_only_on_failed_and_canceled(sandbox_factory, webhook_receiver):
    sb = sandbox_factory(speed=1, skinslink_result_url=webhook_receiver.url)
    with skinslink_client(sb) as client:
        for tx, outcome in (("fr-rev", "reverted"), ("fr-dec", "failed"), ("fr-exp", "canceled")):
            sb.script_deposit(tx, outcome)
            client.post(
                "/merchant/create-deposit-by-hash-name", json=deposit_body(_quote(client), tx)
            )
        sb.advance(sb.config.offer_window_seconds + sb.config.hold_seconds)
        received = webhook_receiver.wait_for(
            lambda got: got if {json.loads(d.body)["status"] for d in got} >= {"reverted"} else None
        )
        statuses = {
            tx: client.get("/merchant/deposit/status", params={"merchant_tx_id": tx}).json()["data"]
            for tx in ("fr-rev", "fr-dec", "fr-exp")
        }
    assert "fail_reason" not in statuses["fr-rev"] and statuses["fr-rev"]["status"] == "reverted"
    assert statuses["fr-dec"]["fail_reason"] == "user_declined"
    assert statuses["fr-exp"]["fail_reason"] == "trade_offer_expired"
    for delivery in received:
        payload = json.loads(delivery.body)
        assert ("fail_reason" in payload) == (payload["status"] in ("failed", "canceled")), payload
        assert not CUSTOM_CURRENCY & set(payload)


def test_bot_steam_id_is_an_exact_integer_above_2_53(sandbox):
    with skinslink_client(sandbox) as client:
        created = client.post(
            "/merchant/create-deposit-by-hash-name", json=deposit_body(_quote(client), "bot-1")
        )
        status = client.get("/merchant/deposit/status", params={"merchant_tx_id": "bot-1"})
    for answer in (created, status):
        digits = re.search(rb'"bot_steam_id":(\d+)[,}]', answer.content)
        assert digits is not None, answer.text  # a JSON integer, not a string or 7.6e16
        value = int(digits.group(1))
        assert value > 2**53 and str(value).startswith("7656119")
        assert exact(answer)["data"]["bot_steam_id"] == value


def test_hold_without_a_preceding_active(sandbox_factory, webhook_receiver):
    sb = sandbox_factory(speed=1, skinslink_result_url=webhook_receiver.url)
    with skinslink_client(sb) as client:
        sb.script_deposit("na-1", "completed+no_active")
        created = exact(
            client.post(
                "/merchant/create-deposit-by-hash-name", json=deposit_body(_quote(client), "na-1")
            )
        )["data"]
        assert created["status"] == "pending" and created["trade_offer_id"] is None
        sb.advance(sb.config.offer_window_seconds)
        in_hold = client.get("/merchant/deposit/status", params={"merchant_tx_id": "na-1"})
        # Deliveries run on their own threads: let "hold" arrive before "completed" is due.
        webhook_receiver.wait_for(lambda got: got if got else None)
        sb.advance(sb.config.hold_seconds)
        received = webhook_receiver.wait_for(lambda got: got if len(got) >= 2 else None)
    assert in_hold.json()["data"]["status"] == "hold"
    assert [json.loads(d.body)["status"] for d in received] == ["hold", "completed"]
    assert sb.truth()["skinslink"]["deposits"]["na-1"]["statuses"] == [
        "new",
        "pending",
        "hold",
        "completed",
    ]


def test_the_missed_active_knob_applies_to_natural_deposits(sandbox_factory):
    sb = sandbox_factory(speed=1, deposit_skip_active_rate=1.0, deposit_failure_rates={})
    with skinslink_client(sb) as client:
        created = client.post(
            "/merchant/create-deposit-by-hash-name", json=deposit_body(_quote(client), "na-2")
        )
    assert created.json()["data"]["status"] == "pending"


def test_offer_id_is_empty_or_absent_when_unknown(sandbox_factory, webhook_receiver):
    sb = sandbox_factory(speed=1, skinslink_result_url=webhook_receiver.url)
    keys = [f"oi-{n}" for n in range(10)]
    with skinslink_client(sb) as client:
        for tx in keys:
            sb.script_deposit(tx, "failed+no_active")
            client.post(
                "/merchant/create-deposit-by-hash-name", json=deposit_body(_quote(client), tx)
            )
        sb.advance(sb.config.offer_window_seconds)
        received = webhook_receiver.wait_for(lambda got: got if len(got) >= len(keys) else None)
    spellings = {json.loads(d.body).get("offer_id", "absent") for d in received}
    assert spellings == {"", "absent"}  # both official pages' versions occur


def test_purchase_delivery_on_the_merchant_url(sandbox_factory, webhook_receiver):
    sb = sandbox_factory(speed=1, skinslink_result_url=webhook_receiver.url)
    secret = sb.config.skinslink_webhook_secret
    sent = httpx.post(
        sb.base_url + "/_sandbox/skinslink/purchase-webhook",
        json={"merchant_tx_id": "buy-1", "offer_id": None},
    )
    assert sent.status_code == 200, sent.text
    purchase_id = sent.json()["purchase_id"]
    second = sb.send_purchase_webhook(status="failed", amount="3.25")
    received = webhook_receiver.wait_for(lambda got: got if len(got) >= 2 else None)
    bodies = {
        json.loads(d.body)["purchase_id"]: json.loads(d.body, parse_float=Decimal) for d in received
    }
    first = bodies[purchase_id]
    assert "trade_id" not in first and "offer_id" not in first
    assert first["merchant_tx_id"] == "buy-1" and first["status"] == "completed"
    expected = base64.b64encode(hashlib.sha256(f"{purchase_id}{secret}".encode()).digest()).decode()
    assert first["sign"] == expected
    failed = bodies[second["purchase_id"]]
    assert failed["status"] == "failed" and failed["fail_reason"] and failed["offer_id"] == ""
    assert failed["amount"] == Decimal("3.25")
    for body in bodies.values():
        assert not CUSTOM_CURRENCY & set(body)
    refused = httpx.post(
        sb.base_url + "/_sandbox/skinslink/purchase-webhook", json={"status": "active"}
    )
    assert refused.status_code == 400 and "status must be one of" in refused.json()["message"]
