"""One schema: what Alembic builds equals store/schema.py, and equals an upgraded old file."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from skins_console.store.database import Database
from skins_console.store.migrations import LATEST_VERSION as LEGACY_LATEST
from skins_console.store.schema import BASELINE, REVISIONS, TEAM, added_by, metadata, tables_at
from skins_console.store.schema_upgrade import HEAD, HEAD_VERSION, version_number

FROZEN = Path(__file__).parent / "frozen"


def _describe(path: Path) -> dict:
    """Everything SQLite enforces about a file's tables, in a comparable form."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        described = {}
        for table in sorted(tables):
            columns = [
                # A PRIMARY KEY column is never NULL in practice (rowid alias, or the key).
                (name, type_.upper(), bool(notnull) or bool(pk), default, pk)
                for _cid, name, type_, notnull, default, pk in conn.execute(
                    f"PRAGMA table_info({table})"
                )
            ]
            foreign = sorted(
                (ref, src, dst, on_update, on_delete)
                for _id, _seq, ref, src, dst, on_update, on_delete, _match in conn.execute(
                    f"PRAGMA foreign_key_list({table})"
                )
            )
            indexes = set()
            for _seq, name, unique, origin, partial in conn.execute(f"PRAGMA index_list({table})"):
                cols = tuple(c for _n, _cid, c in conn.execute(f"PRAGMA index_info({name})"))
                # Constraint indexes are named by SQLite; the ones we create keep their name.
                label = name if origin == "c" else origin
                sql = conn.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
                ).fetchone()
                where = " ".join(sql[0].split("WHERE", 1)[1].split()) if partial and sql else None
                indexes.add((label, cols, bool(unique), where))
            without_rowid = (
                "WITHOUT ROWID"
                in (
                    conn.execute(
                        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
                    ).fetchone()[0]
                )
            )
            described[table] = {
                "columns": columns,
                "foreign_keys": foreign,
                "indexes": indexes,
                "without_rowid": without_rowid,
            }
        return described
    finally:
        conn.close()


def _open_close(path: Path) -> None:
    Database.open_sync(path, backups_dir=path.parent / "backups").close_sync()


def _no_drift(sa_conn) -> list:
    context = MigrationContext.configure(sa_conn, opts={"compare_type": True})
    return compare_metadata(context, metadata)


def test_revisions_are_numbered_in_order():
    assert REVISIONS[0] == BASELINE and version_number(BASELINE) == LEGACY_LATEST
    assert [version_number(r) for r in REVISIONS] == list(
        range(LEGACY_LATEST, LEGACY_LATEST + len(REVISIONS))
    )
    assert REVISIONS[-1] == HEAD and version_number(HEAD) == HEAD_VERSION


def test_team_revision_adds_exactly_the_team_columns():
    added = {table: [c.name for c in columns] for table, columns in added_by(TEAM).items()}
    assert added == {
        "orders": ["operator", "sent_by", "lease_owner", "lease_until"],
        "deposits": ["operator", "sent_by", "lease_owner", "lease_until"],
        "events": ["operator"],
    }
    baseline = tables_at(BASELINE)
    assert "operator" not in baseline.tables["orders"].columns
    assert set(baseline.tables) == set(metadata.tables)


@pytest.mark.parametrize("version", range(1, LEGACY_LATEST + 1))
def test_fresh_database_equals_an_upgraded_old_file(tmp_path, version):
    fresh, old = tmp_path / "fresh.sqlite3", tmp_path / "old.sqlite3"
    shutil.copyfile(FROZEN / f"v{version}.sqlite3", old)
    _open_close(fresh)
    _open_close(old)
    described_fresh, described_old = _describe(fresh), _describe(old)
    assert set(described_fresh) == set(described_old)
    for table in described_fresh:
        assert described_fresh[table] == described_old[table], table


def test_fresh_sqlite_matches_the_declared_schema(sync_store_db):
    assert sync_store_db.read_sync(lambda conn: _no_drift(conn.sa)) == []


def test_fresh_postgresql_matches_the_declared_schema(pg_url, pg_password):
    db = Database.open_sync(pg_url, password=pg_password)
    try:
        assert db.backend == "postgresql" and db.migrated_from == 0
        assert db.read_sync(lambda conn: _no_drift(conn.sa)) == []
        tables = db.read_sync(
            lambda conn: {
                name
                for (name,) in conn.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            }
        )
    finally:
        db.close_sync()
    assert tables == set(metadata.tables) | {"alembic_version"}
