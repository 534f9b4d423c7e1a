"""The float column: the value as text over a thin bar of the five wear bands."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from skins_console.core.cs2 import WEAR_BANDS
from skins_console.ui.catalog_model import FloatRole

# Factory New → Battle-Scarred, green to red, as traders expect.
_BAND_COLORS = ("#2ea043", "#8bc34a", "#d4a72c", "#e67e22", "#cf222e")
_BANDS = tuple((float(low), float(high)) for _n, _s, low, high in WEAR_BANDS)


class FloatBarDelegate(QStyledItemDelegate):
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)
        value = index.data(FloatRole)
        if value is None:
            return
        rect = QRectF(option.rect).adjusted(6, 0, -6, 0)
        bar = QRectF(rect.left(), rect.bottom() - 5, rect.width(), 3)
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        for (low, high), color in zip(_BANDS, _BAND_COLORS):
            segment = QRectF(
                bar.left() + low * bar.width(), bar.top(), (high - low) * bar.width(), bar.height()
            )
            painter.setBrush(QColor(color))
            painter.drawRect(segment)
        x = bar.left() + max(0.0, min(1.0, value)) * bar.width()
        painter.setPen(QPen(option.palette.text().color(), 2))
        painter.drawLine(int(x), int(bar.top() - 3), int(x), int(bar.bottom() + 1))
        painter.restore()
