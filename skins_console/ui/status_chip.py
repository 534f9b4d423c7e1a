"""Status chips: one colour per kind of status, drawn by a delegate or as a label."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QLabel, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from skins_console.core.statuses import (
    DEPOSIT_ATTENTION,
    DEPOSIT_KNOWN,
    DEPOSIT_LOCAL,
    ORDER_ATTENTION,
    ORDER_KNOWN,
    ORDER_LOCAL,
)
from skins_console.ui.theme import current_theme

_GOOD = frozenset({"completed"})
_BAD = ORDER_ATTENTION | DEPOSIT_ATTENTION
_WAITING = frozenset({"hold"}) | ORDER_LOCAL | DEPOSIT_LOCAL
_KNOWN = ORDER_KNOWN | DEPOSIT_KNOWN | ORDER_LOCAL | DEPOSIT_LOCAL


def status_tone(status: str) -> str:
    """The theme colour name for a status: ok, bad, warn, info, or neutral if unknown."""
    if status in _GOOD:
        return "ok"
    if status in _BAD:
        return "bad"
    if status in _WAITING:
        return "warn"
    if status in _KNOWN:
        return "info"
    return "neutral"


def chip_colors(status: str) -> tuple[QColor, QColor]:
    """(background, text) for a chip; the background is a tint so text stays readable."""
    theme = current_theme()
    tone = theme.color(status_tone(status))
    background = QColor(tone)
    background.setAlpha(60 if theme.dark else 40)
    text = tone.lighter(130) if theme.dark else tone.darker(125)
    return background, text


def paint_chip(painter: QPainter, rect: QRectF, status: str, font_metrics: QFontMetrics) -> None:
    background, text = chip_colors(status)
    width = min(rect.width() - 4, font_metrics.horizontalAdvance(status) + 16)
    height = min(rect.height() - 4, font_metrics.height() + 4)
    chip = QRectF(rect.x() + 2, rect.center().y() - height / 2, width, height)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(background)
    painter.drawRoundedRect(chip, height / 2, height / 2)
    painter.setPen(text)
    painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, status)
    painter.restore()


class StatusChipDelegate(QStyledItemDelegate):
    """Paints the DisplayRole text of a status column as a coloured chip."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        status = index.data(Qt.ItemDataRole.DisplayRole)
        if not status:
            super().paint(painter, option, index)
            return
        style = option.widget.style() if option.widget is not None else None
        if style is not None:
            # Selection/hover background first, then the chip over it.
            opt = QStyleOptionViewItem(option)
            self.initStyleOption(opt, index)
            opt.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        paint_chip(painter, QRectF(option.rect), str(status), option.fontMetrics)


class StatusChip(QLabel):
    """A chip as a widget, for the details pane."""

    def __init__(self, status: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.set_status(status)

    def set_status(self, status: str) -> None:
        self.status = status
        self.setText(status)
        background, text = chip_colors(status)
        self.setStyleSheet(
            "QLabel { border-radius: 9px; padding: 2px 10px; font-weight: 600;"
            f" background: rgba({background.red()},{background.green()},{background.blue()},"
            f"{background.alpha()}); color: {text.name()}; }}"
        )
