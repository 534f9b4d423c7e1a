"""Both backends: the same Database API, SQL, stamping and typed errors (SQLite, PostgreSQL)."""

from __future__ import annotations

import logging
import secrets
import traceback
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import URL

from skins_console.core.errors import DatabaseUnavailableError, StoreError
from skins_console.core.models import CatalogItem, OrderRequest
from skins_console.store.catalog_cache_repository import replace_catalog, search_catalog
from skins_console.store.connection import _driver_sql
from skins_console.store.customers_repository import list_customers, save_customer
from skins_console.store.database import Database, migrate
from skins_console.store.events_repository import list_events
from skins_console.store.orders_repository import (
    get_order,
    insert_order_draft,
    mark_order_sending,
    reserved_cents,
)
from skins_console.store.profiles_repository import create_profile
from skins_console.store.schema import BASELINE, orders
from skins_console.store.schema_upgrade import HEAD_VERSION, upgrade
from skins_console.store.webhook_deliveries_repository import delivery_counts, record_delivery
from tests.fixtures.store import make_profile

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TRADE = "https://steamcommunity.com/tradeoffer/new/?partner=12345&token=abcdefgh"


def _draft(conn, n: int = 1, price: int = 1840, **options):
    """Order draft ``ord-n`` at ``price`` (``options``: insert_order_draft's, now=T0 unless
    given)."""
    options.setdefault("now", T0)
    return insert_order_draft(
        conn,
        profile="main",
        request=OrderRequest(
            catalog_item_id=f"cat-{n}",
            expected_price_cents=price,
            external_id=f"ord-{n}",
            webhook_url="http://127.0.0.1:9/wh",
            trade_url=TRADE,
        ),
        item_name="AK-47 | Redline (Field-Tested)",
        **options,
    )


@pytest.fixture
def book(book_opener):
    db = book_opener.open_sync(operator="alice")
    db.call_sync(create_profile, make_profile())
    yield db
    db.close_sync()


# --- the API and the SQL subset --------------------------------------------------------


async def test_book_opens_at_the_head_schema(book_target):
    assert book_target.schema_version == HEAD_VERSION
    one = await book_target.read(lambda conn: conn.execute("SELECT 1 + ?", (1,)).fetchone())
    assert one == (2,)


def test_placeholders_and_literals_on_both(book):
    def run(conn):
        conn.execute(
            "INSERT INTO events (profile, kind, key, at, type, message) "
            "VALUES (:profile, 'order', 'k?1', :at, 'note', '50% off: ''?'' :not_a_name')",
            {"profile": "main", "at": "2026-11-30T12:00:00.000Z"},
        )
        return conn.execute(
            "SELECT key, message FROM events WHERE key = ? AND message LIKE '50%'", ("k?1",)
        ).fetchall()

    assert book.call_sync(run) == [("k?1", "50% off: '?' :not_a_name")]


def test_placeholder_rewriting_for_psycopg():
    assert _driver_sql("SELECT ? WHERE a = :name", "pyformat", True) == (
        "SELECT %s WHERE a = %(name)s"
    )
    assert _driver_sql("SELECT '?', 'it''s :x', x::text, '5%'", "pyformat", True) == (
        "SELECT '?', 'it''s :x', x::text, '5%%'"
    )
    assert _driver_sql("SELECT '5%'", "pyformat", False) == "SELECT '5%'"
    assert _driver_sql("SELECT ? ", "native", True) == "SELECT ? "


def test_executemany_rowcount_and_sqlalchemy_constructs(book):
    def run(conn):
        _draft(conn, 1)
        _draft(conn, 2)
        conn.executemany(
            "UPDATE orders SET next_check_at = ? WHERE external_id = ?",
            [("2026-12-01T00:00:00.000Z", "ord-1"), ("2026-12-02T00:00:00.000Z", "ord-2")],
        )
        changed = conn.execute("UPDATE orders SET attempts = attempts + 1").rowcount
        # Row locks skipping the locked ones: PostgreSQL's FOR UPDATE SKIP LOCKED, a no-op
        # on SQLite (whose write transaction already excludes every other writer).
        locked = conn.execute(
            select(orders.c.external_id)
            .where(orders.c.profile == "main")
            .order_by(orders.c.external_id)
            .with_for_update(skip_locked=True)
        ).fetchall()
        due = conn.execute(
            "SELECT external_id, next_check_at FROM orders ORDER BY external_id"
        ).fetchall()
        return changed, locked, due

    changed, locked, due = book.call_sync(run)
    assert changed == 2 and locked == [("ord-1",), ("ord-2",)]
    assert due == [("ord-1", "2026-12-01T00:00:00.000Z"), ("ord-2", "2026-12-02T00:00:00.000Z")]


def test_failed_transaction_leaves_nothing(book):
    def half(conn):
        _draft(conn, 1)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        book.call_sync(half)
    assert book.read_sync(get_order, "main", "ord-1") is None


# --- team columns ------------------------------------------------------------------------


def test_operator_is_stamped_on_drafts_sends_and_events(book, book_opener):
    book.call_sync(_draft)
    other = book_opener.open_sync(operator="bob")
    try:
        other.call_sync(mark_order_sending, "main", "ord-1", now=T0)
        order = other.read_sync(get_order, "main", "ord-1")
        timeline = other.read_sync(list_events, "main", "order", "ord-1")
    finally:
        other.close_sync()
    assert order.operator == "alice" and order.sent_by == "bob"
    assert [(e.type, e.operator) for e in timeline] == [
        ("status_change", "alice"),
        ("api_call", "bob"),
    ]


def test_default_operator_is_the_os_user(book_opener):
    import getpass

    db = book_opener.open_sync()
    try:
        assert db.operator == getpass.getuser()
    finally:
        db.close_sync()


# --- aggregates and text search read the same on both ----------------------------------


def test_sums_are_integers_and_search_ignores_case(book):
    def run(conn):
        _draft(conn, 1, 1840)
        _draft(conn, 2, 160)
        record_delivery(conn, "skinsnode", "d-1", content_hash="h1", now=T0)
        record_delivery(conn, "skinsnode", "d-2", content_hash="h1", now=T0)  # a replay
        save_customer(conn, "main", TRADE, label="Buyer Bob", now=T0)
        replace_catalog(
            conn,
            "main",
            [
                CatalogItem(
                    id="1", market_hash_name="AK-47 | Redline (Field-Tested)", price_cents=5
                ),
                CatalogItem(id="2", market_hash_name="AWP | Asiimov (Field-Tested)", price_cents=7),
                CatalogItem(
                    id="1", market_hash_name="AK-47 | Redline (Minimal Wear)", price_cents=9
                ),
            ],
            T0,
        )
        return (
            reserved_cents(conn, "main", accepted_since=T0),
            delivery_counts(conn),
            [c.label for c in list_customers(conn, "main", text="bob")],
            [i.market_hash_name for i in search_catalog(conn, "main", "redline")],
            [i.market_hash_name for i in search_catalog(conn, "main", "100%")],
        )

    reserved, counts, buyers, found, none = book.call_sync(run)
    assert reserved == 2000 and type(reserved) is int
    assert (counts.deliveries, counts.duplicates) == (1, 1)
    assert type(counts.duplicates) is int
    assert buyers == ["Buyer Bob"]
    # The catalog listed item 1 twice: the last entry is kept.
    assert found == ["AK-47 | Redline (Minimal Wear)"] and none == []


# --- schema versions on PostgreSQL ---------------------------------------------------------


def _engine(pg_url, pg_password):
    from urllib.parse import urlsplit

    parts = urlsplit(pg_url)
    return create_engine(
        URL.create(
            "postgresql+psycopg",
            username=parts.username,
            password=pg_password,
            host=parts.hostname,
            port=parts.port,
            database=parts.path.lstrip("/"),
        )
    )


def test_postgresql_newer_schema_is_refused_untouched(pg_url, pg_password):
    Database.open_sync(pg_url, password=pg_password).close_sync()
    engine = _engine(pg_url, pg_password)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    with pytest.raises(StoreError) as info:
        Database.open_sync(pg_url, password=pg_password)
    assert info.value.code == "database_too_new" and "newer Skins Console" in info.value.message
    with engine.connect() as conn:
        stamp = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    assert stamp == "0099_from_the_future"


def test_postgresql_older_schema_migrates_only_when_confirmed(pg_url, pg_password):
    engine = _engine(pg_url, pg_password)
    with engine.begin() as conn:
        upgrade(conn, BASELINE)
        conn.execute(
            text(
                "INSERT INTO profiles (name, skinsnode_base_url, created_at) "
                "VALUES ('main', 'http://127.0.0.1:9', '2026-11-01T10:00:00.000Z')"
            )
        )
    with pytest.raises(StoreError) as info:
        Database.open_sync(pg_url, password=pg_password)
    assert info.value.code == "database_needs_migration"
    assert "pg_dump" in info.value.message and "database migrate" in info.value.message
    done = migrate(pg_url, pg_password, confirm=True)
    assert (done.backend, done.from_version, done.to_version) == ("postgresql", 6, HEAD_VERSION)
    again = migrate(pg_url, pg_password)
    assert again.from_version is None  # nothing left to do; no confirmation needed
    with engine.connect() as conn:
        # The team columns exist now (an empty read, but an error if one were missing).
        team = "SELECT operator, sent_by, lease_owner, lease_until FROM orders"
        assert conn.execute(text(team)).all() == []
        assert conn.execute(text("SELECT name FROM profiles")).all() == [("main",)]
    engine.dispose()


def test_postgresql_database_of_another_program_is_refused(pg_url, pg_password):
    engine = _engine(pg_url, pg_password)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id integer)"))
    engine.dispose()
    with pytest.raises(StoreError) as info:
        Database.open_sync(pg_url, password=pg_password)
    assert info.value.code == "database_foreign"


def test_password_in_the_url_is_refused():
    with pytest.raises(StoreError) as info:
        Database("postgresql://alice:s3cret-pw@127.0.0.1:5432/book")
    assert info.value.code == "password_in_url" and "s3cret-pw" not in info.value.message


# --- the server going away ------------------------------------------------------------------


async def test_server_stop_is_database_unavailable_then_reconnects(own_pg_server):
    name = own_pg_server.create_database()
    db = await Database.open(own_pg_server.url_for(name), password=own_pg_server.password)
    try:
        await db.call(create_profile, make_profile())
        own_pg_server.stop()
        with pytest.raises(DatabaseUnavailableError) as info:
            await db.call(_draft)
        assert info.value.code == "database_unavailable"
        assert info.value.where == f"127.0.0.1:{own_pg_server.port}/{name}"
        assert own_pg_server.password not in str(info.value)
        own_pg_server.start()
        await db.call(_draft)  # the pool reconnects by itself
        assert (await db.read(get_order, "main", "ord-1")) is not None
    finally:
        await db.close()


def test_wrong_password_never_shows_the_password(own_pg_server, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-" + secrets.token_urlsafe(12)
    with pytest.raises(DatabaseUnavailableError) as info:
        Database.open_sync(own_pg_server.url, password=wrong)
    rendered = "".join(traceback.format_exception(info.value))
    assert "password authentication failed" in info.value.message
    assert info.value.where == f"127.0.0.1:{own_pg_server.port}/postgres"
    for shown in (str(info.value), repr(info.value), rendered, caplog.text):
        assert wrong not in shown
    assert own_pg_server.password not in caplog.text


def test_a_status_decision_locks_the_row_on_postgresql(pg_url, pg_password):
    """apply_status reads the row FOR UPDATE: while it decides, another console's write of
    the same order waits (here: NOWAIT proves the lock), so no report is applied over a
    state it did not see."""
    import threading

    import psycopg

    from skins_console.store.lifecycle_repository import require_record
    from skins_console.store.orders_repository import ORDERS

    db = Database.open_sync(pg_url, password=pg_password)
    db.call_sync(create_profile, make_profile())
    db.call_sync(_draft)
    locked, release = threading.Event(), threading.Event()

    def decide(conn):
        require_record(ORDERS, conn, "main", "ord-1", for_update=True)
        locked.set()
        assert release.wait(30)

    worker = threading.Thread(target=db.call_sync, args=(decide,))
    worker.start()
    try:
        assert locked.wait(30)
        other = psycopg.connect(pg_url, password=pg_password, autocommit=True, connect_timeout=10)
        try:
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("SELECT 1 FROM orders WHERE external_id = 'ord-1' FOR UPDATE NOWAIT")
            # Other orders are not held up.
            assert other.execute("SELECT count(*) FROM orders").fetchone() == (1,)
        finally:
            other.close()
    finally:
        release.set()
        worker.join(30)
        db.close_sync()


def test_buyers_attention_and_reports_read_alike(book):
    """The aggregate and report queries give the same, typed answers on both backends."""
    from datetime import timedelta

    from skins_console.core.models import OrderState
    from skins_console.store.attention_repository import attention_items, resolve_attention
    from skins_console.store.buyers_repository import (
        buyer_summaries,
        buyers_named,
        reversals_since,
    )
    from skins_console.store.orders_repository import apply_order_state
    from skins_console.store.report_queries import orders_created_between

    def report(external_id, status, amount):
        return OrderState(
            external_id=external_id,
            status=status,
            steam_offer_id=None,
            trade_url=TRADE,
            amount_cents=amount,
            currency="USD",
            failure=None,
            timestamps={},
            raw={"status": status},
        )

    def run(conn):
        save_customer(conn, "main", TRADE, label="Buyer Bob", now=T0)
        for n, price in ((1, 1840), (2, 160), (3, 999)):
            _draft(conn, n, price, buyer_partner=12345, now=T0 + timedelta(minutes=n))
        apply_order_state(conn, "main", report("ord-1", "completed", 1800), now=T0)
        apply_order_state(conn, "main", report("ord-2", "reversed", 160), now=T0)
        return (
            buyer_summaries(conn, "main"),
            [c.label for c in buyers_named(conn, "main", "buyer BOB")],
            [key for _kind, key, _at in reversals_since(conn, "main", 12345, T0)],
            [o.external_id for o in orders_created_between(conn, "main", T0, T0.replace(hour=13))],
        )

    (summary,), named, reversed_keys, created = book.call_sync(run)
    assert (summary.orders, summary.delivered, summary.reversals) == (3, 1, 1)
    assert summary.total_spent_cents == 1800 and type(summary.total_spent_cents) is int
    assert type(summary.orders) is int and summary.last_reversal_at is not None
    assert named == ["Buyer Bob"] and reversed_keys == ["ord-2"]
    assert created == ["ord-1", "ord-2", "ord-3"]

    later = T0 + timedelta(days=3)  # the draft ord-3 is stuck by now
    items = book.read_sync(attention_items, "main", later)
    assert "ord-3" in [i.key for i in items]
    item = next(i for i in items if i.key == "ord-3")
    assert item.buyer_name == "Buyer Bob"
    book.call_sync(
        resolve_attention,
        "main",
        "order",
        "ord-3",
        reason=item.reason,
        operator="alice",
        now=later,
    )
    assert "ord-3" not in [i.key for i in book.read_sync(attention_items, "main", later)]


def test_postgresql_session_commits_durably_and_names_itself(pg_url, pg_password):
    db = Database.open_sync(pg_url, password=pg_password)
    try:
        settings = db.read_sync(
            lambda conn: [
                conn.execute(f"SHOW {name}").fetchone()[0]
                for name in ("synchronous_commit", "application_name", "transaction_isolation")
            ]
        )
        written = db.call_sync(lambda conn: conn.execute("SHOW transaction_isolation").fetchone())
    finally:
        db.close_sync()
    # Every commit waits for the WAL flush: what @durable asks of SQLite, always.
    assert settings == ["on", "skins-console", "repeatable read"]
    assert written == ("read committed",)
    assert db.display_url == pg_url and db.path is None
