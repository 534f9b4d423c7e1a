"""The catalog as a table model built for 100,000 items.

Everything a row is filtered, sorted and searched by is precomputed once per refresh into
flat lists (``ui/catalog_columns.py``, built off the GUI thread), so ``data()`` only indexes
lists and formats the few painted cells. Filtering and sorting do not go through
``QSortFilterProxyModel``: with a Python source model it calls back into Python once per row
per comparison, which measured 195 ms per filter pass and a minute per sort at 100k rows
(see docs/PERFORMANCE.md). :class:`CatalogProxy` instead computes the visible row order
with list comprehensions over the precomputed columns and exposes it through
``QAbstractProxyModel``.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from skins_console.core.cs2 import EXTERIOR_SHORT
from skins_console.core.models import Catalog, CatalogItem
from skins_console.ui.catalog_columns import (  # noqa: F401 - re-exported for the tab, tests
    _NARROW_FRACTION,
    _NO_FLOAT,
    _SORT_BY_COLUMN,
    _SORT_LISTS,
    COL_FLOAT,
    COL_MARKS,
    COL_NAME,
    COL_PHASE,
    COL_PRICE,
    COL_SEED,
    COL_THUMB,
    COL_WEAR,
    HEADERS,
    KINDS,
    SOUVENIR,
    STAR,
    STATTRAK,
    CatalogColumns,
    CatalogFilter,
    KeyBlob,
    PreparedOrder,
    all_rows,
    ascending_rows,
    filter_rows,
    prepare_order,
    release_in_steps,
    sorted_rows,
)
from skins_console.ui.column_model import ItemRole, SortRole
from skins_console.ui.theme import current_theme

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
            ids = self.columns.ids  # dict(zip(...)) builds in C; the items are not touched
            self._row_by_id = dict(zip(ids, range(len(ids))))
        return self._row_by_id.get(item_id)

    def thumbnail_loaded(self, url: str) -> None:
        rows = self._rows_by_image.get(url)
        if not rows:
            return
        for row in rows:
            index = self.index(row, COL_THUMB)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    # --- Qt model API --------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns.ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
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

    def index(
        self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = QModelIndex()
    ) -> QModelIndex:
        # Without this override Qt's index() asks Python for rowCount and columnCount on
        # every call, and the proxy maps each painted cell through it.
        if (
            parent.isValid()
            or not (0 <= row < len(self.columns.ids))
            or not (0 <= column < len(HEADERS))
        ):
            return QModelIndex()
        return self.createIndex(row, column)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY):
        if role not in _HANDLED or not index.isValid():
            return None
        return self.row_data(index.row(), index.column(), role)

    def row_data(self, row: int, col: int, role: int):
        """``data()`` for source ``row``: the proxy calls it directly (one Python call per
        painted cell and role, instead of a mapToSource and an index on top)."""
        c = self.columns
        if not 0 <= row < len(c.ids):
            return None
        if role == _DISPLAY:
            if col == COL_NAME:
                return c.names[row]
            if col == COL_PRICE:
                return c.price_text(row)
            if col == COL_FLOAT:
                return c.float_text(row)
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
            url = c.image_url(row)
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
            return c.image_url(row) or None
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

    def sort_keys(self, column: int) -> Sequence[Any]:
        return getattr(self.columns, _SORT_BY_COLUMN[column])

    def sorted_rows(self, column: int) -> array[int]:
        return sorted_rows(self.columns, column)


class CatalogProxy(QAbstractProxyModel):
    """Filtered and sorted view of a :class:`CatalogModel` (see the module docstring)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._filter = CatalogFilter()
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._order: array[int] | None = None  # all source rows in sort order
        self._order_keys: list[str] | None = None  # their search keys, in that order
        self._blob: KeyBlob | None = None  # the same keys joined, built on first search
        self._rows: array[int] = array("i")  # the shown source rows (see filter_rows)
        #: source row → proxy row (-1: not shown), on demand (see _proxy_row)
        self._reverse: array[int] | None = None
        self._prepared: PreparedOrder | None = None
        #: source rows sold since this catalog was read: hidden until the next read
        self._sold: set[int] = set()

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        if not isinstance(model, CatalogModel):
            raise TypeError(f"CatalogProxy shows a CatalogModel, not {type(model).__name__}")
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

    def _catalog(self) -> CatalogModel:
        """The source model, typed: ``setSourceModel`` accepts nothing else."""
        model = self.sourceModel()
        if not isinstance(model, CatalogModel):
            raise RuntimeError("CatalogProxy has no CatalogModel yet")
        return model

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
            self._rows = filter_rows(self._catalog().columns, self._rows, flt)
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
        # A header click must fit in a frame (16 ms) at 100k rows: the row order is
        # precomputed (CatalogColumns.compute_orders), the search keys in that order are
        # only gathered when a search needs them, and the few persistent indexes (current
        # row, selection) are found with list.index instead of a 100k-entry reverse map.
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_source = [(i.row(), i.column()) for i in map(self.mapToSource, old)]
        self._sort_column, self._sort_order = column, order
        self._order = self._order_keys = self._blob = None
        self._recompute()
        # A selected row has one persistent index per column (8), all on one source row:
        # each distinct row is looked up once (a C scan of up to 100,000 entries, ~2 ms).
        proxy_rows = {row: self._proxy_row_of(row) for row in {row for row, _ in old_source}}
        self.changePersistentIndexList(
            old,
            [
                QModelIndex() if proxy_rows[row] < 0 else self.index(proxy_rows[row], col)
                for row, col in old_source
            ],
        )
        self.layoutChanged.emit()

    def _proxy_row_of(self, source_row: int) -> int:
        """The shown row of ``source_row`` (-1: not shown), without building the reverse
        map when there is none (see :meth:`_proxy_row`)."""
        if source_row < 0:
            return -1
        if self._reverse is None:
            try:
                return self._rows.index(source_row)  # one C scan
            except ValueError:
                return -1
        return self._proxy_row(source_row)

    def _sorted_order(self) -> array[int]:
        model = self._catalog()
        n = model.rowCount()
        if self._order is None or len(self._order) != n:
            if 0 <= self._sort_column < len(HEADERS):
                order = model.sorted_rows(self._sort_column)
                if self._sort_order == Qt.SortOrder.DescendingOrder:
                    order = order[::-1]
                self._order = order
            else:
                self._order = all_rows(n)
        return self._order

    def _recompute(self) -> None:
        model = self.sourceModel()
        if not isinstance(model, CatalogModel):
            self._rows = array("i")
        else:
            order = self._sorted_order()
            if self._order_keys is not None and len(self._order_keys) != len(order):
                self._order_keys = self._blob = None
            if self._order_keys is None and self._filter.text:
                # The keys in this order, contiguous in memory: the first word's pass
                # over them is a third faster than looking each up by source row.
                self._order_keys = list(map(model.columns.keys.__getitem__, order))
            self._rows = filter_rows(
                model.columns, order, self._filter, self._order_keys, self._blob
            )
            self._drop_sold()
        self._reverse = None

    def search_index_inputs(self) -> tuple[array[int], list[str]]:
        """The current row order and the keys by source row, for a :class:`KeyBlob` built
        off-thread."""
        return self._sorted_order(), self._catalog().columns.keys

    def install_blob(self, blob: KeyBlob) -> bool:
        """Use ``blob`` for searches if the row order has not changed since it was built."""
        if blob.order is not self._order:
            return False
        self._blob = blob
        self._order_keys = blob.keys
        return True

    def drop_blob(self) -> KeyBlob | None:
        """Stop using the search index (searches pass over the keys until the next one is
        installed) and return it, to be freed off the window's thread."""
        blob, self._blob, self._order_keys = self._blob, None, None
        return blob

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
            sold = self._sold
            self._rows = array("i", [row for row in self._rows if row not in sold])

    def _on_source_reset(self) -> None:
        self.beginResetModel()
        self._sold = set()
        prepared, self._prepared = self._prepared, None
        model = self._catalog()
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
            self._order = self._order_keys = self._blob = None
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
        reverse = self._reverse
        if reverse is None:
            # One C array indexed by source row: 0.4 MB for 100k rows, where a dict (with an
            # int object per key and value) held 11 MB. The Python loop that fills it takes
            # 8-12 ms for 100k rows; dict(zip(...)) over the rows' array took 10-16 ms.
            reverse = array("i", [-1]) * (max(self._rows, default=-1) + 1)
            for proxy_row, row in enumerate(self._rows):
                reverse[row] = proxy_row
            self._reverse = reverse
        return reverse[source_row] if 0 <= source_row < len(reverse) else -1

    # --- QAbstractProxyModel API ---------------------------------------------------------

    def source_row(self, proxy_row: int) -> int:
        return self._rows[proxy_row]

    def visible_rows(self) -> array[int]:
        return self._rows

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY):
        # Straight to the source row: QAbstractProxyModel would map every painted cell
        # through mapToSource and the source's index() first (two more Python calls).
        if role not in _HANDLED:
            return None
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        return self._catalog().row_data(self._rows[row], index.column(), role)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
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

    def index(
        self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = QModelIndex()
    ) -> QModelIndex:
        if parent.isValid() or not (0 <= row < len(self._rows)) or not (0 <= column < len(HEADERS)):
            return QModelIndex()
        return self.createIndex(row, column)

    # The stubs overload parent() as QObject's (returning the QObject) and the model's
    # parent(index); this override is the model's and returns a QModelIndex for both.
    def parent(  # type: ignore[override]
        self, index: QModelIndex | QPersistentModelIndex = QModelIndex()
    ) -> QModelIndex:
        return QModelIndex()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and bool(self._rows)

    def sibling(
        self, row: int, column: int, idx: QModelIndex | QPersistentModelIndex
    ) -> QModelIndex:
        return self.index(row, column)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            return self.sourceModel().headerData(section, orientation, role)
        return None
