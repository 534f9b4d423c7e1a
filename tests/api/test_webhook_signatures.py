"""Webhook signature checks of both providers (pure: bytes in, verdict out)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from skins_console.api.webhook_signatures import (
    FUTURE_SKEW,
    SKINSNODE_WINDOW,
    sign_skinsnode,
    skinslink_sign,
    verify_skinslink_webhook,
    verify_skinsnode_webhook,
)
from skins_console.core.errors import WebhookRejected
from skins_console.core.models import format_time

SECRET = "sn-secret-for-tests"
NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
BODY = (
    b'{"externalId":"ord_1","status":"completed","steamOfferId":"7193849201",'
    b'"amount":"1840","currency":"USD","error":null,'
    b'"timestamps":{"completedAt":"2026-11-22T11:59:58.000Z"}}'
)


def _headers(body: bytes = BODY, *, at: datetime = NOW, secret: str = SECRET, **override):
    timestamp = format_time(at)
    headers = {
        "X-Event-Type": "order.updated",
        "X-Delivery-Id": "dlv_1",
        "X-Timestamp": timestamp,
        "X-Signature": sign_skinsnode(secret, timestamp, body),
    }
    headers.update(override)
    return headers


def test_sign_skinsnode_is_hmac_sha256_hex_over_timestamp_dot_body():
    expected = hmac.new(b"k", b"2026-01-01T00:00:00.000Z.{}", hashlib.sha256).hexdigest()
    assert sign_skinsnode("k", "2026-01-01T00:00:00.000Z", b"{}") == expected
    assert sign_skinsnode("k", "2026-01-01T00:00:00.000Z", "{}") == expected


def test_valid_delivery_is_parsed_after_verification():
    delivery = verify_skinsnode_webhook(_headers(), BODY, SECRET, now=NOW + timedelta(seconds=5))
    assert delivery.delivery_id == "dlv_1"
    assert delivery.event_type == "order.updated"
    assert delivery.timestamp == NOW
    assert delivery.order.external_id == "ord_1"
    assert delivery.order.status == "completed"
    assert delivery.order.amount_cents == 1840
    assert delivery.order.steam_offer_id == "7193849201"
    assert delivery.order.failure is None
    assert "completedAt" in delivery.order.timestamps


def test_headers_are_case_insensitive_and_may_be_pairs():
    pairs = [(k.upper(), v) for k, v in _headers().items()]
    assert verify_skinsnode_webhook(pairs, BODY, SECRET, now=NOW).delivery_id == "dlv_1"


def test_signature_is_over_raw_bytes_not_reformatted_json():
    reformatted = json.dumps(json.loads(BODY), indent=2).encode()
    with pytest.raises(WebhookRejected) as info:
        verify_skinsnode_webhook(_headers(), reformatted, SECRET, now=NOW)
    assert info.value.reason == "bad_signature"


def test_tampered_body_is_rejected():
    tampered = BODY.replace(b'"1840"', b'"1">')
    with pytest.raises(WebhookRejected) as info:
        verify_skinsnode_webhook(_headers(), tampered, SECRET, now=NOW)
    assert info.value.reason == "bad_signature"


def test_wrong_secret_is_rejected_and_secret_not_in_message():
    with pytest.raises(WebhookRejected) as info:
        verify_skinsnode_webhook(_headers(secret="other"), BODY, SECRET, now=NOW)
    assert info.value.reason == "bad_signature"
    assert SECRET not in str(info.value)


def test_uppercase_hex_signature_is_accepted():
    headers = _headers()
    headers["X-Signature"] = headers["X-Signature"].upper()
    assert verify_skinsnode_webhook(headers, BODY, SECRET, now=NOW).order.status == "completed"


def test_stale_delivery_is_rejected_at_the_window_edge():
    at = NOW - timedelta(seconds=SKINSNODE_WINDOW + 1)
    with pytest.raises(WebhookRejected) as info:
        verify_skinsnode_webhook(_headers(at=at), BODY, SECRET, now=NOW)
    assert info.value.reason == "stale"
    at_edge = NOW - timedelta(seconds=SKINSNODE_WINDOW - 1)
    assert verify_skinsnode_webhook(_headers(at=at_edge), BODY, SECRET, now=NOW)


def test_custom_window():
    at = NOW - timedelta(seconds=90)
    with pytest.raises(WebhookRejected):
        verify_skinsnode_webhook(_headers(at=at), BODY, SECRET, now=NOW, window=60)


def test_future_timestamp_beyond_skew_is_rejected_small_skew_allowed():
    ahead = NOW + timedelta(seconds=FUTURE_SKEW + 5)
    with pytest.raises(WebhookRejected) as info:
        verify_skinsnode_webhook(_headers(at=ahead), BODY, SECRET, now=NOW)
    assert info.value.reason == "future"
    slightly = NOW + timedelta(seconds=FUTURE_SKEW - 5)
    assert verify_skinsnode_webhook(_headers(at=slightly), BODY, SECRET, now=NOW)


def test_replay_with_old_timestamp_is_rejected_even_with_valid_signature():
    # A captured delivery replayed after the retry horizon: its signature is genuine, its
    # age is not. (Inside the horizon the store's content dedupe catches it.)
    captured = _headers(at=NOW)
    later = NOW + timedelta(seconds=SKINSNODE_WINDOW, hours=1)
    with pytest.raises(WebhookRejected) as info:
        verify_skinsnode_webhook(captured, BODY, SECRET, now=later)
    assert info.value.reason == "stale"


def test_replay_with_fresh_timestamp_but_old_signature_is_rejected():
    old = _headers(at=NOW - timedelta(hours=1))
    old["X-Timestamp"] = format_time(NOW)
    with pytest.raises(WebhookRejected) as info:
        verify_skinsnode_webhook(old, BODY, SECRET, now=NOW)
    assert info.value.reason == "bad_signature"


@pytest.mark.parametrize("missing", ["X-Event-Type", "X-Delivery-Id", "X-Timestamp", "X-Signature"])
def test_each_header_is_required(missing):
    headers = _headers()
    del headers[missing]
    with pytest.raises(WebhookRejected) as info:
        verify_skinsnode_webhook(headers, BODY, SECRET, now=NOW)
    assert info.value.reason == "missing_header"
    assert missing.lower() in str(info.value)


def test_empty_header_counts_as_missing():
    with pytest.raises(WebhookRejected) as info:
        verify_skinsnode_webhook(_headers(**{"X-Signature": " "}), BODY, SECRET, now=NOW)
    assert info.value.reason == "missing_header"


def test_signed_garbage_body_is_malformed_not_a_crash():
    body = b"not json"
    with pytest.raises(WebhookRejected) as info:
        verify_skinsnode_webhook(_headers(body), body, SECRET, now=NOW)
    assert info.value.reason == "malformed"
    float_amount = BODY.replace(b'"1840"', b"18.4")
    with pytest.raises(WebhookRejected) as info:
        verify_skinsnode_webhook(_headers(float_amount), float_amount, SECRET, now=NOW)
    assert info.value.reason == "malformed"


def test_signed_junk_timestamp_is_malformed():
    headers = _headers()
    headers["X-Timestamp"] = "yesterday"
    headers["X-Signature"] = sign_skinsnode(SECRET, "yesterday", BODY)
    with pytest.raises(WebhookRejected) as info:
        verify_skinsnode_webhook(headers, BODY, SECRET, now=NOW)
    assert info.value.reason == "malformed"


def test_non_ascii_signature_does_not_crash():
    with pytest.raises(WebhookRejected) as info:
        verify_skinsnode_webhook(_headers(**{"X-Signature": "é" * 64}), BODY, SECRET, now=NOW)
    assert info.value.reason == "bad_signature"


def test_failure_payload_is_read():
    body = (
        b'{"externalId":"ord_2","status":"failed","steamOfferId":null,"amount":"500",'
        b'"currency":"USD","error":{"code":"item_unavailable","message":"gone"},'
        b'"timestamps":{}}'
    )
    delivery = verify_skinsnode_webhook(_headers(body), body, SECRET, now=NOW)
    assert delivery.order.failure.code == "item_unavailable"
    assert delivery.order.steam_offer_id is None


# --- Skinslink -------------------------------------------------------------------------

SL_SECRET = "sl-webhook-secret"


def _sl_body(trade_id=742, secret=SL_SECRET, **fields) -> bytes:
    payload = {
        "sign": skinslink_sign(trade_id, secret),
        "status": "completed",
        "trade_id": trade_id,
        "trade_date": "2026-11-22T11:00:00Z",
        "merchant_tx_id": "dep_1",
        "steam_id": "76561198000000001",
        "offer_id": "6000000001",
        "amount": 45.5,
        "amount_currency": "usd",
    }
    payload.update(fields)
    return json.dumps(payload).encode()


def test_skinslink_sign_is_base64_sha256_of_id_and_secret():
    digest = hashlib.sha256(b"742" + SL_SECRET.encode()).digest()
    assert skinslink_sign(742, SL_SECRET) == base64.b64encode(digest).decode()
    assert skinslink_sign("742", SL_SECRET) == skinslink_sign(742, SL_SECRET)


def test_skinslink_valid_webhook():
    hook = verify_skinslink_webhook(_sl_body(), SL_SECRET)
    assert hook.trade_id == 742
    assert hook.status == "completed"
    assert hook.merchant_tx_id == "dep_1"
    assert hook.offer_id == "6000000001"
    assert hook.amount == Decimal("45.5")
    assert hook.raw["amount_currency"] == "usd"


def test_skinslink_wrong_secret_and_wrong_trade_id_rejected():
    with pytest.raises(WebhookRejected) as info:
        verify_skinslink_webhook(_sl_body(secret="other"), SL_SECRET)
    assert info.value.reason == "bad_signature"
    forged = json.loads(_sl_body())
    forged["trade_id"] = 743  # the sign of 742 must not vouch for another trade
    with pytest.raises(WebhookRejected):
        verify_skinslink_webhook(json.dumps(forged), SL_SECRET)


def test_skinslink_unsigned_and_malformed_bodies():
    unsigned = json.loads(_sl_body())
    del unsigned["sign"]
    with pytest.raises(WebhookRejected) as info:
        verify_skinslink_webhook(json.dumps(unsigned), SL_SECRET)
    assert info.value.reason == "missing_header"
    for body in (b"[]", b"{", b'{"sign": "x"}', b'{"sign":"x","trade_id":true}'):
        with pytest.raises(WebhookRejected) as info:
            verify_skinslink_webhook(body, SL_SECRET)
        assert info.value.reason == "malformed"


def test_skinslink_offer_id_empty_or_absent_and_custom_currency_tolerated():
    assert verify_skinslink_webhook(_sl_body(offer_id=""), SL_SECRET).offer_id is None
    absent = json.loads(_sl_body())
    del absent["offer_id"]
    assert verify_skinslink_webhook(json.dumps(absent), SL_SECRET).offer_id is None
    hook = verify_skinslink_webhook(
        _sl_body(
            custom_currency="EUR",
            custom_currency_multiplier=1.1,
            custom_currency_rate=0.92,
            custom_currency_sum=45.79,
        ),
        SL_SECRET,
    )
    assert hook.raw["custom_currency"] == "EUR"
    assert hook.raw["custom_currency_sum"] == Decimal("45.79")


def test_skinslink_numeric_ids_become_text():
    hook = verify_skinslink_webhook(
        _sl_body(steam_id=76561198000000001, offer_id=6000000001), SL_SECRET
    )
    assert hook.steam_id == "76561198000000001"
    assert hook.offer_id == "6000000001"
