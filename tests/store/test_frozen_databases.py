"""Real old databases, one per released schema version, upgrade with the runner users run.

``tests/store/frozen/vN.sqlite3`` were built once from the migration history at version N
(see ``build_frozen.py``) and are never rebuilt: if a migration step were edited after
release, or a new one broke old rows, these files would show it.
"""

import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from skins_console.core.records import ActivityFilter
from skins_console.store.catalog_cache_repository import get_catalog_item
from skins_console.store.customers_repository import get_customer, trade_url_history
from skins_console.store.database import Database
from skins_console.store.deposits_repository import get_deposit, list_open_deposits
from skins_console.store.events_repository import list_events
from skins_console.store.migrations import LATEST_VERSION, schema_version
from skins_console.store.orders_repository import get_order, list_open_orders, search_orders
from skins_console.store.profiles_repository import get_profile
from skins_console.store.quotes_repository import get_quote
from skins_console.store.schema_upgrade import HEAD_VERSION

FROZEN = Path(__file__).parent / "frozen"
VERSIONS = range(1, LATEST_VERSION + 1)
BACKFILLED = {"customer_trade_urls", "alembic_version"}


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        conn.close()


def test_every_released_version_has_a_frozen_file():
    assert sorted(p.name for p in FROZEN.glob("v*.sqlite3")) == sorted(
        f"v{v}.sqlite3" for v in VERSIONS
    )
    for version in VERSIONS:
        conn = sqlite3.connect(f"file:{FROZEN / f'v{version}.sqlite3'}?mode=ro", uri=True)
        assert schema_version(conn) == version
        conn.close()


@pytest.mark.parametrize("version", VERSIONS)
def test_frozen_database_upgrades_and_keeps_every_row(store_paths, version):
    frozen = FROZEN / f"v{version}.sqlite3"
    before = _counts(frozen)
    store_paths.database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(frozen, store_paths.database)

    db = Database.open_sync(store_paths.database, backups_dir=store_paths.backups_dir)
    try:
        # Every frozen file, version 6 too, is older than the Alembic head: all are migrated.
        assert db.schema_version == HEAD_VERSION
        assert db.migrated_from == version and db.backup_path is not None
        profile = db.read_sync(get_profile, "main")
        completed = db.read_sync(get_order, "main", "sc-20261002-a1f3")
        failed = db.read_sync(get_order, "main", "sc-20261003-77b0")
        open_keys = [o.external_id for o in db.read_sync(list_open_orders, "main")]
        found = db.read_sync(search_orders, ActivityFilter(profile="main", text="karambit"))
        timeline = db.read_sync(list_events, "main", "order", "sc-20261002-a1f3")
        deposit = db.read_sync(get_deposit, "main", "dep-20261005-01") if version >= 2 else None
        open_deposits = db.read_sync(list_open_deposits, "main") if version >= 2 else []
        quote = db.read_sync(get_quote, 1) if version >= 2 else None
        customer = db.read_sync(get_customer, "main", 91234567) if version >= 3 else None
        urls = db.read_sync(trade_url_history, "main", 40512288) if version >= 3 else []
        item = db.read_sync(get_catalog_item, "main", "cat-9ab4") if version >= 3 else None
        shop = db.read_sync(get_order, "main", "WEB-1001") if version >= 6 else None
        fk_problems = db.read_sync(lambda c: c.execute("PRAGMA foreign_key_check").fetchall())
    finally:
        db.close_sync()

    after = _counts(store_paths.database)
    # Every row of every old table is still there; new tables start empty, except the
    # buyer book's trade URL history, which starts from the trade URLs already known.
    assert {t: after[t] for t in before} == before
    assert all(after[t] == 0 for t in set(after) - set(before) - BACKFILLED)
    assert fk_problems == []

    assert profile.active and profile.skinsnode_client_id == "shop-4471"
    assert str(profile.min_price_tolerance_pct) == "2.5"
    assert profile.skinslink_base_url == ("https://api.skinslink.com" if version >= 2 else "")
    assert completed.status == "completed" and completed.expected_price_cents == 1840
    assert completed.item_name == "AK-47 | Redline (Field-Tested)"
    assert completed.request_body["externalId"] == "sc-20261002-a1f3"
    assert completed.settles_at is not None and completed.buyer_partner == 91234567
    assert failed.failure_code == "item_unavailable"
    # Unfinished sends survive an upgrade for recovery to finish with the same key.
    assert open_keys == ["sc-20261004-0c9e", "sc-20261004-5d21", "sc-20261004-9ab4"]
    assert [o.item_name for o in found] == ["★ Karambit | Doppler (Factory New)"]
    assert [e.new_status for e in timeline] == ["draft", "completed"]
    assert timeline[0].details["request"]["expectedPrice"] == 1840

    if version >= 2:
        assert deposit.amount == Decimal("22.755") and deposit.status == "hold"
        assert deposit.items[0]["min_price"] == Decimal("3.1")
        assert [d.merchant_tx_id for d in open_deposits] == ["dep-20261005-01", "dep-20261006-03"]
        assert quote.sum == Decimal("22.755") and quote.trade_id == 4410231
    if version >= 3:
        assert customer.label == "regular"
        # The buyer's current URL, and the one their orders went to, in the buyer book.
        assert "partner=40512288&token=kT4mQ2pL" in urls[0].trade_url
        assert item.market_hash_name == "★ Karambit | Doppler (Factory New)"
        assert item.price_cents == 61250

    if version >= 6:
        assert shop.shop_order == "WEB-1001" and shop.charged_amount == Decimal("19.999")
        assert completed.charged_amount == Decimal("24.90") and completed.charged_currency == "USD"
    else:
        assert completed.charged_amount is None and completed.shop_order is None

    backup = sqlite3.connect(db.backup_path)
    assert schema_version(backup) == version
    backup.close()
    assert _counts(db.backup_path) == before
