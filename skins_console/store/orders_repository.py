"""SkinsNode orders: written before they are sent, then moved forward only.

Transaction functions (``fn(conn, ...)``; use with ``db.call`` or compose in one
transaction). Functions marked (durable) commit with ``synchronous=FULL``::

    insert_order_draft(conn, *, profile, request: OrderRequest, item_name, item_snapshot=None,
                       buyer_partner=None, buyer_steamid64=None, charged=None,
                       shop_order=None, now=None) -> OrderRecord
        (durable) the row (status "draft", exact request body, what the buyer paid and the
        shop order number) and its first event, together
    mark_order_sending(conn, profile, external_id, *, now=None) -> OrderRecord
        (durable) draft/sending -> "sending", attempts + 1, an api_call event
    mark_order_rejected(conn, profile, external_id, *, code, message, details=None, now=None)
        -> bool       draft/sending -> "rejected" (the provider refused the create call)
    apply_order_state(conn, profile, state: OrderState, *, source="poll", now=None,
                      next_check_at=None) -> bool
    apply_order_accepted(conn, profile, accepted: OrderAccepted, *, now=None,
                         next_check_at=None) -> bool
        a remote status goes in ONLY if core.statuses.should_apply allows it; the
        status_change event is written in the same transaction; returns whether it changed
    apply_order_webhook(conn, profile, delivery: WebhookDelivery, *, now=None,
                        next_check_at=None) -> tuple[bool, bool]
        (first_time, changed): records the delivery id (dedupe) and applies its order state
        in ONE transaction; a duplicate changes nothing; an out-of-order report is noted
    schedule_order_check(conn, profile, external_id, *, next_check_at, checked_at=None)
    set_order_settles_at(conn, profile, external_id, settles_at) -> None
        when the Trade Protection window of a delivered order ends (a reversal is possible
        until then)
    record_order_event(conn, profile, external_id, type, message, *, details=None, now=None)
    get_order(conn, profile, external_id) -> OrderRecord | None
    get_orders(conn, profile, external_ids) -> list[OrderRecord]   (the known ones, any order)
    list_due_orders(conn, now, *, profile=None, limit=100) -> list[OrderRecord]
        next_check_at <= now; a final status clears next_check_at, and so does reaching
        "completed" unless the caller passes a next_check_at (to watch for a reversal)
    list_open_orders(conn, profile=None) -> list[OrderRecord]
    search_orders(conn, filter: ActivityFilter, *, now=None) -> list[OrderRecord]
    reserved_cents(conn, profile, *, accepted_since) -> int
        cents the wallet's balance may not show yet (services/wallet_service.py says why):
        every draft/sending order's expected price, and the amount (else the expected
        price) of every other open order not accepted before ``accepted_since``; one SUM,
        no order read in full

``OrdersRepository(db)`` offers the same as ``async`` methods (names without ``_order``).
Unknown ``external_id`` in an update raises ``StoreError`` with code ``unknown_order``.
What orders share with deposits is written once in ``lifecycle_repository``; this module
says what is an order's own (its columns, its draft, its report fields, the wallet).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from skins_console.core.margin import Charged
from skins_console.core.models import (
    OrderAccepted,
    OrderRequest,
    OrderState,
    WebhookDelivery,
    utcnow,
)
from skins_console.core.records import OrderRecord
from skins_console.core.statuses import DRAFT, SENDING, Provider
from skins_console.store import lifecycle_repository as book_
from skins_console.store.codec import from_ts, json_or_none, loads_json, placeholders, ts
from skins_console.store.connection import StoreConnection
from skins_console.store.database import durable
from skins_console.store.lifecycle_repository import Book, LifecycleRepository, bound
from skins_console.store.repository import reads, writes
from skins_console.store.webhook_deliveries_repository import record_delivery

_TIMES = (
    "accepted_at",
    "sent_at",
    "completed_at",
    "settles_at",
    "last_checked_at",
    "next_check_at",
    "created_at",
    "updated_at",
)


def _timestamp(timestamps: dict[str, datetime], *needles: str) -> datetime | None:
    # SkinsNode does not document the key names of ``timestamps``; match them loosely.
    for key, value in timestamps.items():
        lowered = key.lower()
        if any(needle in lowered for needle in needles):
            return value
    return None


def _reported(state: OrderState) -> tuple[dict[str, Any], dict[str, Any] | None]:
    stamps = state.timestamps or {}
    merge = {
        "steam_offer_id": state.steam_offer_id,
        "amount_cents": state.amount_cents,
        "currency": state.currency,
        "failure_code": state.failure.code if state.failure else None,
        "failure_message": state.failure.message if state.failure else None,
        "accepted_at": _timestamp(stamps, "accept"),
        "sent_at": _timestamp(stamps, "sent", "offer"),
        "completed_at": _timestamp(stamps, "complet", "deliver"),
        "settles_at": _timestamp(stamps, "settle", "protect", "hold"),
    }
    details = (
        {"failure": {"code": state.failure.code, "message": state.failure.message}}
        if state.failure
        else None
    )
    return merge, details


ORDERS = Book(
    provider=Provider.SKINSNODE,
    kind="order",
    table="orders",
    key="external_id",
    record=OrderRecord,
    decoders={
        **dict.fromkeys(_TIMES, from_ts),
        **dict.fromkeys(("item_snapshot", "request_body", "raw_remote"), loads_json),
        "charged_amount": Decimal,
    },
    text_columns=(
        "external_id",
        "item_name",
        "trade_url",
        "steam_offer_id",
        "buyer_steamid64",
        "catalog_item_id",
        # the buyer's name in the buyer book
        "(SELECT label FROM customers c "
        "WHERE c.profile = orders.profile AND c.partner = orders.buyer_partner)",
        "shop_order",
    ),
    create_call="POST /v1/orders",
    key_label="externalId",
    refusal=lambda code, message: {"failure_code": code, "failure_message": message},
    locate=lambda conn, profile, state: state.external_id,
    reported=_reported,
)

get_order = bound(book_.get_record, ORDERS, "get_order")
get_orders = bound(book_.get_records, ORDERS, "get_orders")
mark_order_sending = bound(book_.mark_sending, ORDERS, "mark_order_sending")
mark_order_rejected = bound(book_.mark_rejected, ORDERS, "mark_order_rejected")
schedule_order_check = bound(book_.schedule_check, ORDERS, "schedule_order_check")
record_order_event = bound(book_.record_event, ORDERS, "record_order_event")
list_due_orders = bound(book_.list_due, ORDERS, "list_due_orders")
next_open_check_at = bound(book_.next_open_check_at, ORDERS, "next_open_check_at")
list_open_orders = bound(book_.list_open, ORDERS, "list_open_orders")
search_orders = bound(book_.search, ORDERS, "search_orders")
apply_order_state = bound(book_.apply_state, ORDERS, "apply_order_state")


@durable
def insert_order_draft(
    conn: StoreConnection,
    *,
    profile: str,
    request: OrderRequest,
    item_name: str,
    item_snapshot: dict[str, Any] | None = None,
    buyer_partner: int | None = None,
    buyer_steamid64: str | None = None,
    charged: Charged | None = None,
    shop_order: str | None = None,
    now: datetime | None = None,
) -> OrderRecord:
    return book_.insert_draft_row(
        ORDERS,
        conn,
        profile=profile,
        key=request.external_id,
        values={
            "catalog_item_id": request.catalog_item_id,
            "item_name": item_name,
            "item_snapshot": json_or_none(item_snapshot),
            "expected_price_cents": request.expected_price_cents,
            "trade_url": request.trade_url,
            "buyer_partner": buyer_partner,
            "buyer_steamid64": buyer_steamid64,
            "webhook_url": request.webhook_url,
            "charged_amount": None if charged is None else format(charged.amount, "f"),
            "charged_currency": None if charged is None else charged.currency,
            "shop_order": shop_order,
        },
        body=request.to_json(),
        now=now or utcnow(),
    )


def apply_order_webhook(
    conn: StoreConnection,
    profile: str,
    delivery: WebhookDelivery,
    *,
    now: datetime | None = None,
    next_check_at: datetime | None = None,
) -> tuple[bool, bool]:
    now = now or utcnow()
    external_id = delivery.order.external_id
    current = book_.require_record(ORDERS, conn, profile, external_id).status
    if not record_delivery(
        conn, Provider.SKINSNODE.value, delivery.delivery_id, key=external_id, now=now
    ):
        return False, False
    changed = apply_order_state(
        conn, profile, delivery.order, source="webhook", now=now, next_check_at=next_check_at
    )
    if not changed and delivery.order.status != current:
        book_.event(
            ORDERS,
            conn,
            profile,
            external_id,
            "webhook",
            f"Ignored an out-of-order report “{delivery.order.status}” (already “{current}”)",
            details={"delivery_id": delivery.delivery_id, "event": delivery.event_type},
            now=now,
        )
    return True, changed


def apply_order_accepted(
    conn: StoreConnection,
    profile: str,
    accepted: OrderAccepted,
    *,
    now: datetime | None = None,
    next_check_at: datetime | None = None,
) -> bool:
    return book_.apply_status(
        ORDERS,
        conn,
        profile,
        accepted.external_id,
        accepted.status,
        {"accepted_at": accepted.accepted_at},
        source="create",
        raw=None,
        now=now or utcnow(),
        next_check_at=next_check_at,
    )


def set_order_settles_at(
    conn: StoreConnection, profile: str, external_id: str, settles_at: datetime | None
) -> None:
    """When Trade Protection ends for a completed order (the tracker computes it when the
    provider's answer has no such timestamp)."""
    book_.require_record(ORDERS, conn, profile, external_id)
    conn.execute(
        "UPDATE orders SET settles_at = ? WHERE profile = ? AND external_id = ?",
        (ts(settles_at), profile, external_id),
    )


def reserved_cents(conn: StoreConnection, profile: str, *, accepted_since: datetime) -> int:
    # Stored times are format_time text (UTC, milliseconds, "Z"), so they compare as text;
    # an accepted_at (whole milliseconds) is >= accepted_since exactly when it is >= the
    # next whole millisecond at or after it.
    since = accepted_since.astimezone(UTC)
    if since.microsecond % 1000:
        since += timedelta(microseconds=1000 - since.microsecond % 1000)
    row = conn.execute(
        f"""SELECT CAST(coalesce(sum(CASE
                WHEN status IN (?, ?) THEN expected_price_cents
                WHEN accepted_at IS NULL OR accepted_at >= ?
                    THEN coalesce(amount_cents, expected_price_cents)
                ELSE 0 END), 0) AS BIGINT)
            FROM orders
            WHERE profile = ? AND status NOT IN ({placeholders(ORDERS.not_open)})""",
        (DRAFT, SENDING, ts(since), profile, *ORDERS.not_open),
    ).fetchone()
    return int(row[0])


class OrdersRepository(LifecycleRepository):
    book = ORDERS
    insert_draft = writes(insert_order_draft)
    apply_webhook = writes(apply_order_webhook)
    apply_accepted = writes(apply_order_accepted)
    set_settles_at = writes(set_order_settles_at)
    reserved_cents = reads(reserved_cents)
