"""Webhook rules without a server: the acceptance window, purchase deliveries, the dedupe
identity of a delivery, and the deliveries table on a real SQLite file."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from skins_console.api.webhook_signatures import (
    FUTURE_SKEW,
    SKINSNODE_WINDOW,
    SkinslinkPurchaseWebhook,
    sign_skinsnode,
    skinslink_sign,
    skinsnode_content_digest,
    verify_skinslink_webhook,
    verify_skinsnode_webhook,
)
from skins_console.core.errors import WebhookRejected
from skins_console.core.models import SkinslinkWebhook, format_time
from skins_console.services.webhook_listener import skinslink_delivery_id
from skins_console.store.migrations import apply_migrations
from skins_console.store.webhook_deliveries_repository import delivery_counts, record_delivery

SECRET = "sn-secret"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
BODY = b'{"externalId":"o-1","status":"sent","amount":"100","currency":"USD","error":null}'


def _headers(at: datetime, *, delivery_id: str = "d-1", body: bytes = BODY) -> dict[str, str]:
    stamp = format_time(at)
    return {
        "x-event-type": "order.updated",
        "x-delivery-id": delivery_id,
        "x-timestamp": stamp,
        "x-signature": sign_skinsnode(SECRET, stamp, body),
    }


@pytest.mark.parametrize(
    ("age", "accepted"),
    [
        (timedelta(minutes=30), True),  # a retry that kept its first x-timestamp
        (timedelta(hours=9), True),  # 10 attempts doubling from 1 minute
        (timedelta(seconds=SKINSNODE_WINDOW - 60), True),
        (timedelta(seconds=SKINSNODE_WINDOW + 60), False),
        (-timedelta(seconds=FUTURE_SKEW - 30), True),  # our clock a few minutes behind
        (-timedelta(seconds=FUTURE_SKEW + 30), False),
    ],
)
def test_skinsnode_window_covers_the_retry_horizon(age, accepted):
    headers = _headers(NOW - age)
    if accepted:
        assert verify_skinsnode_webhook(headers, BODY, SECRET, now=NOW).order.status == "sent"
    else:
        with pytest.raises(WebhookRejected) as info:
            verify_skinsnode_webhook(headers, BODY, SECRET, now=NOW)
        assert info.value.reason == ("stale" if age > timedelta(0) else "future")


def test_wrong_signature_is_refused_whatever_the_age():
    for age in (timedelta(0), timedelta(minutes=30)):
        headers = _headers(NOW - age)
        headers["x-signature"] = sign_skinsnode("other", headers["x-timestamp"], BODY)
        with pytest.raises(WebhookRejected) as info:
            verify_skinsnode_webhook(headers, BODY, SECRET, now=NOW)
        assert info.value.reason == "bad_signature"


def test_signed_delivery_with_an_unusable_id_is_malformed_not_stored():
    for bad_id in ("a\x00b", "x" * 500, "\udcff"):
        with pytest.raises(WebhookRejected) as info:
            verify_skinsnode_webhook(_headers(NOW, delivery_id=bad_id), BODY, SECRET, now=NOW)
        assert info.value.reason == "malformed"


def test_content_digest_is_what_was_signed():
    stamp = format_time(NOW)
    expected = "sha256:" + hashlib.sha256(stamp.encode() + b"." + BODY).hexdigest()
    assert skinsnode_content_digest(stamp, BODY) == expected
    assert skinsnode_content_digest(f" {stamp} ", BODY) == expected
    later = format_time(NOW + timedelta(seconds=1))
    assert skinsnode_content_digest(later, BODY) != expected


def test_skinslink_purchase_delivery_is_verified_over_purchase_id():
    secret = "sl-secret"
    body = {"purchase_id": 77, "status": "Completed", "sign": skinslink_sign(77, secret)}
    hook = verify_skinslink_webhook(json.dumps(body), secret)
    assert isinstance(hook, SkinslinkPurchaseWebhook)
    assert (hook.purchase_id, hook.status, hook.merchant_tx_id) == (77, "completed", None)
    with pytest.raises(WebhookRejected) as info:
        verify_skinslink_webhook(json.dumps({**body, "purchase_id": 78}), secret)
    assert info.value.reason == "bad_signature"
    # A deposit delivery (trade_id) stays one even if a purchase_id rides along.
    deposit = {"trade_id": 5, "purchase_id": 77, "sign": skinslink_sign(5, secret)}
    assert isinstance(verify_skinslink_webhook(json.dumps(deposit), secret), SkinslinkWebhook)


def test_skinslink_unsigned_fields_that_cannot_be_stored_are_dropped():
    secret = "sl-secret"
    body = {
        "trade_id": 5,
        "sign": skinslink_sign(5, secret),
        "merchant_tx_id": "\ud800",
        "offer_id": "a\nb",
        "status": "hold",
    }
    hook = verify_skinslink_webhook(json.dumps(body), secret)
    assert isinstance(hook, SkinslinkWebhook)
    assert hook.merchant_tx_id is None and hook.offer_id is None and hook.status == "hold"


def test_skinslink_delivery_identity_ignores_unsigned_fields():
    def hook(status, **other):
        return SkinslinkWebhook(
            trade_id=9,
            status=status,
            merchant_tx_id=other.get("tx"),
            steam_id=None,
            offer_id=other.get("offer"),
            amount=None,
        )

    assert skinslink_delivery_id(hook("hold")) == skinslink_delivery_id(hook("hold", offer="1"))
    assert skinslink_delivery_id(hook("hold")) != skinslink_delivery_id(hook("completed"))
    assert skinslink_delivery_id(hook("x")) == skinslink_delivery_id(hook(None)) == "trade:9:other"


def test_deliveries_table_dedupes_by_id_and_by_content(tmp_path):
    conn = sqlite3.connect(tmp_path / "store.sqlite3", isolation_level=None)
    apply_migrations(conn)
    # A row written before content hashes existed still dedupes by id.
    conn.execute(
        "INSERT INTO webhook_deliveries (provider, delivery_id, received_at, key) "
        "VALUES ('skinsnode', 'old-1', '2026-11-01T00:00:00.000Z', 'o-0')"
    )
    assert record_delivery(conn, "skinsnode", "old-1", content_hash="sha256:old", now=NOW) is False
    assert record_delivery(conn, "skinsnode", "d-1", content_hash="sha256:a", now=NOW) is True
    assert record_delivery(conn, "skinsnode", "d-2", content_hash="sha256:a", now=NOW) is False
    assert record_delivery(conn, "skinsnode", "d-1", content_hash="sha256:b", now=NOW) is False
    assert record_delivery(conn, "skinslink", "d-1", content_hash="sha256:a", now=NOW) is True
    assert record_delivery(conn, "skinsnode", "d-3", now=NOW) is True
    counts = delivery_counts(conn, "skinsnode")
    assert (counts.deliveries, counts.duplicates) == (3, 3)
    rows = conn.execute(
        "SELECT delivery_id, duplicates, last_duplicate_at FROM webhook_deliveries "
        "WHERE provider = 'skinsnode' ORDER BY delivery_id"
    ).fetchall()
    assert rows == [
        ("d-1", 2, format_time(NOW)),
        ("d-3", 0, None),
        ("old-1", 1, format_time(NOW)),
    ]
    conn.close()
