"""The reads behind the period reports: a profile's orders and deposits created in a range.

Transaction functions (``fn(conn, ...)``, use with ``db.call``)::

    orders_created_between(conn, profile, since, until) -> list[OrderRecord]
    deposits_created_between(conn, profile, since, until) -> list[DepositRecord]
        created_at in [since, until), oldest first (the ``*_by_created`` indexes)

The report's periods are the operator's local days, which SQLite cannot group by reliably
(its ``localtime`` follows the process, not the operator's chosen zone), so the service
buckets these rows itself; every figure comes from the rows as stored.
"""

from __future__ import annotations

from datetime import datetime

from skins_console.core.records import DepositRecord, OrderRecord
from skins_console.store.codec import ts
from skins_console.store.connection import StoreConnection
from skins_console.store.deposits_repository import DEPOSITS
from skins_console.store.lifecycle_repository import Book
from skins_console.store.orders_repository import ORDERS


def _created_between(
    book: Book, conn: StoreConnection, profile: str, since: datetime, until: datetime
) -> list:
    rows = conn.execute(
        f"""{book.select} WHERE profile = ? AND created_at >= ? AND created_at < ?
            ORDER BY created_at, {book.key}""",
        (profile, ts(since), ts(until)),
    )
    return [book.row(row) for row in rows]


def orders_created_between(
    conn: StoreConnection, profile: str, since: datetime, until: datetime
) -> list[OrderRecord]:
    return _created_between(ORDERS, conn, profile, since, until)


def deposits_created_between(
    conn: StoreConnection, profile: str, since: datetime, until: datetime
) -> list[DepositRecord]:
    return _created_between(DEPOSITS, conn, profile, since, until)
