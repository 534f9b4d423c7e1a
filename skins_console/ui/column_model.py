"""A table model driven by ``core.columns.Column`` declarations: headers, cell text, sort
keys and alignment come from the one tuple of columns; subclasses add only what is theirs
(editing, tooltips)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from skins_console.core.columns import Column

# The data roles every table model here shares; a model's own roles come after these.
#: the row's record (an order, a catalog item), for the code behind the view
ItemRole = Qt.ItemDataRole.UserRole + 1
#: the cell's sort key (``Column.sort_key``): proxies sort by it, not by the shown text
SortRole = Qt.ItemDataRole.UserRole + 2

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_SORT = int(SortRole)
_ALIGNMENTS = {
    "right": int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
    "center": int(Qt.AlignmentFlag.AlignCenter),
}


class ColumnTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Column[Any]], parent=None) -> None:
        super().__init__(parent)
        self.columns: tuple[Column[Any], ...] = tuple(columns)
        self.rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].tooltip or None
        return None

    def column_data(self, row: Any, column: Column[Any], role: int) -> Any:
        """The declared roles of one cell; subclasses extend ``data`` for the others."""
        if role == _DISPLAY:
            return column.text(row)
        if role == _SORT:
            return column.sort_key(row)
        if role == _ALIGN:
            return _ALIGNMENTS.get(column.align)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        return self.column_data(self.rows[index.row()], self.columns[index.column()], role)
