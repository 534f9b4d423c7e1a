"""Bringing a book's schema to the code's revision: one runner, both backends.

``Database`` calls these on its worker when it opens a book (and ``migrate`` opens one for
``database migrate``); nothing else changes a schema.

* The history is Alembic's (``store/alembic/``, revisions named in ``store/schema.py``), run
  programmatically on the already open connection; no alembic.ini is needed.
* SQLite files from before Alembic (``PRAGMA user_version`` 1–5) first run the frozen legacy
  steps of ``migrations.py`` to version 6, then are stamped ``0006_baseline``; a version 6
  file is stamped. After every upgrade ``user_version`` is set to the head's number, so an
  older release (which only knows ``user_version``) refuses the file as too new.
* A schema newer than the code (an unknown revision, or a higher ``user_version``) is
  refused with ``StoreError`` ``database_too_new`` on both backends.

Public API::

    HEAD, HEAD_VERSION                    # "0007_team", 7
    version_number(revision) -> int
    SchemaState(revision, version, legacy_version, has_tables)
    read_state(sa_conn) -> SchemaState
    upgrade(sa_conn, target=HEAD) -> list[str]   # revisions applied (caller's transaction)
    stamp(sa_conn, revision)
    sqlite_user_version(sa_conn) / set_sqlite_user_version(sa_conn, version)
    run_legacy_steps(raw_sqlite_conn, steps, current, where)   # the prelude, to version 6
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect

from skins_console.core.errors import StoreError
from skins_console.store.migrations import LATEST_VERSION as LEGACY_LATEST
from skins_console.store.migrations import Migration
from skins_console.store.schema import REVISIONS

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

HEAD = REVISIONS[-1]
SCRIPT_LOCATION = Path(__file__).resolve().parent / "alembic"
VERSION_TABLE = "alembic_version"


def version_number(revision: str) -> int:
    """``"0007_team"`` → 7: the schema version the rest of the app reports."""
    return int(revision.split("_", 1)[0])


HEAD_VERSION = version_number(HEAD)


@dataclass(frozen=True, slots=True)
class SchemaState:
    #: the Alembic revision stamped in the database (None: not under Alembic yet)
    revision: str | None
    #: SQLite's ``PRAGMA user_version`` (0 on PostgreSQL)
    legacy_version: int
    #: any table at all (a non-empty database without our stamp is someone else's)
    has_tables: bool

    @property
    def known(self) -> bool:
        return self.revision is None or self.revision in REVISIONS

    @property
    def version(self) -> int:
        """The schema version it holds: the revision's number, else the legacy version (an
        unknown revision counts as newer than this code)."""
        if self.revision is not None:
            try:
                return version_number(self.revision)
            except ValueError:
                return HEAD_VERSION + 1
        return self.legacy_version

    @property
    def too_new(self) -> bool:
        # A newer release sets user_version to its own head: an SQLite file says so twice.
        if self.revision is None and self.legacy_version > LEGACY_LATEST:
            return True  # past the legacy steps without Alembic's stamp: not ours to guess
        return not self.known or max(self.version, self.legacy_version) > HEAD_VERSION


def _config(sa_conn: Connection) -> Config:
    # Alembic is imported only to change a schema: opening a current book reads the stamp
    # with one SELECT and never loads it.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION).replace("%", "%%"))
    config.attributes["connection"] = sa_conn
    return config


def sqlite_user_version(sa_conn: Connection) -> int:
    return int(sa_conn.exec_driver_sql("PRAGMA user_version").scalar_one())


def set_sqlite_user_version(sa_conn: Connection, version: int) -> None:
    sa_conn.exec_driver_sql(f"PRAGMA user_version = {int(version):d}")


def read_state(sa_conn: Connection) -> SchemaState:
    tables = inspect(sa_conn).get_table_names()
    revision = None
    if VERSION_TABLE in tables:
        heads = [
            str(head)
            for (head,) in sa_conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}")
        ]
        # One linear history: several heads could only come from a newer, branched one.
        revision = heads[0] if len(heads) == 1 else ("unknown" if heads else None)
    legacy = sqlite_user_version(sa_conn) if sa_conn.dialect.name == "sqlite" else 0
    return SchemaState(revision=revision, legacy_version=legacy, has_tables=bool(tables))


def stamp(sa_conn: Connection, revision: str) -> None:
    from alembic import command

    command.stamp(_config(sa_conn), revision)


def upgrade(sa_conn: Connection, target: str = HEAD) -> list[str]:
    """Apply every revision after the stamped one up to ``target`` (the head, except in
    tests that build an older schema), in the caller's open transaction."""
    from alembic import command

    before = read_state(sa_conn).revision
    start = 0 if before is None else REVISIONS.index(before) + 1
    command.upgrade(_config(sa_conn), target)
    if sa_conn.dialect.name == "sqlite":
        set_sqlite_user_version(sa_conn, version_number(target))
    return list(REVISIONS[start : REVISIONS.index(target) + 1])


def refuse_broken_references(broken: Sequence[object], where: str, version: int) -> None:
    """Fail a migration that left ``PRAGMA foreign_key_check`` rows (``broken``): it must
    fail here, rolled back, not months later when a row is read."""
    if broken:
        raise StoreError(
            f"Migrating {where} to version {version} left {len(broken)} broken "
            "references; nothing was changed.",
            code="migration_failed",
        )


def run_legacy_steps(
    raw: sqlite3.Connection, steps: tuple[Migration, ...], current: int, where: str
) -> None:
    """The frozen pre-Alembic steps after ``current``, each in its own transaction, up to
    version 6; a step that leaves a broken reference is rolled back."""
    for step in steps:
        if not current < step.version <= LEGACY_LATEST:
            continue
        log.info("Migrating %s to schema version %d: %s", where, step.version, step.description)
        raw.execute("BEGIN IMMEDIATE")
        try:
            step.apply(raw)
            raw.execute(f"PRAGMA user_version = {step.version:d}")
            refuse_broken_references(
                raw.execute("PRAGMA foreign_key_check").fetchall(), where, step.version
            )
            raw.execute("COMMIT")
        except BaseException:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raise
