"""Webhook signatures of both providers.

SkinsNode: ``x-signature = hex(HMAC-SHA256(client_secret, x-timestamp + "." + raw body))``.
The body is verified as the exact bytes received, before any JSON parsing. A delivery is
accepted only inside a time window: older than ``window`` seconds (default 300) is
``stale``; more than ``FUTURE_SKEW`` seconds (30) ahead of our clock is ``future``. The
skew allowance exists because neither clock is exact; 30 s is far below the window, so a
captured delivery still cannot be replayed for long. Replays *inside* the window are caught
by the store, which remembers ``x-delivery-id``.

Skinslink: ``sign = base64(sha256(str(trade_id) + secret))`` in the JSON body. It covers
only the trade id, so a verified webhook means "something changed on trade N": callers
re-read the deposit before acting on the body's status or amount.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from skins_console.api.shape import ShapeError
from skins_console.api.skinsnode_parse import parse_order_state
from skins_console.core.errors import WebhookRejected
from skins_console.core.models import SkinslinkWebhook, WebhookDelivery, parse_time, utcnow
from skins_console.core.money import MoneyError, loads_exact, parse_usd

#: Seconds a SkinsNode timestamp may be ahead of our clock (clock skew between machines).
FUTURE_SKEW = 30.0
SKINSNODE_HEADERS = ("x-event-type", "x-delivery-id", "x-timestamp", "x-signature")


def _bytes(value: bytes | bytearray | str) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


# --- SkinsNode -------------------------------------------------------------------------


def sign_skinsnode(secret: str, timestamp: str, raw_body: bytes | str) -> str:
    message = _bytes(timestamp) + b"." + _bytes(raw_body)
    return hmac.new(_bytes(secret), message, hashlib.sha256).hexdigest()


def _lower_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    result: dict[str, str] = {}
    for key, value in items:
        if isinstance(key, bytes):
            key = key.decode("latin-1")
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        result[str(key).strip().lower()] = str(value)
    return result


def verify_skinsnode_webhook(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    raw_body: bytes | str,
    secret: str,
    *,
    now: datetime | None = None,
    window: float = 300,
) -> WebhookDelivery:
    """Check the signature and the time window, then parse; raises ``WebhookRejected``."""
    if not secret:
        raise WebhookRejected("bad_signature", "no client secret is configured")
    found = _lower_headers(headers)
    missing = [name for name in SKINSNODE_HEADERS if not found.get(name, "").strip()]
    if missing:
        raise WebhookRejected("missing_header", ", ".join(missing))
    timestamp = found["x-timestamp"].strip()
    provided = found["x-signature"].strip().lower().encode("utf-8", "replace")
    expected = sign_skinsnode(secret, timestamp, raw_body).encode("ascii")
    if not hmac.compare_digest(expected, provided):
        raise WebhookRejected("bad_signature", "x-signature does not match the body")
    sent_at = parse_time(timestamp)
    if sent_at is None:
        raise WebhookRejected("malformed", "x-timestamp is not an ISO-8601 time")
    now = now or utcnow()
    age = (now - sent_at).total_seconds()
    if age > window:
        raise WebhookRejected("stale", f"sent {age:.0f} s ago; the limit is {window:.0f} s")
    if -age > FUTURE_SKEW:
        raise WebhookRejected("future", f"timestamp is {-age:.0f} s ahead of this clock")
    try:
        payload = loads_exact(_bytes(raw_body))
        order = parse_order_state(payload)
    except (ValueError, UnicodeDecodeError, ShapeError) as exc:
        raise WebhookRejected("malformed", f"the body is not an order update ({exc})") from None
    return WebhookDelivery(
        delivery_id=found["x-delivery-id"].strip(),
        event_type=found["x-event-type"].strip(),
        timestamp=sent_at,
        order=order,
    )


# --- Skinslink -------------------------------------------------------------------------


def skinslink_sign(trade_id: int | str, secret: str) -> str:
    digest = hashlib.sha256(_bytes(f"{trade_id}{secret}")).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_skinslink_webhook(raw_body: bytes | str, secret: str) -> SkinslinkWebhook:
    if not secret:
        raise WebhookRejected("bad_signature", "no webhook secret is configured")
    try:
        payload = loads_exact(_bytes(raw_body))
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected("malformed", "the body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookRejected("malformed", "the body is not a JSON object")
    trade_id = _trade_id(payload.get("trade_id"))
    sign = payload.get("sign")
    if not isinstance(sign, str) or not sign.strip():
        raise WebhookRejected("missing_header", "the body has no sign")
    expected = skinslink_sign(trade_id, secret).encode("ascii")
    if not hmac.compare_digest(expected, sign.strip().encode("utf-8", "replace")):
        raise WebhookRejected("bad_signature", "sign does not match the trade id")
    return SkinslinkWebhook(
        trade_id=trade_id,
        status=_text(payload.get("status")),
        merchant_tx_id=_text(payload.get("merchant_tx_id")),
        steam_id=_text(payload.get("steam_id")),
        offer_id=_text(payload.get("offer_id")),
        amount=_amount(payload.get("amount")),
        raw=payload,
    )


def _trade_id(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise WebhookRejected("malformed", "trade_id is missing or not a number")


def _text(value: Any) -> str | None:
    """Strings as sent, numbers as digits; ``""`` (offer not known yet) is None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _amount(value: Any) -> Decimal | None:
    # Unauthenticated and informational only; junk is dropped rather than rejected.
    if value is None:
        return None
    try:
        return parse_usd(value)
    except MoneyError:
        return None
