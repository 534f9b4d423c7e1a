"""Small widget builders the tabs and dialogs share, so each look and behaviour is set in
one place: the sortable proxy, the search box, the hidden message line, the debounce timer,
the two-pane splitter, the plain record table with its column widths and "show this row"."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import QLabel, QLineEdit, QSplitter, QTableView, QWidget

from skins_console.ui.column_model import SortRole


def sort_proxy(model: QAbstractItemModel, parent: QObject) -> QSortFilterProxyModel:
    """A proxy that sorts ``model`` by its sort keys (``SortRole``), not its display text."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SortRole)
    return proxy


def search_box(placeholder: str) -> QLineEdit:
    search = QLineEdit()
    search.setPlaceholderText(placeholder)
    search.setClearButtonEnabled(True)
    return search


def message_label(object_name: str | None = "inlineError") -> QLabel:
    """A wrapped line, hidden until there is something to say (an error, a warning); the
    object name picks its style."""
    label = QLabel()
    if object_name:
        label.setObjectName(object_name)
    label.setWordWrap(True)
    label.hide()
    return label


def debounce_timer(parent: QObject, interval_ms: int, slot: Callable[[], object]) -> QTimer:
    """A single-shot timer: each ``start()`` puts ``slot`` off by ``interval_ms`` again."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer


def splitter(
    orientation: Qt.Orientation,
    widgets: Sequence[QWidget],
    stretch: Sequence[int] | None = None,
    sizes: Sequence[int] | None = None,
) -> QSplitter:
    """``widgets`` side by side (or stacked), sharing extra room by ``stretch`` (None: by
    the sizes the operator drags them to)."""
    split = QSplitter(orientation)
    for widget in widgets:
        split.addWidget(widget)
    if stretch is not None:
        for index, (_widget, factor) in enumerate(zip(widgets, stretch, strict=True)):
            split.setStretchFactor(index, factor)
    if sizes is not None:
        split.setSizes(list(sizes))
    return split


def plain_table(model: QAbstractItemModel, table: QTableView | None = None) -> QTableView:
    """``table`` (a new ``QTableView`` by default) showing ``model`` the way the record lists
    look: no row numbers, alternating row colours, no grid."""
    view = table if table is not None else QTableView()
    view.setModel(model)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    return view


def set_column_widths(table: QTableView, widths: Iterable[tuple[int, int]]) -> None:
    """Each ``(column, width in pixels)`` as the column's starting width."""
    for column, width in widths:
        table.setColumnWidth(column, width)


def show_row(table: QTableView, index: QModelIndex | QPersistentModelIndex) -> bool:
    """Make ``index``'s row the table's current, only selected row and scroll to it; False
    when the row is not shown (filtered out)."""
    if not index.isValid():
        return False
    table.selectionModel().setCurrentIndex(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    table.scrollTo(index)
    return True
