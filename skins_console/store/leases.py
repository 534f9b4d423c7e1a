"""Leases on orders and deposits: which console may send or look at a record right now.

Several consoles can share one book (team mode). A console that sends a record, finishes
one a crash left, or polls one, first takes its lease: ``lease_owner`` (one id per running
console, ``operator@host:pid:random``) and ``lease_until`` (ISO UTC, like every stored
time). Another console leaves a record alone while its lease runs; once it has lapsed (the
holder died mid-send, or lost the database) the record may be taken over, and the one who
takes it finishes it with the stored key and body.

The claim is made under a row lock: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (a
row another console is claiming at this instant is skipped, not waited for), through
SQLAlchemy's ``with_for_update`` which SQLite ignores (its single writer, ``BEGIN
IMMEDIATE``, already serialises claims). Transaction functions (``fn(conn, …)``)::

    claim_send(book, conn, profile, key, owner, until, now) -> Claim
        the record's lease for ``owner`` unless another holds it past ``now`` (durable)
    claim_due(book, conn, now, owner, until, limit, *, profile, everything=False, due_at=None)
        records due for a look (``everything``: every open one) whose lease is free or
        lapsed, leased to ``owner``; the longest-waiting first
    release(book, conn, profile, keys, owner) -> int
        gives back ``owner``'s leases on ``keys`` (another's are left alone)
    lease_of(book, conn, profile, key) -> tuple[owner, until] | None
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from skins_console.store import lifecycle_repository as book_
from skins_console.store.codec import from_ts, placeholders, ts
from skins_console.store.database import durable
from skins_console.store.lifecycle_repository import Book

#: keys per UPDATE … IN (…): well under SQLite's and psycopg's parameter limits
_CHUNK = 400


@dataclass(frozen=True, slots=True)
class Claim:
    """A send's claim: ``granted`` with the record as it is now, else who holds it."""

    granted: bool
    record: Any
    holder: str | None = None
    holder_until: datetime | None = None


def _table(book: Book) -> sa.TableClause:
    return sa.table(
        book.table,
        sa.column("profile"),
        sa.column(book.key),
        sa.column("status"),
        sa.column("next_check_at"),
        sa.column("lease_owner"),
        sa.column("lease_until"),
    )


def _free(t: sa.TableClause, owner: str, now: datetime) -> sa.ColumnElement[bool]:
    """No lease, a lapsed one, or ``owner``'s own (a console may renew its lease)."""
    return sa.or_(
        t.c.lease_owner.is_(None),
        t.c.lease_until.is_(None),
        t.c.lease_until <= ts(now),
        t.c.lease_owner == owner,
    )


def _lease(book: Book, conn: Any, profile: str, keys: Sequence[str], owner: str, until: datetime):
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        conn.execute(
            f"UPDATE {book.table} SET lease_owner = ?, lease_until = ? "
            f"WHERE profile = ? AND {book.key} IN ({placeholders(chunk)})",
            (owner, ts(until), profile, *chunk),
        )


def lease_of(book: Book, conn: Any, profile: str, key: str) -> tuple[str | None, datetime | None]:
    row = conn.execute(
        f"SELECT lease_owner, lease_until FROM {book.table} WHERE profile = ? AND {book.key} = ?",
        (profile, key),
    ).fetchone()
    return (None, None) if row is None else (row[0], from_ts(row[1]))


@durable
def claim_send(
    book: Book,
    conn: Any,
    profile: str,
    key: str,
    owner: str,
    until: datetime,
    now: datetime,
) -> Claim:
    """Lease one record to ``owner`` for sending or recovery. Refused (``granted`` False,
    naming the holder) while another console's lease runs, or while another console holds
    the row lock this instant (it is claiming it)."""
    book_.require_record(book, conn, profile, key)
    t = _table(book)
    locked = conn.execute(
        sa.select(t.c[book.key])
        .where(t.c.profile == profile, t.c[book.key] == key, _free(t, owner, now))
        .with_for_update(skip_locked=True)
    ).fetchone()
    if locked is None:
        holder, holder_until = lease_of(book, conn, profile, key)
        return Claim(False, book_.get_record(book, conn, profile, key), holder, holder_until)
    _lease(book, conn, profile, [key], owner, until)
    return Claim(True, book_.get_record(book, conn, profile, key))


def claim_due(
    book: Book,
    conn: Any,
    now: datetime,
    owner: str,
    until: datetime,
    limit: int,
    *,
    profile: str,
    everything: bool = False,
    due_at: datetime | None = None,
) -> list:
    """Lease to ``owner`` up to ``limit`` records of ``profile`` that are due for a look
    at ``due_at`` (default ``now``: ``next_check_at`` passed, not final) and not leased to
    another console at ``now`` (the wall clock: a pass may look as if later); with
    ``everything``, every open record instead (a first pass, a manual sync). Records two
    consoles ask for at once go to one of them: rows locked by the other are skipped."""
    t = _table(book)
    wanted: sa.ColumnElement[bool]
    if everything:
        wanted = t.c.status.not_in(book.not_open)
        order = t.c[book.key]
    else:
        wanted = sa.and_(
            t.c.next_check_at.is_not(None),
            t.c.next_check_at <= ts(due_at or now),
            t.c.status.not_in(book.closed),
        )
        order = t.c.next_check_at
    rows = conn.execute(
        sa.select(t.c[book.key])
        .where(t.c.profile == profile, wanted, _free(t, owner, now))
        .order_by(order)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).fetchall()
    keys = [row[0] for row in rows]
    if not keys:
        return []
    _lease(book, conn, profile, keys, owner, until)
    by_key = {getattr(r, book.key): r for r in book_.get_records(book, conn, profile, keys)}
    return [by_key[key] for key in keys if key in by_key]


def release(book: Book, conn: Any, profile: str, keys: Iterable[str], owner: str) -> int:
    """Give back ``owner``'s leases on ``keys``; returns how many were released."""
    keys = list(keys)
    released = 0
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        released += conn.execute(
            f"UPDATE {book.table} SET lease_owner = NULL, lease_until = NULL "
            f"WHERE profile = ? AND lease_owner = ? AND {book.key} IN ({placeholders(chunk)})",
            (profile, owner, *chunk),
        ).rowcount
    return released
