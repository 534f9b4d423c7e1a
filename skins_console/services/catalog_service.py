"""The SkinsNode catalog: refresh it, keep the last one for offline browsing, search it.

SkinsNode has no catalog paging or search, so every refresh downloads the whole catalog;
the last one is stored per profile so that the console starts with something to show and
stays browsable when the provider is down (shown as "offline, as of <time>").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from skins_console.core.catalog_rows import CatalogRows
from skins_console.core.errors import ApiError, AuthError, ForbiddenError
from skins_console.core.heap import empty_in_slices
from skins_console.core.models import Catalog, CatalogItem
from skins_console.services import change_bus
from skins_console.services.context import AppContext

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class CatalogView:
    """A search result, and where it came from."""

    items: tuple[CatalogItem, ...]
    #: how many items matched before ``limit`` was applied
    matched: int
    #: size of the whole catalog searched
    total: int
    fetched_at: datetime | None
    #: True when served from the stored copy rather than a fresh download
    offline: bool = False
    #: why the fresh download failed, when it did and the stored copy was used instead
    stale_reason: str | None = None
    #: catalog entries the client could not read (index, reason): shown, never hidden
    skipped: tuple[tuple[int, str], ...] = field(default=())


def _tokens(text: str | None) -> list[str]:
    return [token for token in (text or "").casefold().split() if token]


def matches(item: CatalogItem, tokens: list[str]) -> bool:
    """Every word of the search appears in the name, phase or wear (any order, any case)."""
    if not tokens:
        return True
    haystack = " ".join(
        part for part in (item.market_hash_name, item.display_phase, item.wear, item.id) if part
    ).casefold()
    return all(token in haystack for token in tokens)


class CatalogService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def refresh(self, *, progress: Progress | None = None) -> Catalog:
        """Download the catalog and store it as the profile's offline copy."""
        catalog = await self.fetch(progress=progress)
        if progress:
            progress(f"Saving {len(catalog.items):,} items for offline browsing")
        await self.store(catalog)
        return catalog

    async def fetch(self, *, progress: Progress | None = None) -> Catalog:
        """Download and decode the catalog; nothing is stored (see :meth:`store`)."""
        self.ctx.require_profile()
        node = await self.ctx.skinsnode()
        if progress:
            progress("Downloading the SkinsNode catalog")
        return await node.catalog()

    async def store(self, catalog: Catalog, *, profile: str | None = None) -> None:
        """Keep ``catalog`` as the offline copy of ``profile`` (default: the open one).

        The window shows a fresh catalog first and stores it after, in the background:
        writing 100,000 rows is not what the merchant waits for."""
        name = profile or self.ctx.require_profile().name
        items = catalog.items
        # Decoded rows have CatalogItem's attributes, which is all the store reads (an
        # id-made image URL it rebuilds itself); building 100,000 CatalogItems (with their
        # raw dicts) just to write them would take a second.
        if not isinstance(items, CatalogRows):
            await self.ctx.catalog_cache.replace(name, items, catalog.fetched_at)
            self.ctx.bus.publish(change_bus.CATALOG, name)
            return
        # A list of our own (the rows are shared, not copied): the window empties the
        # catalog's list when a newer catalog replaces it, maybe while this is written.
        rows = list(items.rows)
        try:
            await self.ctx.catalog_cache.replace(name, rows, catalog.fetched_at)
        finally:
            # When the catalog was replaced meanwhile, this list holds the last references
            # to its rows: freed at once on the window's loop, 100,000 of them took 20-25
            # ms of its thread; emptied in a worker thread, a slice at a time.
            await asyncio.to_thread(empty_in_slices, rows)
        self.ctx.bus.publish(change_bus.CATALOG, name)

    async def cached(self) -> Catalog | None:
        return await self.ctx.catalog_cache.load(self.ctx.require_profile().name)

    async def search(
        self,
        text: str | None = None,
        *,
        limit: int | None = None,
        refresh: bool = True,
        progress: Progress | None = None,
    ) -> CatalogView:
        """Search a fresh catalog (``refresh``), falling back to the stored one when the
        provider cannot be reached; credential errors are never hidden behind the cache."""
        catalog: Catalog | None = None
        stale_reason: str | None = None
        if refresh:
            try:
                catalog = await self.refresh(progress=progress)
            except (AuthError, ForbiddenError):
                raise
            except ApiError as exc:
                catalog = await self.cached()
                if catalog is None:
                    raise
                stale_reason = exc.message
                log.info("catalog refresh failed; using the stored copy: %s", exc.code)
        else:
            catalog = await self.cached()
        if catalog is None:
            return CatalogView((), 0, 0, None, offline=True)
        tokens = _tokens(text)
        # Sorted like the stored copy, so a fresh and an offline search list the same way.
        found = sorted(
            (item for item in catalog.items if matches(item, tokens)),
            key=lambda item: (item.market_hash_name, item.id),
        )
        shown = found if limit is None else found[: max(0, limit)]
        return CatalogView(
            items=tuple(shown),
            matched=len(found),
            total=len(catalog.items),
            fetched_at=catalog.fetched_at,
            offline=not refresh or stale_reason is not None,
            stale_reason=stale_reason,
            skipped=catalog.skipped,
        )

    async def find(self, item_id: str, *, refresh: bool = True) -> CatalogItem | None:
        """The item with ``item_id`` in a fresh catalog (or the stored one without refresh)."""
        if refresh:
            catalog = await self.refresh()
            for item in catalog.items:
                if item.id == item_id:
                    return item
            return None
        return await self.ctx.catalog_cache.get_item(self.ctx.require_profile().name, item_id)
