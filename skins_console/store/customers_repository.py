"""The customers' trade URL book: who we deliver to (orders) and buy from (deposits).

One entry per Steam account (``partner``) per profile; saving a new trade URL for the same
account replaces its token (a buyer who regenerated their URL), keeping label and history.

Transaction functions::

    save_customer(conn, profile, trade_url: str, *, label=None, now=None) -> CustomerRecord
        parses and normalises the URL with core.trade_url (TradeUrlError on bad input)
    get_customer(conn, profile, partner) -> CustomerRecord | None
    list_customers(conn, profile, *, text=None, limit=500) -> list[CustomerRecord]
        most recently used first
    record_customer_use(conn, profile, partner, *, success: bool | None, error=None, now=None)
        success=None: used (an order was sent); True: delivered; False: failed with ``error``
    delete_customer(conn, profile, partner) -> bool

``CustomersRepository(db)``: ``save``, ``get``, ``list``, ``record_use``, ``delete`` (async).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from skins_console.core.models import utcnow
from skins_console.core.records import CustomerRecord
from skins_console.core.trade_url import parse_trade_url
from skins_console.store.codec import from_ts, text_match, ts, written

_COLUMNS = (
    "id",
    "profile",
    "partner",
    "token",
    "trade_url",
    "label",
    "created_at",
    "last_used_at",
    "last_success_at",
    "last_error",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM customers"


def _row(row) -> CustomerRecord:
    data = dict(zip(_COLUMNS, row))
    for column in ("created_at", "last_used_at", "last_success_at"):
        data[column] = from_ts(data[column])
    return CustomerRecord(**data)


def get_customer(conn: sqlite3.Connection, profile: str, partner: int) -> CustomerRecord | None:
    row = conn.execute(
        f"{_SELECT} WHERE profile = ? AND partner = ?", (profile, partner)
    ).fetchone()
    return None if row is None else _row(row)


def save_customer(
    conn: sqlite3.Connection,
    profile: str,
    trade_url: str,
    *,
    label: str | None = None,
    now: datetime | None = None,
) -> CustomerRecord:
    parsed = parse_trade_url(trade_url)
    now = now or utcnow()
    label_text = (label or "").strip()[:100]
    conn.execute(
        """INSERT INTO customers (profile, partner, token, trade_url, label, created_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (profile, partner) DO UPDATE SET
               token = excluded.token,
               trade_url = excluded.trade_url,
               label = CASE WHEN ? THEN excluded.label ELSE customers.label END""",
        (profile, parsed.partner, parsed.token, parsed.url, label_text, ts(now), label is not None),
    )
    return written(get_customer(conn, profile, parsed.partner), "buyer")


def list_customers(
    conn: sqlite3.Connection, profile: str, *, text: str | None = None, limit: int = 500
) -> list[CustomerRecord]:
    sql = f"{_SELECT} WHERE profile = ?"
    params: list = [profile]
    if text and text.strip():
        clause, values = text_match(("label", "trade_url", "CAST(partner AS TEXT)"), text)
        sql += " AND " + clause
        params.extend(values)
    sql += " ORDER BY coalesce(last_used_at, created_at) DESC, id DESC LIMIT ?"
    params.append(limit)
    return [_row(r) for r in conn.execute(sql, params)]


def record_customer_use(
    conn: sqlite3.Connection,
    profile: str,
    partner: int,
    *,
    success: bool | None,
    error: str | None = None,
    now: datetime | None = None,
) -> None:
    stamp = ts(now or utcnow())
    if success is None:
        conn.execute(
            "UPDATE customers SET last_used_at = ? WHERE profile = ? AND partner = ?",
            (stamp, profile, partner),
        )
    elif success:
        conn.execute(
            """UPDATE customers SET last_success_at = ?, last_error = NULL
               WHERE profile = ? AND partner = ?""",
            (stamp, profile, partner),
        )
    else:
        conn.execute(
            "UPDATE customers SET last_error = ? WHERE profile = ? AND partner = ?",
            ((error or "failed")[:500], profile, partner),
        )


def delete_customer(conn: sqlite3.Connection, profile: str, partner: int) -> bool:
    return (
        conn.execute(
            "DELETE FROM customers WHERE profile = ? AND partner = ?", (profile, partner)
        ).rowcount
        == 1
    )


class CustomersRepository:
    def __init__(self, db) -> None:
        self._db = db

    async def save(
        self, profile: str, trade_url: str, *, label: str | None = None, now: datetime | None = None
    ) -> CustomerRecord:
        return await self._db.call(save_customer, profile, trade_url, label=label, now=now)

    async def get(self, profile: str, partner: int) -> CustomerRecord | None:
        return await self._db.read(get_customer, profile, partner)

    async def list(
        self, profile: str, *, text: str | None = None, limit: int = 500
    ) -> list[CustomerRecord]:
        return await self._db.read(list_customers, profile, text=text, limit=limit)

    async def record_use(
        self,
        profile: str,
        partner: int,
        *,
        success: bool | None,
        error: str | None = None,
        now: datetime | None = None,
    ) -> None:
        await self._db.call(
            record_customer_use, profile, partner, success=success, error=error, now=now
        )

    async def delete(self, profile: str, partner: int) -> bool:
        return await self._db.call(delete_customer, profile, partner)
