import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy.exc

from skins_console.core.errors import ProfileError, TradeUrlError, ValidationError
from skins_console.core.models import CatalogItem, OrderRequest
from skins_console.core.records import ActivityFilter, WalletSnapshot
from skins_console.store.catalog_cache_repository import WRITE_BATCH_ROWS, CatalogCacheRepository
from skins_console.store.customers_repository import CustomersRepository
from skins_console.store.deposits_repository import DepositsRepository
from skins_console.store.orders_repository import OrdersRepository
from skins_console.store.profiles_repository import ProfilesRepository
from skins_console.store.wallet_repository import WalletRepository
from skins_console.store.webhook_deliveries_repository import WebhookDeliveriesRepository
from tests.fixtures.store import make_profile
from tests.store.test_deposits_repository import request as deposit_request


@pytest.fixture
def store_db(book_target):
    """Every test here runs on both backends: SQLite and PostgreSQL."""
    return book_target


T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TRADE = "https://steamcommunity.com/tradeoffer/new/?partner=12345&token=abcdefgh"


async def test_profiles_crud_active_and_rename(store_db):
    profiles = ProfilesRepository(store_db)
    main = await profiles.create(
        make_profile(
            "main", min_price_tolerance_pct=Decimal("2.5"), low_balance_threshold_cents=10_000
        )
    )
    other = await profiles.create(make_profile("Second shop", active=True))
    assert main.min_price_tolerance_pct == Decimal("2.5")
    assert [p.name for p in await profiles.list()] == ["main", "Second shop"]
    assert (await profiles.get_active()).name == "Second shop"  # only one active
    assert not (await profiles.get("main")).active
    await profiles.set_active("main")
    assert (await profiles.get_active()).name == "main"
    with pytest.raises(ProfileError) as info:
        await profiles.create(make_profile("main"))
    assert info.value.code == "profile_exists"
    updated = await profiles.update("main", webhook_url="https://hooks.example/x", is_sandbox=False)
    assert updated.webhook_url == "https://hooks.example/x" and not updated.is_sandbox
    with pytest.raises(ValidationError):
        await profiles.update("main", min_price_tolerance_pct=Decimal("150"))
    with pytest.raises(ValidationError):
        await profiles.update("main", skinsnode_base_url="ftp://nope")
    with pytest.raises(ValidationError):
        await profiles.create(make_profile("bad:name"))
    assert other.id is not None


async def test_rename_cascades_and_delete_is_guarded(store_db, store_profile):
    profiles = ProfilesRepository(store_db)
    orders = OrdersRepository(store_db)
    await orders.insert_draft(
        profile="main",
        request=OrderRequest("cat", 100, "ord-1", "http://127.0.0.1:9/wh", TRADE),
        item_name="x",
    )
    await CatalogCacheRepository(store_db).replace("main", _items(3), T0)
    await CustomersRepository(store_db).save("main", TRADE, label="Bob")
    await WalletRepository(store_db).add(WalletSnapshot("main", T0, 100))
    await profiles.rename("main", "renamed")
    assert (await orders.get("renamed", "ord-1")).status == "draft"
    assert (await CatalogCacheRepository(store_db).info("renamed")).item_count == 3
    assert len((await CatalogCacheRepository(store_db).load("renamed")).items) == 3
    assert (await CustomersRepository(store_db).get("renamed", 12345)).label == "Bob"
    assert (await WalletRepository(store_db).latest("renamed")).available_cents == 100
    assert await CatalogCacheRepository(store_db).load("main") is None
    with pytest.raises(ProfileError) as info:
        await profiles.delete("renamed")
    assert info.value.code == "profile_in_use"
    empty = await profiles.create(make_profile("empty", active=False))
    await CatalogCacheRepository(store_db).replace("empty", _items(2), T0)
    await CustomersRepository(store_db).save("empty", TRADE)
    await profiles.delete(empty.name)
    assert await profiles.get("empty") is None
    assert await CatalogCacheRepository(store_db).info("empty") is None
    assert await CustomersRepository(store_db).list("empty") == []
    with pytest.raises(ProfileError):
        await profiles.require("empty")


async def test_webhook_dedupe(store_db):
    deliveries = WebhookDeliveriesRepository(store_db)
    assert await deliveries.record("skinsnode", "dlv-1", key="ord-1", now=T0) is True
    assert await deliveries.record("skinsnode", "dlv-1", key="ord-1", now=T0) is False
    assert await deliveries.record("skinslink", "dlv-1", now=T0) is True  # other provider
    assert await deliveries.seen("skinsnode", "dlv-1")
    assert await deliveries.prune(T0 + timedelta(seconds=1)) == 2
    assert not await deliveries.seen("skinsnode", "dlv-1")


async def test_wallet_history(store_db, store_profile):
    wallet = WalletRepository(store_db)
    for minutes, cents in ((0, 50_000), (1, 50_000), (2, 48_160)):
        await wallet.add(
            WalletSnapshot("main", T0 + timedelta(minutes=minutes), cents), only_if_changed=True
        )
    history = await wallet.history("main")
    assert [(s.at, s.available_cents) for s in history] == [
        (T0, 50_000),
        (T0 + timedelta(minutes=2), 48_160),
    ]
    assert (await wallet.latest("main")).available_cents == 48_160
    assert [s.available_cents for s in await wallet.history("main", limit=1)] == [48_160]
    with pytest.raises(TypeError):
        await wallet.add(WalletSnapshot("main", T0, Decimal("1.5")))
    assert await wallet.prune("main", T0 + timedelta(minutes=1)) == 1


def _items(count):
    return [
        CatalogItem(
            id=f"id-{i:06d}",
            market_hash_name=f"Weapon {i % 97} | Skin {i}",
            price_cents=100 + i,
            float_value=Decimal("0.0712345") if i % 2 else None,
            paint_index=i % 1000,
            paint_seed=i % 1000,
            rarity_color="eb4b4b",
            image_url=f"https://img.example/{i}.png",
        )
        for i in range(count)
    ]


async def test_catalog_cache_100k_items(store_db, store_profile):
    cache = CatalogCacheRepository(store_db)
    items = _items(100_000)
    info = await cache.replace("main", items, T0)
    loaded = await cache.load("main")
    assert info.item_count == 100_000 and len(loaded.items) == 100_000
    assert loaded.fetched_at == T0
    by_id = {item.id: item for item in loaded.items}
    assert by_id["id-000001"].float_value == Decimal("0.0712345")
    assert by_id["id-000002"].float_value is None
    assert by_id["id-099999"].price_cents == 100_099
    found = await cache.search("main", "| Skin 4242", limit=50)
    assert "id-004242" in {i.id for i in found}
    assert (
        all("Skin 4242" in i.market_hash_name for i in found) and len(found) == 11
    )  # 4242, 42420-42429
    assert (await cache.get_item("main", "id-000007")).market_hash_name == "Weapon 7 | Skin 7"
    smaller = await cache.replace("main", items[:10], T0 + timedelta(hours=1))
    assert smaller.item_count == 10 and (await cache.info("main")).item_count == 10
    await cache.clear("main")
    assert await cache.load("main") is None


async def test_catalog_cache_write_in_batches_is_one_transaction(store_db, store_profile):
    """The rows go in bounded batches (the worker lets the GIL go between them), yet the
    replacement is all or nothing, and a duplicate id across batches keeps its last entry."""
    cache = CatalogCacheRepository(store_db)
    count = 2 * WRITE_BATCH_ROWS + 7  # two full batches and a short one
    old = _items(count)
    await cache.replace("main", old, T0)
    fresh = [dataclasses.replace(item, price_cents=item.price_cents + 1) for item in old]
    # the first item listed again at the end (after every batch boundary), with a new price
    fresh.append(dataclasses.replace(old[0], price_cents=1))
    info = await cache.replace("main", fresh, T0 + timedelta(hours=1))
    assert info.item_count == count
    loaded = {item.id: item for item in (await cache.load("main")).items}
    assert len(loaded) == count and loaded["id-000000"].price_cents == 1
    assert loaded[f"id-{count - 1:06d}"].price_cents == 100 + count
    # A row the database refuses in the third batch: nothing of this write stays, the
    # previous copy is whole.
    broken = [dataclasses.replace(item, price_cents=5) for item in old]
    broken[2 * WRITE_BATCH_ROWS + 3] = dataclasses.replace(old[0], id="bad", price_cents=None)
    with pytest.raises(sqlalchemy.exc.IntegrityError):  # as from execute (either backend)
        await cache.replace("main", broken, T0 + timedelta(hours=2))
    info_after = await cache.info("main")
    assert info_after is not None and info_after.item_count == count
    assert info_after.fetched_at == T0 + timedelta(hours=1)
    kept = (await cache.load("main")).items
    assert len(kept) == count and {item.price_cents for item in kept} != {5}
    assert {item.id: item for item in kept}["id-000000"].price_cents == 1


async def test_customers_book(store_db, store_profile):
    customers = CustomersRepository(store_db)
    first = await customers.save("main", f"  <{TRADE}>  ", label="Buyer Bob", now=T0)
    assert (first.partner, first.token, first.label) == (12345, "abcdefgh", "Buyer Bob")
    # A regenerated trade URL for the same account replaces the token, keeps the label.
    new_url = TRADE.replace("abcdefgh", "ZYXW-_12")
    second = await customers.save("main", new_url, now=T0 + timedelta(days=1))
    assert second.id == first.id and second.token == "ZYXW-_12" and second.label == "Buyer Bob"
    await customers.save("main", TRADE.replace("12345", "777"), label="Alice", now=T0)
    await customers.record_use("main", 777, success=None, now=T0 + timedelta(days=2))
    assert [c.partner for c in await customers.list("main")] == [777, 12345]
    await customers.record_use("main", 12345, success=False, error="Trade URL invalid")
    assert (await customers.get("main", 12345)).last_error == "Trade URL invalid"
    await customers.record_use("main", 12345, success=True, now=T0)
    bob = await customers.get("main", 12345)
    assert bob.last_error is None and bob.last_success_at == T0
    assert [c.label for c in await customers.list("main", text="bob")] == ["Buyer Bob"]
    with pytest.raises(TradeUrlError):
        await customers.save("main", "https://steamcommunity.com/tradeoffer/new/?partner=1")
    assert await customers.delete("main", 777) is True
    assert await customers.delete("main", 777) is False


async def test_needs_attention_and_search_over_both_books(store_db, store_profile):
    orders = OrdersRepository(store_db)
    deposits = DepositsRepository(store_db)
    await orders.insert_draft(
        profile="main",
        request=OrderRequest("cat", 1840, "ord-1", "http://127.0.0.1:9/wh", TRADE),
        item_name="AK-47",
        now=T0,
    )
    await deposits.insert_draft(
        profile="main", request=deposit_request(1), now=T0 + timedelta(minutes=1)
    )
    await orders.insert_draft(
        profile="main",
        request=OrderRequest("cat", 500, "ord-2", "http://127.0.0.1:9/wh", TRADE),
        item_name="AWP",
        now=T0 + timedelta(minutes=2),
    )
    await deposits.mark_rejected("main", "dep-1", code="x", message="refused")
    soon, later = T0 + timedelta(minutes=3), T0 + timedelta(hours=1)

    async def attention(repo, now):
        flt = ActivityFilter(profile="main", needs_attention=True)
        return [r.status for r in await repo.search(flt, now=now)]

    # The refused deposit needs a look at once; the unsent order drafts once they are stuck.
    assert await attention(deposits, soon) == ["rejected"]
    assert await attention(orders, soon) == []
    assert await attention(orders, later) == ["draft", "draft"]
    newest_first = await orders.search(ActivityFilter(profile="main", limit=1, offset=0))
    assert [r.external_id for r in newest_first] == ["ord-2"]
    assert await orders.search(ActivityFilter(profile="main", text="awp")) == newest_first
