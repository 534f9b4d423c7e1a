"""A decoded catalog as rows that become :class:`CatalogItem` only when one is asked for.

A 100,000-item catalog is read for its columns (names, prices, floats: the table, the
search, the offline copy); a ``CatalogItem`` with its raw JSON is needed for the one item
being sold or inspected. Building 100,000 frozen dataclasses and raw dicts up front costs
about half a second and 130 MiB, so ``api/catalog_decode.py`` keeps each entry as a row
object with the same attribute names as ``CatalogItem`` (``id``, ``market_hash_name``,
``price_cents``, ``currency``, ``phase``, ``float_value``, ``paint_index``, ``paint_seed``,
``rarity_color``, ``class_id``, ``instance_id``, ``image_url``), already checked and
normalised exactly as ``parse_catalog_item`` would, plus the entry's raw JSON text.
``CatalogRows`` is the ``Sequence[CatalogItem]`` over them; a row may also be a
``CatalogItem`` itself (an entry the strict per-item parser read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from skins_console.core.models import CatalogItem

#: the attributes a row shares with CatalogItem, in CatalogItem's field order
ROW_FIELDS = (
    "id",
    "market_hash_name",
    "price_cents",
    "currency",
    "phase",
    "float_value",
    "paint_index",
    "paint_seed",
    "rarity_color",
    "class_id",
    "instance_id",
    "image_url",
)


class CatalogRows(Sequence[CatalogItem]):
    """``rows[i]`` has CatalogItem's attributes; ``raws[i]`` is its JSON text (bytes-like)
    or None when the row is a ``CatalogItem`` that carries its own ``raw``."""

    __slots__ = ("_loads", "raws", "rows")

    def __init__(self, rows: list[Any], raws: list[Any], loads: Callable[[bytes], Any]) -> None:
        self.rows = rows
        self.raws = raws
        self._loads = loads  # money.loads_exact: the raw dict has Decimal-exact numbers

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> CatalogItem: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[CatalogItem]: ...

    def __getitem__(self, index: int | slice) -> CatalogItem | Sequence[CatalogItem]:
        if isinstance(index, slice):
            return [self._item(r, w) for r, w in zip(self.rows[index], self.raws[index])]
        return self._item(self.rows[index], self.raws[index])

    def __iter__(self) -> Iterator[CatalogItem]:
        return map(self._item, self.rows, self.raws)

    def _item(self, row: Any, raw: Any) -> CatalogItem:
        if isinstance(row, CatalogItem):
            return row
        fields = {name: getattr(row, name) for name in ROW_FIELDS}
        return CatalogItem(**fields, raw=self._loads(bytes(raw)) if raw is not None else {})
