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
``CatalogItem`` itself (an entry the strict per-item parser read). The offline copy read
back from the book is held the same way, as rows (:class:`CatalogRow`) with no raw JSON.

Both readers make one object per repeated value (:class:`RepeatedValues`): a catalog has a
few thousand names and a handful of currencies, colours and class ids among 100,000 rows.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from copy import copy
from decimal import Decimal
from itertools import compress, repeat
from operator import add, attrgetter, eq
from typing import Any, overload

import msgspec

from skins_console.core.models import CatalogItem
from skins_console.core.money import loads_exact


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


class CatalogRow(msgspec.Struct, gc=False):
    """An item's CatalogItem attributes and nothing else: no raw JSON, and ``image_url``
    possibly an :class:`IdImageUrl` (the offline copy read back). Not tracked by the
    collector (it holds no containers): 112 bytes, where a CatalogItem with its empty raw
    dict is 200."""

    id: str
    market_hash_name: str
    price_cents: int
    currency: str
    phase: str | None
    float_value: Decimal | None
    paint_index: int | None
    paint_seed: int | None
    rarity_color: str | None
    class_id: str | None
    instance_id: str | None
    image_url: str | IdImageUrl | None


#: the attributes a row shares with CatalogItem, in CatalogItem's field order
ROW_FIELDS: tuple[str, ...] = CatalogRow.__struct_fields__

#: row attributes whose values repeat across a catalog (see RepeatedValues): a few
#: thousand names, prices and seeds, a handful of currencies, colours, phases and instance
#: ids; image URLs where there is one per kind of item rather than per item
REPEATED_FIELDS = (
    "market_hash_name",
    "currency",
    "rarity_color",
    "class_id",
    "instance_id",
    "paint_index",
    "paint_seed",
    "price_cents",
    "phase",
    "image_url",
)
#: rows after which float sharing stops if it has not paid (see RepeatedValues.share)
FLOAT_TRIAL = 8192


class RepeatedValues:
    """One object per distinct value in the columns that repeat, over the rows of one
    catalog given a slice at a time (the decoder's, the offline copy's): msgspec and the
    database driver make a new object for each, 40 MB of copies at 100,000 items."""

    def __init__(self, *, floats: bool = True) -> None:
        self.shared: dict[str, dict[Any, Any]] = {name: {} for name in REPEATED_FIELDS}
        #: float texts → one Decimal each (keyed by text: 0.10 and 0.1 are equal Decimals,
        #: but not the same text, and the text the provider sent is kept); None once the
        #: texts have proved all different (real floats are: sharing would save nothing),
        #: or from the start (``floats=False``: a caller who knows they are)
        self.floats: dict[str, Decimal | None] | None = {} if floats else None
        self.image_template: IdImageUrl | None = None
        self.rows_seen = 0

    def share(self, rows: list[Any]) -> None:
        """Replace the repeating values of ``rows`` (mutable, CatalogItem's attribute
        names) by the objects kept for them; each pass is one C-level ``map``."""
        self._template_image_urls(rows)  # first: what is left are the URLs to share
        for name, shared in self.shared.items():
            values = list(map(attrgetter(name), rows))
            list(map(setattr, rows, repeat(name), map(shared.setdefault, values, values)))
        self.rows_seen += len(rows)
        floats = self.floats
        if floats is None:
            return
        values = list(map(attrgetter("float_value"), rows))
        texts = map(str, values)  # a None's "None" is never a Decimal's text
        list(map(setattr, rows, repeat("float_value"), map(floats.setdefault, texts, values)))
        if self.rows_seen >= FLOAT_TRIAL and len(floats) * 10 > self.rows_seen * 9:
            # Nine in ten floats distinct: a catalog of wearables, each with its own float.
            # The table of texts would only cost memory (11 MB at 100,000 items).
            self.floats = None

    def _template_image_urls(self, rows: list[Any]) -> None:
        """Image URLs made of the item's id (``…/items/<id>.png``, one per item, ~100 bytes
        each) become one shared :class:`IdImageUrl`; ``CatalogRows`` puts the id back in.
        The template is the first such URL's; rows whose URL differs keep their text."""
        template = self.image_template
        if template is None:
            for row in rows:
                url = row.image_url
                at = -1 if url is None else url.find(row.id)
                if url is not None and at >= 0:
                    template = IdImageUrl(url[:at], url[at + len(row.id) :])
                    self.image_template = template
                    break
            else:
                return
        ids = map(attrgetter("id"), rows)
        built = map(add, map(template.prefix.__add__, ids), repeat(template.suffix))
        same = list(map(eq, map(attrgetter("image_url"), rows), built))
        list(map(setattr, compress(rows, same), repeat("image_url"), repeat(template)))


def image_url_of(row: Any) -> str | None:
    """``row``'s image URL as CatalogItem has it (an id-made one rebuilt)."""
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

    @classmethod
    def without_raw(cls, rows: list[Any]) -> CatalogRows:
        """Rows with no raw JSON behind them (the offline copy): each item's ``raw`` is
        ``{}``. One C array of -1 codes, not a list of 100,000 Nones."""
        return cls(rows, array("q", [-1]) * len(rows), loads_exact)

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
        return image_url_of(self.rows[index])

    def _item(self, row: Any, raw: Any) -> CatalogItem:
        if isinstance(row, CatalogItem):
            return row
        fields = {name: getattr(row, name) for name in ROW_FIELDS}
        fields["image_url"] = image_url_of(row)
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
