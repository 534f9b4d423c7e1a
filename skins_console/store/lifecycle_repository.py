"""The one book of orders and deposits: written before they are sent, moved forward only.

SkinsNode orders and Skinslink deposits live the same life (draft → sending → provider
statuses, a timeline of events, a tracking schedule); only their table, key column, columns
and status table differ. A :class:`Book` describes one of them, and every transaction
function here takes it first::

    get_record(book, conn, profile, key) -> record | None
    get_records(book, conn, profile, keys) -> list[record]      (the known ones, any order)
    require_record(book, conn, profile, key, *, for_update=False) -> record
        StoreError "unknown_<kind>"; for_update locks the row (the read decides a write)
    mark_sending(book, conn, profile, key, *, now=None) -> record
        (durable) draft/sending -> "sending", attempts + 1, an api_call event
    mark_rejected(book, conn, profile, key, *, code, message, details=None, now=None) -> bool
        draft/sending -> "rejected" (the provider refused the create call)
    apply_status(book, conn, profile, key, new_status, merge, *, source, raw, now,
                 next_check_at, details=None) -> bool
        a remote status goes in ONLY if core.statuses.should_apply allows it; the
        status_change event is written in the same transaction; returns whether it changed
    apply_state(book, conn, profile, state, *, source="poll", now=None, next_check_at=None)
        -> bool   a provider's report: its record (``book.locate``) and its column values
        and details (``book.reported``) through ``apply_status``
    schedule_check(book, conn, profile, key, *, next_check_at, checked_at=None)
    record_event(book, conn, profile, key, type, message, *, details=None, now=None)
    list_due(book, conn, now, *, profile=None, limit=100)
        next_check_at <= now; a final status clears next_check_at, and so does reaching a
        terminal status unless the caller passes a next_check_at (to watch for a reversal)
    next_open_check_at(book, conn, profile) -> datetime | None
    list_open(book, conn, profile=None) -> list[record]
    search(book, conn, flt: ActivityFilter, *, now=None) -> list[record]

A provider's module binds them to its book (:func:`bound`) under its own names
(``get_order``, ``mark_deposit_sending``…) for transactions that compose several, and its
repository class (a :class:`LifecycleRepository`) gets them as ``async`` methods through
``store.repository.writes`` / ``reads`` instead of hand-written one-line wrappers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Select, bindparam, select

from skins_console.core.errors import StoreError
from skins_console.core.models import utcnow
from skins_console.core.records import ActivityFilter, EventRecord
from skins_console.core.statuses import (
    DRAFT,
    NO_PROGRESS_AFTER,
    REJECTED,
    SENDING,
    STATUS_TABLE,
    STUCK_AFTER,
    Group,
    Provider,
    describe,
    should_apply,
    statuses_where,
)
from skins_console.store import schema
from skins_console.store.codec import (
    Rows,
    activity_where,
    due_rows,
    dumps_exact,
    earliest_check,
    from_ts,
    open_rows,
    placeholders,
    rows_by_keys,
    ts,
)
from skins_console.store.connection import StoreConnection
from skins_console.store.database import durable
from skins_console.store.events_repository import add_event
from skins_console.store.repository import Repository, on_database


@dataclass(frozen=True, kw_only=True)
class Book(Rows[Any]):
    """What differs between the orders and the deposits book (``table``, ``record`` and the
    ``decoders`` of its rows: :class:`~skins_console.store.codec.Rows`)."""

    provider: Provider
    #: the timeline's record kind and the word in messages: "order" / "deposit"
    kind: str
    #: the idempotency key column (``external_id`` / ``merchant_tx_id``)
    key: str
    #: columns the text search looks in (SQL expressions)
    text_columns: tuple[str, ...]
    #: how the timeline names a create call: "POST /v1/orders" …
    create_call: str
    #: how the provider spells the key: "externalId" …
    key_label: str
    #: the columns a refusal fills: ``(code, message) -> {column: value}``
    refusal: Callable[[str, str], dict[str, Any]]
    #: the key of the record a provider report is about: ``(conn, profile, state) -> key``
    locate: Callable[[StoreConnection, str, Any], str]
    #: a provider report's column values and timeline details: ``state -> (merge, details)``
    reported: Callable[[Any], tuple[dict[str, Any], dict[str, Any] | None]]
    #: a final status: never polled again
    closed: tuple[str, ...] = field(init=False)
    #: not open: terminal (late moves included) or refused
    not_open: tuple[str, ...] = field(init=False)
    terminal: frozenset[str] = field(init=False)
    attention: tuple[str, ...] = field(init=False)
    #: provider-side open statuses: stuck after ``NO_PROGRESS_AFTER`` without a move
    progressing: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        table = STATUS_TABLE[self.provider]
        terminal = statuses_where(self.provider, terminal=True)
        late = {status for status, entry in table.items() if entry.late_moves}
        set_ = functools.partial(object.__setattr__, self)
        set_("closed", tuple(sorted(terminal - late)))
        set_("not_open", tuple(sorted(terminal)))
        set_("terminal", terminal - {REJECTED})
        set_("attention", tuple(sorted(statuses_where(self.provider, attention=True))))
        progressing = statuses_where(self.provider, local=False, terminal=False)
        set_(
            "progressing",
            tuple(sorted(s for s in progressing if table[s].group is Group.OPEN)),
        )

    def first_stamps(self, status: str) -> tuple[str, ...]:
        """The time columns set when a record first reaches ``status``: a trade offer
        (``sent_at``), a receipt (``completed_at``)."""
        group = STATUS_TABLE[self.provider].get(status)
        if group is None:
            return ()
        if group.group is Group.WAITING:
            return ("sent_at",)
        if group.group in (Group.ON_HOLD, Group.DELIVERED):
            return ("completed_at",)
        return ()


def bound(fn: Callable[..., Any], book: Book, name: str) -> Callable[..., Any]:
    """``fn`` with ``book`` filled in, under a provider's own name (``get_order``); keeps
    the ``durable`` mark for ``Database.call``."""

    @functools.wraps(fn)
    def call(conn: StoreConnection, *args: Any, **kwargs: Any) -> Any:
        return fn(book, conn, *args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


# --- reading -----------------------------------------------------------------------------


def get_record(book: Book, conn: StoreConnection, profile: str, key: str) -> Any:
    return book.one(conn, f"WHERE profile = ? AND {book.key} = ?", (profile, key))


def get_records(book: Book, conn: StoreConnection, profile: str, keys: Iterable[str]) -> list:
    return [book.row(r) for r in rows_by_keys(conn, book.select, book.key, profile, keys)]


@functools.lru_cache(maxsize=8)
def _locking_select(table_name: str, key: str, columns: tuple[str, ...]) -> Select:
    table = schema.metadata.tables[table_name]
    return (
        select(*(table.c[column] for column in columns))
        .where(table.c.profile == bindparam("profile"), table.c[key] == bindparam("key"))
        .with_for_update()
    )


def require_record(
    book: Book, conn: StoreConnection, profile: str, key: str, *, for_update: bool = False
) -> Any:
    """The record, or ``StoreError`` "unknown_<kind>". ``for_update``: a read that decides a
    write locks the row until the transaction ends (PostgreSQL's ``FOR UPDATE``; SQLite's
    write transaction already excludes every other writer), so two consoles never both move
    a record from the same state."""
    if for_update:
        statement = _locking_select(book.table, book.key, book.columns)
        row = conn.execute(statement, {"profile": profile, "key": key}).fetchone()
        record = None if row is None else book.row(row)
    else:
        record = get_record(book, conn, profile, key)
    if record is None:
        raise StoreError(
            f"There is no {book.kind} {key} in profile “{profile}”.", code=f"unknown_{book.kind}"
        )
    return record


def list_due(
    book: Book,
    conn: StoreConnection,
    now: datetime,
    *,
    profile: str | None = None,
    limit: int = 100,
) -> list:
    return [book.row(r) for r in due_rows(conn, book.select, book.closed, now, profile, limit)]


def next_open_check_at(book: Book, conn: StoreConnection, profile: str) -> datetime | None:
    """The earliest ``next_check_at`` of the profile's open records (what the tracker
    sleeps until), without reading the rows: it is asked after every tracking pass."""
    return from_ts(earliest_check(conn, book.table, profile, book.not_open))


def list_open(book: Book, conn: StoreConnection, profile: str | None = None) -> list:
    return [book.row(r) for r in open_rows(conn, book.select, book.not_open, profile)]


def attention_sql(book: Book, now: datetime) -> tuple[str, list[Any]]:
    """SQL condition (and its parameters) for records that need the operator: the status
    table's attention statuses, drafts or sends unconfirmed for ``STUCK_AFTER``, and
    provider-side open statuses without a move for ``NO_PROGRESS_AFTER``
    (``core.statuses.attention_reason`` is the rule; deadlines are judged there)."""
    return (
        f"(status IN ({placeholders(book.attention)}) OR (status IN (?, ?) AND updated_at < ?)"
        f" OR (status IN ({placeholders(book.progressing)}) AND updated_at < ?))",
        [
            *book.attention,
            DRAFT,
            SENDING,
            ts(now - STUCK_AFTER),
            *book.progressing,
            ts(now - NO_PROGRESS_AFTER),
        ],
    )


def search(
    book: Book, conn: StoreConnection, flt: ActivityFilter, *, now: datetime | None = None
) -> list:
    where, params = activity_where(
        flt,
        now or utcnow(),
        text_columns=book.text_columns,
        attention=functools.partial(attention_sql, book),
    )
    sql = f"{book.select}{where} ORDER BY created_at DESC, {book.key} LIMIT ? OFFSET ?"
    return [book.row(r) for r in conn.execute(sql, (*params, flt.limit, flt.offset))]


# --- writing -----------------------------------------------------------------------------


def event(
    book: Book,
    conn: StoreConnection,
    profile: str,
    key: str,
    type_: str,
    message: str,
    *,
    old: str | None = None,
    new: str | None = None,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> EventRecord:
    return add_event(
        conn,
        EventRecord(
            profile=profile,
            kind=book.kind,
            key=key,
            at=now or utcnow(),
            type=type_,
            message=message,
            old_status=old,
            new_status=new,
            details=details,
        ),
    )


def status_event(
    book: Book,
    conn: StoreConnection,
    record: Any,
    new: str,
    message: str,
    details: dict[str, Any],
    now: datetime,
) -> EventRecord:
    """The timeline line of a status move (``record`` holds the old status)."""
    key, old = getattr(record, book.key), record.status
    return event(
        book,
        conn,
        record.profile,
        key,
        "status_change",
        message,
        old=old,
        new=new,
        details=details,
        now=now,
    )


def insert_draft_row(
    book: Book,
    conn: StoreConnection,
    *,
    profile: str,
    key: str,
    values: dict[str, Any],
    body: dict[str, Any],
    now: datetime,
) -> Any:
    """The row (status "draft", the exact request body) and its first event; the caller's
    transaction is durable. A key already in the book is ``StoreError``
    ``duplicate_<kind>``, also when another console inserts it at the same moment."""
    article = "An" if book.kind[0] in "aeiou" else "A"
    duplicate = StoreError(
        f"{article} {book.kind} with id {key} already exists; it is never created twice.",
        code=f"duplicate_{book.kind}",
    )
    if get_record(book, conn, profile, key) is not None:
        raise duplicate
    row = {
        "profile": profile,
        book.key: key,
        **values,
        "request_body": dumps_exact(body),
        "status": DRAFT,
        "attempts": 0,
        "next_check_at": ts(now),
        "created_at": ts(now),
        "updated_at": ts(now),
        # Team mode: who wrote the draft (every backend records it; one operator alone too).
        "operator": conn.operator,
    }
    # A concurrent insert of the same key (another console, team mode) waits for the
    # first to commit and then inserts nothing, rather than failing the transaction.
    inserted = conn.execute(
        f"INSERT INTO {book.table} ({', '.join(row)}) VALUES ({placeholders(row)}) "
        f"ON CONFLICT (profile, {book.key}) DO NOTHING",
        tuple(row.values()),
    ).rowcount
    if inserted == 0:
        raise duplicate
    event(
        book,
        conn,
        profile,
        key,
        "status_change",
        describe(book.provider, DRAFT),
        new=DRAFT,
        details={"request": body},
        now=now,
    )
    return require_record(book, conn, profile, key)


def _update(book: Book, conn: StoreConnection, profile: str, key: str, **values: Any) -> None:
    sets = ", ".join(f"{column} = ?" for column in values)
    conn.execute(
        f"UPDATE {book.table} SET {sets} WHERE profile = ? AND {book.key} = ?",
        (*values.values(), profile, key),
    )


@durable
def mark_sending(
    book: Book, conn: StoreConnection, profile: str, key: str, *, now: datetime | None = None
) -> Any:
    now = now or utcnow()
    record = require_record(book, conn, profile, key, for_update=True)
    attempt = record.attempts + 1
    stamp = {"attempts": attempt, "updated_at": ts(now), "sent_by": conn.operator}
    if record.status in (DRAFT, SENDING):
        _update(book, conn, profile, key, status=SENDING, **stamp)
    else:
        _update(book, conn, profile, key, **stamp)
    moved = record.status == DRAFT
    event(
        book,
        conn,
        profile,
        key,
        "api_call",
        f"{book.create_call} (attempt {attempt}, same {book.key_label})",
        old=record.status if moved else None,
        new=SENDING if moved else None,
        now=now,
    )
    return require_record(book, conn, profile, key)


def mark_rejected(
    book: Book,
    conn: StoreConnection,
    profile: str,
    key: str,
    *,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    """Only a local (draft/sending) record can be rejected: once the provider has it, it is
    theirs."""
    now = now or utcnow()
    record = require_record(book, conn, profile, key, for_update=True)
    if record.status not in (DRAFT, SENDING):
        return False
    _update(
        book,
        conn,
        profile,
        key,
        status=REJECTED,
        **book.refusal(code, message),
        updated_at=ts(now),
        next_check_at=None,
    )
    status_event(book, conn, record, REJECTED, message, {"code": code, **(details or {})}, now)
    return True


def apply_status(
    book: Book,
    conn: StoreConnection,
    profile: str,
    key: str,
    new_status: str,
    merge: dict[str, Any],
    *,
    source: str,
    raw: dict | None,
    now: datetime,
    next_check_at: datetime | None,
    details: dict[str, Any] | None = None,
) -> bool:
    """Apply a provider report forward only; ``merge`` are its column values (``None``
    keeps what is stored)."""
    record = require_record(book, conn, profile, key, for_update=True)
    changed = should_apply(book.provider, record.status, new_status)
    assignments: dict[str, Any] = {}
    if source == "poll":
        assignments["last_checked_at"] = ts(now)
    if changed or new_status == record.status:
        for column, value in merge.items():
            if value is not None:
                assignments[column] = ts(value) if isinstance(value, datetime) else value
        if raw:
            assignments["raw_remote"] = dumps_exact(raw)
    if changed:
        assignments["status"] = new_status
        assignments["updated_at"] = ts(now)
        for column in book.first_stamps(new_status):
            if getattr(record, column) is None:
                assignments.setdefault(column, ts(now))
    final = new_status in book.closed if changed else record.status in book.closed
    # A completed record can still be reversed; polling it on is the caller's choice.
    final = final or (changed and new_status in book.terminal and next_check_at is None)
    if final:
        assignments["next_check_at"] = None
    elif next_check_at is not None:
        assignments["next_check_at"] = ts(next_check_at)
    if assignments:
        _update(book, conn, profile, key, **assignments)
    if changed:
        message = describe(book.provider, new_status)
        status_event(
            book, conn, record, new_status, message, {"source": source, **(details or {})}, now
        )
    return changed


def apply_state(
    book: Book,
    conn: StoreConnection,
    profile: str,
    state: Any,
    *,
    source: str = "poll",
    now: datetime | None = None,
    next_check_at: datetime | None = None,
) -> bool:
    """Apply a provider's report of a record (its ``OrderState`` / ``DepositState``)."""
    merge, details = book.reported(state)
    return apply_status(
        book,
        conn,
        profile,
        book.locate(conn, profile, state),
        state.status,
        merge,
        source=source,
        raw=state.raw,
        now=now or utcnow(),
        next_check_at=next_check_at,
        details=details,
    )


def schedule_check(
    book: Book,
    conn: StoreConnection,
    profile: str,
    key: str,
    *,
    next_check_at: datetime | None,
    checked_at: datetime | None = None,
) -> None:
    require_record(book, conn, profile, key)
    if checked_at is None:
        _update(book, conn, profile, key, next_check_at=ts(next_check_at))
    else:
        _update(
            book,
            conn,
            profile,
            key,
            next_check_at=ts(next_check_at),
            last_checked_at=ts(checked_at),
        )


def record_event(
    book: Book,
    conn: StoreConnection,
    profile: str,
    key: str,
    type: str,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> EventRecord:
    require_record(book, conn, profile, key)
    return event(book, conn, profile, key, type, message, details=details, now=now)


# --- the async repositories --------------------------------------------------------------


class _OnBook:
    """A shared transaction function (the book first) as an ``async`` method: bound to the
    repository's ``book``, run by ``db.read`` (reads) or ``db.call`` (writes)."""

    def __init__(self, fn: Callable[..., Any], *, read: bool) -> None:
        self.fn = fn
        self.read = read
        self.__doc__ = fn.__doc__

    def __get__(self, repo: Any, owner: type | None = None) -> Any:
        if repo is None:
            return self
        return on_database(repo._db, bound(self.fn, repo.book, self.fn.__name__), read=self.read)


class LifecycleRepository(Repository):
    """``async`` access to one book: the shared transaction functions bound to the
    subclass's ``book``; a subclass adds its own with ``repository.writes`` / ``reads``."""

    book: ClassVar[Book]

    get: Any = _OnBook(get_record, read=True)
    get_many: Any = _OnBook(get_records, read=True)
    list_due: Any = _OnBook(list_due, read=True)
    next_open_check_at: Any = _OnBook(next_open_check_at, read=True)
    list_open: Any = _OnBook(list_open, read=True)
    search: Any = _OnBook(search, read=True)
    mark_sending: Any = _OnBook(mark_sending, read=False)
    mark_rejected: Any = _OnBook(mark_rejected, read=False)
    schedule_check: Any = _OnBook(schedule_check, read=False)
    record_event: Any = _OnBook(record_event, read=False)
    apply_state: Any = _OnBook(apply_state, read=False)
