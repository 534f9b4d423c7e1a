"""The one owner of the SQLite connection.

All SQL runs on a single dedicated worker thread, so the connection is never shared between
threads and writes are naturally serialised; the asyncio loop (plain or qasync) only awaits.

Public API::

    db = await Database.open(path, backups_dir=..., busy_timeout_ms=5000)
                                                      # or Database.open_sync(...) for scripts
    result = await db.call(fn, *args, **kwargs)       # fn(conn, *args, **kwargs) on the worker,
                                                      # inside BEGIN IMMEDIATE … COMMIT
    rows = await db.read(fn, *args)                   # same, in a deferred (read) transaction
    db.call_sync(fn, ...) / db.read_sync(fn, ...)     # for the CLI and scripts (not on a loop)
    await db.close() / db.close_sync()
    db.path, db.backups_dir, db.schema_version, db.migrated_from, db.backup_path
    @durable                                          # mark fn: commit with synchronous=FULL
    latest_backup(backups_dir) -> Path | None

If ``fn`` raises, the transaction is rolled back, so nothing half-written remains. SQLite
failures the operator can act on become typed errors from ``core.errors``:
``DatabaseCorruptError``, ``DatabaseReadOnlyError``, ``DiskFullError``,
``DatabaseLockedError``; a database written by a newer version is refused with a
``StoreError`` (code ``database_too_new``). Any other SQLite error is a bug and propagates
unchanged. ``fn`` must not call back into the same ``Database`` (it would wait on itself).

Pragmas: WAL (readers never block the writer, and a crash leaves a consistent file),
``foreign_keys=ON``, ``busy_timeout=5000`` (another process, e.g. a backup tool, may hold a
lock briefly), and ``synchronous=NORMAL``: in WAL mode NORMAL never corrupts the file and
loses nothing on an application crash; only a power cut or OS crash may drop the very last
commits. Writes that precede an external side effect (an order or deposit written before it
is POSTed) are marked ``@durable`` and commit with ``synchronous=FULL``, so that even a
power cut cannot lose an order the provider may already have.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from skins_console.core.errors import (
    DatabaseCorruptError,
    DatabaseLockedError,
    DatabaseReadOnlyError,
    DiskFullError,
    StoreError,
)
from skins_console.store import migrations as migrations_module
from skins_console.store.paths import make_private_dir

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000


def durable(fn: Callable[..., T]) -> Callable[..., T]:
    """Mark a transaction function whose commit must survive a power cut."""
    fn.durable = True  # type: ignore[attr-defined]
    return fn


def latest_backup(backups_dir: Path | None) -> Path | None:
    if backups_dir is None or not backups_dir.is_dir():
        return None
    backups = sorted(backups_dir.glob("*.sqlite3"), key=lambda p: p.stat().st_mtime)
    return backups[-1] if backups else None


class Database:
    def __init__(
        self, path: Path, *, backups_dir: Path | None = None, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self.backups_dir = backups_dir if backups_dir is not None else self.path.parent / "backups"
        self.schema_version = 0
        #: Version found on disk before migrating (``None`` if nothing was migrated).
        self.migrated_from: int | None = None
        #: Backup written before the migration of this open, if any.
        self.backup_path: Path | None = None
        self._conn: sqlite3.Connection | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="skins-db")
        self._worker_ident: int | None = None
        self._closed = False

    # --- opening -------------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        backups_dir: Path | None = None,
        migrations: tuple[migrations_module.Migration, ...] | None = None,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> Database:
        db = cls(path, backups_dir=backups_dir, busy_timeout_ms=busy_timeout_ms)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(db._executor, db._open_on_worker, migrations)
        except BaseException:
            db._abandon()
            raise
        return db

    @classmethod
    def open_sync(
        cls,
        path: Path,
        *,
        backups_dir: Path | None = None,
        migrations: tuple[migrations_module.Migration, ...] | None = None,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> Database:
        db = cls(path, backups_dir=backups_dir, busy_timeout_ms=busy_timeout_ms)
        try:
            db._executor.submit(db._open_on_worker, migrations).result()
        except BaseException:
            db._abandon()
            raise
        return db

    def _abandon(self) -> None:
        # A failed or cancelled open: the worker may still be migrating. Queue the close
        # behind it (one worker, FIFO) instead of blocking the event loop until it is done.
        self._closed = True
        self._executor.submit(self._close_conn)
        self._executor.shutdown(wait=False)

    def _open_on_worker(self, steps: tuple[migrations_module.Migration, ...] | None) -> None:
        self._worker_ident = threading.get_ident()
        steps = steps if steps is not None else migrations_module.MIGRATIONS
        latest = steps[-1].version if steps else 0
        try:
            make_private_dir(self.path.parent)
            existed = self.path.exists() and self.path.stat().st_size > 0
            conn = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=True,
                timeout=self.busy_timeout_ms / 1000,
            )
        except sqlite3.Error as exc:
            self._raise_mapped(exc)
        except OSError as exc:
            raise self._map_os_error(exc) from None
        try:
            self._conn = conn
            self._configure(conn)
            current = migrations_module.schema_version(conn)
            if current > latest:
                raise StoreError(
                    f"The database {self.path} was written by a newer Skins Console (schema "
                    f"version {current}; this version understands up to {latest}). Update "
                    "Skins Console, or open another data folder with --data-dir.",
                    code="database_too_new",
                )
            if current == 0 and existed and self._has_foreign_tables(conn):
                raise StoreError(
                    f"{self.path} is an SQLite database, but not one of Skins Console's. "
                    "Move it away or choose another data folder with --data-dir.",
                    code="database_foreign",
                )
            if current < latest:
                if existed and current > 0:
                    self.backup_path = self._backup(conn, current)
                self.migrated_from = current
                self._migrate(conn, steps, current, latest)
            self.schema_version = migrations_module.schema_version(conn)
        except sqlite3.Error as exc:
            self._close_conn()
            self._raise_mapped(exc)
        except BaseException:
            self._close_conn()
            raise

    def _configure(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms):d}")
        # Reading the header here turns "not a database" into an error at open, not later.
        conn.execute("PRAGMA user_version").fetchone()
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("SQLite refused WAL mode for %s (kept %s)", self.path, mode)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")

    @staticmethod
    def _has_foreign_tables(conn: sqlite3.Connection) -> bool:
        row = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
        return bool(row[0])

    def _migrate(self, conn, steps, current: int, latest: int) -> None:
        for step in steps:
            if not current < step.version <= latest:
                continue
            log.info(
                "Migrating %s to schema version %d: %s", self.path, step.version, step.description
            )
            conn.execute("BEGIN IMMEDIATE")
            try:
                step.apply(conn)
                conn.execute(f"PRAGMA user_version = {step.version:d}")
                # A migration that breaks a reference must fail here, not months later.
                broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StoreError(
                        f"Migrating {self.path} to version {step.version} left "
                        f"{len(broken)} broken references; nothing was changed.",
                        code="migration_failed",
                    )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _backup(self, conn: sqlite3.Connection, version: int) -> Path:
        make_private_dir(self.backups_dir)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.backups_dir / f"{self.path.stem}-v{version}-{stamp}.sqlite3"
        dest = sqlite3.connect(target)
        try:
            conn.backup(dest)
        except BaseException:
            dest.close()
            target.unlink(missing_ok=True)
            raise
        dest.close()
        if os.name == "posix":
            os.chmod(target, 0o600)
        log.info("Backed up %s (schema version %d) to %s", self.path, version, target)
        return target

    # --- running work --------------------------------------------------------------------

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(conn, *args, **kwargs)`` in a write transaction on the worker thread.

        Cancelling the awaiting task does not abort a transaction that already started: it
        completes (or rolls back) on the worker regardless.
        """
        return await self._submit_async(fn, args, kwargs, write=True)

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Like :meth:`call`, in a deferred transaction (a consistent read snapshot)."""
        return await self._submit_async(fn, args, kwargs, write=False)

    def call_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self._submit_sync(fn, args, kwargs, write=True)

    def read_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self._submit_sync(fn, args, kwargs, write=False)

    async def _submit_async(self, fn, args, kwargs, *, write: bool):
        self._check_open()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._run, fn, args, kwargs, write)

    def _submit_sync(self, fn, args, kwargs, *, write: bool):
        self._check_open()
        if threading.get_ident() == self._worker_ident:
            raise RuntimeError("a transaction function called back into its own Database")
        return self._executor.submit(self._run, fn, args, kwargs, write).result()

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("The database is closed.", code="database_closed")

    def _run(self, fn, args, kwargs, write: bool):
        conn = self._conn
        assert conn is not None
        is_durable = write and getattr(fn, "durable", False)
        try:
            if is_durable:
                conn.execute("PRAGMA synchronous = FULL")
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED")
            try:
                result = fn(conn, *args, **kwargs)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        log.exception("rollback failed")
                raise
            return result
        except sqlite3.Error as exc:
            self._raise_mapped(exc)
        except OSError as exc:
            raise self._map_os_error(exc) from None
        finally:
            if is_durable and not conn.in_transaction:
                conn.execute("PRAGMA synchronous = NORMAL")

    # --- closing -------------------------------------------------------------------------

    async def close(self) -> None:
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.close_sync)

    def close_sync(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._executor.submit(self._close_conn).result()
        finally:
            self._executor.shutdown(wait=True)

    def _close_conn(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            # Folding the WAL back in leaves one self-contained file for copying/backups.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        conn.close()

    # --- error mapping -------------------------------------------------------------------

    def _raise_mapped(self, exc: sqlite3.Error) -> None:
        mapped = self._map_error(exc)
        if mapped is None:
            raise exc
        raise mapped from None

    def _map_error(self, exc: sqlite3.Error) -> StoreError | None:
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        # The message text is consulted only when SQLite gave no code (never for JSON or
        # other "malformed" errors of ordinary statements, which are bugs, not corruption).
        text = str(exc).lower() if primary is None else ""
        if (
            primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
            or "disk image is malformed" in text
            or "not a database" in text
        ):
            return DatabaseCorruptError(self._corrupt_message(str(exc)))
        if primary == sqlite3.SQLITE_FULL or "database or disk is full" in text:
            return DiskFullError(self._full_message())
        if primary == sqlite3.SQLITE_READONLY or "readonly database" in text:
            return DatabaseReadOnlyError(self._read_only_message())
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return DatabaseLockedError(
                f"The database {self.path} is locked by another program (waited "
                f"{self.busy_timeout_ms / 1000:g} s). Close other programs using it (another Skins "
                "Console, a database browser, a backup tool) and try again; nothing was saved."
            )
        if primary == sqlite3.SQLITE_CANTOPEN:
            if not os.access(self.path.parent, os.W_OK) or (
                self.path.exists() and not os.access(self.path, os.W_OK)
            ):
                return DatabaseReadOnlyError(self._read_only_message())
            return StoreError(
                f"Cannot open the database {self.path}: {exc}.", code="database_cant_open"
            )
        if primary == sqlite3.SQLITE_IOERR:
            if self._low_on_space():
                return DiskFullError(self._full_message())
            return StoreError(
                f"The disk reported an input/output error on {self.path} ({exc}); nothing was "
                "saved. Check the drive, then restart Skins Console.",
                code="disk_io_error",
            )
        return None

    def _map_os_error(self, exc: OSError) -> StoreError:
        if exc.errno == errno.ENOSPC:
            return DiskFullError(self._full_message())
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return DatabaseReadOnlyError(self._read_only_message())
        return StoreError(f"Cannot use the database {self.path}: {exc.strerror or exc}.")

    def _low_on_space(self) -> bool:
        try:
            return shutil.disk_usage(self.path.parent).free < 1024 * 1024
        except OSError:
            return False

    def _corrupt_message(self, detail: str) -> str:
        backup = latest_backup(self.backups_dir)
        where = (
            f"The latest backup is {backup}."
            if backup
            else f"There is no backup in {self.backups_dir}."
        )
        return (
            f"The database file {self.path} is damaged ({detail}). {where} Quit Skins Console, "
            "keep a copy of the damaged file, then restore a backup over it or move it away "
            "to start with an empty database."
        )

    def _full_message(self) -> str:
        return (
            f"The disk holding {self.path.parent} is full; nothing was saved. Free some space "
            "and try again."
        )

    def _read_only_message(self) -> str:
        return (
            f"The database {self.path} (or its folder) is read-only, so nothing can be saved. "
            "Make the file and its folder writable, or choose another data folder with "
            "--data-dir."
        )
