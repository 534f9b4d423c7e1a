"""Profiles (secrets only in the keyring), the wallet's projected balance, the offline
catalog, CSV export, and store failures that must lose nothing."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from skins_console.core.errors import (
    ApiError,
    DiskFullError,
    ProfileError,
    StoreError,
)
from skins_console.services.catalog_service import CatalogService
from skins_console.services.checkout_service import CheckoutRequest, CheckoutService
from skins_console.services.context import AppContext
from skins_console.services.deposit_service import DepositInput, DepositLine, DepositService
from skins_console.services.export_service import ExportService
from skins_console.services.profile_service import ProfileService
from skins_console.services.wallet_service import WalletService
from skins_console.store.paths import resolve_paths
from skins_console.store.secrets import SecretKind
from tests.fixtures.services import pick_item, sandbox_profile, sandbox_secrets


async def test_profile_secrets_live_only_in_the_keyring(services_ctx, sandbox, test_keyring):
    ctx = services_ctx
    secrets = sandbox_secrets(sandbox)
    assert (
        await ctx.secrets.aget("main", SecretKind.SKINSNODE_CLIENT_SECRET)
        == secrets.skinsnode_client_secret
    )
    await ctx.db.close()
    blob = ctx.paths.database.read_bytes() + (
        ctx.paths.database.with_name(ctx.paths.database.name + "-wal").read_bytes()
        if ctx.paths.database.with_name(ctx.paths.database.name + "-wal").exists()
        else b""
    )
    for value in (
        secrets.skinsnode_client_secret,
        secrets.skinslink_api_key,
        secrets.skinslink_webhook_secret,
    ):
        assert value.encode() not in blob
    ctx.db = None  # closed above; the fixture's close must not fail
    ctx._closed = True


async def test_add_list_use_test_remove(services_ctx, sandbox):
    ctx = services_ctx
    service = ProfileService(ctx)
    second = await service.add(sandbox_profile(sandbox, "second"), sandbox_secrets(sandbox))
    assert not second.active, "only the first profile becomes active by itself"
    assert [p.name for p in await service.list()] == ["main", "second"]
    await service.use("second")
    assert ctx.profile.name == "second" and ctx.settings.active_profile == "second"
    report = await service.test("second")
    assert report.ok, report.checks
    assert [c.name for c in report.checks] == [
        "SkinsNode health",
        "SkinsNode wallet",
        "Skinslink API key",
    ]
    await service.remove("second")
    assert ctx.profile is None or ctx.profile.name != "second"
    assert await ctx.secrets.aget("second", SecretKind.SKINSLINK_API_KEY) is None
    with pytest.raises(ProfileError):
        await service.use("second")


async def test_profile_test_reports_each_failure(services_ctx_factory, sandbox):
    from skins_console.services.profile_service import ProfileSecrets

    ctx = await services_ctx_factory(sandbox, secrets=ProfileSecrets("bad-secret", "bad-api-key"))
    report = await ProfileService(ctx).test()
    status = {c.name: c.ok for c in report.checks}
    assert status == {
        "SkinsNode health": True,
        "SkinsNode wallet": False,
        "Skinslink API key": False,
    }
    assert not report.ok


async def test_unknown_profile_is_a_clear_error(services_ctx):
    with pytest.raises(ProfileError, match="no profile named “nope”"):
        await AppContext.open(resolve_paths(), profile="nope")


async def test_projected_balance_counts_only_what_the_balance_does_not_show(
    services_ctx, sandbox, trade_url
):
    ctx = services_ctx
    wallet = WalletService(ctx)
    before = await wallet.fetch()
    item = await pick_item(ctx)
    result = await CheckoutService(ctx).checkout(CheckoutRequest(item.id, trade_url()))
    assert result.ok
    after = await wallet.fetch()
    # Accepted just now: SkinsNode has debited it, but its wallet read may be cached.
    assert (
        after.reserved_cents >= item.price_cents
        or after.available_cents <= before.available_cents - item.price_cents
    )
    history = await wallet.history()
    assert len(history) >= 2 and history[-1].available_cents == after.available_cents
    last = await wallet.last()
    assert last.offline and last.available_cents == after.available_cents


async def test_low_balance_flag(services_ctx_factory, sandbox_factory):
    box = sandbox_factory(initial_balance_cents=900)
    ctx = await services_ctx_factory(box, low_balance_threshold_cents=1000)
    view = await WalletService(ctx).fetch()
    assert view.low and "below the low-balance threshold" in view.summary()


async def test_catalog_search_and_offline_fallback(services_ctx_factory, sandbox_factory):
    box = sandbox_factory()
    ctx = await services_ctx_factory(box)
    service = CatalogService(ctx)
    fresh = await service.search("knife", limit=5)
    assert not fresh.offline and fresh.total == len(box.catalog)
    assert all("knife" in i.market_hash_name.lower() for i in fresh.items)
    box.set_faults([{"kind": "error", "status": 503, "route": "/v1/catalog"}])
    stale = await service.search("knife", limit=5)
    assert stale.offline and "HTTP 503" in stale.stale_reason
    assert [i.id for i in stale.items] == [i.id for i in fresh.items]
    offline = await service.search(None, refresh=False)
    assert offline.total == fresh.total


async def test_catalog_without_a_stored_copy_reports_the_provider_error(
    services_ctx_factory, sandbox_factory
):
    box = sandbox_factory(faults=[{"kind": "error", "status": 503, "route": "/v1/catalog"}])
    ctx = await services_ctx_factory(box)
    with pytest.raises(ApiError, match="503"):
        await CatalogService(ctx).search("ak")


async def test_export_csv_money_as_dollars_and_atomic(services_ctx, sandbox, trade_url, tmp_path):
    ctx = services_ctx
    item = await pick_item(ctx)
    order = (await CheckoutService(ctx).checkout(CheckoutRequest(item.id, trade_url()))).order
    quote = await DepositService(ctx).quote(["AK-47 | Redline (Field-Tested)"])
    await DepositService(ctx).create(
        DepositInput(
            quote.id,
            trade_url(),
            (DepositLine("AK-47 | Redline (Field-Tested)", "42", Decimal("1.234")),),
        )
    )
    target = tmp_path / "orders.csv"
    assert await ExportService(ctx).export_orders(target) == 1
    rows = list(csv.DictReader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["external_id"] == order.external_id
    # Always two decimals: a $6 item exports as "6.00", not "6".
    whole, cents = divmod(item.price_cents, 100)
    assert rows[0]["expected_price_usd"] == f"{whole}.{cents:02d}"
    assert rows[0]["created_at"].endswith("Z")
    deposits = tmp_path / "deposits.csv"
    await ExportService(ctx).export_deposits(deposits)
    row = next(csv.DictReader(deposits.read_text(encoding="utf-8-sig").splitlines()))
    assert row["min_prices_usd"] == "1.234"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(StoreError, match="Cannot create"):
        await ExportService(ctx).export_orders(tmp_path / "orders.csv" / "inside.csv")


async def test_full_disk_during_checkout_sends_nothing_and_keeps_earlier_data(
    services_ctx_factory, sandbox_factory, trade_url
):
    box = sandbox_factory()
    withdrawn = [entry.id for entry in box.catalog.entries()[:80]]
    for item_id in withdrawn:
        box.catalog.delist(item_id)
    ctx = await services_ctx_factory(box)
    item = await pick_item(ctx)
    first = await CheckoutService(ctx).checkout(CheckoutRequest(item.id, trade_url()))
    cached = await ctx.catalog_cache.info("main")
    await ctx.db.call(lambda conn: conn.execute("CREATE TABLE filler (b BLOB)"))
    pages = await ctx.db.read(lambda conn: conn.execute("PRAGMA page_count").fetchone()[0])
    # A real SQLITE_FULL: the file may not grow, and a filler takes every free page left.
    await ctx.db.call(lambda conn: conn.execute(f"PRAGMA max_page_count = {pages}"))
    with pytest.raises(DiskFullError):
        for _ in range(10_000):
            await ctx.db.call(
                lambda conn: conn.execute("INSERT INTO filler VALUES (zeroblob(2000))")
            )
    for item_id in withdrawn:  # the next refresh has 80 more items to store
        box.catalog.relist(item_id)
    other = box.catalog.entries()[0]
    with pytest.raises(DiskFullError) as info:
        await CheckoutService(ctx).checkout(CheckoutRequest(other.id, trade_url()))
    assert "full" in info.value.message and "nothing was saved" in info.value.message
    assert box.truth()["requests"].get("POST /v1/orders", 0) == 1
    assert (await ctx.orders.get("main", first.order.external_id)) is not None
    assert await ctx.catalog_cache.info("main") == cached
