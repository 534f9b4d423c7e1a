"""Webhook delivery ids already processed, so a redelivered webhook is applied once.

Transaction functions::

    record_delivery(conn, provider, delivery_id, *, key=None, now=None) -> bool
        True the first time this (provider, delivery_id) is seen, False for a duplicate
    delivery_seen(conn, provider, delivery_id) -> bool
    prune_deliveries(conn, older_than: datetime) -> int

``WebhookDeliveriesRepository(db)``: ``record``, ``seen``, ``prune`` (async).
Call ``record_delivery`` in the same transaction as the status it carries (``db.call`` with a
function doing both), so that a crash cannot mark a delivery seen without applying it.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from skins_console.core.models import utcnow
from skins_console.store.codec import ts


def record_delivery(
    conn: sqlite3.Connection,
    provider: str,
    delivery_id: str,
    *,
    key: str | None = None,
    now: datetime | None = None,
) -> bool:
    if not delivery_id:
        raise ValueError("a webhook delivery needs an id")
    cursor = conn.execute(
        """INSERT INTO webhook_deliveries (provider, delivery_id, received_at, key)
           VALUES (?, ?, ?, ?) ON CONFLICT (provider, delivery_id) DO NOTHING""",
        (str(provider), delivery_id, ts(now or utcnow()), key),
    )
    return cursor.rowcount == 1


def delivery_seen(conn: sqlite3.Connection, provider: str, delivery_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM webhook_deliveries WHERE provider = ? AND delivery_id = ?",
        (str(provider), delivery_id),
    ).fetchone()
    return row is not None


def prune_deliveries(conn: sqlite3.Connection, older_than: datetime) -> int:
    cursor = conn.execute("DELETE FROM webhook_deliveries WHERE received_at < ?", (ts(older_than),))
    return cursor.rowcount


class WebhookDeliveriesRepository:
    def __init__(self, db) -> None:
        self._db = db

    async def record(
        self,
        provider: str,
        delivery_id: str,
        *,
        key: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        return await self._db.call(record_delivery, provider, delivery_id, key=key, now=now)

    async def seen(self, provider: str, delivery_id: str) -> bool:
        return await self._db.read(delivery_seen, provider, delivery_id)

    async def prune(self, older_than: datetime) -> int:
        return await self._db.call(prune_deliveries, older_than)
