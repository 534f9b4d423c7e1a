"""The last SkinsNode catalog per profile, for browsing offline and fast start-up.

Stored as rows (one per item) so that 100k items are written in bounded ``executemany``
batches and searched with SQL; ``raw`` JSON is not kept (the live catalog has it).

Transaction functions::

    replace_catalog(conn, profile, items: Iterable[CatalogItem], fetched_at) -> CatalogCacheInfo
    load_catalog(conn, profile) -> Catalog | None
    catalog_cache_info(conn, profile) -> CatalogCacheInfo | None
    search_catalog(conn, profile, text, *, limit=200) -> list[CatalogItem]
    get_catalog_item(conn, profile, item_id) -> CatalogItem | None
    clear_catalog(conn, profile) -> None

``CatalogCacheRepository(db)``: ``replace``, ``load``, ``info``, ``search``, ``get_item``,
``clear`` (async).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from itertools import islice

from skins_console.core.catalog_rows import (
    ROW_FIELDS,
    CatalogRow,
    CatalogRows,
    RepeatedValues,
    image_url_of,
)
from skins_console.core.models import Catalog, CatalogItem
from skins_console.core.records import CatalogCacheInfo
from skins_console.store.codec import like_pattern, stored_time, ts
from skins_console.store.connection import StoreConnection
from skins_console.store.repository import Repository, reads, writes

#: CatalogItem's fields in its order, the item's id stored as ``item_id``
_ITEM_COLUMNS = ("item_id", *ROW_FIELDS[1:])
_SELECT_ITEMS = f"SELECT {', '.join(_ITEM_COLUMNS)} FROM catalog_items"
_INSERT_ITEM = (
    f"INSERT INTO catalog_items (profile, {', '.join(_ITEM_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in range(len(_ITEM_COLUMNS) + 1))})"
)

#: rows written per ``executemany`` by :func:`replace_catalog`, and the pause after each
#: batch: the write runs on the store's worker thread, and 100,000 rows in one go held the
#: GIL so long that the window's thread, which needs it back after every Qt call, waited
#: 50-90 ms per refresh. 2,000 rows take a few ms; the pause lets the window run.
WRITE_BATCH_ROWS = 2000
WRITE_PAUSE_S = 0.002


def _fields(row) -> tuple:
    """A stored row's values in CatalogItem's field order, the float as a Decimal."""
    return (*row[:5], None if row[5] is None else Decimal(row[5]), *row[6:12])


def _item(row) -> CatalogItem:
    return CatalogItem(*_fields(row))


def _row(row) -> CatalogRow:
    return CatalogRow(*_fields(row))


def _values(profile: str, item: CatalogItem) -> tuple:
    return (
        profile,
        item.id,
        item.market_hash_name,
        item.price_cents,
        item.currency,
        item.phase,
        None if item.float_value is None else str(item.float_value),
        item.paint_index,
        item.paint_seed,
        item.rarity_color,
        item.class_id,
        item.instance_id,
        image_url_of(item),
    )


def replace_catalog(
    conn: StoreConnection, profile: str, items: Iterable[CatalogItem], fetched_at: datetime
) -> CatalogCacheInfo:
    # The profile's catalog_cache row first: its row lock makes two consoles refreshing the
    # same team catalog at once take turns (the second then deletes the first's rows).
    conn.execute(
        """INSERT INTO catalog_cache (profile, fetched_at, item_count) VALUES (?, ?, 0)
           ON CONFLICT (profile) DO UPDATE SET fetched_at = excluded.fetched_at""",
        (profile, ts(fetched_at)),
    )
    conn.execute("DELETE FROM catalog_items WHERE profile = ?", (profile,))
    # A catalog listing the same id twice keeps the last entry, not an error: deduplicated
    # here, so one plain INSERT of every row is the same statement on both backends.
    latest = {item.id: item for item in items}
    # In bounded batches, all in this one transaction (a crash never leaves half a cache),
    # with the GIL let go between them: see WRITE_BATCH_ROWS.
    pending = iter(latest.values())
    while batch := [_values(profile, item) for item in islice(pending, WRITE_BATCH_ROWS)]:
        conn.executemany(_INSERT_ITEM, batch)
        if len(batch) == WRITE_BATCH_ROWS:
            time.sleep(WRITE_PAUSE_S)
    count = conn.execute(
        "SELECT count(*) FROM catalog_items WHERE profile = ?", (profile,)
    ).fetchone()[0]
    conn.execute("UPDATE catalog_cache SET item_count = ? WHERE profile = ?", (count, profile))
    return CatalogCacheInfo(
        profile=profile, fetched_at=stored_time(ts(fetched_at)), item_count=count
    )


def catalog_cache_info(conn: StoreConnection, profile: str) -> CatalogCacheInfo | None:
    row = conn.execute(
        "SELECT fetched_at, item_count FROM catalog_cache WHERE profile = ?", (profile,)
    ).fetchone()
    if row is None:
        return None
    return CatalogCacheInfo(profile=profile, fetched_at=stored_time(row[0]), item_count=row[1])


#: rows read from the cursor and shared per step of load_catalog
_LOAD_STEP = 4096


def load_catalog(conn: StoreConnection, profile: str) -> Catalog | None:
    """The stored copy as compact rows (the console's start-up catalog): no CatalogItem or
    raw dict per item, each repeated value one object, id-made image URLs one template
    (``CatalogRows`` builds an item when one is asked for). 100,000 items take 33 MB of
    objects; as CatalogItems with shared values they took 57.6 MB, with the driver's new
    string per row and column 85.6 MB."""
    info = catalog_cache_info(conn, profile)
    if info is None:
        return None
    cursor = iter(
        conn.execute(
            f"{_SELECT_ITEMS} WHERE profile = ? ORDER BY market_hash_name, item_id", (profile,)
        )
    )
    rows: list[CatalogRow] = []
    # Floats are not tried: each wearable's is its own, and the trial's table of float
    # texts would only cost memory while the copy is read.
    repeated = RepeatedValues(floats=False)
    while batch := list(islice(cursor, _LOAD_STEP)):
        step = [_row(r) for r in batch]
        repeated.share(step)
        rows += step
    return Catalog(items=CatalogRows.without_raw(rows), fetched_at=info.fetched_at)


def search_catalog(
    conn: StoreConnection, profile: str, text: str, *, limit: int = 200
) -> list[CatalogItem]:
    rows = conn.execute(
        f"""{_SELECT_ITEMS} WHERE profile = ? AND lower(market_hash_name) LIKE lower(?) ESCAPE '\\'
            ORDER BY market_hash_name, item_id LIMIT ?""",
        (profile, like_pattern(text), limit),
    )
    return [_item(r) for r in rows]


def get_catalog_item(conn: StoreConnection, profile: str, item_id: str) -> CatalogItem | None:
    row = conn.execute(
        f"{_SELECT_ITEMS} WHERE profile = ? AND item_id = ?", (profile, item_id)
    ).fetchone()
    return None if row is None else _item(row)


def clear_catalog(conn: StoreConnection, profile: str) -> None:
    conn.execute("DELETE FROM catalog_items WHERE profile = ?", (profile,))
    conn.execute("DELETE FROM catalog_cache WHERE profile = ?", (profile,))


class CatalogCacheRepository(Repository):
    async def replace(
        self, profile: str, items: Iterable[CatalogItem], fetched_at: datetime
    ) -> CatalogCacheInfo:
        # Materialised here: a generator must not be consumed on the worker thread. A list
        # or tuple is not copied (100,000 more entries to allocate, and for every young
        # collection on the window's thread to walk, while the copy is written).
        rows = items if isinstance(items, list | tuple) else tuple(items)
        return await self._db.call(replace_catalog, profile, rows, fetched_at)

    load = reads(load_catalog)
    info = reads(catalog_cache_info)
    search = reads(search_catalog)
    get_item = reads(get_catalog_item)
    clear = writes(clear_catalog)
