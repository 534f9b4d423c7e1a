"""The attention queue: orders and deposits that need the operator, and "handled" marks.

Transaction functions::

    attention_items(conn, profile, now) -> list[AttentionItem]
        every order and deposit ``core.attention.reason_for`` flags, minus those marked
        handled for the same reason; oldest first
    find_attention_record(conn, profile, key, kind=None) -> list[(kind, record)]
    resolve_attention(conn, profile, kind, key, *, reason, operator, note="", now)
        -> EventRecord     the mark (replacing an older one) and a "note" timeline event
    handled_mark(conn, profile, kind, key) -> HandledMark | None

Candidates are read with the books' own status sets (attention statuses, and records not
yet final for the stuck and deadline rules); the reason itself is judged in Python by the
one rule in ``core.statuses``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from skins_console.core.attention import AttentionItem, HandledMark, reason_for
from skins_console.core.records import DepositRecord, EventRecord, OrderRecord
from skins_console.store.codec import placeholders, stored_time, ts
from skins_console.store.connection import StoreConnection
from skins_console.store.deposits_repository import DEPOSITS
from skins_console.store.lifecycle_repository import Book, event, get_record
from skins_console.store.orders_repository import ORDERS
from skins_console.store.repository import Repository, reads, writes

BOOKS: tuple[Book, ...] = (ORDERS, DEPOSITS)
_PARTNER = {"order": "buyer_partner", "deposit": "partner"}


def _candidates(book: Book, conn: StoreConnection, profile: str) -> list[Any]:
    sql = (
        f"{book.select} WHERE profile = ? AND (status IN ({placeholders(book.attention)}) "
        f"OR status NOT IN ({placeholders(book.not_open)}))"
    )
    return [book.row(r) for r in conn.execute(sql, (profile, *book.attention, *book.not_open))]


def _marks(conn: StoreConnection, profile: str) -> dict[tuple[str, str], HandledMark]:
    return {
        (kind, key): HandledMark(reason, stored_time(at), by, note)
        for kind, key, reason, at, by, note in conn.execute(
            "SELECT kind, key, reason, handled_at, handled_by, note FROM attention_handled "
            "WHERE profile = ?",
            (profile,),
        )
    }


def _names(conn: StoreConnection, profile: str) -> dict[int, str]:
    return dict(
        conn.execute(
            "SELECT partner, label FROM customers WHERE profile = ? AND label != ''", (profile,)
        ).fetchall()
    )


def attention_items(conn: StoreConnection, profile: str, now: datetime) -> list[AttentionItem]:
    marks = _marks(conn, profile)
    names = _names(conn, profile)
    items: list[AttentionItem] = []
    for book in BOOKS:
        for record in _candidates(book, conn, profile):
            reason = reason_for(record, now)
            if reason is None:
                continue
            key = getattr(record, book.key)
            mark = marks.get((book.kind, key))
            if mark is not None and mark.reason == reason:
                continue
            partner = getattr(record, _PARTNER[book.kind])
            items.append(
                AttentionItem(
                    kind=book.kind,
                    key=key,
                    reason=reason,
                    record=record,
                    buyer_name=names.get(partner, "") if partner is not None else "",
                    previous=mark,
                )
            )
    items.sort(key=lambda item: (item.record.updated_at, item.key))
    return items


def find_attention_record(
    conn: StoreConnection, profile: str, key: str, kind: str | None = None
) -> list[tuple[str, OrderRecord | DepositRecord]]:
    """The orders and deposits keyed ``key`` (both, when two records share a key)."""
    found = []
    for book in BOOKS:
        if kind is not None and book.kind != kind:
            continue
        record = get_record(book, conn, profile, key)
        if record is not None:
            found.append((book.kind, record))
    return found


def handled_mark(conn: StoreConnection, profile: str, kind: str, key: str) -> HandledMark | None:
    return _marks(conn, profile).get((kind, key))


def resolve_attention(
    conn: StoreConnection,
    profile: str,
    kind: str,
    key: str,
    *,
    reason: str,
    operator: str,
    note: str = "",
    now: datetime,
) -> EventRecord:
    conn.execute(
        """INSERT INTO attention_handled
               (profile, kind, key, reason, handled_at, handled_by, note)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (profile, kind, key) DO UPDATE SET
               reason = excluded.reason, handled_at = excluded.handled_at,
               handled_by = excluded.handled_by, note = excluded.note""",
        (profile, kind, key, reason, ts(now), operator, note),
    )
    book = ORDERS if kind == "order" else DEPOSITS
    message = f"Marked handled by {operator} ({reason})"
    if note:
        message += f": {note}"
    return event(
        book,
        conn,
        profile,
        key,
        "note",
        message,
        details={"handled": reason, "operator": operator, "note": note},
        now=now,
    )


class AttentionRepository(Repository):
    items = reads(attention_items)
    find = reads(find_attention_record)
    mark = reads(handled_mark)
    resolve = writes(resolve_attention)
