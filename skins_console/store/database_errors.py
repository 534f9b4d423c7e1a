"""Database failures the operator can act on, as typed errors (both backends).

SQLite: ``DatabaseCorruptError``, ``DatabaseReadOnlyError``, ``DiskFullError``,
``DatabaseLockedError`` (from the SQLite result code, the message text only when there is
none). PostgreSQL: ``DatabaseUnavailableError`` when the server cannot be reached, refuses
the login, or the connection drops; its text names ``host:port/dbname`` and is scrubbed of
the password (psycopg messages can repeat connection parameters). Anything else is a bug
or a constraint the caller handles, and propagates unchanged.

Public API::

    SqliteErrors(path, backups_dir, busy_timeout_ms).map(exc) -> StoreError | None
    SqliteErrors.map_os(exc) -> StoreError
    unavailable(exc, where, password) -> DatabaseUnavailableError | None
    scrub(text, password) -> str
    latest_backup(backups_dir) -> Path | None
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from skins_console.core.errors import (
    DatabaseCorruptError,
    DatabaseLockedError,
    DatabaseReadOnlyError,
    DatabaseUnavailableError,
    DiskFullError,
    StoreError,
)


def latest_backup(backups_dir: Path | None) -> Path | None:
    if backups_dir is None or not backups_dir.is_dir():
        return None
    backups = sorted(backups_dir.glob("*.sqlite3"), key=lambda p: p.stat().st_mtime)
    return backups[-1] if backups else None


def driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception inside SQLAlchemy's wrapper (or ``exc`` itself)."""
    if isinstance(exc, DBAPIError) and isinstance(exc.orig, BaseException):
        return exc.orig
    return exc


@dataclass(frozen=True)
class SqliteErrors:
    path: Path
    backups_dir: Path
    busy_timeout_ms: int

    def map(self, exc: BaseException) -> StoreError | None:
        exc = driver_error(exc)
        if not isinstance(exc, sqlite3.Error):
            return None
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

    def map_os(self, exc: OSError) -> StoreError:
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


# SQLSTATE classes that mean "no usable connection": 08 connection exception, 28 invalid
# authorization, 3D no such database, 57P01-57P03 server shutting down / starting up.
_UNAVAILABLE_STATES = ("08", "28", "3D", "57P01", "57P02", "57P03")
_PASSWORD_PARAM = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def scrub(text: str, password: str | None) -> str:
    """``text`` without the password, in any spelling psycopg or libpq may repeat it."""
    text = _PASSWORD_PARAM.sub(r"\1***", text)
    if password:
        text = text.replace(password, "***")
    return text


def unavailable(
    exc: BaseException, where: str, password: str | None
) -> DatabaseUnavailableError | None:
    """``DatabaseUnavailableError`` if ``exc`` says the PostgreSQL server is out of reach."""
    import psycopg  # only a team book needs the driver

    invalidated = isinstance(exc, DBAPIError) and exc.connection_invalidated
    orig = driver_error(exc)
    if not isinstance(orig, (psycopg.OperationalError, psycopg.InterfaceError)):
        return None
    state = getattr(orig, "sqlstate", None) or ""
    if not (invalidated or not state or state.startswith(_UNAVAILABLE_STATES)):
        return None  # a deadlock or a serialization failure: the caller's to handle
    detail = " ".join(str(orig).split()) or type(orig).__name__
    detail = scrub(detail, password)
    if len(detail) > 300:
        detail = detail[:300] + "…"
    return DatabaseUnavailableError(
        f"The team database {where} cannot be reached ({detail}). Nothing new is sent "
        "while it is away; Skins Console reconnects by itself when it is back.",
        where=where,
        detail=detail,
    )
