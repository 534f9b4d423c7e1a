"""Purchase deliveries on the merchant webhook URL (contract Corrections 6).

The merchant-level URL receives deposit **and** purchase status changes; a purchase delivery
carries ``purchase_id`` instead of ``trade_id`` and is signed the same way. The sandbox
simulates no purchases; ``POST /_sandbox/skinslink/purchase-webhook`` sends one so tests
can check that a deposit-only console acknowledges it (2xx) and ignores it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from skins_console.sandbox import jsonutil
from skins_console.sandbox.facts import (
    DEPOSIT_WEBHOOK_STATUSES,
    FAIL_REASON_STATUSES,
    STEAMID64_BASE,
)
from skins_console.sandbox.skinslink_rules import skinslink_sign
from skins_console.sandbox.webhooks import Delivery

if TYPE_CHECKING:  # pragma: no cover
    from skins_console.sandbox.skinslink import Skinslink


def send_purchase_webhook(skinslink: Skinslink, spec: dict[str, Any]) -> dict[str, Any]:
    """A purchase delivery to the merchant webhook URL (Corrections 6): ``purchase_id``
    instead of ``trade_id``, signed the same way. The sandbox simulates no purchases;
    this lets a test check that a deposit-only console acknowledges and ignores one."""
    url = spec.get("url") or skinslink.world.config.skinslink_result_url
    if not isinstance(url, str) or not url:
        raise ValueError("url is required (or start the sandbox with skinslink_result_url)")
    status = spec.get("status", "completed")
    if status not in DEPOSIT_WEBHOOK_STATUSES:
        raise ValueError(f"status must be one of {', '.join(DEPOSIT_WEBHOOK_STATUSES)}")
    purchase_id = spec.get("purchase_id")
    if purchase_id is None:
        purchase_id = skinslink.next_purchase_id()
    if isinstance(purchase_id, bool) or not isinstance(purchase_id, int) or purchase_id < 1:
        raise ValueError("purchase_id must be a positive integer")
    amount = spec.get("amount", "12.5")
    try:
        amount_value = Decimal(str(amount))
    except ArithmeticError:
        raise ValueError("amount must be a decimal number") from None
    if not amount_value.is_finite() or amount_value <= 0:
        raise ValueError("amount must be positive")
    partner = skinslink.world.rng_for("purchase", purchase_id).randint(10_000_000, 999_999_999)
    payload: dict[str, Any] = {
        "sign": skinslink_sign(purchase_id, skinslink.world.config.skinslink_webhook_secret),
        "status": status,
        "purchase_id": purchase_id,
        "trade_date": skinslink.clock.iso_wall(skinslink.clock.now()),
        "steam_id": str(STEAMID64_BASE + partner),
        "amount": amount_value,
        "amount_currency": "usd",
    }
    tx = spec.get("merchant_tx_id")
    if tx is not None:
        payload["merchant_tx_id"] = str(tx)
    offer = spec.get("offer_id", "")
    if offer is not None:  # null: leave the field out, as the API page allows
        payload["offer_id"] = str(offer)
    if status in FAIL_REASON_STATUSES:
        payload["fail_reason"] = str(spec.get("fail_reason") or "item_not_available")
    body = jsonutil.dumps(payload)
    delivery = skinslink.world.webhooks.send(
        Delivery(
            provider="skinslink",
            event=f"purchase.{status}",
            key=f"purchase-{purchase_id}",
            status=status,
            url=url,
            body=body,
            headers_for=lambda _d: {},
        )
    )
    return {
        "delivery_id": delivery.id,
        "purchase_id": purchase_id,
        "url": url,
        "body": body.decode(),
    }
