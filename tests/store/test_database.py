import asyncio
import sqlite3
import threading

import pytest
import sqlalchemy.exc

from skins_console.core.errors import (
    DatabaseCorruptError,
    DatabaseReadOnlyError,
    DiskFullError,
    StoreError,
)
from skins_console.store.database import Database, durable
from skins_console.store.schema_upgrade import HEAD_VERSION as LATEST_VERSION
from tests.store.readonly import read_only


def _count(conn, table="notes"):
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _make_notes(conn):
    conn.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)")


def _add_note(conn, body):
    conn.execute("INSERT INTO notes (body) VALUES (?)", (body,))


async def test_fresh_database_pragmas(store_db):
    def pragmas(conn):
        return {
            name: conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in (
                "journal_mode",
                "foreign_keys",
                "busy_timeout",
                "synchronous",
                "user_version",
            )
        }

    values = await store_db.read(pragmas)
    assert values == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "synchronous": 1,
        "user_version": LATEST_VERSION,
    }
    assert store_db.schema_version == LATEST_VERSION
    assert store_db.backup_path is None  # nothing to back up on a fresh file


async def test_durable_functions_commit_with_full_sync(store_db):
    seen = []

    @durable
    def write(conn):
        seen.append(conn.execute("PRAGMA synchronous").fetchone()[0])

    def plain(conn):
        seen.append(conn.execute("PRAGMA synchronous").fetchone()[0])

    await store_db.call(write)
    await store_db.call(plain)
    assert seen == [2, 1]  # FULL for the durable write, NORMAL again afterwards


async def test_all_work_runs_on_one_thread_and_is_serialised(store_db):
    await store_db.call(_make_notes)
    threads = set()
    active = []
    overlaps = []

    def bump(conn, n):
        threads.add(threading.get_ident())
        active.append(n)
        if len(active) > 1:
            overlaps.append(n)
        value = conn.execute("SELECT coalesce(max(id), 0) FROM notes").fetchone()[0]
        conn.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (value + 1, str(n)))
        active.remove(n)
        return value + 1

    results = await asyncio.gather(*(store_db.call(bump, n) for n in range(200)))
    assert sorted(results) == list(range(1, 201))  # read-modify-write never interleaved
    assert overlaps == []
    assert len(threads) == 1 and threading.get_ident() not in threads
    assert await store_db.read(_count) == 200


async def test_error_rolls_back_the_whole_transaction(store_db):
    await store_db.call(_make_notes)

    def half_then_fail(conn):
        _add_note(conn, "first half")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await store_db.call(half_then_fail)
    assert await store_db.read(_count) == 0
    await store_db.call(_add_note, "after")  # the connection is still usable
    assert await store_db.read(_count) == 1


async def test_programming_errors_propagate_unchanged(store_db):
    with pytest.raises(sqlalchemy.exc.OperationalError, match="no such table"):
        await store_db.call(lambda conn: conn.execute("SELECT * FROM missing_table"))


def test_sync_api_and_reentrancy_guard(sync_store_db):
    sync_store_db.call_sync(_make_notes)
    sync_store_db.call_sync(_add_note, "x")
    assert sync_store_db.read_sync(_count) == 1

    def reenter(conn):
        return sync_store_db.call_sync(_count)

    with pytest.raises(RuntimeError, match="called back into its own Database"):
        sync_store_db.call_sync(reenter)


def test_closed_database_refuses_work(store_paths):
    db = Database.open_sync(store_paths.database)
    db.close_sync()
    db.close_sync()
    with pytest.raises(StoreError, match="closed"):
        db.call_sync(_count)


def test_newer_database_is_refused(store_paths):
    db = Database.open_sync(store_paths.database)
    db.call_sync(lambda conn: conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}"))
    db.close_sync()
    with pytest.raises(StoreError, match="newer Skins Console") as info:
        Database.open_sync(store_paths.database)
    assert info.value.code == "database_too_new"
    assert str(store_paths.database) in info.value.message


def test_foreign_sqlite_file_is_refused(store_paths):
    conn = sqlite3.connect(store_paths.database)
    conn.execute("CREATE TABLE someone_elses (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not one of Skins Console's"):
        Database.open_sync(store_paths.database)


def _seed(store_paths):
    db = Database.open_sync(store_paths.database, backups_dir=store_paths.backups_dir)
    db.call_sync(_make_notes)
    db.call_sync(_add_note, "kept")
    db.close_sync()


def test_not_a_database_file(store_paths):
    store_paths.database.write_bytes(b"This is a text file, not SQLite." * 200)
    with pytest.raises(DatabaseCorruptError) as info:
        Database.open_sync(store_paths.database, backups_dir=store_paths.backups_dir)
    assert str(store_paths.database) in info.value.message
    assert "no backup" in info.value.message


def test_corrupted_pages_name_file_and_latest_backup(store_paths):
    _seed(store_paths)
    store_paths.backups_dir.mkdir(exist_ok=True)
    backup = store_paths.backups_dir / "skins-console-v3-20260101T000000Z.sqlite3"
    backup.write_bytes(store_paths.database.read_bytes())
    data = bytearray(store_paths.database.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    # Wreck every page after the first (schema intact, b-tree pages garbage).
    for offset in range(page_size, len(data)):
        data[offset] = 0xA5
    store_paths.database.write_bytes(bytes(data))
    with pytest.raises(DatabaseCorruptError) as info:
        db = Database.open_sync(store_paths.database, backups_dir=store_paths.backups_dir)
        try:
            db.read_sync(lambda conn: conn.execute("SELECT * FROM notes").fetchall())
        finally:
            db.close_sync()
    assert str(store_paths.database) in info.value.message
    assert str(backup) in info.value.message


def test_read_only_file(store_paths):
    _seed(store_paths)
    with read_only(store_paths.database), pytest.raises(DatabaseReadOnlyError) as info:
        db = Database.open_sync(store_paths.database)
        try:
            db.call_sync(_add_note, "lost")
        finally:
            db.close_sync()
    assert "read-only" in info.value.message
    db = Database.open_sync(store_paths.database)
    assert db.read_sync(lambda c: [r[0] for r in c.execute("SELECT body FROM notes")]) == ["kept"]
    db.close_sync()


def test_read_only_folder(store_paths):
    _seed(store_paths)
    with read_only(store_paths.data_dir), pytest.raises(DatabaseReadOnlyError):
        db = Database.open_sync(store_paths.database)
        try:
            db.call_sync(_add_note, "lost")
        finally:
            db.close_sync()
    db = Database.open_sync(store_paths.database)
    assert db.read_sync(_count) == 1
    db.close_sync()


def test_full_disk_keeps_earlier_data(store_paths):
    _seed(store_paths)
    db = Database.open_sync(store_paths.database)
    pages = db.read_sync(lambda conn: conn.execute("PRAGMA page_count").fetchone()[0])
    # A real SQLITE_FULL from the engine: the file may not grow past its current size.
    db.call_sync(lambda conn: conn.execute(f"PRAGMA max_page_count = {pages + 2}"))

    def big_write(conn):
        for _ in range(50):
            _add_note(conn, "x" * 4000)

    with pytest.raises(DiskFullError) as info:
        db.call_sync(big_write)
    assert "full" in info.value.message and "nothing was saved" in info.value.message
    assert db.read_sync(_count) == 1  # the partial batch was rolled back
    db.call_sync(_add_note, "small")  # a write that fits still works
    db.close_sync()
    db = Database.open_sync(store_paths.database)
    assert db.read_sync(_count) == 2
    db.close_sync()


async def test_async_open_maps_errors(store_paths):
    store_paths.database.write_bytes(b"garbage" * 1000)
    with pytest.raises(DatabaseCorruptError):
        await Database.open(store_paths.database)


def test_lock_held_by_another_program_gives_clear_message(store_paths):
    from skins_console.core.errors import DatabaseLockedError

    _seed(store_paths)
    db = Database.open_sync(store_paths.database, busy_timeout_ms=100)
    other = sqlite3.connect(store_paths.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. a database browser holding a write lock
    try:
        with pytest.raises(DatabaseLockedError) as info:
            db.call_sync(_add_note, "blocked")
        assert "locked by another program" in info.value.message
        assert db.read_sync(_count) == 1  # reading still works in WAL mode
    finally:
        other.execute("ROLLBACK")
        other.close()
    db.call_sync(_add_note, "now fine")
    assert db.read_sync(_count) == 2
    db.close_sync()


@pytest.mark.qt_loop
async def test_works_on_the_qasync_loop(store_paths):
    db = await Database.open(store_paths.database)
    try:
        await db.call(_make_notes)
        await asyncio.gather(*(db.call(_add_note, str(n)) for n in range(20)))
        assert await db.read(_count) == 20
    finally:
        await db.close()


async def test_cancelled_caller_does_not_break_the_database(store_db):
    await store_db.call(_make_notes)
    started = threading.Event()
    release = threading.Event()

    def slow(conn):
        started.set()
        release.wait(10)
        _add_note(conn, "completed anyway")

    task = asyncio.ensure_future(store_db.call(slow))
    await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
    task.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The transaction that had started still completes on the worker, whole.
    assert await store_db.read(_count) == 1
