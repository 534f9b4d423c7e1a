"""SkinsNode orders: written before they are sent, then moved forward only.

Transaction functions (``fn(conn, ...)``; use with ``db.call`` or compose in one
transaction). Functions marked (durable) commit with ``synchronous=FULL``::

    insert_order_draft(conn, *, profile, request: OrderRequest, item_name, item_snapshot=None,
                       buyer_partner=None, buyer_steamid64=None, now=None) -> OrderRecord
        (durable) the row (status "draft", exact request body) and its first event, together
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
    reserved_cents(conn, profile) -> int
        sum of expected_price_cents of orders not yet terminal, drafts and sending included

``OrdersRepository(db)`` offers the same as ``async`` methods (names without ``_order``).
Unknown ``external_id`` in an update raises ``StoreError`` with code ``unknown_order``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import fields as dc_fields
from datetime import datetime, timedelta
from typing import Any

from skins_console.core.errors import StoreError
from skins_console.core.models import (
    OrderAccepted,
    OrderRequest,
    OrderState,
    WebhookDelivery,
    utcnow,
)
from skins_console.core.records import ActivityFilter, EventRecord, OrderRecord
from skins_console.core.statuses import (
    ORDER_ATTENTION,
    ORDER_DRAFT,
    ORDER_LATE_MOVES,
    ORDER_REJECTED,
    ORDER_SENDING,
    ORDER_TERMINAL,
    Provider,
    describe,
    should_apply,
)
from skins_console.store.codec import (
    activity_where,
    due_rows,
    dumps_exact,
    earliest_check,
    from_ts,
    json_or_none,
    loads_json,
    open_rows,
    placeholders,
    rows_by_keys,
    ts,
)
from skins_console.store.database import durable
from skins_console.store.events_repository import add_event
from skins_console.store.webhook_deliveries_repository import record_delivery

#: A draft or a send that has not been confirmed after this long needs a look.
STUCK_AFTER = timedelta(minutes=5)

_CLOSED = tuple(sorted((ORDER_TERMINAL | {ORDER_REJECTED}) - set(ORDER_LATE_MOVES)))
_NOT_OPEN = tuple(sorted(ORDER_TERMINAL | {ORDER_REJECTED}))

_COLUMNS = (
    "profile",
    "external_id",
    "catalog_item_id",
    "item_name",
    "item_snapshot",
    "expected_price_cents",
    "trade_url",
    "buyer_partner",
    "buyer_steamid64",
    "webhook_url",
    "request_body",
    "status",
    "steam_offer_id",
    "amount_cents",
    "currency",
    "failure_code",
    "failure_message",
    "accepted_at",
    "sent_at",
    "completed_at",
    "settles_at",
    "last_checked_at",
    "next_check_at",
    "attempts",
    "created_at",
    "updated_at",
    "raw_remote",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM orders"
_TIME_COLUMNS = frozenset(
    {
        "accepted_at",
        "sent_at",
        "completed_at",
        "settles_at",
        "last_checked_at",
        "next_check_at",
        "created_at",
        "updated_at",
    }
)
_JSON_COLUMNS = frozenset({"item_snapshot", "request_body", "raw_remote"})


def _row(row) -> OrderRecord:
    data: dict[str, Any] = {}
    for column, value in zip(_COLUMNS, row):
        if column in _TIME_COLUMNS:
            value = from_ts(value)
        elif column in _JSON_COLUMNS:
            value = loads_json(value)
        data[column] = value
    return OrderRecord(**data)


def _event(
    conn, profile, external_id, type_, message, *, old=None, new=None, details=None, now=None
) -> EventRecord:
    return add_event(
        conn,
        EventRecord(
            profile=profile,
            kind="order",
            key=external_id,
            at=now or utcnow(),
            type=type_,
            message=message,
            old_status=old,
            new_status=new,
            details=details,
        ),
    )


def get_order(conn: sqlite3.Connection, profile: str, external_id: str) -> OrderRecord | None:
    row = conn.execute(
        f"{_SELECT} WHERE profile = ? AND external_id = ?", (profile, external_id)
    ).fetchone()
    return None if row is None else _row(row)


def get_orders(conn: sqlite3.Connection, profile: str, external_ids) -> list[OrderRecord]:
    return [_row(r) for r in rows_by_keys(conn, _SELECT, "external_id", profile, external_ids)]


def _require(conn, profile: str, external_id: str) -> OrderRecord:
    order = get_order(conn, profile, external_id)
    if order is None:
        raise StoreError(
            f"There is no order {external_id} in profile “{profile}”.", code="unknown_order"
        )
    return order


@durable
def insert_order_draft(
    conn: sqlite3.Connection,
    *,
    profile: str,
    request: OrderRequest,
    item_name: str,
    item_snapshot: dict[str, Any] | None = None,
    buyer_partner: int | None = None,
    buyer_steamid64: str | None = None,
    now: datetime | None = None,
) -> OrderRecord:
    now = now or utcnow()
    if get_order(conn, profile, request.external_id) is not None:
        raise StoreError(
            f"An order with id {request.external_id} already exists; it is never created twice.",
            code="duplicate_order",
        )
    body = request.to_json()
    conn.execute(
        """INSERT INTO orders (profile, external_id, catalog_item_id, item_name, item_snapshot,
               expected_price_cents, trade_url, buyer_partner, buyer_steamid64, webhook_url,
               request_body, status, attempts, next_check_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)""",
        (
            profile,
            request.external_id,
            request.catalog_item_id,
            item_name,
            json_or_none(item_snapshot),
            request.expected_price_cents,
            request.trade_url,
            buyer_partner,
            buyer_steamid64,
            request.webhook_url,
            dumps_exact(body),
            ORDER_DRAFT,
            ts(now),
            ts(now),
            ts(now),
        ),
    )
    _event(
        conn,
        profile,
        request.external_id,
        "status_change",
        describe(Provider.SKINSNODE, ORDER_DRAFT),
        new=ORDER_DRAFT,
        details={"request": body},
        now=now,
    )
    return _require(conn, profile, request.external_id)


@durable
def mark_order_sending(
    conn: sqlite3.Connection, profile: str, external_id: str, *, now: datetime | None = None
) -> OrderRecord:
    now = now or utcnow()
    order = _require(conn, profile, external_id)
    attempt = order.attempts + 1
    if order.status in (ORDER_DRAFT, ORDER_SENDING):
        conn.execute(
            """UPDATE orders SET status = ?, attempts = ?, updated_at = ?
               WHERE profile = ? AND external_id = ?""",
            (ORDER_SENDING, attempt, ts(now), profile, external_id),
        )
    else:
        conn.execute(
            "UPDATE orders SET attempts = ?, updated_at = ? WHERE profile = ? AND external_id = ?",
            (attempt, ts(now), profile, external_id),
        )
    _event(
        conn,
        profile,
        external_id,
        "api_call",
        f"POST /v1/orders (attempt {attempt}, same externalId)",
        old=order.status if order.status == ORDER_DRAFT else None,
        new=ORDER_SENDING if order.status == ORDER_DRAFT else None,
        now=now,
    )
    return _require(conn, profile, external_id)


def mark_order_rejected(
    conn: sqlite3.Connection,
    profile: str,
    external_id: str,
    *,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    """Only a local (draft/sending) order can be rejected: once SkinsNode has it, it is theirs."""
    now = now or utcnow()
    order = _require(conn, profile, external_id)
    if order.status not in (ORDER_DRAFT, ORDER_SENDING):
        return False
    conn.execute(
        """UPDATE orders SET status = ?, failure_code = ?, failure_message = ?, updated_at = ?,
               next_check_at = NULL
           WHERE profile = ? AND external_id = ?""",
        (ORDER_REJECTED, code, message, ts(now), profile, external_id),
    )
    _event(
        conn,
        profile,
        external_id,
        "status_change",
        message,
        old=order.status,
        new=ORDER_REJECTED,
        details={"code": code, **(details or {})},
        now=now,
    )
    return True


def _timestamp(timestamps: dict[str, datetime], *needles: str) -> datetime | None:
    # SkinsNode does not document the key names of ``timestamps``; match them loosely.
    for key, value in timestamps.items():
        lowered = key.lower()
        if any(needle in lowered for needle in needles):
            return value
    return None


def _apply(
    conn,
    profile: str,
    external_id: str,
    new_status: str,
    merge: dict[str, Any],
    *,
    source: str,
    raw: dict | None,
    now: datetime,
    next_check_at: datetime | None,
    details: dict[str, Any] | None = None,
) -> bool:
    order = _require(conn, profile, external_id)
    changed = should_apply(Provider.SKINSNODE, order.status, new_status)
    assignments: dict[str, Any] = {}
    if source == "poll":
        assignments["last_checked_at"] = ts(now)
    if changed or new_status == order.status:
        for column, value in merge.items():
            if value is not None:
                assignments[column] = ts(value) if isinstance(value, datetime) else value
        if raw:
            assignments["raw_remote"] = dumps_exact(raw)
    if changed:
        assignments["status"] = new_status
        assignments["updated_at"] = ts(now)
        if new_status == "completed" and order.completed_at is None:
            assignments.setdefault("completed_at", ts(now))
        if new_status == "sent" and order.sent_at is None:
            assignments.setdefault("sent_at", ts(now))
    final = (changed and new_status in _CLOSED) or (not changed and order.status in _CLOSED)
    # A completed order can still be reversed; polling it on is the caller's choice.
    final = final or (changed and new_status in ORDER_TERMINAL and next_check_at is None)
    if final:
        assignments["next_check_at"] = None
    elif next_check_at is not None:
        assignments["next_check_at"] = ts(next_check_at)
    if assignments:
        sets = ", ".join(f"{column} = ?" for column in assignments)
        conn.execute(
            f"UPDATE orders SET {sets} WHERE profile = ? AND external_id = ?",
            (*assignments.values(), profile, external_id),
        )
    if changed:
        event_details = {"source": source, **(details or {})}
        _event(
            conn,
            profile,
            external_id,
            "status_change",
            describe(Provider.SKINSNODE, new_status),
            old=order.status,
            new=new_status,
            details=event_details,
            now=now,
        )
    return changed


def apply_order_state(
    conn: sqlite3.Connection,
    profile: str,
    state: OrderState,
    *,
    source: str = "poll",
    now: datetime | None = None,
    next_check_at: datetime | None = None,
) -> bool:
    now = now or utcnow()
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
    return _apply(
        conn,
        profile,
        state.external_id,
        state.status,
        merge,
        source=source,
        raw=state.raw,
        now=now,
        next_check_at=next_check_at,
        details=details,
    )


def apply_order_webhook(
    conn: sqlite3.Connection,
    profile: str,
    delivery: WebhookDelivery,
    *,
    now: datetime | None = None,
    next_check_at: datetime | None = None,
) -> tuple[bool, bool]:
    now = now or utcnow()
    external_id = delivery.order.external_id
    current = _require(conn, profile, external_id).status
    if not record_delivery(
        conn, Provider.SKINSNODE.value, delivery.delivery_id, key=external_id, now=now
    ):
        return False, False
    changed = apply_order_state(
        conn, profile, delivery.order, source="webhook", now=now, next_check_at=next_check_at
    )
    if not changed and delivery.order.status != current:
        _event(
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
    conn: sqlite3.Connection,
    profile: str,
    accepted: OrderAccepted,
    *,
    now: datetime | None = None,
    next_check_at: datetime | None = None,
) -> bool:
    now = now or utcnow()
    return _apply(
        conn,
        profile,
        accepted.external_id,
        accepted.status,
        {"accepted_at": accepted.accepted_at},
        source="create",
        raw=None,
        now=now,
        next_check_at=next_check_at,
    )


def schedule_order_check(
    conn: sqlite3.Connection,
    profile: str,
    external_id: str,
    *,
    next_check_at: datetime | None,
    checked_at: datetime | None = None,
) -> None:
    _require(conn, profile, external_id)
    if checked_at is None:
        conn.execute(
            "UPDATE orders SET next_check_at = ? WHERE profile = ? AND external_id = ?",
            (ts(next_check_at), profile, external_id),
        )
    else:
        conn.execute(
            """UPDATE orders SET next_check_at = ?, last_checked_at = ?
               WHERE profile = ? AND external_id = ?""",
            (ts(next_check_at), ts(checked_at), profile, external_id),
        )


def set_order_settles_at(
    conn: sqlite3.Connection, profile: str, external_id: str, settles_at: datetime | None
) -> None:
    """When Trade Protection ends for a completed order (the tracker computes it when the
    provider's answer has no such timestamp)."""
    _require(conn, profile, external_id)
    conn.execute(
        "UPDATE orders SET settles_at = ? WHERE profile = ? AND external_id = ?",
        (ts(settles_at), profile, external_id),
    )


def record_order_event(
    conn: sqlite3.Connection,
    profile: str,
    external_id: str,
    type: str,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> EventRecord:
    _require(conn, profile, external_id)
    return _event(conn, profile, external_id, type, message, details=details, now=now)


def list_due_orders(
    conn: sqlite3.Connection, now: datetime, *, profile: str | None = None, limit: int = 100
) -> list[OrderRecord]:
    return [_row(r) for r in due_rows(conn, _SELECT, _CLOSED, now, profile, limit)]


def next_open_check_at(conn: sqlite3.Connection, profile: str) -> datetime | None:
    """The earliest ``next_check_at`` of the profile's open orders (what the tracker sleeps
    until), without reading the rows: it is asked after every tracking pass."""
    return from_ts(earliest_check(conn, "orders", profile, _NOT_OPEN))


def list_open_orders(conn: sqlite3.Connection, profile: str | None = None) -> list[OrderRecord]:
    return [_row(r) for r in open_rows(conn, _SELECT, _NOT_OPEN, profile)]


def reserved_cents(conn: sqlite3.Connection, profile: str) -> int:
    row = conn.execute(
        f"""SELECT coalesce(sum(expected_price_cents), 0) FROM orders
            WHERE profile = ? AND status NOT IN ({placeholders(_NOT_OPEN)})""",
        (profile, *_NOT_OPEN),
    ).fetchone()
    return int(row[0])


def attention_sql(now: datetime) -> tuple[str, list[Any]]:
    """SQL condition (and its parameters) for orders that need the operator."""
    stuck = ts(now - STUCK_AFTER)
    attention = tuple(sorted(ORDER_ATTENTION))
    return (
        f"(status IN ({placeholders(attention)}) OR (status IN (?, ?) AND updated_at < ?))",
        [*attention, ORDER_DRAFT, ORDER_SENDING, stuck],
    )


_TEXT_COLUMNS = (
    "external_id",
    "item_name",
    "trade_url",
    "steam_offer_id",
    "buyer_steamid64",
    "catalog_item_id",
)


def search_orders(
    conn: sqlite3.Connection, flt: ActivityFilter, *, now: datetime | None = None
) -> list[OrderRecord]:
    where, params = activity_where(
        flt, now or utcnow(), text_columns=_TEXT_COLUMNS, attention=attention_sql
    )
    sql = f"{_SELECT}{where} ORDER BY created_at DESC, external_id LIMIT ? OFFSET ?"
    return [_row(r) for r in conn.execute(sql, (*params, flt.limit, flt.offset))]


class OrdersRepository:
    def __init__(self, db) -> None:
        self._db = db

    async def insert_draft(self, **kw: Any) -> OrderRecord:
        return await self._db.call(insert_order_draft, **kw)

    async def mark_sending(
        self, profile: str, external_id: str, *, now: datetime | None = None
    ) -> OrderRecord:
        return await self._db.call(mark_order_sending, profile, external_id, now=now)

    async def mark_rejected(self, profile: str, external_id: str, **kw: Any) -> bool:
        return await self._db.call(mark_order_rejected, profile, external_id, **kw)

    async def apply_state(self, profile: str, state: OrderState, **kw: Any) -> bool:
        return await self._db.call(apply_order_state, profile, state, **kw)

    async def apply_webhook(
        self, profile: str, delivery: WebhookDelivery, **kw: Any
    ) -> tuple[bool, bool]:
        return await self._db.call(apply_order_webhook, profile, delivery, **kw)

    async def apply_accepted(self, profile: str, accepted: OrderAccepted, **kw: Any) -> bool:
        return await self._db.call(apply_order_accepted, profile, accepted, **kw)

    async def schedule_check(self, profile: str, external_id: str, **kw: Any) -> None:
        await self._db.call(schedule_order_check, profile, external_id, **kw)

    async def set_settles_at(
        self, profile: str, external_id: str, settles_at: datetime | None
    ) -> None:
        await self._db.call(set_order_settles_at, profile, external_id, settles_at)

    async def record_event(
        self, profile: str, external_id: str, type: str, message: str, **kw: Any
    ) -> EventRecord:
        return await self._db.call(record_order_event, profile, external_id, type, message, **kw)

    async def get(self, profile: str, external_id: str) -> OrderRecord | None:
        return await self._db.read(get_order, profile, external_id)

    async def get_many(self, profile: str, external_ids) -> list[OrderRecord]:
        return await self._db.read(get_orders, profile, tuple(external_ids))

    async def list_due(self, now: datetime, **kw: Any) -> list[OrderRecord]:
        return await self._db.read(list_due_orders, now, **kw)

    async def next_open_check_at(self, profile: str) -> datetime | None:
        return await self._db.read(next_open_check_at, profile)

    async def list_open(self, profile: str | None = None) -> list[OrderRecord]:
        return await self._db.read(list_open_orders, profile)

    async def search(
        self, flt: ActivityFilter, *, now: datetime | None = None
    ) -> list[OrderRecord]:
        return await self._db.read(search_orders, flt, now=now)

    async def reserved_cents(self, profile: str) -> int:
        return await self._db.read(reserved_cents, profile)


ORDER_FIELDS = tuple(f.name for f in dc_fields(OrderRecord))
