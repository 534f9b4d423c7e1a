"""The timeline of each order and deposit.

Transaction functions::

    add_event(conn, event: EventRecord) -> EventRecord
    list_events(conn, profile, kind, key) -> list[EventRecord]          # oldest first
    events_after(conn, profile, after_id, *, limit=500) -> list[EventRecord]  # oldest first
    last_event_id(conn, profile) -> int                                       # 0 when none

``EventsRepository(db)``: ``for_record``, ``after``, ``last_id`` (async).

``details`` must never hold secrets; callers pass response bodies, never request headers.
"""

from __future__ import annotations

from dataclasses import replace

from skins_console.core.records import EVENT_KINDS, EVENT_TYPES, EventRecord
from skins_console.store.codec import Rows, inserted_id, json_or_none, loads_json, stored_time, ts
from skins_console.store.connection import StoreConnection
from skins_console.store.repository import Repository, reads

EVENTS = Rows(
    table="events",
    record=EventRecord,
    decoders={"at": stored_time, "details": loads_json},
)


def add_event(conn: StoreConnection, event: EventRecord) -> EventRecord:
    if event.kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {event.kind!r}")
    if event.type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event.type!r}")
    operator = event.operator or conn.operator
    result = conn.execute(
        """INSERT INTO events (profile, kind, key, at, type, old_status, new_status, message,
                               details, operator)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        (
            event.profile,
            event.kind,
            event.key,
            ts(event.at),
            event.type,
            event.old_status,
            event.new_status,
            event.message,
            json_or_none(event.details),
            operator,
        ),
    )
    return replace(event, id=inserted_id(result), operator=operator)


def list_events(conn: StoreConnection, profile: str, kind: str, key: str) -> list[EventRecord]:
    return EVENTS.all(
        conn, "WHERE profile = ? AND kind = ? AND key = ? ORDER BY id", (profile, kind, key)
    )


def events_after(
    conn: StoreConnection, profile: str, after_id: int, *, limit: int = 500
) -> list[EventRecord]:
    """Events newer than a cursor (ids only grow): what a watcher has not seen yet."""
    return EVENTS.all(
        conn, "WHERE profile = ? AND id > ? ORDER BY id LIMIT ?", (profile, after_id, limit)
    )


def last_event_id(conn: StoreConnection, profile: str) -> int:
    row = conn.execute("SELECT MAX(id) FROM events WHERE profile = ?", (profile,)).fetchone()
    return int(row[0] or 0)


class EventsRepository(Repository):
    for_record = reads(list_events)
    after = reads(events_after)
    last_id = reads(last_event_id)
