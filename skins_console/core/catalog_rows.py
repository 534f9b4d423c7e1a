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

import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from copy import copy
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


class IdImageUrl:
    """A row's image URL when it is ``prefix + the row's id + suffix`` (one per item, as
    ``…/items/<id>.png``): the decoder shares one of these among all such rows instead of
    keeping 100,000 URLs of ~100 bytes each; :meth:`CatalogRows.image_url` rebuilds it."""

    __slots__ = ("prefix", "suffix")

    def __init__(self, prefix: str, suffix: str) -> None:
        self.prefix = prefix
        self.suffix = suffix

    def url(self, item_id: str) -> str:
        return self.prefix + item_id + self.suffix


def _image_url(row: Any) -> str | None:
    url = row.image_url
    return url.url(row.id) if isinstance(url, IdImageUrl) else url


def plain_row(row: Any) -> Any:
    """``row`` with every attribute as on CatalogItem: an id-made image URL rebuilt, on a
    copy of the row (the row itself is shared by the catalog)."""
    url = row.image_url
    if isinstance(url, IdImageUrl):
        row = copy(row)
        row.image_url = url.url(row.id)
    return row


#: a packed reference to an entry's JSON inside a compressed slice (see CatalogRows.compact)
_OFFSET_BITS = _LENGTH_BITS = 26  # slices and entries are under 64 MiB
_MASK = (1 << _LENGTH_BITS) - 1


class CatalogRows(Sequence[CatalogItem]):
    """``rows[i]`` has CatalogItem's attributes (but ``image_url``: read it through
    :meth:`image_url`); ``raws[i]`` is its JSON text (bytes-like), or None when the row is a
    ``CatalogItem`` that carries its own ``raw``, or when ``text_of(row)`` gives the text
    back (the decoder found the entry to be exactly its row's encoding); after
    :meth:`compact`, ``raws`` is an ``array`` of ints locating each text in a compressed
    slice (-1 where it was None)."""

    __slots__ = ("_loads", "_packed", "_text_of", "_unpacked", "raws", "rows", "slices")

    def __init__(
        self,
        rows: list[Any],
        raws: list[Any] | array[int],
        loads: Callable[[bytes], Any],
        slices: list[tuple[int, int, bytes]] | None = None,
        text_of: Callable[[Any], bytes] | None = None,
    ) -> None:
        self.rows = rows
        self.raws = raws
        self._loads = loads  # money.loads_exact: the raw dict has Decimal-exact numbers
        self._text_of = text_of
        #: (first row, row count, the JSON text those rows' raws point into), for compact()
        self.slices = slices or []
        self._packed: list[bytes] = []  # compressed slice texts, after compact()
        self._unpacked: tuple[int, bytes] | None = None  # the last slice decompressed

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

    def image_url(self, index: int) -> str | None:
        """``self[index].image_url``, without building the item."""
        return _image_url(self.rows[index])

    def plain_rows(self) -> Iterator[Any]:
        """The rows with every attribute as on CatalogItem (an id-made image URL rebuilt,
        on a copy of its row), for a reader of those attributes alone (the offline copy):
        no CatalogItem is built and no raw JSON decoded."""
        return map(plain_row, self.rows)

    def _item(self, row: Any, raw: Any) -> CatalogItem:
        if isinstance(row, CatalogItem):
            return row
        fields = {name: getattr(row, name) for name in ROW_FIELDS}
        fields["image_url"] = _image_url(row)
        if raw is None or raw == -1:
            if self._text_of is None:
                return CatalogItem(**fields, raw={})
            text = self._text_of(row)
        else:
            text = self._text(raw) if isinstance(raw, int) else bytes(raw)
        return CatalogItem(**fields, raw=self._loads(text))

    def _text(self, code: int) -> bytes:
        number = code >> (_OFFSET_BITS + _LENGTH_BITS)
        offset, length = (code >> _LENGTH_BITS) & ((1 << _OFFSET_BITS) - 1), code & _MASK
        unpacked = self._unpacked
        if unpacked is None or unpacked[0] != number:
            unpacked = self._unpacked = (number, zlib.decompress(self._packed[number]))
        return unpacked[1][offset : offset + length]

    def lists(self) -> list[Any]:
        """Every list (and array) this holds, for freeing them a slice at a time."""
        return [self.rows, self.raws, self._packed, self.slices]

    def compact(self) -> None:
        """Keep the entries' raw JSON compressed, a slice at a time (a worker thread, once
        the rows are shown): 35 MiB of text and 100,000 views become about 8 MiB. An item
        built afterwards decompresses its slice (a few ms; the last one is kept)."""
        if not self.slices or self._packed:
            return
        # One C array of codes, not 100,000 int objects of 32 bytes each.
        raws = array("q", [-1]) * len(self.raws)
        entries = self.raws
        packed: list[bytes] = []
        for number, (first, count, text) in enumerate(self.slices):
            position = 0
            for row in range(first, first + count):
                entry = bytes(entries[row])
                position = text.index(entry, position)  # just past the separator
                raws[row] = (
                    (number << (_OFFSET_BITS + _LENGTH_BITS))
                    | (position << _LENGTH_BITS)
                    | len(entry)
                )
                position += len(entry)
            packed.append(zlib.compress(text, 1))  # zlib lets go of the GIL meanwhile
        self._packed = packed  # before raws: a reader must never find a code without it
        self.raws = raws
        self.slices = []
