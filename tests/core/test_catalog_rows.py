"""The compact rows a catalog is held in: CatalogItem's attributes, one object per repeated
value, id-made image URLs as one template."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal

from skins_console.core.catalog_rows import (
    FLOAT_TRIAL,
    ROW_FIELDS,
    CatalogRow,
    CatalogRows,
    IdImageUrl,
    RepeatedValues,
)
from skins_console.core.models import CatalogItem


def _row(n: int, *, url: str | None = None, value: str | None = "0.25") -> CatalogRow:
    return CatalogRow(
        f"id-{n}",
        "".join(["AK-47 | Redline ", "(Field-Tested)"]),  # a new string each time
        int("1234"),
        "".join(["US", "D"]),
        None,
        None if value is None else Decimal(value),
        None,
        n % 7,
        "#d32ce6",
        "310776560",
        "0",
        url if url is not None else f"https://cdn.example/items/id-{n}.png",
    )


def test_a_row_has_catalog_items_attributes_in_their_order():
    assert tuple(f.name for f in fields(CatalogItem) if f.name != "raw") == ROW_FIELDS


def test_repeated_values_are_one_object_each_and_id_urls_one_template():
    rows = [_row(n) for n in range(50)]
    rows.append(_row(50, url="https://cdn.example/other/picture.png"))
    RepeatedValues().share(rows)
    assert len({id(r.market_hash_name) for r in rows}) == 1
    assert len({id(r.currency) for r in rows}) == 1
    templates = {id(r.image_url) for r in rows[:50]}
    assert len(templates) == 1 and isinstance(rows[0].image_url, IdImageUrl)
    assert rows[50].image_url == "https://cdn.example/other/picture.png"  # kept as sent
    items = CatalogRows.without_raw(rows)
    assert items[7].image_url == "https://cdn.example/items/id-7.png"
    assert items.image_url(50) == "https://cdn.example/other/picture.png"
    assert items[7] == CatalogItem(
        "id-7",
        "AK-47 | Redline (Field-Tested)",
        1234,
        "USD",
        None,
        Decimal("0.25"),
        None,
        0,
        "#d32ce6",
        "310776560",
        "0",
        "https://cdn.example/items/id-7.png",
    )
    assert items[7].raw == {} and len(items) == 51


def test_floats_are_shared_by_their_text_until_they_prove_distinct():
    same = [_row(n, value="0.10") for n in range(10)] + [_row(10, value="0.1")]
    repeated = RepeatedValues()
    repeated.share(same)
    assert len({id(r.float_value) for r in same[:10]}) == 1
    assert str(same[10].float_value) == "0.1"  # equal, but its own text is kept
    distinct = [_row(n, value=f"0.{n:07d}") for n in range(1, FLOAT_TRIAL + 1)]
    repeated.share(distinct)
    assert repeated.floats is None  # nine in ten distinct: the table is let go of
    unshared = RepeatedValues(floats=False)
    more = [_row(n, value="0.10") for n in range(3)]
    unshared.share(more)
    assert len({id(r.float_value) for r in more}) == 3
