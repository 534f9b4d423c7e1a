"""Webhook signatures of both providers.

SkinsNode: ``x-signature = hex(HMAC-SHA256(client_secret, x-timestamp + "." + raw body))``.
The body is verified as the exact bytes received, before any JSON parsing. A correctly
signed delivery is accepted for ``SKINSNODE_WINDOW`` after its ``x-timestamp`` (the whole
retry horizon; the reasoning is next to the constant) and refused when dated more than
``FUTURE_SKEW`` ahead of our clock. Replays inside the window are caught by the store, which
remembers both ``x-delivery-id`` and the digest of the signed content
(:func:`skinsnode_content_digest`), since the delivery id is not covered by the signature.

Skinslink: ``sign = base64(sha256(str(id) + secret))`` in the JSON body, where the id is
``trade_id`` for a deposit and ``purchase_id`` for a purchase (the merchant webhook URL
receives both). It covers only the id, so a verified webhook means "something changed on
trade N": callers re-read the deposit before acting on the body's status or amount.

Every refusal is a ``WebhookRejected`` whose ``reason`` is one of ``REASONS``; nothing here
raises anything else for any input (the listener's fuzz test holds it to that).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from skins_console.api.skinsnode_parse import parse_order_state
from skins_console.core.errors import WebhookRejected
from skins_console.core.models import SkinslinkWebhook, WebhookDelivery, parse_time, utcnow
from skins_console.core.money import MoneyError, loads_exact, parse_usd

#: How long after its ``x-timestamp`` a correctly signed SkinsNode delivery is accepted.
#:
#: SkinsNode retries a failed callback up to 10 attempts with exponential backoff and does
#: not document whether a retry carries a fresh ``x-timestamp``. If it keeps the first
#: attempt's, a short window (this used to be 5 minutes) turns every retry after it into a
#: permanent 401 and the update is lost: exactly the deliveries that matter, the ones sent
#: while the listener or its tunnel was down. Accepting an old delivery is harmless here:
#: the store deduplicates by ``x-delivery-id`` *and* by the signed content (so a captured
#: delivery replayed under any id changes nothing), and a status never moves backwards. The
#: base delay is not documented either; nine doublings after a first retry of 1 minute end
#: about 8.5 hours after the first attempt, after 2 minutes about 17 hours. One day covers a
#: first retry of up to ~2.8 minutes; anything older is refused as ``stale``. The dedupe
#: rows are kept for longer than this window (they are never pruned).
SKINSNODE_WINDOW = 24 * 3600.0
#: How far a SkinsNode timestamp may be ahead of our clock. Desktop clocks without time
#: sync drift by minutes; 5 minutes is the usual tolerance for signed webhooks. A delivery
#: dated further ahead says one of the two clocks is badly wrong and is refused (``future``).
FUTURE_SKEW = 300.0
SKINSNODE_HEADERS = ("x-event-type", "x-delivery-id", "x-timestamp", "x-signature")
#: Longest ``x-delivery-id`` (and Skinslink id text) kept; real ids are UUIDs or ULIDs.
MAX_ID_LENGTH = 200
#: Why a delivery was refused. ``bad_signature``, ``missing_header``, ``stale``, ``future``
#: and ``not_configured`` are authentication failures; ``malformed`` is a bad request.
REASONS = ("bad_signature", "missing_header", "stale", "future", "malformed", "not_configured")
#: Statuses Skinslink documents webhooks for; any other reported status is kept as "other".
SKINSLINK_WEBHOOK_STATUSES = frozenset({"hold", "completed", "failed", "canceled", "reverted"})


def _bytes(value: bytes | bytearray | str) -> bytes:
    # surrogateescape: header values decoded leniently (undecodable bytes kept as lone
    # surrogates) turn back into the exact bytes that were received.
    # Any other lone surrogate (from a JSON escape, say) cannot come from the wire; it
    # still gets a definite encoding, which simply matches no signature.
    if isinstance(value, str):
        try:
            return value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogatepass")
    return bytes(value)


def _parse_json(raw_body: bytes | str) -> Any:
    """``loads_exact`` (the one JSON entry point, with its depth and number bounds); any
    failure to decode is ``malformed``, never another exception."""
    try:
        return loads_exact(_bytes(raw_body))
    except (ValueError, RecursionError, UnicodeError, MemoryError, OverflowError):
        raise WebhookRejected("malformed", "the body is not valid JSON") from None


def _clean_text(value: str, *, limit: int = MAX_ID_LENGTH) -> str | None:
    """Printable text of sane length that SQLite can store (no lone surrogates), or None."""
    text = value.strip()
    if not text or len(text) > limit or not text.isprintable():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return text


# --- SkinsNode -------------------------------------------------------------------------


def sign_skinsnode(secret: str, timestamp: str, raw_body: bytes | str) -> str:
    message = _bytes(timestamp) + b"." + _bytes(raw_body)
    return hmac.new(_bytes(secret), message, hashlib.sha256).hexdigest()


def skinsnode_content_digest(timestamp: str, raw_body: bytes | str) -> str:
    """The identity of what SkinsNode signed (``x-timestamp`` and body), for dedupe: the
    same content under another ``x-delivery-id`` is a replay, not a new delivery."""
    digest = hashlib.sha256(_bytes(timestamp.strip()) + b"." + _bytes(raw_body)).hexdigest()
    return "sha256:" + digest


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
    window: float = SKINSNODE_WINDOW,
) -> WebhookDelivery:
    """Check the signature and the time window, then parse; raises ``WebhookRejected``."""
    if not secret:
        raise WebhookRejected("not_configured", "no client secret is configured")
    found = _lower_headers(headers)
    missing = [name for name in SKINSNODE_HEADERS if not found.get(name, "").strip()]
    if missing:
        raise WebhookRejected("missing_header", ", ".join(missing))
    timestamp = found["x-timestamp"].strip()
    provided = found["x-signature"].strip().lower().encode("utf-8", "replace")
    expected = sign_skinsnode(secret, timestamp, raw_body).encode("ascii")
    if not hmac.compare_digest(expected, provided):
        raise WebhookRejected("bad_signature", "x-signature does not match the body")
    try:
        sent_at = parse_time(timestamp)
    except (ValueError, OverflowError):
        sent_at = None
    if sent_at is None:
        raise WebhookRejected("malformed", "x-timestamp is not an ISO-8601 time")
    now = now or utcnow()
    age = (now - sent_at) / timedelta(seconds=1)
    if age > window:
        raise WebhookRejected(
            "stale", f"sent {_duration(age)} ago; the limit is {_duration(window)}"
        )
    if -age > FUTURE_SKEW:
        raise WebhookRejected("future", f"timestamp is {-age:.0f} s ahead of this clock")
    delivery_id = _clean_text(found["x-delivery-id"])
    event_type = _clean_text(found["x-event-type"])
    if delivery_id is None or event_type is None:
        raise WebhookRejected("malformed", "x-delivery-id or x-event-type is not plain text")
    try:
        order = parse_order_state(_parse_json(raw_body))
    except ValueError as exc:  # ShapeError, MoneyError: a signed body of the wrong shape
        raise WebhookRejected("malformed", f"the body is not an order update ({exc})") from None
    if _clean_text(order.external_id) is None or _clean_text(order.status, limit=64) is None:
        raise WebhookRejected("malformed", "externalId or status is not plain text")
    return WebhookDelivery(
        delivery_id=delivery_id,
        event_type=event_type,
        timestamp=sent_at,
        order=order,
    )


def _duration(seconds: float) -> str:
    if seconds >= 7200:
        return f"{seconds / 3600:.0f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


# --- Skinslink -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SkinslinkPurchaseWebhook:
    """A Skinslink **purchase** delivery whose ``sign`` was verified (over
    ``purchase_id``). The console does not make purchases: it acknowledges and logs these."""

    purchase_id: int
    status: str | None
    merchant_tx_id: str | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def skinslink_sign(trade_id: int | str, secret: str) -> str:
    digest = hashlib.sha256(_bytes(f"{trade_id}{secret}")).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_skinslink_webhook(
    raw_body: bytes | str, secret: str
) -> SkinslinkWebhook | SkinslinkPurchaseWebhook:
    """A deposit delivery (``trade_id``) or a purchase delivery (``purchase_id``), its
    ``sign`` checked; raises ``WebhookRejected``."""
    if not secret:
        raise WebhookRejected("not_configured", "no webhook secret is configured")
    payload = _parse_json(raw_body)
    if not isinstance(payload, dict):
        raise WebhookRejected("malformed", "the body is not a JSON object")
    is_purchase = "trade_id" not in payload and "purchase_id" in payload
    id_field = "purchase_id" if is_purchase else "trade_id"
    signed_id = _positive_id(payload.get(id_field), id_field)
    sign = payload.get("sign")
    if not isinstance(sign, str) or not sign.strip():
        raise WebhookRejected("missing_header", "the body has no sign")
    expected = skinslink_sign(signed_id, secret).encode("ascii")
    if not hmac.compare_digest(expected, sign.strip().encode("utf-8", "replace")):
        raise WebhookRejected("bad_signature", f"sign does not match the {id_field}")
    status = _text(payload.get("status"))
    status = status.lower() if status is not None else None
    merchant_tx_id = _text(payload.get("merchant_tx_id"))
    if is_purchase:
        return SkinslinkPurchaseWebhook(
            purchase_id=signed_id, status=status, merchant_tx_id=merchant_tx_id, raw=payload
        )
    return SkinslinkWebhook(
        trade_id=signed_id,
        status=status,
        merchant_tx_id=merchant_tx_id,
        steam_id=_text(payload.get("steam_id")),
        offer_id=_text(payload.get("offer_id")),
        amount=_amount(payload.get("amount")),
        raw=payload,
    )


def _positive_id(value: Any, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and 0 < len(text) <= 18 and int(text) > 0:
            return int(text)
    raise WebhookRejected("malformed", f"{name} is missing or not a number")


def _text(value: Any) -> str | None:
    """Strings as sent, numbers as digits; ``""`` (offer not known yet) and text that is not
    plain (control characters, lone surrogates, absurd length) are None: these fields are
    not covered by ``sign`` and must not reach the store or the log as sent."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else None
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() and abs(value) < 10**30 else None
    if isinstance(value, str):
        return _clean_text(value)
    return None


def _amount(value: Any) -> Decimal | None:
    # Unauthenticated and informational only; junk is dropped rather than rejected.
    if value is None:
        return None
    try:
        return parse_usd(value)
    except (MoneyError, ArithmeticError):
        return None
