"""The unified list of the Orders tab: SkinsNode orders and Skinslink deposits together.

Transaction functions::

    search_activity(conn, filter: ActivityFilter, *, now=None) -> list[ActivityRow]
        newest first; ``filter.provider`` narrows to one provider
    count_attention(conn, profile, *, now=None) -> int    # for a badge on the tab

``ActivityRepository(db)``: ``search``, ``count_attention`` (async).
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime

from skins_console.core.models import utcnow
from skins_console.core.records import ActivityFilter, ActivityRow, DepositRecord, OrderRecord
from skins_console.core.statuses import (
    DEPOSIT_ATTENTION,
    DEPOSIT_DRAFT,
    DEPOSIT_SENDING,
    ORDER_ATTENTION,
    ORDER_DRAFT,
    ORDER_SENDING,
    Provider,
)
from skins_console.store import deposits_repository, orders_repository


def _order_row(order: OrderRecord, now: datetime) -> ActivityRow:
    stuck = (
        order.status in (ORDER_DRAFT, ORDER_SENDING)
        and order.updated_at < now - orders_repository.STUCK_AFTER
    )
    return ActivityRow(
        provider=Provider.SKINSNODE.value,
        profile=order.profile,
        key=order.external_id,
        status=order.status,
        title=order.item_name,
        amount_cents=order.amount_cents
        if order.amount_cents is not None
        else order.expected_price_cents,
        amount_usd=None,
        counterparty=order.buyer_steamid64
        or (str(order.buyer_partner) if order.buyer_partner else order.trade_url),
        created_at=order.created_at,
        updated_at=order.updated_at,
        needs_attention=order.status in ORDER_ATTENTION or stuck,
    )


def _deposit_row(deposit: DepositRecord, now: datetime) -> ActivityRow:
    names = [str(item.get("name", "")) for item in deposit.items]
    title = (
        names[0]
        if len(names) == 1
        else f"{len(names)} items: " + ", ".join(names[:3]) + ("…" if len(names) > 3 else "")
    )
    stuck = (
        deposit.status in (DEPOSIT_DRAFT, DEPOSIT_SENDING)
        and deposit.updated_at < now - deposits_repository.STUCK_AFTER
    )
    return ActivityRow(
        provider=Provider.SKINSLINK.value,
        profile=deposit.profile,
        key=deposit.merchant_tx_id,
        status=deposit.status,
        title=title,
        amount_cents=None,
        amount_usd=deposit.amount,
        counterparty=str(deposit.partner),
        created_at=deposit.created_at,
        updated_at=deposit.updated_at,
        needs_attention=deposit.status in DEPOSIT_ATTENTION or stuck,
    )


def search_activity(
    conn: sqlite3.Connection, flt: ActivityFilter, *, now: datetime | None = None
) -> list[ActivityRow]:
    now = now or utcnow()
    # Each side returns its first offset+limit rows; the merged page is cut from those.
    window = replace(flt, limit=flt.limit + flt.offset, offset=0)
    rows: list[ActivityRow] = []
    if flt.provider in (None, Provider.SKINSNODE.value):
        rows += [_order_row(o, now) for o in orders_repository.search_orders(conn, window, now=now)]
    if flt.provider in (None, Provider.SKINSLINK.value):
        rows += [
            _deposit_row(d, now) for d in deposits_repository.search_deposits(conn, window, now=now)
        ]
    rows.sort(key=lambda row: (row.created_at, row.key), reverse=True)
    return rows[flt.offset : flt.offset + flt.limit]


def count_attention(conn: sqlite3.Connection, profile: str, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    total = 0
    for table, (sql, params) in (
        ("orders", orders_repository.attention_sql(now)),
        ("deposits", deposits_repository.attention_sql(now)),
    ):
        total += conn.execute(
            f"SELECT count(*) FROM {table} WHERE profile = ? AND {sql}", (profile, *params)
        ).fetchone()[0]
    return total


class ActivityRepository:
    def __init__(self, db) -> None:
        self._db = db

    async def search(
        self, flt: ActivityFilter, *, now: datetime | None = None
    ) -> list[ActivityRow]:
        return await self._db.read(search_activity, flt, now=now)

    async def count_attention(self, profile: str, *, now: datetime | None = None) -> int:
        return await self._db.read(count_attention, profile, now=now)


__all__ = ["ActivityRepository", "count_attention", "search_activity"]
