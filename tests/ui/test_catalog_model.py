from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel

from skins_console.core.models import Catalog, CatalogItem, utcnow
from skins_console.core.money import format_cents
from skins_console.ui.catalog_model import (
    COL_FLOAT,
    COL_NAME,
    COL_PRICE,
    COL_WEAR,
    HEADERS,
    CatalogColumns,
    CatalogFilter,
    CatalogModel,
    CatalogProxy,
    FloatRole,
    ItemRole,
    SortRole,
    readable,
)

ITEMS = [
    CatalogItem(
        "a",
        "AK-47 | Redline (Field-Tested)",
        1840,
        float_value=Decimal("0.2183"),
        paint_seed=661,
        rarity_color="8847ff",
    ),
    CatalogItem(
        "b",
        "★ Karambit | Doppler (Factory New)",
        91000,
        float_value=Decimal("0.0102"),
        paint_index=418,
        paint_seed=12,
        rarity_color="eb4b4b",
    ),
    CatalogItem(
        "c", "StatTrak™ AWP | Asiimov (Battle-Scarred)", 15000, float_value=Decimal("0.9001")
    ),
    CatalogItem(
        "d", "Souvenir M4A1-S | Knight (Factory New)", 250000, float_value=Decimal("0.0300")
    ),
    CatalogItem("e", "Sticker | Crown (Foil)", 99000),
]


@pytest.fixture
def models(qapp):
    model = CatalogModel()
    model.set_catalog(Catalog(tuple(ITEMS), utcnow()))
    proxy = CatalogProxy()
    proxy.setSourceModel(model)
    return model, proxy


def names(proxy):
    return [proxy.index(r, COL_NAME).data() for r in range(proxy.rowCount())]


def test_models_pass_qt_model_tester(models, qtmodeltester):
    model, proxy = models
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)
    proxy.set_filter(CatalogFilter(text="a"))
    proxy.sort(COL_PRICE, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy)


def test_cells_show_precomputed_values(models):
    model, _ = models
    assert model.index(0, COL_PRICE).data() == "$18.40"
    assert model.index(0, COL_FLOAT).data() == "0.2183"
    assert model.index(0, COL_FLOAT).data(FloatRole) == pytest.approx(0.2183)
    assert model.index(0, COL_WEAR).data() == "FT"
    assert model.index(1, COL_PRICE).data(SortRole) == 91000
    assert model.index(1, 3).data() == "Phase 1"  # paint index 418
    assert model.index(1, 2).data() == "★"
    assert model.index(2, 2).data() == "StatTrak™"
    assert model.index(0, COL_NAME).data(ItemRole) is ITEMS[0]
    assert model.index(4, COL_FLOAT).data(FloatRole) is None


def test_search_words_and_filters_combine(models):
    _, proxy = models
    proxy.set_filter(CatalogFilter(text="doppler phase"))
    assert names(proxy) == ["★ Karambit | Doppler (Factory New)"]
    proxy.set_filter(CatalogFilter(wears=frozenset({"Factory New"})))
    assert len(names(proxy)) == 2
    proxy.set_filter(CatalogFilter(star=False, stattrak=False, souvenir=False))
    assert names(proxy) == ["AK-47 | Redline (Field-Tested)", "Sticker | Crown (Foil)"]
    proxy.set_filter(CatalogFilter(kinds=frozenset({"Sticker"})))
    assert names(proxy) == ["Sticker | Crown (Foil)"]
    proxy.set_filter(CatalogFilter(min_cents=15000, max_cents=99000))
    assert sorted(names(proxy)) == sorted(
        [ITEMS[1].market_hash_name, ITEMS[2].market_hash_name, ITEMS[4].market_hash_name]
    )
    proxy.set_filter(CatalogFilter(text="661"))  # paint seed
    assert names(proxy) == ["AK-47 | Redline (Field-Tested)"]


def test_narrowing_search_matches_full_recompute(models):
    _, proxy = models
    proxy.set_filter(CatalogFilter(text="a"))
    proxy.set_filter(CatalogFilter(text="asi"))
    narrowed = names(proxy)
    fresh = CatalogProxy()
    fresh.setSourceModel(proxy.sourceModel())
    fresh.set_filter(CatalogFilter(text="asi"))
    assert narrowed == names(fresh) == ["StatTrak™ AWP | Asiimov (Battle-Scarred)"]


def test_sort_uses_raw_values_and_keeps_mapping(models):
    _model, proxy = models
    proxy.sort(COL_PRICE, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, COL_PRICE).data(SortRole) for r in range(5)] == sorted(
        i.price_cents for i in ITEMS
    )
    proxy.sort(COL_FLOAT, Qt.SortOrder.DescendingOrder)
    # No float sorts after real floats, so it comes first when descending.
    assert names(proxy)[0] == "Sticker | Crown (Foil)"
    for r in range(proxy.rowCount()):
        source = proxy.mapToSource(proxy.index(r, COL_NAME))
        assert proxy.mapFromSource(source).row() == r


def test_sort_keeps_a_selected_row_selected_in_every_column_and_order(models, qtmodeltester):
    from PySide6.QtCore import QItemSelectionModel

    model, proxy = models
    selection = QItemSelectionModel(proxy)
    proxy.set_filter(CatalogFilter(text="a"))  # a few rows hidden: the lookup is not 1:1
    shown = [proxy.source_row(r) for r in range(proxy.rowCount())]
    chosen = proxy.index(2, COL_NAME)
    item = model.item(proxy.source_row(2))
    selection.select(
        chosen, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    )
    selection.setCurrentIndex(chosen, QItemSelectionModel.SelectionFlag.NoUpdate)
    for column in range(1, len(HEADERS)):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            proxy.sort(column, order)
            rows = {index.row() for index in selection.selectedIndexes()}
            assert len(rows) == 1 and len(selection.selectedIndexes()) == len(HEADERS)
            assert model.item(proxy.source_row(rows.pop())) == item
            current = selection.currentIndex()
            assert current.column() == COL_NAME
            assert model.item(proxy.source_row(current.row())) == item
            assert sorted(proxy.source_row(r) for r in range(proxy.rowCount())) == sorted(shown)
            qtmodeltester.check(proxy)


def test_a_column_built_in_slices_equals_one_pass():
    from skins_console.ui import catalog_columns

    step = catalog_columns._STEP
    for n in (0, 1, step - 1, step, step + 1, 3 * step + 5):
        names = [f"item {i % 97}" for i in range(n)]
        seeds = list(range(n))
        assert catalog_columns._mapped(str.upper, names) == list(map(str.upper, names))
        assert catalog_columns._mapped("{} {}".format, names, seeds) == list(
            map("{} {}".format, names, seeds)
        )


def test_a_sold_row_leaves_the_sort_order_and_search_index_whole(models):
    """The proxy deletes a sold row from the rows it shows; those rows are a copy, so the
    columns' sort order and the search index built over it keep every row."""
    from skins_console.ui.catalog_model import KeyBlob

    model, proxy = models
    proxy.sort(COL_PRICE, Qt.SortOrder.AscendingOrder)
    order, keys_by_row = proxy.search_index_inputs()
    assert proxy.install_blob(KeyBlob(order, keys_by_row))
    cheapest = proxy.source_row(0)
    proxy.hide_sold(cheapest)
    assert cheapest not in proxy.visible_rows() and proxy.rowCount() == len(ITEMS) - 1
    by_price = sorted(range(len(ITEMS)), key=lambda row: ITEMS[row].price_cents)
    assert model.columns.orders["prices"].tolist() == by_price
    assert order.tolist() == by_price
    proxy.set_filter(CatalogFilter(text="knight"))  # found through the search index
    assert names(proxy) == ["Souvenir M4A1-S | Knight (Factory New)"]


def test_map_from_source_follows_filters_and_sold_rows(models):
    model, proxy = models
    proxy.sort(COL_PRICE, Qt.SortOrder.DescendingOrder)

    def mapped() -> list[int]:
        return [proxy.mapFromSource(model.index(row, COL_NAME)).row() for row in range(5)]

    by_price = sorted(range(len(ITEMS)), key=lambda row: -ITEMS[row].price_cents)
    assert mapped() == [by_price.index(row) for row in range(5)]
    proxy.set_filter(CatalogFilter(text="(factory new)"))  # rows 1 (Karambit) and 3 (Knight)
    assert mapped() == [-1, 1, -1, 0, -1]
    proxy.hide_sold(3)
    assert mapped() == [-1, 0, -1, -1, -1]
    assert proxy.mapFromSource(model.index(1, COL_PRICE)).column() == COL_PRICE


def test_columns_build_tolerates_missing_fields():
    columns = CatalogColumns.build([CatalogItem("x", "Weird thing", 0)])
    assert columns.float_text(0) == "" and columns.wears == [""] and columns.seeds == [-1]


def test_pale_rarity_colours_are_darkened_on_light_theme():
    assert readable("#d2d2d2", dark=False).valueF() < 0.6
    assert readable("#d2d2d2", dark=True).name() == "#d2d2d2"
    assert readable("#4b69ff", dark=False).name() == "#4b69ff"


def test_key_blob_search_matches_the_full_pass(models):
    from skins_console.ui.catalog_model import KeyBlob, filter_rows

    model, proxy = models
    columns = model.columns
    order, keys_by_row = proxy.search_index_inputs()
    blob = KeyBlob(order, keys_by_row)
    keys = [keys_by_row[row] for row in order]
    assert blob.keys == keys
    for word in ("a", "doppler", "★", "(factory", "661", "zzz", "redline (field"):
        full = filter_rows(columns, order, CatalogFilter(text=word), keys).tolist()
        assert blob.rows_containing(word) in (None, full), word
        assert filter_rows(columns, order, CatalogFilter(text=word), keys, blob).tolist() == full
    assert proxy.install_blob(blob) and proxy.has_blob
    proxy.sort(COL_PRICE, Qt.SortOrder.AscendingOrder)  # new order: the old index is stale
    assert not proxy.install_blob(blob)


def test_search_copy_of_names_is_ascii_and_finds_what_the_names_hold():
    from skins_console.ui.catalog_model import KeyBlob, filter_rows

    names = [
        "★ Karambit | Doppler (Factory New)",
        "StatTrak™ AK-47 | Redline (Field-Tested)",
        "★ StatTrak™ Bayonet | Fade (Minimal Wear)",
        "M4A4 | 龍王 (Dragon King) (Field-Tested)",
        "AK-47 | Redline (Field-Tested)",
    ]
    columns = CatalogColumns.build([CatalogItem(str(n), name, 100) for n, name in enumerate(names)])
    # Stored one byte a character: ★ and ™ are mapped in the search copy only.
    assert all(key.isascii() for key in columns.keys[:3])
    assert columns.names == names  # the shown names are untouched
    order = list(range(len(names)))
    blob = KeyBlob(order, columns.keys)
    for text in ("★", "™", "stattrak™", "★ stattrak™", "龍王", "redline", "王 (dragon", "★ k"):
        words = text.lower().split()
        expected = [n for n, name in enumerate(names) if all(w in name.lower() for w in words)]
        flt = CatalogFilter(text=text)
        assert filter_rows(columns, order, flt, blob.keys).tolist() == expected, text
        assert filter_rows(columns, order, flt, blob.keys, blob).tolist() == expected, text


def test_ascending_rows_is_one_stable_sort_done_in_short_steps():
    import random

    from skins_console.ui import catalog_columns as catalog_model
    from skins_console.ui.catalog_model import ascending_rows

    rng = random.Random(7)
    for n in (
        0,
        1,
        3,
        catalog_model._SORT_RUN,
        catalog_model._SORT_RUN + 1,
        catalog_model._MERGE_IN_C * 3 + 5,
    ):
        names = [
            rng.choice(["ak", "awp", "m4", "★ karambit"]) + str(rng.randint(0, 40))
            for _ in range(n)
        ]  # many ties: their row order must be kept
        prices = [rng.randint(0, 500) for _ in range(n)]
        for keys in (names, prices):
            order = ascending_rows(keys)
            assert order.typecode == "i"  # a C array: no int object per row is kept
            assert order.tolist() == sorted(range(n), key=keys.__getitem__)


def test_a_replaced_catalog_is_handed_back_and_freed_in_slices(qapp, monkeypatch):
    import weakref

    from skins_console.core import heap
    from skins_console.ui.catalog_model import CatalogColumns, CatalogModel, release_in_steps

    class Tracked(dict):  # CatalogItem.raw: a weakref tells when the item is gone
        pass

    raws = [Tracked(n=i) for i in range(7)]
    items = [
        CatalogItem(f"id{i}", f"AK-47 | Slate (Field-Tested) {i}", 100 + i, raw=raws[i])
        for i in range(7)
    ]
    watchers = [weakref.ref(r) for r in raws]
    del raws
    model = CatalogModel()
    model.set_columns(CatalogColumns.build(items))
    del items
    previous = model.set_columns(CatalogColumns.build(ITEMS))
    assert len(previous) == 7 and model.rowCount() == len(ITEMS)
    monkeypatch.setattr(heap, "RELEASE_STEP", 3)
    release_in_steps(previous)
    assert len(previous) == 0 and previous.orders == {} and previous.names == []
    assert all(w() is None for w in watchers)  # nothing else held the old items


def test_the_offline_copys_items_are_freed_in_slices_not_with_their_tuple(qapp, monkeypatch):
    """The offline copy loads as a tuple of CatalogItems; the columns keep them as a list
    that release_in_steps empties a slice at a time (a tuple is freed in one C call)."""
    from skins_console.core import heap
    from skins_console.ui.catalog_model import release_in_steps

    cached = Catalog(tuple(ITEMS), utcnow())
    columns = CatalogColumns.build(cached.items)
    assert isinstance(columns.items, list) and list(columns.items) == list(ITEMS)
    assert [columns.items[r] for r in range(len(ITEMS))] == list(cached.items)
    deleted: list[int] = []  # the list's length at each pause between two slices
    monkeypatch.setattr(heap, "RELEASE_STEP", 2)
    items = columns.items
    before = len(items)
    monkeypatch.setattr(heap, "sleep", lambda _s: deleted.append(len(items)))
    release_in_steps(columns)
    assert items == [] and before == len(ITEMS)
    assert {3, 1} <= set(deleted)  # seen part-emptied: a slice at a time, not at once
    assert cached.items == tuple(ITEMS)  # the catalog's own tuple is untouched


def test_columns_from_decoded_rows_equal_columns_from_catalog_items():
    """The decoder's rows and CatalogItems give the same columns, and the incremental
    build (cached names, bisected wear bands) agrees with the per-item definitions."""
    import json

    from skins_console.api.catalog_decode import decode_catalog
    from skins_console.core.cs2 import normalise_color, wear_for_float
    from skins_console.ui.catalog_columns import _MARKS, CatalogColumns, search_text

    entries = []
    for n in range(400):
        entries.append(
            {
                "id": f"id-{n}",
                "marketHashName": [
                    "★ Karambit | Doppler (Factory New)",
                    "StatTrak™ AK-47 | Redline (Field-Tested)",
                    "Souvenir AWP | Safari Mesh (Battle-Scarred)",
                    "Sticker | Crown (Foil)",
                ][n % 4],
                "price": 5 + n * 37,
                "currency": "USD" if n % 7 else "EUR",
                "phase": None,
                "floatValue": [None, "0.07", "0.0699999999", "0.15", "0.38", "0.45", "1", "0"][
                    n % 8
                ],
                "paintIndex": [418, 415, None, 7][n % 4],
                "paintSeed": None if n % 5 == 0 else n,
                "rarityColor": [None, "EB4B4B", "#4b69ff", "junk"][n % 4],
                # none, one made of the item's id (kept as a shared template), another
                "imageUrl": [None, f"http://x/items/id-{n}.png", f"http://x/{n}.png"][n % 3],
            }
        )
    decoded = decode_catalog(json.dumps({"items": entries}).encode()).items
    items = list(decoded)
    fast, slow = CatalogColumns.build(decoded), CatalogColumns.build(items)
    for name in ("ids", "names", "keys", "prices", "floats", "wears", "kinds", "flags",
                 "marks", "phases", "seeds", "colors"):  # fmt: skip
        assert getattr(fast, name) == getattr(slow, name), name
    for row, item in enumerate(items):
        assert fast.image_url(row) == slow.image_url(row) == (item.image_url or "")
        assert fast.wears[row] == (
            wear_for_float(item.float_value) or item.name_parts.exterior or ""
        )
        assert fast.colors[row] == normalise_color(item.rarity_color, item.name_parts.quality_color)
        assert fast.price_text(row) == format_cents(item.price_cents, item.currency)
        assert fast.float_text(row) == CatalogItem.float_text(item.float_value)
        assert fast.marks[row] == _MARKS[fast.flags[row]]
        assert fast.phases[row] == (item.display_phase or "")
        assert fast.kinds[row] == item.name_parts.kind
        seed = "" if item.paint_seed is None else item.paint_seed
        assert fast.keys[row] == search_text(f"{item.market_hash_name} {fast.phases[row]} {seed}")


def test_work_on_replaced_columns_waits_for_or_skips_their_release():
    import threading

    from skins_console.ui.catalog_columns import CatalogColumns, KeyBlob, release_in_steps

    columns = CatalogColumns.build(ITEMS)
    started, go_on, results = threading.Event(), threading.Event(), []

    def slow_index(order, keys):
        started.set()
        go_on.wait(5)
        return KeyBlob(order, keys)

    worker = threading.Thread(
        target=lambda: results.append(
            columns.guarded(slow_index, list(range(len(ITEMS))), columns.keys)
        )
    )
    worker.start()
    started.wait(5)
    releaser = threading.Thread(target=release_in_steps, args=(columns,))
    releaser.start()
    releaser.join(0.2)
    assert releaser.is_alive() and len(columns) == len(ITEMS)  # waits for the index build
    go_on.set()
    worker.join(5)
    releaser.join(5)
    assert isinstance(results[0], KeyBlob) and len(columns) == 0
    # Afterwards, work on the released columns is skipped, not run on emptied lists.
    assert columns.guarded(KeyBlob, [0], columns.keys) is None
    columns.compute_orders()  # no IndexError
    assert columns.orders == {}


def test_proxy_refuses_a_source_that_is_not_a_catalog_model(qapp):
    proxy = CatalogProxy()
    with pytest.raises(TypeError, match="CatalogModel"):
        proxy.setSourceModel(QStandardItemModel())
    assert proxy.sourceModel() is None and proxy.rowCount() == 0
