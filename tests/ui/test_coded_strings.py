"""Catalog columns of few distinct strings are stored as one code per row (issue #16)."""

import random
from array import array

from skins_console.core.models import CatalogItem
from skins_console.ui.catalog_columns import (
    KINDS,
    CatalogColumns,
    CatalogFilter,
    ascending_rows,
    filter_rows,
    sorted_rows,
)
from skins_console.ui.catalog_model import COL_MARKS, COL_PHASE
from skins_console.ui.coded_strings import CodedStrings, sort_keys


def test_coded_strings_read_back_as_the_strings_one_byte_a_row():
    strings = ["Field-Tested", "", "Factory New", "Field-Tested", "Battle-Scarred", ""]
    column = CodedStrings(strings)
    assert isinstance(column.codes, bytearray) and len(column.codes) == len(strings)
    assert list(column) == strings and column == strings
    assert [column[row] for row in range(len(strings))] == strings
    assert column[1:4] == strings[1:4]
    assert column.values == ["Field-Tested", "", "Factory New", "Battle-Scarred"]  # once each
    assert column.codes_of(frozenset({"Field-Tested", "Minimal Wear"})) == {0}


def test_more_than_256_distinct_strings_take_wider_codes():
    strings = [f"#{n:06x}" for n in range(300)] * 2
    column = CodedStrings(strings)
    assert isinstance(column.codes, array) and column.codes.typecode == "I"
    assert list(column) == strings and len(column.values) == 300


def test_sorting_by_ranks_is_sorting_by_the_strings_with_ties_in_row_order():
    rng = random.Random(11)
    pool = ["Phase 2", "", "Ruby", "Phase 1", "Emerald", "Sapphire", "Black Pearl", "Phase 4"]
    for wide in (False, True):
        strings = [rng.choice(pool) for _ in range(5000)]
        if wide:
            strings += [f"x{n}" for n in range(300)]
        column = CodedStrings(strings)
        expected = sorted(range(len(strings)), key=strings.__getitem__)
        assert ascending_rows(sort_keys(column)).tolist() == expected


def _items() -> list[CatalogItem]:
    rng = random.Random(5)
    names = [
        "★ Karambit | Doppler (Factory New)",
        "StatTrak™ AK-47 | Redline (Field-Tested)",
        "Souvenir M4A1-S | Knight (Factory New)",
        "Sticker | Crown (Foil)",
        "★ Sport Gloves | Vice (Minimal Wear)",
        "AWP | Asiimov (Battle-Scarred)",
    ]
    return [
        CatalogItem(
            str(n),
            rng.choice(names),
            rng.randint(1, 90_000),
            paint_index=rng.choice([None, 415, 418, 419, 568]),
            rarity_color=rng.choice(["eb4b4b", "8847ff", None, "4b69ff"]),
        )
        for n in range(2000)
    ]


def test_catalog_columns_of_repeated_strings_are_coded_and_filter_and_sort_as_strings():
    items = _items()
    columns = CatalogColumns.build(items)
    for name in ("wears", "kinds", "marks", "phases", "colors"):
        column = getattr(columns, name)
        assert isinstance(column, CodedStrings) and isinstance(column.codes, bytearray), name
    assert columns.marks.codes is columns.flags  # the marks cost no memory of their own
    wears, kinds, phases, marks = (
        list(columns.wears),
        list(columns.kinds),
        list(columns.phases),
        list(columns.marks),
    )
    everything = list(range(len(items)))
    flt = CatalogFilter(
        wears=frozenset({"Factory New", "Minimal Wear"}), kinds=frozenset(KINDS[:2])
    )
    expected = [
        row
        for row in everything
        if wears[row] in flt.wears and kinds[row] in flt.kinds  # the plain-string filter
    ]
    assert expected and filter_rows(columns, everything, flt).tolist() == expected
    assert sorted_rows(columns, COL_PHASE).tolist() == sorted(everything, key=phases.__getitem__)
    assert sorted_rows(columns, COL_MARKS).tolist() == sorted(everything, key=marks.__getitem__)
