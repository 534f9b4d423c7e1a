"""Both backends: the same Database API, schema and typed errors (SQLite and PostgreSQL)."""

from __future__ import annotations

from skins_console.store.schema_upgrade import HEAD_VERSION


async def test_book_opens_at_the_head_schema(book_target):
    assert book_target.schema_version == HEAD_VERSION
    assert book_target.backend in ("sqlite", "postgresql")
    one = await book_target.read(lambda conn: conn.execute("SELECT 1 + ?", (1,)).fetchone())
    assert one == (2,)
