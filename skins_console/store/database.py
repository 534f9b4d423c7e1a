"""The one owner of the book's database connection: SQLite (default) or PostgreSQL (team).

All SQL runs on a single dedicated worker thread, so a connection is never shared between
threads and this console's writes are serialised; the asyncio loop (plain or qasync) only
awaits. Both backends go through SQLAlchemy (Core), with the same API and guarantees.

Public API::

    db = await Database.open(target, backups_dir=..., password=None, operator=None)
        # target: a Path (SQLite file) or "postgresql://USER@HOST:PORT/DBNAME?sslmode=…"
        # (the password is passed separately, never in the URL); Database.open_sync(...)
    result = await db.call(fn, *args, **kwargs)       # fn(conn, *args, **kwargs) on the worker,
                                                      # in one write transaction
    rows = await db.read(fn, *args)                   # same, in a read snapshot
    db.call_sync(fn, ...) / db.read_sync(fn, ...)     # for the CLI and scripts (not on a loop)
    await db.close() / db.close_sync()
    db.backend ("sqlite"/"postgresql"), db.operator, db.display_url (no password),
    db.path (SQLite only), db.backups_dir, db.schema_version, db.migrated_from, db.backup_path
    db.listen_kwargs()                                # PostgreSQL: psycopg arguments for a
                                                      # connection of one's own (change feed)
    @durable                                          # mark fn: its commit must survive a
                                                      # power cut before a POST
    migrate(target, password=None, *, confirm=False, backups_dir=None) -> Migrated

``conn`` is a ``store.connection.StoreConnection``. If ``fn`` raises, the transaction is
rolled back, so nothing half-written remains. ``fn`` must not call back into the same
``Database`` (it would wait on itself). Failures the operator can act on become typed
errors (``store/database_errors.py``); a schema newer than the code is refused
(``StoreError`` ``database_too_new``); anything else propagates (SQLAlchemy's exceptions).

SQLite: WAL (readers never block the writer, a crash leaves a consistent file),
``foreign_keys=ON``, ``busy_timeout=5000`` and ``synchronous=NORMAL``: in WAL mode NORMAL
never corrupts the file and loses nothing on an application crash; only a power cut may drop
the very last commits, so ``@durable`` writes (an order or deposit written before it is
POSTed) commit with ``synchronous=FULL``. Writes are ``BEGIN IMMEDIATE``. The file is backed
up before any migration.

PostgreSQL: psycopg through a small pre-pinging pool (a dropped connection is replaced on
the next call), connect timeout 5 s, ``application_name=skins-console``,
``synchronous_commit=on`` (every commit is durable, ``@durable`` needs nothing more); reads
run in a REPEATABLE READ snapshot. A server out of reach is ``DatabaseUnavailableError``.
Migrating a database that already holds an older schema needs ``confirm=True`` (after a
``pg_dump``; ``database migrate`` asks); an empty one is set up without asking.
"""

from __future__ import annotations

import asyncio
import functools
import getpass
import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypedDict, TypeVar, Unpack

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from skins_console.core.errors import StoreError
from skins_console.store import migrations as migrations_module
from skins_console.store import schema_upgrade
from skins_console.store.connection import StoreConnection
from skins_console.store.database_errors import (
    SqliteErrors,
    latest_backup,
    unavailable,
)
from skins_console.store.database_url import PostgresTarget, is_postgres_url
from skins_console.store.paths import make_private_dir
from skins_console.store.schema import BASELINE

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000
CONNECT_TIMEOUT_S = 5
APPLICATION_NAME = "skins-console"
# Taken while a PostgreSQL schema is checked or migrated, so two consoles starting at once
# on an empty database do not both create it (the number is arbitrary, fixed forever).
_MIGRATION_LOCK = 0x5C0_7E4D

__all__ = ["Database", "Migrated", "durable", "is_postgres_url", "latest_backup", "migrate"]


def durable(fn: Callable[..., T]) -> Callable[..., T]:
    """Mark a transaction function whose commit must survive a power cut."""
    fn.durable = True  # type: ignore[attr-defined]
    return fn


def default_operator() -> str:
    """The operator's name when neither the team profile nor the setting gives one."""
    try:
        return getpass.getuser() or "operator"
    except Exception:  # no user name in the environment (some service managers)
        return "operator"


@dataclass(frozen=True, slots=True)
class Migrated:
    """What :func:`migrate` (or an open) did to the schema."""

    backend: str
    display_url: str
    #: the version found (0: an empty database), None: it was already current
    from_version: int | None
    to_version: int
    #: SQLite: the copy written first
    backup_path: Path | None


class OpenOptions(TypedDict, total=False):
    """How :meth:`Database.open` / :meth:`Database.open_sync` open a book."""

    #: SQLite: where the copy made before a migration goes (default: ``backups/`` beside it)
    backups_dir: Path | None
    #: PostgreSQL: the password, kept out of the URL (it comes from the keyring)
    password: str | None
    #: who this console's writes are stamped with (default: the OS user name)
    operator: str | None
    #: PostgreSQL: change an older, non-empty schema (the caller has asked)
    confirm_migration: bool
    #: the legacy (pre-Alembic) SQLite steps to run; tests pass a broken one
    migrations: tuple[migrations_module.Migration, ...] | None
    busy_timeout_ms: int


class Database:
    def __init__(
        self,
        target: Path | str,
        *,
        backups_dir: Path | None = None,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        password: str | None = None,
        operator: str | None = None,
    ) -> None:
        self.operator = operator or default_operator()
        self.busy_timeout_ms = busy_timeout_ms
        self._pg: PostgresTarget | None = None
        self._password = password
        if is_postgres_url(target):
            self._pg = PostgresTarget.parse(str(target))
            self.backend = "postgresql"
            self.path: Path | None = None
            self.display_url = self._pg.display_url
            self.backups_dir = backups_dir
        else:
            self.backend = "sqlite"
            self.path = Path(target)
            self.display_url = str(self.path)
            self.backups_dir = (
                backups_dir if backups_dir is not None else self.path.parent / "backups"
            )
        self.schema_version = 0
        #: Version found before migrating (``None`` if nothing was migrated; 0: was empty).
        self.migrated_from: int | None = None
        #: Backup written before the migration of this open, if any (SQLite).
        self.backup_path: Path | None = None
        self._engine: Engine | None = None
        self._conn: Connection | None = None  # SQLite: the one connection, held open
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="skins-db")
        self._worker_ident: int | None = None
        self._closed = False

    # --- opening -------------------------------------------------------------------------

    @classmethod
    async def open(cls, target: Path | str, **options: Unpack[OpenOptions]) -> Database:
        """Open (creating or migrating) the book at ``target``: a SQLite file's path or a
        ``postgresql://`` URL. The work runs on the book's own worker thread."""
        db, open_on_worker = cls._prepare(target, options)
        try:
            await asyncio.get_running_loop().run_in_executor(db._executor, open_on_worker)
        except BaseException:
            db._abandon()
            raise
        return db

    @classmethod
    def open_sync(cls, target: Path | str, **options: Unpack[OpenOptions]) -> Database:
        """``open`` for callers without an event loop (the CLI's set-up, tests)."""
        db, open_on_worker = cls._prepare(target, options)
        try:
            db._executor.submit(open_on_worker).result()
        except BaseException:
            db._abandon()
            raise
        return db

    @classmethod
    def _prepare(
        cls, target: Path | str, options: OpenOptions
    ) -> tuple[Database, Callable[[], None]]:
        db = cls(
            target,
            backups_dir=options.get("backups_dir"),
            busy_timeout_ms=options.get("busy_timeout_ms", BUSY_TIMEOUT_MS),
            password=options.get("password"),
            operator=options.get("operator"),
        )
        return db, functools.partial(
            db._open_on_worker,
            options.get("migrations"),
            options.get("confirm_migration", False),
        )

    def _abandon(self) -> None:
        # A failed or cancelled open: the worker may still be migrating. Queue the close
        # behind it (one worker, FIFO) instead of blocking the event loop until it is done.
        self._closed = True
        self._executor.submit(self._close_conn)
        self._executor.shutdown(wait=False)

    def _open_on_worker(
        self, steps: tuple[migrations_module.Migration, ...] | None, confirm: bool
    ) -> None:
        self._worker_ident = threading.get_ident()
        if self._pg is not None:
            self._open_postgres(self._pg, confirm)
        else:
            self._open_sqlite(steps if steps is not None else migrations_module.MIGRATIONS)

    # --- SQLite ----------------------------------------------------------------------------

    @property
    def _sqlite_errors(self) -> SqliteErrors:
        assert self.path is not None and self.backups_dir is not None
        return SqliteErrors(self.path, self.backups_dir, self.busy_timeout_ms)

    def _open_sqlite(self, steps: tuple[migrations_module.Migration, ...]) -> None:
        path = self.path
        assert path is not None
        try:
            make_private_dir(path.parent)
            existed = path.exists() and path.stat().st_size > 0
            engine = create_engine(
                URL.create("sqlite", database=str(path)),
                poolclass=NullPool,
                connect_args={"timeout": self.busy_timeout_ms / 1000},
            )
            event.listen(engine, "connect", self._configure_sqlite)
            self._engine = engine
            conn = self._conn = engine.connect()
        except OSError as exc:
            raise self._sqlite_errors.map_os(exc) from None
        except (sqlite3.Error, DBAPIError) as exc:
            self._close_conn()
            self._raise_sqlite(exc)
        try:
            self._prepare_sqlite(conn, existed, steps)
        except (sqlite3.Error, DBAPIError) as exc:
            self._close_conn()
            self._raise_sqlite(exc)
        except BaseException:
            self._close_conn()
            raise

    def _configure_sqlite(self, dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # Transactions are begun explicitly (BEGIN IMMEDIATE for writes), not by the driver.
        dbapi_conn.isolation_level = None
        dbapi_conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms):d}")
        # Reading the header here turns "not a database" into an error at open, not later.
        dbapi_conn.execute("PRAGMA user_version").fetchone()
        mode = dbapi_conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("SQLite refused WAL mode for %s (kept %s)", self.path, mode)
        dbapi_conn.execute("PRAGMA synchronous = NORMAL")
        dbapi_conn.execute("PRAGMA foreign_keys = ON")

    def _prepare_sqlite(
        self, conn: Connection, existed: bool, steps: tuple[migrations_module.Migration, ...]
    ) -> None:
        raw = self._raw_sqlite()
        state = schema_upgrade.read_state(conn)
        conn.rollback()  # the inspection's implicit transaction
        if state.too_new:
            raise self._too_new(state.version)
        if state.revision is None and state.legacy_version == 0 and state.has_tables:
            raise StoreError(
                f"{self.path} is an SQLite database, but not one of Skins Console's. "
                "Move it away or choose another data folder with --data-dir.",
                code="database_foreign",
            )
        if state.revision == schema_upgrade.HEAD:
            self.schema_version = schema_upgrade.HEAD_VERSION
            return
        if existed and state.version > 0:
            self.backup_path = self._backup(raw, state.version)
        self.migrated_from = state.version
        if state.revision is None and state.legacy_version > 0:
            schema_upgrade.run_legacy_steps(raw, steps, state.legacy_version, str(self.path))
        self._in_sqlite_transaction(conn, lambda: self._upgrade_sqlite(conn))
        self.schema_version = schema_upgrade.HEAD_VERSION

    def _upgrade_sqlite(self, conn: Connection) -> None:
        if schema_upgrade.read_state(conn).revision is None and schema_upgrade.sqlite_user_version(
            conn
        ):
            schema_upgrade.stamp(conn, BASELINE)
        applied = schema_upgrade.upgrade(conn)
        log.info("Migrated %s to %s (%s)", self.path, schema_upgrade.HEAD, ", ".join(applied))
        schema_upgrade.refuse_broken_references(
            conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall(),
            str(self.path),
            schema_upgrade.HEAD_VERSION,
        )

    def _raw_sqlite(self) -> sqlite3.Connection:
        assert self._conn is not None
        raw = self._conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        return raw

    def _in_sqlite_transaction(self, conn: Connection, work: Callable[[], T]) -> T:
        raw = self._raw_sqlite()
        if conn.in_transaction():
            conn.rollback()
        trans = conn.begin()
        raw.execute("BEGIN IMMEDIATE")
        try:
            result = work()
        except BaseException:
            trans.rollback()
            raise
        trans.commit()
        return result

    def _backup(self, raw: sqlite3.Connection, version: int) -> Path:
        assert self.path is not None and self.backups_dir is not None
        make_private_dir(self.backups_dir)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.backups_dir / f"{self.path.stem}-v{version}-{stamp}.sqlite3"
        dest = sqlite3.connect(target)
        try:
            raw.backup(dest)
        except BaseException:
            dest.close()
            target.unlink(missing_ok=True)
            raise
        dest.close()
        if os.name == "posix":
            os.chmod(target, 0o600)
        log.info("Backed up %s (schema version %d) to %s", self.path, version, target)
        return target

    def _raise_sqlite(self, exc: BaseException) -> NoReturn:
        mapped = self._sqlite_errors.map(exc)
        if mapped is None:
            raise exc
        raise mapped from None

    def _too_new(self, version: int) -> StoreError:
        return StoreError(
            f"The database {self.display_url} was written by a newer Skins Console (schema "
            f"version {version}; this version understands up to "
            f"{schema_upgrade.HEAD_VERSION}). Update Skins Console"
            + (", or open another data folder with --data-dir." if self._pg is None else "."),
            code="database_too_new",
        )

    # --- PostgreSQL --------------------------------------------------------------------------

    def _open_postgres(self, pg: PostgresTarget, confirm: bool) -> None:
        connect_args: dict[str, Any] = {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": APPLICATION_NAME,
            "options": "-c synchronous_commit=on",
        }
        if self._password is not None:
            connect_args["password"] = self._password
        self._engine = create_engine(
            pg.sqlalchemy_url(),
            pool_pre_ping=True,
            pool_size=1,
            max_overflow=1,
            connect_args=connect_args,
        )
        try:
            with self._engine.connect() as conn:
                self._prepare_postgres(conn, pg, confirm)
        except DBAPIError as exc:
            mapped = unavailable(exc, pg.where, self._password)
            if mapped is not None:
                raise mapped from None
            raise

    def _prepare_postgres(self, conn: Connection, pg: PostgresTarget, confirm: bool) -> None:
        with conn.begin():
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK:d})")
            state = schema_upgrade.read_state(conn)
            if state.too_new:
                raise self._too_new(state.version)
            if state.revision == schema_upgrade.HEAD:
                self.schema_version = schema_upgrade.HEAD_VERSION
                return
            if state.revision is None and state.has_tables:
                raise StoreError(
                    f"The database {pg.where} already holds tables that are not Skins "
                    "Console's. Create an empty database for the team's book.",
                    code="database_foreign",
                )
            if state.revision is not None and not confirm:
                raise StoreError(
                    f"The team database {pg.where} has schema version {state.version}; this "
                    f"Skins Console needs version {schema_upgrade.HEAD_VERSION}. Back it up "
                    f"first (pg_dump --format=custom --file=skins-console-v{state.version}.dump "
                    f"--host={pg.host} --port={pg.port} {pg.dbname}), then run "
                    "`skins-console --profile NAME database migrate`.",
                    code="database_needs_migration",
                )
            self.migrated_from = state.version
            applied = schema_upgrade.upgrade(conn)
            log.info("Migrated %s to %s (%s)", pg.where, schema_upgrade.HEAD, ", ".join(applied))
            self.schema_version = schema_upgrade.HEAD_VERSION

    def listen_kwargs(self) -> dict[str, Any]:
        """psycopg ``connect`` arguments for a connection outside the pool (the change
        feed's ``LISTEN``, see ``store/change_feed.py``): PostgreSQL books only."""
        pg = self._pg
        if pg is None:
            raise StoreError("Only a team (PostgreSQL) book has a change feed.")
        kwargs: dict[str, Any] = {
            "host": pg.host,
            "port": pg.port,
            "dbname": pg.dbname,
            "application_name": f"{APPLICATION_NAME} feed",
            **dict(pg.query),
        }
        if pg.user:
            kwargs["user"] = pg.user
        if self._password is not None:
            kwargs["password"] = self._password
        return kwargs

    # --- running work --------------------------------------------------------------------

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(conn, *args, **kwargs)`` in a write transaction on the worker thread.

        Cancelling the awaiting task does not abort a transaction that already started: it
        completes (or rolls back) on the worker regardless.
        """
        return await self._submit_async(fn, args, kwargs, write=True)

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Like :meth:`call`, in a read transaction (a consistent snapshot)."""
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
        if self._pg is not None:
            return self._run_postgres(self._pg, fn, args, kwargs, write)
        return self._run_sqlite(fn, args, kwargs, write)

    def _run_sqlite(self, fn, args, kwargs, write: bool):
        conn = self._conn
        assert conn is not None
        is_durable = write and getattr(fn, "durable", False)
        try:
            raw = self._raw_sqlite()
            if is_durable:
                raw.execute("PRAGMA synchronous = FULL")
            try:
                trans = conn.begin()
                raw.execute("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED")
                try:
                    result = fn(StoreConnection(conn, operator=self.operator), *args, **kwargs)
                except BaseException:
                    if trans.is_active:
                        trans.rollback()
                    raise
                trans.commit()
                return result
            finally:
                if is_durable and not raw.in_transaction:
                    raw.execute("PRAGMA synchronous = NORMAL")
        except (sqlite3.Error, DBAPIError) as exc:
            if conn.in_transaction():
                try:
                    conn.rollback()
                except (sqlite3.Error, DBAPIError):
                    log.exception("rollback failed")
            self._raise_sqlite(exc)
        except OSError as exc:
            raise self._sqlite_errors.map_os(exc) from None

    def _run_postgres(self, pg: PostgresTarget, fn, args, kwargs, write: bool):
        engine = self._engine
        assert engine is not None
        try:
            with engine.connect() as conn, conn.begin():
                if not write:
                    conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                return fn(StoreConnection(conn, operator=self.operator), *args, **kwargs)
        except DBAPIError as exc:
            mapped = unavailable(exc, pg.where, self._password)
            if mapped is not None:
                raise mapped from None
            raise

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
        engine, self._engine = self._engine, None
        if conn is not None:
            try:
                if conn.in_transaction():
                    conn.rollback()
                # Folding the WAL back in leaves one self-contained file for copying/backups.
                self._raw_sqlite_of(conn).execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except (sqlite3.Error, DBAPIError):
                pass
            conn.close()
        if engine is not None:
            engine.dispose()

    @staticmethod
    def _raw_sqlite_of(conn: Connection) -> sqlite3.Connection:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        return raw


def migrate(
    target: Path | str,
    password: str | None = None,
    *,
    confirm: bool = False,
    backups_dir: Path | None = None,
) -> Migrated:
    """Bring the book at ``target`` to this version's schema (``database migrate``).

    The same runner as every open: SQLite backs the file up first; PostgreSQL with an older
    schema needs ``confirm`` (the caller has a ``pg_dump``). Raises what an open raises.
    """
    db = Database.open_sync(
        target, backups_dir=backups_dir, password=password, confirm_migration=confirm
    )
    try:
        return Migrated(
            backend=db.backend,
            display_url=db.display_url,
            from_version=db.migrated_from,
            to_version=db.schema_version,
            backup_path=db.backup_path,
        )
    finally:
        db.close_sync()
