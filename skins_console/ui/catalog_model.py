"""The catalog as a table model built for 100,000 items.

Everything a row shows or is filtered and sorted by is precomputed once per refresh into
flat lists (:class:`CatalogColumns`, built off the GUI thread), so ``data()`` only indexes
lists and creates no per-row objects. Filtering and sorting do not go through
``QSortFilterProxyModel``: with a Python source model it calls back into Python once per row
per comparison, which measured 195 ms per filter pass and a minute per sort at 100k rows
(see docs/PERFORMANCE.md). :class:`CatalogProxy` instead computes the visible row order
with list comprehensions over the precomputed columns and exposes it through
``QAbstractProxyModel``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from dataclasses import fields as dc_fields
from heapq import merge
from itertools import accumulate, compress, islice, repeat
from operator import and_, contains, ge, le, not_

from PySide6.QtCore import (
    QAbstractProxyModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from skins_console.core.cs2 import (
    EXTERIOR_SHORT,
    normalise_color,
    phase_for_paint_index,
    split_market_hash_name,
    wear_for_float,
)
from skins_console.core.models import Catalog, CatalogItem
from skins_console.core.money import format_cents
from skins_console.ui.theme import current_theme

ItemRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2
#: the float value as a Python float (display only: the float bar's position), or None
FloatRole = Qt.ItemDataRole.UserRole + 3
ImageUrlRole = Qt.ItemDataRole.UserRole + 4

# Plain ints: data() runs for every role of every painted cell; most roles are not ours.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_SORT, _ITEM, _FLOAT, _IMAGE_URL = int(SortRole), int(ItemRole), int(FloatRole), int(ImageUrlRole)
_HANDLED = frozenset(
    {_DISPLAY, _FOREGROUND, _DECORATION, _ALIGN, _TOOLTIP, _SORT, _ITEM, _FLOAT, _IMAGE_URL}
)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

COL_THUMB, COL_NAME, COL_MARKS, COL_PHASE, COL_FLOAT, COL_WEAR, COL_SEED, COL_PRICE = range(8)
HEADERS = ("", "Name", "Marks", "Phase", "Float", "Wear", "Seed", "Price")
KINDS = ("Knife", "Gloves", "Weapon", "Sticker", "Agent", "Other")

STAR, STATTRAK, SOUVENIR = 1, 2, 4
_SORT_BY_COLUMN = {
    COL_THUMB: "names",
    COL_NAME: "names",
    COL_MARKS: "marks",
    COL_PHASE: "phases",
    COL_FLOAT: "floats",
    COL_WEAR: "floats",
    COL_SEED: "seeds",
    COL_PRICE: "prices",
}
_SORT_LISTS = tuple(sorted(set(_SORT_BY_COLUMN.values())))
_NO_FLOAT = 2.0  # sorts after every real float


@dataclass(slots=True)
class CatalogColumns:
    """Flat per-row data; row ``i`` of every list describes ``items[i]``."""

    items: list[CatalogItem] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # lowercase search text
    prices: list[int] = field(default_factory=list)
    price_text: list[str] = field(default_factory=list)
    floats: list[float] = field(default_factory=list)
    float_text: list[str] = field(default_factory=list)
    wears: list[str] = field(default_factory=list)  # full exterior name or ""
    kinds: list[str] = field(default_factory=list)
    flags: bytearray = field(default_factory=bytearray)
    marks: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)

    #: per sort-key list name, the ascending row order (computed with the columns, off-thread)
    orders: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, items: tuple[CatalogItem, ...] | list[CatalogItem]) -> CatalogColumns:
        """Pure Python, no Qt: safe to run in a worker thread (``asyncio.to_thread``)."""
        c = cls(items=list(items))
        cents_text: dict[int, str] = {}
        for item in c.items:
            # name_parts parses the name; CatalogItem.wear/display_color would parse it again.
            parts = split_market_hash_name(item.market_hash_name)
            name = item.market_hash_name
            phase = item.phase or phase_for_paint_index(item.paint_index) or ""
            fv = item.float_value
            wear = wear_for_float(fv) or parts.exterior or ""
            c.names.append(name)
            seed = item.paint_seed
            c.keys.append(f"{name} {phase} {seed if seed is not None else ''}".lower())
            c.prices.append(item.price_cents)
            text = cents_text.get(item.price_cents)
            if text is None:
                text = cents_text[item.price_cents] = format_cents(item.price_cents, item.currency)
            c.price_text.append(text)
            c.floats.append(float(fv) if fv is not None else _NO_FLOAT)
            c.float_text.append("" if fv is None else f"{fv:.4f}")
            c.wears.append(wear)
            c.kinds.append(parts.kind)
            flags = (
                (STAR if parts.star else 0)
                | (STATTRAK if parts.stattrak else 0)
                | (SOUVENIR if parts.souvenir else 0)
            )
            c.flags.append(flags)
            c.marks.append(_MARKS[flags])
            c.phases.append(phase)
            c.seeds.append(seed if seed is not None else -1)
            c.colors.append(normalise_color(item.rarity_color, parts.quality_color))
            c.images.append(item.image_url or "")
        for attr in _SORT_LISTS:
            c.orders[attr] = ascending_rows(getattr(c, attr))
        return c

    def sort_list(self, column: int) -> str:
        return _SORT_BY_COLUMN[column]


#: rows sorted per C call; runs are then merged pairwise, also in C, up to _MERGE_IN_C rows
_SORT_RUN = 4096
_MERGE_IN_C = 16_384


def ascending_rows(keys: list) -> list[int]:
    """``sorted(range(len(keys)), key=keys.__getitem__)``, in steps that let go of the GIL.

    One ``sorted`` call is one C call: over 100k names it holds the GIL for ~70 ms, and the
    GUI thread, which needs the GIL for every paint and timer, stalls that long while the
    catalog is built in a worker thread. Short runs are sorted in C, merged pairwise in C
    (timsort merges two sorted runs in linear time) while they are small, and the last
    few large runs merged by ``heapq.merge``, which is Python code the interpreter can
    interrupt. Ties keep row order, as with one stable sort.
    """
    get = keys.__getitem__
    n = len(keys)
    runs = [
        sorted(range(start, min(start + _SORT_RUN, n)), key=get) for start in range(0, n, _SORT_RUN)
    ]
    while len(runs) > 1 and len(runs[0]) < _MERGE_IN_C:
        runs = [
            sorted(runs[i] + runs[i + 1], key=get) if i + 1 < len(runs) else runs[i]
            for i in range(0, len(runs), 2)
        ]
    if len(runs) == 1:
        return runs[0]
    return list(merge(*runs, key=get)) if runs else []


#: list entries dropped per step by release_in_steps
_RELEASE_STEP = 2000


def release_in_steps(columns: CatalogColumns) -> None:
    """Free a replaced catalog a slice at a time; meant for a worker thread.

    Freeing 100k items (each with its raw JSON dict) when the last reference goes is one
    chain of C deallocations, 50-100 ms during which no other thread runs Python: on the
    GUI thread, or in a worker holding the GIL, the window would stall. Dropping slices of
    each list lets the interpreter hand the GIL over between them. Only the lists are
    emptied; items still referenced elsewhere (a selection, an open sell dialog) live on.
    """
    lists = [
        value
        for value in (getattr(columns, f.name) for f in dc_fields(columns))
        if isinstance(value, list)
    ]
    lists += columns.orders.values()
    columns.orders = {}
    for values in lists:
        while values:
            del values[-_RELEASE_STEP:]


_MARKS = {
    flags: " ".join(
        text
        for bit, text in ((STAR, "★"), (STATTRAK, "StatTrak™"), (SOUVENIR, "Souvenir"))
        if flags & bit
    )
    for flags in range(8)
}


def readable(color_hex: str, dark: bool) -> QColor:
    """Rarity colours are made for Steam's dark UI; darken the pale ones on a light theme."""
    color = QColor(color_hex)
    luma = 0.2126 * color.redF() + 0.7152 * color.greenF() + 0.0722 * color.blueF()
    if not dark and luma > 0.55:
        return color.darker(int(luma / 0.42 * 100))
    return color


class CatalogModel(QAbstractTableModel):
    """Source model: every catalog item, in catalog order."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.columns = CatalogColumns()
        self._colors: dict[str, QColor] = {}
        self._colors_dark: bool | None = None
        #: url → QPixmap|None; set by the tab (thumbnail cache lookup, requests a fetch)
        self.thumbnail_for: Callable[[str], object] | None = None
        self._rows_by_image: dict[str, list[int]] = {}
        self._row_by_id: dict[str, int] | None = None

    # --- feeding -------------------------------------------------------------------------

    def set_columns(self, columns: CatalogColumns) -> CatalogColumns:
        """Show ``columns``; returns the replaced ones, for :func:`release_in_steps`."""
        previous = self.columns
        self.beginResetModel()
        self.columns = columns
        self._rows_by_image = {}
        self._row_by_id = None
        self.endResetModel()
        return previous

    def set_catalog(self, catalog: Catalog) -> None:
        """Synchronous convenience for small catalogs and tests."""
        self.set_columns(CatalogColumns.build(catalog.items))

    def item(self, row: int) -> CatalogItem:
        return self.columns.items[row]

    def row_of(self, item_id: str) -> int | None:
        if self._row_by_id is None:
            self._row_by_id = {item.id: row for row, item in enumerate(self.columns.items)}
        return self._row_by_id.get(item_id)

    def thumbnail_loaded(self, url: str) -> None:
        rows = self._rows_by_image.get(url)
        if not rows:
            return
        for row in rows:
            index = self.index(row, COL_THUMB)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    # --- Qt model API --------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns.items)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section in (
                COL_FLOAT,
                COL_PRICE,
                COL_SEED,
            ):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def index(self, row: int, column: int, parent: QModelIndex = QModelIndex()) -> QModelIndex:
        # Without this override Qt's index() asks Python for rowCount and columnCount on
        # every call, and the proxy maps each painted cell through it.
        if (
            parent.isValid()
            or not (0 <= row < len(self.columns.items))
            or not (0 <= column < len(HEADERS))
        ):
            return QModelIndex()
        return self.createIndex(row, column)

    def data(self, index: QModelIndex, role: int = _DISPLAY):
        if role not in _HANDLED or not index.isValid():
            return None
        return self.row_data(index.row(), index.column(), role)

    def row_data(self, row: int, col: int, role: int):
        """``data()`` for source ``row``: the proxy calls it directly (one Python call per
        painted cell and role, instead of a mapToSource and an index on top)."""
        c = self.columns
        if not 0 <= row < len(c.items):
            return None
        if role == _DISPLAY:
            if col == COL_NAME:
                return c.names[row]
            if col == COL_PRICE:
                return c.price_text[row]
            if col == COL_FLOAT:
                return c.float_text[row]
            if col == COL_WEAR:
                return EXTERIOR_SHORT.get(c.wears[row], "")
            if col == COL_PHASE:
                return c.phases[row]
            if col == COL_MARKS:
                return c.marks[row]
            if col == COL_SEED:
                seed = c.seeds[row]
                return "" if seed < 0 else str(seed)
            return None
        if role == _FOREGROUND:
            return self._color(c.colors[row]) if col == COL_NAME else None
        if role == _DECORATION:
            if col != COL_THUMB:
                return None
            url = c.images[row]
            if not url or self.thumbnail_for is None:
                return None
            rows = self._rows_by_image.setdefault(url, [])
            if row not in rows:
                rows.append(row)
            return self.thumbnail_for(url)
        if role == _ALIGN:
            return _RIGHT if col in (COL_FLOAT, COL_PRICE, COL_SEED) else None
        if role == _FLOAT:
            if col != COL_FLOAT:
                return None
            value = c.floats[row]
            return None if value == _NO_FLOAT else value
        if role == _SORT:
            return self.sort_keys(col)[row]
        if role == _ITEM:
            return c.items[row]
        if role == _IMAGE_URL:
            return c.images[row] or None
        # tooltip
        if col == COL_WEAR:
            return c.wears[row] or None
        if col == COL_NAME:
            return f"{c.names[row]}\nType: {c.kinds[row]}"
        return None

    def _color(self, hex_color: str) -> QColor:
        dark = current_theme().dark
        if dark != self._colors_dark:
            self._colors = {}
            self._colors_dark = dark
        color = self._colors.get(hex_color)
        if color is None:
            color = self._colors[hex_color] = readable(hex_color, dark)
        return color

    def sort_keys(self, column: int) -> list:
        return getattr(self.columns, _SORT_BY_COLUMN[column])

    def sorted_rows(self, column: int) -> list[int]:
        return sorted_rows(self.columns, column)


@dataclass(frozen=True, slots=True)
class CatalogFilter:
    text: str = ""
    wears: frozenset[str] = frozenset()  # exterior names; empty = any
    kinds: frozenset[str] = frozenset()  # KINDS; empty = any
    #: each of STAR/STATTRAK/SOUVENIR: None = don't care, True = must have, False = must not
    star: bool | None = None
    stattrak: bool | None = None
    souvenir: bool | None = None
    min_cents: int | None = None
    max_cents: int | None = None

    def narrows(self, previous: CatalogFilter) -> bool:
        """True if every row this filter accepts was accepted by ``previous`` (typing on)."""
        return self.text.startswith(previous.text) and (
            self.wears,
            self.kinds,
            self.star,
            self.stattrak,
            self.souvenir,
            self.min_cents,
            self.max_cents,
        ) == (
            previous.wears,
            previous.kinds,
            previous.star,
            previous.stattrak,
            previous.souvenir,
            previous.min_cents,
            previous.max_cents,
        )


#: above this many occurrences a blob search costs more than one pass over every key
#: narrow the shown rows only while they are under 1/_NARROW_FRACTION of all rows
_NARROW_FRACTION = 4
_BLOB_STEP = 8192  # keys per C call while a KeyBlob is built
_BLOB_MAX_HITS = 12_000


class KeyBlob:
    """The search keys of one row order joined into one string, for C-speed substring search.

    ``str.find`` over one 4 MB string finds a selective word ("karambit") in about a
    millisecond, where testing 100k separate keys takes 20-30 ms; each hit is mapped back to
    its row with a bisect over the key start offsets. Keys never contain a newline (the
    separator) and search words never contain whitespace, so a hit never spans two keys.
    """

    def __init__(self, order: list[int], keys: list[str]) -> None:
        """``keys[row]`` is the search key of source ``row`` (``CatalogColumns.keys``)."""
        self.order = order
        # Built in slices: it runs in a worker thread, and each C call (a join, a map over
        # 100k keys) holds the GIL, and with it the GUI thread, until it returns.
        #
        # ``keys`` are the same keys again, as new strings allocated one after another in
        # row order: a full pass (a word too common for the blob) then reads memory in
        # sequence. Over the columns' keys, allocated in catalog order and read in (say)
        # name order, the same pass is 2-3 times slower from cache misses alone.
        in_order: list[str] = []
        parts: list[str] = []
        starts = [0]
        for first in range(0, len(order), _BLOB_STEP):
            chunk = list(map(str.lower, map(keys.__getitem__, order[first : first + _BLOB_STEP])))
            in_order += chunk
            parts.append("\n".join(chunk))
            # Offsets of each key: len + 1 (the separator), summed; C iterators throughout.
            starts += islice(
                accumulate(map((1).__add__, map(len, chunk)), initial=starts[-1]), 1, None
            )
        self.keys = in_order
        self.text = "\n".join(parts)
        self.starts = starts

    def rows_containing(self, word: str) -> list[int] | None:
        """Rows (in order) whose key contains ``word``; None when a full pass is cheaper."""
        text, starts, order = self.text, self.starts, self.order
        if len(word) == 1 or text.count(word) > _BLOB_MAX_HITS:
            return None
        rows: list[int] = []
        position = text.find(word)
        while position != -1:
            index = bisect_right(starts, position) - 1
            rows.append(order[index])
            position = text.find(word, starts[index + 1])  # next key: one hit per row
        return rows


def filter_rows(
    columns: CatalogColumns,
    candidates: list[int],
    flt: CatalogFilter,
    candidate_keys: list[str] | None = None,
    blob: KeyBlob | None = None,
) -> list[int]:
    """The rows of ``candidates`` (in order) that ``flt`` accepts.

    Each criterion is one pass built from ``map``/``compress`` over the precomputed
    columns, so the per-row work runs in C: about 3 ms per pass over 100,000 rows, where a
    Python-level comprehension takes 10-15 ms and ``filterAcceptsRow`` 200 ms.
    """
    rows = candidates
    keys = columns.keys
    for n, word in enumerate(flt.text.lower().split()):
        if n == 0 and blob is not None:
            found = blob.rows_containing(word)
            if found is not None:
                rows = found
                continue
        # ``candidate_keys[i]`` is the key of ``candidates[i]``: the first word needs no
        # lookups at all (a third faster on the full 100k).
        row_keys = (
            candidate_keys if n == 0 and candidate_keys is not None else map(keys.__getitem__, rows)
        )
        rows = list(compress(rows, map(contains, row_keys, repeat(word))))
    if flt.wears:
        rows = list(
            compress(rows, map(flt.wears.__contains__, map(columns.wears.__getitem__, rows)))
        )
    if flt.kinds:
        rows = list(
            compress(rows, map(flt.kinds.__contains__, map(columns.kinds.__getitem__, rows)))
        )
    flags = columns.flags
    for bit, wanted in ((STAR, flt.star), (STATTRAK, flt.stattrak), (SOUVENIR, flt.souvenir)):
        if wanted is None:
            continue
        has_bit = map(and_, map(flags.__getitem__, rows), repeat(bit))
        rows = list(compress(rows, has_bit) if wanted else compress(rows, map(not_, has_bit)))
    prices = columns.prices
    if flt.min_cents is not None:
        rows = list(compress(rows, map(le, repeat(flt.min_cents), map(prices.__getitem__, rows))))
    if flt.max_cents is not None:
        rows = list(compress(rows, map(ge, repeat(flt.max_cents), map(prices.__getitem__, rows))))
    return rows if isinstance(rows, list) else list(rows)


def sorted_rows(columns: CatalogColumns, column: int) -> list[int]:
    """Ascending row order for ``column`` (precomputed when the columns were built)."""
    name = _SORT_BY_COLUMN[column]
    order = columns.orders.get(name)
    if order is None or len(order) != len(columns.items):
        order = columns.orders[name] = ascending_rows(getattr(columns, name))
    return order


@dataclass(slots=True)
class PreparedOrder:
    """A row order with its search keys and index, computed before the columns are shown."""

    columns: CatalogColumns
    sort_column: int
    descending: bool
    order: list[int]
    order_keys: list[str]
    blob: KeyBlob


def prepare_order(columns: CatalogColumns, sort_column: int, descending: bool) -> PreparedOrder:
    """Pure Python, no Qt: for a worker thread, with the proxy's ``sort_state``."""
    if 0 <= sort_column < len(HEADERS):
        order = sorted_rows(columns, sort_column)
        if descending:
            order = order[::-1]
    else:
        order = list(range(len(columns.items)))
    blob = KeyBlob(order, columns.keys)
    return PreparedOrder(columns, sort_column, descending, order, blob.keys, blob)


class CatalogProxy(QAbstractProxyModel):
    """Filtered and sorted view of a :class:`CatalogModel` (see the module docstring)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._filter = CatalogFilter()
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._order: list[int] | None = None  # all source rows in sort order
        self._order_keys: list[str] | None = None  # their search keys, in that order
        self._blob: KeyBlob | None = None  # the same keys joined, built on first search
        self._rows: list[int] = []
        self._reverse: dict[int, int] | None = None  # source row → proxy row, on demand
        self._prepared: PreparedOrder | None = None
        #: source rows sold since this catalog was read: hidden until the next read
        self._sold: set[int] = set()

    def setSourceModel(self, model: CatalogModel) -> None:
        previous = self.sourceModel()
        if previous is not None:
            previous.modelReset.disconnect(self._on_source_reset)
            previous.dataChanged.disconnect(self._on_source_data_changed)
        self.beginResetModel()
        super().setSourceModel(model)
        model.modelReset.connect(self._on_source_reset)
        model.dataChanged.connect(self._on_source_data_changed)
        self._recompute()
        self.endResetModel()

    @property
    def current_filter(self) -> CatalogFilter:
        return self._filter

    def set_filter(self, flt: CatalogFilter) -> None:
        if flt == self._filter:
            return
        # Re-checking only the rows shown pays while they are few: their keys are scattered
        # in memory (catalog order), so over most of the catalog a fresh pass over the
        # order's contiguous keys and index is quicker ('a' → 'ak': 45 ms against 15 ms).
        narrowing = flt.narrows(self._filter) and len(self._rows) * _NARROW_FRACTION < len(
            self._sorted_order()
        )
        self.beginResetModel()
        if narrowing:
            self._rows = filter_rows(self.sourceModel().columns, self._rows, flt)
            self._drop_sold()
            self._reverse = None
            self._filter = flt
        else:
            self._filter = flt
            self._recompute()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column == self._sort_column and order == self._sort_order:
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_source = [self.mapToSource(i) for i in old]
        self._sort_column, self._sort_order = column, order
        self._order = self._order_keys = None
        self._recompute()
        self.changePersistentIndexList(old, [self.mapFromSource(i) for i in old_source])
        self.layoutChanged.emit()

    def _sorted_order(self) -> list[int]:
        model: CatalogModel = self.sourceModel()
        n = model.rowCount()
        if self._order is None or len(self._order) != n:
            if 0 <= self._sort_column < len(HEADERS):
                order = model.sorted_rows(self._sort_column)
                if self._sort_order == Qt.SortOrder.DescendingOrder:
                    order = order[::-1]
                self._order = order
            else:
                self._order = list(range(n))
        return self._order

    def _recompute(self) -> None:
        model = self.sourceModel()
        if model is None:
            self._rows = []
        else:
            order = self._sorted_order()
            if self._order_keys is None or len(self._order_keys) != len(order):
                self._order_keys = list(map(model.columns.keys.__getitem__, order))
                self._blob = None
            self._rows = filter_rows(
                model.columns, order, self._filter, self._order_keys, self._blob
            )
            self._drop_sold()
        self._reverse = None

    def search_index_inputs(self) -> tuple[list[int], list[str]]:
        """The current row order and the keys by source row, for a :class:`KeyBlob` built
        off-thread."""
        return self._sorted_order(), self.sourceModel().columns.keys

    def install_blob(self, blob: KeyBlob) -> bool:
        """Use ``blob`` for searches if the row order has not changed since it was built."""
        if blob.order is not self._order:
            return False
        self._blob = blob
        self._order_keys = blob.keys
        return True

    @property
    def has_blob(self) -> bool:
        return self._blob is not None

    @property
    def sort_state(self) -> tuple[int, bool]:
        """(sort column or -1, descending), for :func:`prepare_order` in a worker thread."""
        return self._sort_column, self._sort_order == Qt.SortOrder.DescendingOrder

    def expect(self, prepared: PreparedOrder) -> None:
        """Use ``prepared`` (built off-thread) when the source next resets to its columns,
        instead of computing the row order's keys and the search index then."""
        self._prepared = prepared

    def hide_sold(self, source_row: int) -> None:
        """An item the operator just sold leaves the view at once; the next catalog read
        (which no longer lists it) clears the set."""
        self._sold.add(source_row)
        proxy_row = self._proxy_row(source_row)
        if proxy_row >= 0:
            self.beginRemoveRows(QModelIndex(), proxy_row, proxy_row)
            del self._rows[proxy_row]
            self._reverse = None
            self.endRemoveRows()

    def _drop_sold(self) -> None:
        if self._sold:
            self._rows = [row for row in self._rows if row not in self._sold]

    def _on_source_reset(self) -> None:
        self.beginResetModel()
        self._sold = set()
        prepared, self._prepared = self._prepared, None
        model = self.sourceModel()
        if (
            prepared is not None
            and prepared.columns is model.columns
            and (prepared.sort_column, prepared.descending) == self.sort_state
        ):
            self._order, self._order_keys = prepared.order, prepared.order_keys
            self._blob = prepared.blob
            self._rows = filter_rows(
                model.columns, self._order, self._filter, self._order_keys, self._blob
            )
            self._reverse = None
        else:
            self._order = self._order_keys = None
            self._recompute()
        self.endResetModel()

    def _on_source_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, roles=()):
        # Thumbnails arrive one row at a time; map each changed source row that is visible.
        for row in range(top_left.row(), bottom_right.row() + 1):
            proxy_row = self._proxy_row(row)
            if proxy_row >= 0:
                self.dataChanged.emit(
                    self.index(proxy_row, top_left.column()),
                    self.index(proxy_row, bottom_right.column()),
                    roles,
                )

    def _proxy_row(self, source_row: int) -> int:
        if self._reverse is None:
            # dict(zip(...)) builds in C: ~5 ms for 100k rows, a Python loop ~20 ms.
            self._reverse = dict(zip(self._rows, range(len(self._rows))))
        return self._reverse.get(source_row, -1)

    # --- QAbstractProxyModel API ---------------------------------------------------------

    def source_row(self, proxy_row: int) -> int:
        return self._rows[proxy_row]

    def visible_rows(self) -> list[int]:
        return self._rows

    def data(self, index: QModelIndex, role: int = _DISPLAY):
        # Straight to the source row: QAbstractProxyModel would map every painted cell
        # through mapToSource and the source's index() first (two more Python calls).
        if role not in _HANDLED:
            return None
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        return self.sourceModel().row_data(self._rows[row], index.column(), role)

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def mapToSource(self, proxy_index: QModelIndex | QPersistentModelIndex) -> QModelIndex:
        if not proxy_index.isValid() or self.sourceModel() is None:
            return QModelIndex()
        row = proxy_index.row()
        if row >= len(self._rows):
            return QModelIndex()
        return self.sourceModel().index(self._rows[row], proxy_index.column())

    def mapFromSource(self, source_index: QModelIndex | QPersistentModelIndex) -> QModelIndex:
        if not source_index.isValid():
            return QModelIndex()
        row = self._proxy_row(source_index.row())
        return QModelIndex() if row < 0 else self.index(row, source_index.column())

    def index(self, row: int, column: int, parent: QModelIndex = QModelIndex()) -> QModelIndex:
        if parent.isValid() or not (0 <= row < len(self._rows)) or not (0 <= column < len(HEADERS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, index: QModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        return QModelIndex()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def hasChildren(self, parent: QModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and bool(self._rows)

    def sibling(self, row: int, column: int, idx: QModelIndex) -> QModelIndex:
        return self.index(row, column)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            return self.sourceModel().headerData(section, orientation, role)
        return None
