"""Webhook deliveries already processed, so a redelivered or replayed webhook is applied once.

A delivery is the same as one already seen when it has the same ``delivery_id``, or the same
``content_hash`` (the digest of what the provider signed) under any id: SkinsNode's
``x-delivery-id`` is not covered by its signature, so a captured delivery can be replayed
under fresh ids, and only its signed content gives it away. A duplicate adds no row: it
raises the ``duplicates`` counter of the row it repeats. Rows are never pruned (a few
hundred bytes each), so dedupe outlasts any acceptance window.

Transaction functions::

    record_delivery(conn, provider, delivery_id, *, key=None, content_hash=None, now=None)
        -> bool   True the first time; False for a duplicate (whose row is counted)
    delivery_seen(conn, provider, delivery_id) -> bool
    delivery_counts(conn, provider=None) -> DeliveryCounts
    prune_deliveries(conn, older_than: datetime) -> int

``WebhookDeliveriesRepository(db)``: ``record``, ``seen``, ``counts``, ``prune`` (async).
Call ``record_delivery`` in the same transaction as the status it carries (``db.call`` with a
function doing both), so that a crash cannot mark a delivery seen without applying it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from skins_console.core.models import utcnow
from skins_console.store.codec import ts
from skins_console.store.connection import StoreConnection
from skins_console.store.repository import Repository, reads, writes


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    deliveries: int  # distinct deliveries recorded
    duplicates: int  # repeats and replays counted on them


def record_delivery(
    conn: StoreConnection,
    provider: str,
    delivery_id: str,
    *,
    key: str | None = None,
    content_hash: str | None = None,
    now: datetime | None = None,
) -> bool:
    if not delivery_id:
        raise ValueError("a webhook delivery needs an id")
    at = ts(now or utcnow())
    seen = _find(conn, str(provider), delivery_id, content_hash)
    if seen is None:
        inserted = conn.execute(
            """INSERT INTO webhook_deliveries
                   (provider, delivery_id, received_at, key, content_hash)
               VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            (str(provider), delivery_id, at, key, content_hash),
        ).rowcount
        if inserted == 1:
            return True
        # On a shared (team) book another console recorded it since the look-up.
        seen = _find(conn, str(provider), delivery_id, content_hash)
    conn.execute(
        """UPDATE webhook_deliveries SET duplicates = duplicates + 1, last_duplicate_at = ?
           WHERE provider = ? AND delivery_id = ?""",
        (at, str(provider), seen or delivery_id),
    )
    return False


def _find(
    conn: StoreConnection, provider: str, delivery_id: str, content_hash: str | None
) -> str | None:
    """The delivery id already recorded for this delivery (or its replay), if any."""
    # Two indexed look-ups; the content one first, as replays are the common duplicate.
    if content_hash is not None:
        row = conn.execute(
            "SELECT delivery_id FROM webhook_deliveries WHERE provider = ? AND content_hash = ?",
            (provider, content_hash),
        ).fetchone()
        if row is not None:
            return str(row[0])
    row = conn.execute(
        "SELECT delivery_id FROM webhook_deliveries WHERE provider = ? AND delivery_id = ?",
        (provider, delivery_id),
    ).fetchone()
    return None if row is None else str(row[0])


def delivery_seen(conn: StoreConnection, provider: str, delivery_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM webhook_deliveries WHERE provider = ? AND delivery_id = ?",
        (str(provider), delivery_id),
    ).fetchone()
    return row is not None


def delivery_counts(conn: StoreConnection, provider: str | None = None) -> DeliveryCounts:
    sql = "SELECT COUNT(*), CAST(COALESCE(SUM(duplicates), 0) AS BIGINT) FROM webhook_deliveries"
    row = (
        conn.execute(sql + " WHERE provider = ?", (str(provider),))
        if provider is not None
        else conn.execute(sql)
    ).fetchone()
    return DeliveryCounts(deliveries=int(row[0]), duplicates=int(row[1]))


def prune_deliveries(conn: StoreConnection, older_than: datetime) -> int:
    cursor = conn.execute("DELETE FROM webhook_deliveries WHERE received_at < ?", (ts(older_than),))
    return cursor.rowcount


class WebhookDeliveriesRepository(Repository):
    record = writes(record_delivery)
    seen = reads(delivery_seen)
    counts = reads(delivery_counts)
    prune = writes(prune_deliveries)
