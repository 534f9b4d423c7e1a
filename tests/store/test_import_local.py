"""``store/import_local.py``: one profile's local history into a team book, on both target
backends: everything once, nothing twice, resumable after an interruption, conflicts left
alone and reported."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from skins_console.store import schema
from skins_console.store.connection import StoreConnection
from skins_console.store.database import Database
from skins_console.store.import_local import TABLE_ORDER, import_local
from skins_console.store.profiles_repository import create_profile
from tests.fixtures.store import make_profile

NOW = "2026-11-30T12:00:00.000000Z"
#: identity columns left out of comparisons (surrogate ids, and what the import stamps)
_SKIPPED = {"id", "quote_id", "operator", "sent_by", "lease_owner", "lease_until", "active"}


def _insert(conn: StoreConnection, table: str, row: dict[str, Any]) -> int | None:
    names = list(row)
    returning = " RETURNING id" if "id" in schema.metadata.tables[table].c else ""
    found = conn.execute(
        f"INSERT INTO {table} ({', '.join(names)}) "
        f"VALUES ({', '.join(':' + n for n in names)}){returning}",
        row,
    ).fetchone()
    return None if found is None else int(found[0])


def _fill(conn: StoreConnection, profile: str, orders: int) -> None:
    """A local history: customers and URLs, quotes, orders, deposits on those quotes, a
    timeline with a repeated event, wallet history and attention marks."""
    for partner in (11, 12, 13):
        url = f"https://steamcommunity.com/tradeoffer/new/?partner={partner}&token=T{partner}"
        _insert(conn, "customers", {
            "profile": profile, "partner": partner, "token": f"T{partner}", "trade_url": url,
            "label": f"buyer {partner}", "created_at": NOW, "note": "regular",
        })  # fmt: skip
        _insert(conn, "customer_trade_urls", {
            "profile": profile, "partner": partner, "trade_url": url, "first_used_at": NOW,
        })  # fmt: skip
    quote_ids = [
        _insert(
            conn,
            "quotes",
            {
                "profile": profile,
                "trade_id": 500 + n,
                "game": "csgo",
                "requested": "[]",
                "items": f'[{{"n": {n}}}]',
                "sum": f"{n}.50",
                "fetched_at": NOW,
            },
        )
        for n in range(4)
    ]
    for n in range(orders):
        key = f"o-{n:02d}"
        _insert(conn, "orders", {
            "profile": profile, "external_id": key, "catalog_item_id": f"i{n}",
            "item_name": "AK-47 | Redline (Field-Tested)", "expected_price_cents": 1000 + n,
            "trade_url": "https://steamcommunity.com/tradeoffer/new/?partner=11&token=T11",
            "buyer_partner": 11, "webhook_url": "http://127.0.0.1:9/w",
            "request_body": f'{{"externalId": "{key}"}}', "status": "completed",
            "created_at": NOW, "updated_at": NOW,
        })  # fmt: skip
        for step in ("draft", "sending", "completed"):
            _insert(conn, "events", {
                "profile": profile, "kind": "order", "key": key, "at": NOW,
                "type": "status_change", "new_status": step, "message": step,
            })  # fmt: skip
    # The same event twice (one retry's failure noted twice): both are history.
    for _ in range(2):
        _insert(conn, "events", {
            "profile": profile, "kind": "order", "key": "o-00", "at": NOW, "type": "api_error",
            "message": "Status check failed",
        })  # fmt: skip
    for n, quote in enumerate(quote_ids[:3]):
        key = f"tx-{n}"
        _insert(conn, "deposits", {
            "profile": profile, "merchant_tx_id": key, "trade_id": 500 + n, "quote_id": quote,
            "game": "csgo", "partner": 12, "token": "T12", "items": "[]",
            "request_body": f'{{"merchant_tx_id": "{key}"}}', "status": "draft",
            "created_at": NOW, "updated_at": NOW,
        })  # fmt: skip
    for n in range(5):
        _insert(conn, "wallet_snapshots", {
            "profile": profile, "at": f"2026-11-2{n}T00:00:00.000000Z",
            "available_cents": 10_000 - n, "currency": "USD",
        })  # fmt: skip
    _insert(conn, "attention_handled", {
        "profile": profile, "kind": "order", "key": "o-01", "reason": "failed",
        "handled_at": NOW, "handled_by": "alice", "note": "refunded",
    })  # fmt: skip


async def _source(tmp_path, orders: int = 25) -> Database:
    db = await Database.open(tmp_path / "local" / "skins-console.sqlite3", operator="alice")
    await db.call(create_profile, make_profile("main"))
    await db.call(create_profile, make_profile("other", active=False))
    await db.call(_fill, "main", orders)
    await db.call(_fill, "other", 1)
    return db


def _contents(conn: StoreConnection, profile: str) -> dict[str, Counter]:
    """Every table's rows of ``profile`` without ids, as multisets (repeats count)."""
    result: dict[str, Counter] = {}
    for name in TABLE_ORDER:
        table = schema.metadata.tables[name]
        names = [c.name for c in table.columns if c.name not in _SKIPPED | {"name", "profile"}]
        where = "name" if name == "profiles" else "profile"
        rows = conn.execute(
            f"SELECT {', '.join(names)} FROM {name} WHERE {where} = :p", {"p": profile}
        ).fetchall()
        result[name] = Counter(rows)
    return result


def _deposit_quotes(conn: StoreConnection, profile: str) -> dict[str, str]:
    rows = conn.execute(
        "SELECT d.merchant_tx_id, q.sum FROM deposits d JOIN quotes q ON q.id = d.quote_id "
        "WHERE d.profile = :p",
        {"p": profile},
    ).fetchall()
    return dict(rows)


async def test_everything_once_then_nothing_twice(book_target, tmp_path):
    source = await _source(tmp_path)
    try:
        first = await import_local(
            source, book_target, source_profile="main", profile="shop", batch_size=7
        )
        expected = await source.read(_contents, "main")
        total = sum(sum(c.values()) for c in expected.values())
        assert first.copied == total and first.already_there == 0
        assert first.tables["events"].copied == 25 * 3 + 2
        assert await book_target.read(_contents, "shop") == expected
        assert await book_target.read(_deposit_quotes, "shop") == {
            "tx-0": "0.50", "tx-1": "1.50", "tx-2": "2.50",
        }  # fmt: skip
        assert await book_target.read(_contents, "other") == {n: Counter() for n in TABLE_ORDER}

        second = await import_local(source, book_target, source_profile="main", profile="shop")
        assert second.copied == 0 and second.already_there == total
        assert await book_target.read(_contents, "shop") == expected
    finally:
        await source.close()

    stamped = await book_target.read(
        lambda conn: conn.execute(
            "SELECT DISTINCT operator, sent_by FROM orders WHERE profile = 'shop'"
        ).fetchall()
    )
    assert stamped == [(book_target.operator, book_target.operator)]
    active = await book_target.read(
        lambda conn: conn.execute("SELECT active FROM profiles WHERE name = 'shop'").fetchone()
    )
    assert active == (0,)


class _Interrupted(Exception):
    pass


async def test_an_interrupted_import_continues_where_it_stopped(book_target, tmp_path):
    source = await _source(tmp_path)
    batches: list[str] = []

    def interrupt_after_five(table: str, _counts) -> None:
        batches.append(table)
        if len(batches) == 5:
            raise _Interrupted

    try:
        with pytest.raises(_Interrupted):
            await import_local(
                source, book_target, source_profile="main", profile="shop",
                batch_size=4, on_batch=interrupt_after_five,
            )  # fmt: skip
        partial = await book_target.read(_contents, "shop")
        committed = sum(sum(c.values()) for c in partial.values())
        expected = await source.read(_contents, "main")
        total = sum(sum(c.values()) for c in expected.values())
        assert 0 < committed < total

        resumed = await import_local(
            source, book_target, source_profile="main", profile="shop", batch_size=4
        )
        assert resumed.already_there == committed
        assert resumed.copied == total - committed
        assert await book_target.read(_contents, "shop") == expected
    finally:
        await source.close()


async def test_another_operators_record_under_the_same_key_is_left_and_reported(
    book_target, tmp_path
):
    source = await _source(tmp_path, orders=3)

    def theirs(conn: StoreConnection) -> None:
        create_profile(conn, make_profile("shop", active=False))
        _insert(conn, "orders", {
            "profile": "shop", "external_id": "o-01", "catalog_item_id": "x",
            "item_name": "M4A4 | Howl (Minimal Wear)", "expected_price_cents": 1,
            "trade_url": "https://steamcommunity.com/tradeoffer/new/?partner=99&token=Z",
            "webhook_url": "", "request_body": '{"externalId": "o-01", "theirs": 1}',
            "status": "sent", "created_at": NOW, "updated_at": NOW,
        })  # fmt: skip

    await book_target.call(theirs)
    try:
        result = await import_local(source, book_target, source_profile="main", profile="shop")
    finally:
        await source.close()
    assert result.conflicts == [("order", "o-01")]
    rows = await book_target.read(
        lambda conn: conn.execute(
            "SELECT item_name FROM orders WHERE external_id = 'o-01'"
        ).fetchall()
    )
    assert rows == [("M4A4 | Howl (Minimal Wear)",)]
    events = await book_target.read(
        lambda conn: conn.execute(
            "SELECT key, count(*) FROM events WHERE profile = 'shop' GROUP BY key ORDER BY key"
        ).fetchall()
    )
    assert events == [("o-00", 5), ("o-02", 3)]  # none of ours on their o-01
    marks = await book_target.read(
        lambda conn: conn.execute("SELECT key FROM attention_handled").fetchall()
    )
    assert marks == []  # our "handled" mark of o-01 is not put on theirs
