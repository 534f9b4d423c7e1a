"""A large catalog is shown before it is stored: ``fetch`` stores nothing, ``store`` writes
the decoded rows as the offline copy, and the copy reads back as the same items."""

from __future__ import annotations

import asyncio

from skins_console.core.catalog_rows import CatalogRow, CatalogRows, IdImageUrl
from skins_console.services.catalog_service import CatalogService


async def test_fetch_stores_nothing_and_store_keeps_the_decoded_rows(
    services_ctx_factory, sandbox_factory
):
    box = sandbox_factory(catalog_size=6000)  # over 1 MB: decoded into rows
    ctx = await services_ctx_factory(box)
    service = CatalogService(ctx)
    catalog = await service.fetch()
    assert isinstance(catalog.items, CatalogRows) and len(catalog.items) == 6000
    assert await ctx.catalog_cache.info("main") is None  # nothing written yet
    await service.store(catalog)
    info = await ctx.catalog_cache.info("main")
    assert info is not None and info.item_count == 6000
    cached = await service.cached()
    assert cached is not None
    by_id = {item.id: item for item in catalog.items}
    assert len(cached.items) == 6000
    for item in cached.items:
        fresh = by_id[item.id]
        # The offline copy keeps every field but the raw JSON (see the repository).
        assert item == fresh, item.id
        assert item.float_value == fresh.float_value and item.currency == fresh.currency
    # Repeated values are one object each in the copy read back (the start-up catalog).
    names = {item.market_hash_name for item in cached.items}
    assert len({id(item.market_hash_name) for item in cached.items}) == len(names) < 6000
    assert len({id(item.currency) for item in cached.items}) == 1
    # Read back as compact rows (no CatalogItem, no raw dict per item) and the sandbox's
    # per-item image URLs as one template; an item is built when one is asked for.
    assert isinstance(cached.items, CatalogRows)
    rows = cached.items.rows
    assert all(type(row) is CatalogRow for row in rows)
    assert len({id(row.image_url) for row in rows}) == 1
    assert isinstance(rows[0].image_url, IdImageUrl)
    assert cached.items[0].image_url == by_id[cached.items[0].id].image_url


async def test_the_copy_is_whole_when_the_window_frees_the_catalog_meanwhile(
    services_ctx_factory, sandbox_factory
):
    """The store writes the catalog's rows as they are (not copies of them) from a list of
    its own: the window empties the catalog's own lists, a slice at a time, once a newer
    catalog replaces it, and that may happen while the copy is being written."""
    box = sandbox_factory(catalog_size=6000)
    ctx = await services_ctx_factory(box)
    service = CatalogService(ctx)
    catalog = await service.fetch()
    expected = {item.id: item for item in catalog.items}
    writing = asyncio.ensure_future(service.store(catalog))
    await asyncio.sleep(0)  # the store has begun: the write is on the book's thread
    del catalog.items.rows[:]  # what release_in_steps does to a replaced catalog
    await writing
    cached = await service.cached()
    assert cached is not None and len(cached.items) == 6000
    assert {item.id: item for item in cached.items} == expected
