"""The attention queue: orders and deposits that need the operator, and "handled" marks.

Transaction functions::

    attention_items(conn, profile, now) -> list[AttentionItem]
        every order and deposit ``core.attention.reason_for`` flags, minus those marked
        handled for the same reason; oldest first
    find_attention_record(conn, profile, key, kind=None) -> list[(kind, record)]
    resolve_attention(conn, profile, kind, key, *, reason, operator, note="", now)
        -> EventRecord     the mark (replacing an older one) and a "note" timeline event
    handled_mark(conn, profile, kind, key) -> HandledMark | None

Only candidates are read (``candidate_sql``: a superset of what the rule can flag, chosen
in SQL on status and times), so the queue's re-read after every change does not decode
and judge the 1,000 orders merely being tracked; the reason itself is judged in Python by
the one rule in ``core.statuses``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from skins_console.core.attention import DEADLINES, AttentionItem, HandledMark, reason_for
from skins_console.core.records import DepositRecord, EventRecord, OrderRecord
from skins_console.core.statuses import (
    NO_PROGRESS_AFTER,
    PAST_DEADLINE,
    STATUS_TABLE,
    STUCK_AFTER,
    Group,
)
from skins_console.store.codec import placeholders, stored_time, ts
from skins_console.store.connection import StoreConnection
from skins_console.store.deposits_repository import DEPOSITS
from skins_console.store.lifecycle_repository import Book, event, get_record
from skins_console.store.orders_repository import ORDERS
from skins_console.store.repository import Repository, reads, writes

BOOKS: tuple[Book, ...] = (ORDERS, DEPOSITS)
_PARTNER = {"order": "buyer_partner", "deposit": "partner"}


def candidate_sql(book: Book, now: datetime) -> tuple[str, list[Any]]:
    """SQL condition (and its parameters) for the records ``core.attention.reason_for``
    might flag at ``now``: a superset, judged again in Python, so the rule stays in core.

    Each known status is taken by the branch of ``attention_reason`` it reaches: an
    attention status always; a local one (draft, sending) and a provider-side open one
    once ``updated_at`` is old enough; a waiting or held one once its deadline
    (``core.attention.DEADLINES``) is old enough; any other never. A status the table
    does not know is always a candidate. Bounds are inclusive (``<=``): stored times
    have millisecond precision, so a record exactly at a bound is read and judged."""
    table = STATUS_TABLE[book.provider]
    always = [s for s, e in table.items() if e.attention]
    local = [s for s, e in table.items() if not e.attention and e.local]
    progressing = [
        s for s, e in table.items() if not (e.attention or e.local) and e.group is Group.OPEN
    ]
    clauses = [f"status NOT IN ({placeholders(table)})"]
    params: list[Any] = [*table]
    if always:
        clauses.append(f"status IN ({placeholders(always)})")
        params += always
    for statuses, quiet_for in ((local, STUCK_AFTER), (progressing, NO_PROGRESS_AFTER)):
        if statuses:
            clauses.append(f"(status IN ({placeholders(statuses)}) AND updated_at <= ?)")
            params += [*statuses, ts(now - quiet_for)]
    for status, entry in table.items():
        if entry.attention or entry.local or entry.group not in PAST_DEADLINE:
            continue
        rule = DEADLINES.get((book.kind, status))
        if rule is None:
            continue  # no deadline: the rule never flags it
        fields, offset = rule
        deadline = fields[0] if len(fields) == 1 else f"COALESCE({', '.join(fields)})"
        clauses.append(f"(status = ? AND {deadline} <= ?)")
        params += [status, ts(now - offset - PAST_DEADLINE[entry.group][0])]
    return "(" + " OR ".join(clauses) + ")", params


def _candidates(book: Book, conn: StoreConnection, profile: str, now: datetime) -> list[Any]:
    where, params = candidate_sql(book, now)
    sql = f"{book.select} WHERE profile = ? AND {where}"
    return [book.row(r) for r in conn.execute(sql, (profile, *params))]


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
        for record in _candidates(book, conn, profile, now):
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
