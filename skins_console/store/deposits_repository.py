"""Skinslink deposits (buying from users): written before they are sent, moved forward only.

Transaction functions (durable ones commit with ``synchronous=FULL``)::

    insert_deposit_draft(conn, *, profile, request: DepositRequest, quote_id=None, now=None)
        -> DepositRecord       (durable) row (status "draft", exact body) + first event
    mark_deposit_sending(conn, profile, merchant_tx_id, *, now=None) -> DepositRecord (durable)
    mark_deposit_rejected(conn, profile, merchant_tx_id, *, code, message, details=None,
                          now=None) -> bool
    apply_deposit_state(conn, profile, state: DepositState, *, source="poll", now=None,
                        next_check_at=None) -> bool
        found by state.merchant_tx_id, else by state.id (trade id); applied only if
        core.statuses.should_apply allows it; status_change event in the same transaction
    schedule_deposit_check(conn, profile, merchant_tx_id, *, next_check_at, checked_at=None)
    record_deposit_event(conn, profile, merchant_tx_id, type, message, *, details=None, now=None)
    get_deposit(conn, profile, merchant_tx_id) -> DepositRecord | None
    get_deposits(conn, profile, merchant_tx_ids) -> list[DepositRecord]   (known ones, any order)
    get_deposit_by_trade_id(conn, profile, trade_id) -> DepositRecord | None
    find_deposit_by_trade_id(conn, trade_id) -> DepositRecord | None   # any profile (webhooks)
    list_due_deposits(conn, now, *, profile=None, limit=100) -> list[DepositRecord]
    list_open_deposits(conn, profile=None) -> list[DepositRecord]
    search_deposits(conn, filter: ActivityFilter, *, now=None) -> list[DepositRecord]

``DepositsRepository(db)``: the same as ``async`` methods (names without ``_deposit``).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from skins_console.core.errors import StoreError
from skins_console.core.models import DepositRequest, DepositState, utcnow
from skins_console.core.records import ActivityFilter, DepositRecord, EventRecord
from skins_console.core.statuses import (
    DEPOSIT_ATTENTION,
    DEPOSIT_DRAFT,
    DEPOSIT_LATE_MOVES,
    DEPOSIT_REJECTED,
    DEPOSIT_SENDING,
    DEPOSIT_TERMINAL,
    Provider,
    describe,
    should_apply,
)
from skins_console.store.codec import (
    activity_where,
    dec,
    due_rows,
    dumps_exact,
    earliest_check,
    from_ts,
    loads_json,
    open_rows,
    placeholders,
    rows_by_keys,
    ts,
)
from skins_console.store.database import durable
from skins_console.store.events_repository import add_event

STUCK_AFTER = timedelta(minutes=5)

_CLOSED = tuple(sorted((DEPOSIT_TERMINAL | {DEPOSIT_REJECTED}) - set(DEPOSIT_LATE_MOVES)))
_NOT_OPEN = tuple(sorted(DEPOSIT_TERMINAL | {DEPOSIT_REJECTED}))

_COLUMNS = (
    "profile",
    "merchant_tx_id",
    "trade_id",
    "quote_id",
    "game",
    "partner",
    "token",
    "items",
    "request_body",
    "status",
    "amount",
    "bot_name",
    "bot_steam_id",
    "trade_offer_id",
    "trade_offer_expiry_at",
    "hold_end_date",
    "fail_reason",
    "sent_at",
    "completed_at",
    "last_checked_at",
    "next_check_at",
    "attempts",
    "created_at",
    "updated_at",
    "raw_remote",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM deposits"
_TIME_COLUMNS = frozenset(
    {
        "trade_offer_expiry_at",
        "hold_end_date",
        "sent_at",
        "completed_at",
        "last_checked_at",
        "next_check_at",
        "created_at",
        "updated_at",
    }
)


def _row(row) -> DepositRecord:
    data: dict[str, Any] = {}
    for column, value in zip(_COLUMNS, row):
        if column in _TIME_COLUMNS:
            value = from_ts(value)
        elif column in ("request_body", "raw_remote"):
            value = loads_json(value)
        elif column == "items":
            value = tuple(loads_json(value))
        elif column == "amount":
            value = None if value is None else Decimal(value)
        data[column] = value
    return DepositRecord(**data)


def _event(
    conn, profile, key, type_, message, *, old=None, new=None, details=None, now=None
) -> EventRecord:
    return add_event(
        conn,
        EventRecord(
            profile=profile,
            kind="deposit",
            key=key,
            at=now or utcnow(),
            type=type_,
            message=message,
            old_status=old,
            new_status=new,
            details=details,
        ),
    )


def get_deposit(
    conn: sqlite3.Connection, profile: str, merchant_tx_id: str
) -> DepositRecord | None:
    row = conn.execute(
        f"{_SELECT} WHERE profile = ? AND merchant_tx_id = ?", (profile, merchant_tx_id)
    ).fetchone()
    return None if row is None else _row(row)


def get_deposits(conn: sqlite3.Connection, profile: str, merchant_tx_ids) -> list[DepositRecord]:
    return [
        _row(r) for r in rows_by_keys(conn, _SELECT, "merchant_tx_id", profile, merchant_tx_ids)
    ]


def get_deposit_by_trade_id(
    conn: sqlite3.Connection, profile: str, trade_id: int
) -> DepositRecord | None:
    row = conn.execute(
        f"{_SELECT} WHERE profile = ? AND trade_id = ? ORDER BY created_at DESC LIMIT 1",
        (profile, trade_id),
    ).fetchone()
    return None if row is None else _row(row)


def find_deposit_by_trade_id(conn: sqlite3.Connection, trade_id: int) -> DepositRecord | None:
    row = conn.execute(
        f"{_SELECT} WHERE trade_id = ? ORDER BY created_at DESC LIMIT 1", (trade_id,)
    ).fetchone()
    return None if row is None else _row(row)


def _require(conn, profile: str, merchant_tx_id: str) -> DepositRecord:
    deposit = get_deposit(conn, profile, merchant_tx_id)
    if deposit is None:
        raise StoreError(
            f"There is no deposit {merchant_tx_id} in profile “{profile}”.", code="unknown_deposit"
        )
    return deposit


@durable
def insert_deposit_draft(
    conn: sqlite3.Connection,
    *,
    profile: str,
    request: DepositRequest,
    quote_id: int | None = None,
    now: datetime | None = None,
) -> DepositRecord:
    now = now or utcnow()
    if get_deposit(conn, profile, request.merchant_tx_id) is not None:
        raise StoreError(
            f"A deposit with id {request.merchant_tx_id} already exists; it is never created "
            "twice.",
            code="duplicate_deposit",
        )
    body = request.to_json()
    conn.execute(
        """INSERT INTO deposits (profile, merchant_tx_id, trade_id, quote_id, game, partner,
               token, items, request_body, status, attempts, next_check_at, created_at,
               updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)""",
        (
            profile,
            request.merchant_tx_id,
            request.trade_id,
            quote_id,
            request.game,
            request.partner,
            request.token,
            dumps_exact([item.to_json() for item in request.items]),
            dumps_exact(body),
            DEPOSIT_DRAFT,
            ts(now),
            ts(now),
            ts(now),
        ),
    )
    _event(
        conn,
        profile,
        request.merchant_tx_id,
        "status_change",
        describe(Provider.SKINSLINK, DEPOSIT_DRAFT),
        new=DEPOSIT_DRAFT,
        details={"request": body},
        now=now,
    )
    return _require(conn, profile, request.merchant_tx_id)


@durable
def mark_deposit_sending(
    conn: sqlite3.Connection, profile: str, merchant_tx_id: str, *, now: datetime | None = None
) -> DepositRecord:
    now = now or utcnow()
    deposit = _require(conn, profile, merchant_tx_id)
    attempt = deposit.attempts + 1
    status = (
        DEPOSIT_SENDING if deposit.status in (DEPOSIT_DRAFT, DEPOSIT_SENDING) else deposit.status
    )
    conn.execute(
        """UPDATE deposits SET status = ?, attempts = ?, updated_at = ?
           WHERE profile = ? AND merchant_tx_id = ?""",
        (status, attempt, ts(now), profile, merchant_tx_id),
    )
    moved = deposit.status == DEPOSIT_DRAFT
    _event(
        conn,
        profile,
        merchant_tx_id,
        "api_call",
        f"create-deposit-by-hash-name (attempt {attempt}, same merchant_tx_id)",
        old=deposit.status if moved else None,
        new=DEPOSIT_SENDING if moved else None,
        now=now,
    )
    return _require(conn, profile, merchant_tx_id)


def mark_deposit_rejected(
    conn: sqlite3.Connection,
    profile: str,
    merchant_tx_id: str,
    *,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    now = now or utcnow()
    deposit = _require(conn, profile, merchant_tx_id)
    if deposit.status not in (DEPOSIT_DRAFT, DEPOSIT_SENDING):
        return False
    conn.execute(
        """UPDATE deposits SET status = ?, fail_reason = ?, updated_at = ?, next_check_at = NULL
           WHERE profile = ? AND merchant_tx_id = ?""",
        (DEPOSIT_REJECTED, code, ts(now), profile, merchant_tx_id),
    )
    _event(
        conn,
        profile,
        merchant_tx_id,
        "status_change",
        message,
        old=deposit.status,
        new=DEPOSIT_REJECTED,
        details={"code": code, **(details or {})},
        now=now,
    )
    return True


def apply_deposit_state(
    conn: sqlite3.Connection,
    profile: str,
    state: DepositState,
    *,
    source: str = "poll",
    now: datetime | None = None,
    next_check_at: datetime | None = None,
) -> bool:
    now = now or utcnow()
    deposit = get_deposit(conn, profile, state.merchant_tx_id) if state.merchant_tx_id else None
    if deposit is None:
        deposit = get_deposit_by_trade_id(conn, profile, state.id)
    if deposit is None:
        raise StoreError(
            f"There is no deposit {state.merchant_tx_id or state.id} in profile “{profile}”.",
            code="unknown_deposit",
        )
    key = deposit.merchant_tx_id
    changed = should_apply(Provider.SKINSLINK, deposit.status, state.status)
    assignments: dict[str, Any] = {}
    if source == "poll":
        assignments["last_checked_at"] = ts(now)
    if changed or state.status == deposit.status:
        merge = {
            "amount": dec(state.amount),
            "bot_name": state.bot_name,
            "bot_steam_id": state.bot_steam_id,
            "trade_offer_id": state.trade_offer_id,
            "trade_offer_expiry_at": ts(state.trade_offer_expiry_at),
            "hold_end_date": ts(state.hold_end_date),
            "fail_reason": state.fail_reason,
        }
        assignments.update({k: v for k, v in merge.items() if v is not None})
        if state.raw:
            assignments["raw_remote"] = dumps_exact(state.raw)
    if changed:
        assignments["status"] = state.status
        assignments["updated_at"] = ts(now)
        if state.status == "active" and deposit.sent_at is None:
            assignments["sent_at"] = ts(now)
        if state.status in ("hold", "completed") and deposit.completed_at is None:
            assignments["completed_at"] = ts(now)
    final = state.status in _CLOSED if changed else deposit.status in _CLOSED
    # A completed deposit can still be reverted; polling it on is the caller's choice.
    final = final or (changed and state.status in DEPOSIT_TERMINAL and next_check_at is None)
    if final:
        assignments["next_check_at"] = None
    elif next_check_at is not None:
        assignments["next_check_at"] = ts(next_check_at)
    if assignments:
        sets = ", ".join(f"{column} = ?" for column in assignments)
        conn.execute(
            f"UPDATE deposits SET {sets} WHERE profile = ? AND merchant_tx_id = ?",
            (*assignments.values(), profile, key),
        )
    if changed:
        details: dict[str, Any] = {"source": source}
        if state.fail_reason:
            details["fail_reason"] = state.fail_reason
        _event(
            conn,
            profile,
            key,
            "status_change",
            describe(Provider.SKINSLINK, state.status),
            old=deposit.status,
            new=state.status,
            details=details,
            now=now,
        )
    return changed


def schedule_deposit_check(
    conn: sqlite3.Connection,
    profile: str,
    merchant_tx_id: str,
    *,
    next_check_at: datetime | None,
    checked_at: datetime | None = None,
) -> None:
    deposit = _require(conn, profile, merchant_tx_id)
    conn.execute(
        """UPDATE deposits SET next_check_at = ?, last_checked_at = ?
           WHERE profile = ? AND merchant_tx_id = ?""",
        (
            ts(next_check_at),
            ts(checked_at) if checked_at else ts(deposit.last_checked_at),
            profile,
            merchant_tx_id,
        ),
    )


def record_deposit_event(
    conn: sqlite3.Connection,
    profile: str,
    merchant_tx_id: str,
    type: str,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> EventRecord:
    _require(conn, profile, merchant_tx_id)
    return _event(conn, profile, merchant_tx_id, type, message, details=details, now=now)


def list_due_deposits(
    conn: sqlite3.Connection, now: datetime, *, profile: str | None = None, limit: int = 100
) -> list[DepositRecord]:
    return [_row(r) for r in due_rows(conn, _SELECT, _CLOSED, now, profile, limit)]


def next_open_check_at(conn: sqlite3.Connection, profile: str) -> datetime | None:
    """The earliest ``next_check_at`` of the profile's open deposits (what the tracker sleeps
    until), without reading the rows: it is asked after every tracking pass."""
    return from_ts(earliest_check(conn, "deposits", profile, _NOT_OPEN))


def list_open_deposits(conn: sqlite3.Connection, profile: str | None = None) -> list[DepositRecord]:
    return [_row(r) for r in open_rows(conn, _SELECT, _NOT_OPEN, profile)]


def attention_sql(now: datetime) -> tuple[str, list[Any]]:
    attention = tuple(sorted(DEPOSIT_ATTENTION))
    return (
        f"(status IN ({placeholders(attention)}) OR (status IN (?, ?) AND updated_at < ?))",
        [*attention, DEPOSIT_DRAFT, DEPOSIT_SENDING, ts(now - STUCK_AFTER)],
    )


_TEXT_COLUMNS = (
    "merchant_tx_id",
    "CAST(trade_id AS TEXT)",
    "items",
    "trade_offer_id",
    "CAST(partner AS TEXT)",
    "bot_name",
)


def search_deposits(
    conn: sqlite3.Connection, flt: ActivityFilter, *, now: datetime | None = None
) -> list[DepositRecord]:
    where, params = activity_where(
        flt, now or utcnow(), text_columns=_TEXT_COLUMNS, attention=attention_sql
    )
    sql = f"{_SELECT}{where} ORDER BY created_at DESC, merchant_tx_id LIMIT ? OFFSET ?"
    return [_row(r) for r in conn.execute(sql, (*params, flt.limit, flt.offset))]


class DepositsRepository:
    def __init__(self, db) -> None:
        self._db = db

    async def insert_draft(self, **kw: Any) -> DepositRecord:
        return await self._db.call(insert_deposit_draft, **kw)

    async def mark_sending(
        self, profile: str, merchant_tx_id: str, *, now: datetime | None = None
    ) -> DepositRecord:
        return await self._db.call(mark_deposit_sending, profile, merchant_tx_id, now=now)

    async def mark_rejected(self, profile: str, merchant_tx_id: str, **kw: Any) -> bool:
        return await self._db.call(mark_deposit_rejected, profile, merchant_tx_id, **kw)

    async def apply_state(self, profile: str, state: DepositState, **kw: Any) -> bool:
        return await self._db.call(apply_deposit_state, profile, state, **kw)

    async def schedule_check(self, profile: str, merchant_tx_id: str, **kw: Any) -> None:
        await self._db.call(schedule_deposit_check, profile, merchant_tx_id, **kw)

    async def record_event(
        self, profile: str, merchant_tx_id: str, type: str, message: str, **kw: Any
    ) -> EventRecord:
        return await self._db.call(
            record_deposit_event, profile, merchant_tx_id, type, message, **kw
        )

    async def get(self, profile: str, merchant_tx_id: str) -> DepositRecord | None:
        return await self._db.read(get_deposit, profile, merchant_tx_id)

    async def get_many(self, profile: str, merchant_tx_ids) -> list[DepositRecord]:
        return await self._db.read(get_deposits, profile, tuple(merchant_tx_ids))

    async def get_by_trade_id(self, profile: str, trade_id: int) -> DepositRecord | None:
        return await self._db.read(get_deposit_by_trade_id, profile, trade_id)

    async def find_by_trade_id(self, trade_id: int) -> DepositRecord | None:
        return await self._db.read(find_deposit_by_trade_id, trade_id)

    async def list_due(self, now: datetime, **kw: Any) -> list[DepositRecord]:
        return await self._db.read(list_due_deposits, now, **kw)

    async def next_open_check_at(self, profile: str) -> datetime | None:
        return await self._db.read(next_open_check_at, profile)

    async def list_open(self, profile: str | None = None) -> list[DepositRecord]:
        return await self._db.read(list_open_deposits, profile)

    async def search(
        self, flt: ActivityFilter, *, now: datetime | None = None
    ) -> list[DepositRecord]:
        return await self._db.read(search_deposits, flt, now=now)
