"""Every earlier schema, built from the migration list and filled, upgrades to the latest."""

import sqlite3

import pytest

from skins_console.core.errors import StoreError
from skins_console.store.database import Database
from skins_console.store.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    Migration,
    apply_migrations,
    schema_version,
)
from skins_console.store.orders_repository import get_order
from skins_console.store.profiles_repository import get_profile
from skins_console.store.schema_upgrade import HEAD_VERSION

NOW = "2026-11-01T10:00:00.000Z"


def _fill_v1(conn):
    conn.execute(
        """INSERT INTO profiles (name, skinsnode_base_url, skinsnode_client_id, webhook_url,
                                 min_price_tolerance_pct, low_balance_threshold_cents, active,
                                 created_at)
           VALUES ('main', 'https://api.skinsnode.example', 'client-1', 'https://hook.example',
                   '2.5', 5000, 1, ?)""",
        (NOW,),
    )
    conn.execute(
        """INSERT INTO orders (profile, external_id, catalog_item_id, item_name,
                               expected_price_cents, trade_url, webhook_url, request_body,
                               status, created_at, updated_at)
           VALUES ('main', 'ord-1', 'cat-9', 'AK-47 | Redline (Field-Tested)', 1840,
                   'https://steamcommunity.com/tradeoffer/new/?partner=1&token=abcdefgh',
                   'https://hook.example', '{"expectedPrice":1840}', 'sent', ?, ?)""",
        (NOW, NOW),
    )
    conn.execute(
        """INSERT INTO events (profile, kind, key, at, type, new_status, message)
           VALUES ('main', 'order', 'ord-1', ?, 'status_change', 'sent', 'sent')""",
        (NOW,),
    )
    conn.execute(
        "INSERT INTO webhook_deliveries (provider, delivery_id, received_at, key) "
        "VALUES ('skinsnode', 'dlv-1', ?, 'ord-1')",
        (NOW,),
    )
    conn.execute(
        "INSERT INTO wallet_snapshots (profile, at, available_cents, currency) "
        "VALUES ('main', ?, 123456, 'USD')",
        (NOW,),
    )


def _fill_v2(conn):
    conn.execute("UPDATE profiles SET skinslink_base_url = 'https://api.skinslink.example'")
    conn.execute(
        """INSERT INTO quotes (profile, trade_id, game, items, sum, fetched_at)
           VALUES ('main', 77, 'csgo', '[{"name":"X","price":22.75}]', '22.75', ?)""",
        (NOW,),
    )
    conn.execute(
        """INSERT INTO deposits (profile, merchant_tx_id, trade_id, quote_id, game, partner,
                                 token, items, request_body, status, amount, created_at,
                                 updated_at)
           VALUES ('main', 'dep-1', 77, 1, 'csgo', 12345, 'abcdefgh', '[]', '{}', 'hold',
                   '22.75', ?, ?)""",
        (NOW, NOW),
    )


def _fill_v3(conn):
    conn.execute(
        """INSERT INTO customers (profile, partner, token, trade_url, created_at)
           VALUES ('main', 12345, 'abcdefgh',
                   'https://steamcommunity.com/tradeoffer/new/?partner=12345&token=abcdefgh', ?)""",
        (NOW,),
    )


def _fill_v4(conn):
    conn.execute(
        "UPDATE webhook_deliveries SET content_hash = ?, duplicates = 1 "
        "WHERE delivery_id = 'dlv-1'",
        ("ab" * 32,),
    )


def _fill_v5(conn):
    conn.execute("UPDATE customers SET label = 'regular', note = 'pays fast' WHERE partner = 12345")
    conn.execute(
        """INSERT INTO attention_handled (profile, kind, key, reason, handled_at, handled_by)
           VALUES ('main', 'order', 'ord-1', 'failed', ?, 'dana')""",
        (NOW,),
    )


FILLERS = {1: _fill_v1, 2: _fill_v2, 3: _fill_v3, 4: _fill_v4, 5: _fill_v5}


def _build(path, version):
    conn = sqlite3.connect(path, isolation_level=None)
    assert apply_migrations(conn, target=version) == list(range(1, version + 1))
    for v in range(1, version + 1):
        conn.execute("BEGIN")
        FILLERS[v](conn)
        conn.execute("COMMIT")
    conn.close()


def test_steps_are_ordered_and_latest_is_last():
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))
    assert LATEST_VERSION >= 2
    assert set(FILLERS) == set(range(1, LATEST_VERSION))  # a filler for every old version


def test_fresh_database_is_latest(store_paths):
    db = Database.open_sync(store_paths.database, backups_dir=store_paths.backups_dir)
    assert db.schema_version == HEAD_VERSION and db.migrated_from == 0
    tables = db.read_sync(
        lambda c: {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    )
    db.close_sync()
    assert {
        "profiles",
        "orders",
        "deposits",
        "quotes",
        "events",
        "webhook_deliveries",
        "wallet_snapshots",
        "catalog_cache",
        "catalog_items",
        "customers",
        "customer_trade_urls",
        "attention_handled",
    } <= tables
    assert not store_paths.backups_dir.exists() or not any(store_paths.backups_dir.iterdir())


@pytest.mark.parametrize("old_version", range(1, LATEST_VERSION))
def test_upgrade_keeps_data_and_writes_backup(store_paths, old_version):
    _build(store_paths.database, old_version)
    db = Database.open_sync(store_paths.database, backups_dir=store_paths.backups_dir)
    try:
        assert db.migrated_from == old_version and db.schema_version == HEAD_VERSION
        profile = db.read_sync(get_profile, "main")
        order = db.read_sync(get_order, "main", "ord-1")
        snapshots = db.read_sync(
            lambda c: c.execute("SELECT available_cents FROM wallet_snapshots").fetchall()
        )
        deposits = db.read_sync(
            lambda c: c.execute("SELECT merchant_tx_id, amount FROM deposits").fetchall()
        )
        delivered = db.read_sync(
            lambda c: c.execute("SELECT delivery_id FROM webhook_deliveries").fetchall()
        )
    finally:
        db.close_sync()
    assert profile.skinsnode_client_id == "client-1"
    assert str(profile.min_price_tolerance_pct) == "2.5"
    assert profile.active
    assert order.status == "sent" and order.expected_price_cents == 1840
    # Orders from before the margin have no charged amount or shop order number.
    assert order.charged_amount is None and order.shop_order is None
    assert snapshots == [(123456,)] and delivered == [("dlv-1",)]
    if old_version >= 2:
        assert deposits == [("dep-1", "22.75")]
        assert profile.skinslink_base_url == "https://api.skinslink.example"
    else:
        assert profile.skinslink_base_url == ""
    # The backup holds the database exactly as it was before the upgrade.
    backups = list(store_paths.backups_dir.glob(f"*-v{old_version}-*.sqlite3"))
    assert len(backups) == 1 and db.backup_path == backups[0]
    old = sqlite3.connect(backups[0])
    assert schema_version(old) == old_version
    assert old.execute("SELECT status FROM orders").fetchall() == [("sent",)]
    old.close()


def test_failing_step_leaves_previous_version_intact(store_paths):
    _build(store_paths.database, 1)
    broken = (*MIGRATIONS[:1], Migration(2, "broken", ("CREATE TABLE fine (x)", "THIS IS NOT SQL")))
    with pytest.raises(sqlite3.OperationalError):
        Database.open_sync(
            store_paths.database, backups_dir=store_paths.backups_dir, migrations=broken
        )
    conn = sqlite3.connect(store_paths.database)
    assert schema_version(conn) == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'fine'").fetchone() == (0,)
    conn.close()
    assert len(list(store_paths.backups_dir.glob("*-v1-*.sqlite3"))) == 1
    # The real steps still upgrade it afterwards.
    db = Database.open_sync(store_paths.database, backups_dir=store_paths.backups_dir)
    assert db.schema_version == HEAD_VERSION
    db.close_sync()


def test_database_from_newer_app_is_not_touched(store_paths):
    _build(store_paths.database, 1)
    conn = sqlite3.connect(store_paths.database)
    conn.execute(f"PRAGMA user_version = {HEAD_VERSION + 1}")
    conn.close()
    before = store_paths.database.read_bytes()
    with pytest.raises(StoreError, match="newer Skins Console"):
        Database.open_sync(store_paths.database, backups_dir=store_paths.backups_dir)
    conn = sqlite3.connect(store_paths.database)
    assert schema_version(conn) == HEAD_VERSION + 1
    conn.close()
    assert not store_paths.backups_dir.exists() or not any(store_paths.backups_dir.iterdir())
    assert len(before) > 0
