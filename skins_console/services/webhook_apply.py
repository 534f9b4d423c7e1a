"""What a verified webhook does to the store: one transaction each, on the database's thread.

Each function records the delivery (``store/webhook_deliveries_repository.py``) in the same
transaction as its effect, so a crash cannot mark a delivery seen without applying it. A
delivery already seen (same id, or same signed content under another id) returns
``DUPLICATE`` having only counted it: no event, no status change, no rescheduled poll.
"""

from __future__ import annotations

from datetime import datetime

from skins_console.api.webhook_signatures import SkinslinkPurchaseWebhook
from skins_console.core.models import DepositState, SkinslinkWebhook, WebhookDelivery, format_time
from skins_console.core.records import DepositRecord
from skins_console.core.statuses import Provider
from skins_console.services import deposits_flow, orders_flow
from skins_console.services.clock import Cadence
from skins_console.store.connection import StoreConnection
from skins_console.store.deposits_repository import (
    find_deposit_by_trade_id,
    get_deposit,
    record_deposit_event,
)
from skins_console.store.orders_repository import get_order, record_order_event
from skins_console.store.webhook_deliveries_repository import record_delivery

APPLIED = "applied"
IGNORED = "ignored"  # verified, recorded, but older than (or the same as) what we know
DUPLICATE = "duplicate"  # seen before: counted on the first delivery, nothing else
UNKNOWN = "unknown"  # verified, but not an order/deposit of this profile

SKINSNODE = Provider.SKINSNODE.value
SKINSLINK = Provider.SKINSLINK.value


# --- SkinsNode -------------------------------------------------------------------------


def apply_skinsnode(
    conn: StoreConnection,
    profile: str,
    delivery: WebhookDelivery,
    content_hash: str,
    *,
    now: datetime,
    cadence: Cadence,
) -> str:
    external_id = delivery.order.external_id
    # Deliveries for unknown orders are recorded too, so that their replays stay quiet.
    if not record_delivery(
        conn,
        SKINSNODE,
        delivery.delivery_id,
        key=external_id,
        content_hash=content_hash,
        now=now,
    ):
        return DUPLICATE
    if get_order(conn, profile, external_id) is None:
        return UNKNOWN
    details = {
        "delivery_id": delivery.delivery_id,
        "event": delivery.event_type,
        "sent_at": format_time(delivery.timestamp),
        "status": delivery.order.status,
    }
    changed = orders_flow.apply_report(
        conn, profile, delivery.order, source="webhook", now=now, cadence=cadence
    )
    if changed:
        message = f"Webhook: {delivery.order.status}."
    else:
        current = get_order(conn, profile, external_id)
        kept = current.status if current is not None else "?"
        message = (
            f"Webhook reported “{delivery.order.status}”; kept “{kept}” "
            "(the report is older or repeats what is known)."
        )
    record_order_event(conn, profile, external_id, "webhook", message, details=details, now=now)
    return APPLIED if changed else IGNORED


# --- Skinslink -------------------------------------------------------------------------


def find_deposit(
    conn: StoreConnection, profile: str, trade_id: int, merchant_tx_id: str | None
) -> DepositRecord | None:
    if merchant_tx_id:
        deposit = get_deposit(conn, profile, merchant_tx_id)
        # The signature covers only the trade id: a body naming another deposit's
        # merchant_tx_id must not redirect the update.
        if deposit is not None and deposit.trade_id == trade_id:
            return deposit
    deposit = find_deposit_by_trade_id(conn, trade_id)
    return deposit if deposit is not None and deposit.profile == profile else None


def record_unknown(conn: StoreConnection, delivery_id: str, key: str, *, now: datetime) -> bool:
    """A verified Skinslink delivery for a trade this profile does not have; True when new."""
    return record_delivery(conn, SKINSLINK, delivery_id, key=key, now=now)


def record_purchase(
    conn: StoreConnection, hook: SkinslinkPurchaseWebhook, *, now: datetime
) -> bool:
    """A verified purchase delivery: recorded (so repeats are counted, not logged again),
    nothing else. True when new."""
    status = hook.status or "none"
    return record_delivery(
        conn,
        SKINSLINK,
        f"purchase:{hook.purchase_id}:{status[:32]}",
        key=hook.merchant_tx_id,
        now=now,
    )


def note_reread_failed(
    conn: StoreConnection,
    profile: str,
    deposit: DepositRecord,
    hook: SkinslinkWebhook,
    error: str,
    *,
    now: datetime,
) -> None:
    # Skinslink documents no redelivery, so the operator must not be told to wait for one:
    # what brings the news instead is the console's own next poll of this deposit.
    current = get_deposit(conn, profile, deposit.merchant_tx_id)
    due = current.next_check_at if current is not None else None
    if due is None:
        when = ""
    elif due <= now:
        when = " (due now)"
    else:
        when = f" (due in about {max(1, round((due - now).total_seconds() / 60))} min)"
    record_deposit_event(
        conn,
        profile,
        deposit.merchant_tx_id,
        "webhook",
        f"Webhook “{hook.status}” received, but re-reading the deposit from Skinslink "
        f"failed ({error}). Skinslink does not document sending it again; the console "
        f"re-reads this deposit on its next poll{when}.",
        details={"trade_id": hook.trade_id, "reported_status": hook.status},
        now=now,
    )


def apply_skinslink(
    conn: StoreConnection,
    profile: str,
    merchant_tx_id: str,
    reported: str | None,
    delivery_id: str,
    state: DepositState | None,
    *,
    now: datetime,
    cadence: Cadence,
) -> str:
    details: dict[str, object] = {"delivery_id": delivery_id, "reported_status": reported}
    if not record_delivery(conn, SKINSLINK, delivery_id, key=merchant_tx_id, now=now):
        return DUPLICATE
    if state is None:
        record_deposit_event(
            conn,
            profile,
            merchant_tx_id,
            "webhook",
            f"Webhook “{reported}” received, but Skinslink does not know the "
            "trade any more; nothing changed.",
            details=details,
            now=now,
        )
        return IGNORED
    before = _status(conn, profile, merchant_tx_id)
    # Apply what Skinslink says *now*, keyed by our own merchant_tx_id.
    if state.merchant_tx_id != merchant_tx_id:
        state = DepositState(**{**_state_fields(state), "merchant_tx_id": merchant_tx_id})
    deposits_flow.apply_report(conn, profile, state, source="webhook", now=now, cadence=cadence)
    after = _status(conn, profile, merchant_tx_id)
    details["status_now"] = state.status
    if after != before:
        message = f"Webhook “{reported}”; status re-read from Skinslink: {state.status}."
    else:
        message = f"Webhook “{reported}”; Skinslink says “{state.status}”, kept “{after}”."
    record_deposit_event(
        conn, profile, merchant_tx_id, "webhook", message, details=details, now=now
    )
    return APPLIED if after != before else IGNORED


def _status(conn: StoreConnection, profile: str, merchant_tx_id: str) -> str | None:
    deposit = get_deposit(conn, profile, merchant_tx_id)
    return deposit.status if deposit is not None else None


def _state_fields(state: DepositState) -> dict:
    return {name: getattr(state, name) for name in DepositState.__dataclass_fields__}
