"""``StoreConnection.executemany`` writes through the driver's own cursor; its failures must
leave exactly as ``execute``'s do (SQLAlchemy's exception classes, then the store's typed
errors), on real SQLite files and a real PostgreSQL server."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
import sqlalchemy.exc

from skins_console.core.errors import DatabaseUnavailableError, DiskFullError
from skins_console.store.database import Database
from skins_console.store.profiles_repository import create_profile
from tests.fixtures.store import make_profile

INSERT_EVENT = (
    "INSERT INTO events (profile, kind, key, at, type, message) VALUES (?, 'order', ?, "
    "'2026-11-30T12:00:00.000Z', ?, 'note')"
)
#: the second row breaks a NOT NULL constraint
ROWS = [("main", "ord-1", "note"), ("main", "ord-2", None), ("main", "ord-3", "note")]


def _events(conn) -> int:
    return conn.execute("SELECT count(*) FROM events").fetchone()[0]


def _write(conn, many: bool, rows=ROWS) -> None:
    if many:
        conn.executemany(INSERT_EVENT, rows)
    else:
        for row in rows:
            conn.execute(INSERT_EVENT, row)


@pytest.fixture
def book(book_opener):
    db = book_opener.open_sync()
    db.call_sync(create_profile, make_profile())
    yield db
    db.close_sync()


def test_a_constraint_violation_leaves_as_from_execute(book):
    raised = {}
    for many in (False, True):
        with pytest.raises(sqlalchemy.exc.IntegrityError) as info:
            book.call_sync(_write, many)
        raised[many] = info.value
    single, batch = raised[False], raised[True]
    assert type(batch) is type(single)
    assert isinstance(batch.orig, (sqlite3.IntegrityError, psycopg.IntegrityError))
    assert type(batch.orig) is type(single.orig)
    assert not batch.connection_invalidated
    assert "INSERT INTO events" in str(batch)
    # the rows are not quoted into the error (a catalog write may pass 100,000 of them)
    assert "ord-1" not in str(batch)
    # all or nothing, and the book carries on
    assert book.read_sync(_events) == 0
    book.call_sync(_write, True, ROWS[:1])
    assert book.read_sync(_events) == 1


def test_sqlite_disk_full_is_the_typed_error(store_paths):
    db = Database.open_sync(store_paths.database, backups_dir=store_paths.backups_dir)
    try:
        db.call_sync(create_profile, make_profile())

        def fill(conn, many: bool) -> None:
            # SQLite's own "database or disk is full" (SQLITE_FULL) at a page limit just
            # above the file: the same result code a full disk gives
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages + 1}")
            rows = [("main", f"ord-{n}", "x" * 2000) for n in range(40)]
            _write(conn, many, rows)

        for many in (False, True):
            with pytest.raises(DiskFullError, match="is full; nothing was saved"):
                db.call_sync(fill, many)
        assert db.read_sync(_events) == 0
    finally:
        db.close_sync()


def test_sqlite_closed_connection_leaves_as_from_execute(store_paths):
    db = Database.open_sync(store_paths.database, backups_dir=store_paths.backups_dir)
    try:
        db.call_sync(create_profile, make_profile())

        def on_closed(conn, many: bool) -> None:
            conn.sa.connection.driver_connection.close()  # the file's handle is gone
            _write(conn, many, ROWS[:1])

        raised = {}
        for many in (False, True):
            with pytest.raises(sqlalchemy.exc.DBAPIError) as info:
                db.call_sync(on_closed, many)
            raised[many] = info.value
        assert type(raised[True]) is type(raised[False])
        assert type(raised[True].orig) is type(raised[False].orig)
        assert raised[True].connection_invalidated == raised[False].connection_invalidated
        # a fresh connection serves the next call; nothing was written
        assert db.read_sync(_events) == 0
        db.call_sync(_write, True, ROWS[:1])
        assert db.read_sync(_events) == 1
    finally:
        db.close_sync()


def test_postgres_connection_killed_mid_write_is_unavailable(pg_server, pg_url, pg_password):
    db = Database.open_sync(pg_url, password=pg_password)
    try:
        db.call_sync(create_profile, make_profile())

        def killed(conn) -> None:
            pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            with pg_server.admin() as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            conn.executemany(INSERT_EVENT, ROWS[:1])

        with pytest.raises(DatabaseUnavailableError) as info:
            db.call_sync(killed)
        assert "cannot be reached" in str(info.value)
        if pg_password:
            assert pg_password not in str(info.value)
        # the pool replaced the dead connection; nothing was written
        assert db.read_sync(_events) == 0
        db.call_sync(_write, True, ROWS[:1])
        assert db.read_sync(_events) == 1
    finally:
        db.close_sync()


def test_postgres_server_stopped_mid_write_is_unavailable(own_pg_server):
    server = own_pg_server
    url = server.url_for(server.create_database())
    db = Database.open_sync(url, password=server.password)
    try:
        db.call_sync(create_profile, make_profile())

        def stopped(conn) -> None:
            conn.execute("SELECT 1")
            server.stop()
            conn.executemany(INSERT_EVENT, ROWS[:1])

        with pytest.raises(DatabaseUnavailableError, match="cannot be reached"):
            db.call_sync(stopped)
        server.start()
        assert db.read_sync(_events) == 0
    finally:
        db.close_sync()


def test_postgres_lock_refusal_leaves_as_from_execute(pg_server, pg_url, pg_password):
    """An OperationalError that is not a lost server (a row lock not granted) is the
    caller's to handle, as SQLAlchemy's OperationalError from either call."""
    db = Database.open_sync(pg_url, password=pg_password)
    try:
        db.call_sync(create_profile, make_profile())
        db.call_sync(_write, False, ROWS[:1])

        def blocked(conn, many: bool) -> None:
            conn.execute("SET LOCAL lock_timeout = '50ms'")
            sql = "UPDATE events SET message = ? WHERE key = ?"
            if many:
                conn.executemany(sql, [("changed", "ord-1")])
            else:
                conn.execute(sql, ("changed", "ord-1"))

        holder = psycopg.connect(pg_url, password=pg_password, connect_timeout=10)
        raised = {}
        try:
            holder.execute("SELECT id FROM events FOR UPDATE")  # held until the end
            for many in (False, True):
                with pytest.raises(sqlalchemy.exc.OperationalError) as info:
                    db.call_sync(blocked, many)
                raised[many] = info.value
        finally:
            holder.close()
        assert type(raised[True].orig) is type(raised[False].orig)
        assert isinstance(raised[True].orig, psycopg.errors.LockNotAvailable)
        assert not raised[True].connection_invalidated
        db.call_sync(blocked, True)  # the lock is free now
        message = db.read_sync(lambda conn: conn.execute("SELECT message FROM events").fetchone())
        assert message == ("changed",)
    finally:
        db.close_sync()
