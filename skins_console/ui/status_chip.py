"""Status chips: one colour per kind of status, drawn by a delegate or as a label."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from skins_console.core.statuses import STATUS_TABLE
from skins_console.ui.theme import current_theme

# Both providers give a shared spelling the same tone (tests/core/test_status_table.py), and
# a merchant word the tone of the statuses it names: chips show the word (ui/wording.py).
_TONES = {
    key: entry.tone.value
    for table in STATUS_TABLE.values()
    for entry in table.values()
    for key in (entry.status, entry.word)
}


def status_tone(status: str) -> str:
    """The theme colour name for a status or its merchant word: ok, bad, warn, info, or
    neutral if unknown."""
    return _TONES.get(status, "neutral")


def chip_colors(status: str) -> tuple[QColor, QColor]:
    """(background, text) for a chip; the background is a tint so text stays readable."""
    theme = current_theme()
    tone = theme.color(status_tone(status))
    background = QColor(tone)
    background.setAlpha(60 if theme.dark else 40)
    text = tone.lighter(130) if theme.dark else tone.darker(125)
    return background, text


def paint_chip(
    painter: QPainter,
    rect: QRectF,
    status: str,
    font_metrics: QFontMetrics,
    *,
    opaque: bool = False,
) -> None:
    """``opaque``: on a selected row, under the tint, so the text keeps its contrast."""
    background, text = chip_colors(status)
    width = min(rect.width() - 4, font_metrics.horizontalAdvance(status) + 16)
    height = min(rect.height() - 4, font_metrics.height() + 4)
    chip = QRectF(rect.x() + 2, rect.center().y() - height / 2, width, height)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    if opaque:
        painter.setBrush(current_theme().color("base"))
        painter.drawRoundedRect(chip, height / 2, height / 2)
    painter.setBrush(background)
    painter.drawRoundedRect(chip, height / 2, height / 2)
    painter.setPen(text)
    painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, status)
    painter.restore()


class StatusChipDelegate(QStyledItemDelegate):
    """Paints the DisplayRole text of a status column as a coloured chip.

    Each chip is drawn once per (status, size, theme, scale) into a pixmap and blitted from
    then on: the Orders table repaints every second for its countdowns, and drawing rounded
    antialiased chips through Python for every visible row was a large share of the GUI
    thread's time with a thousand open orders (bench_tracking_window).
    """

    _DISPLAY = int(Qt.ItemDataRole.DisplayRole)
    _PANEL = QStyle.PrimitiveElement.PE_PanelItemViewItem

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._chips: dict[tuple, QPixmap] = {}

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        status = index.data(self._DISPLAY)
        if not status:
            super().paint(painter, option, index)
            return
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        # The selection/hover panel straight from the view's option: the chip is the only
        # content, so the model's other roles are not needed (initStyleOption asks for all).
        style.drawPrimitive(self._PANEL, option, painter, widget)
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        pixmap = self._chip(
            str(status),
            rect.width(),
            rect.height(),
            option,
            painter.device().devicePixelRatioF(),
            selected,
        )
        painter.drawPixmap(rect.x(), rect.y(), pixmap)

    def _chip(
        self,
        status: str,
        width: int,
        height: int,
        option: QStyleOptionViewItem,
        ratio: float,
        selected: bool,
    ) -> QPixmap:
        theme = current_theme()
        metrics = option.fontMetrics
        key = (status, width, height, ratio, theme.dark, option.font.key(), selected)
        pixmap = self._chips.get(key)
        if pixmap is None:
            if len(self._chips) > 256:  # column resized many times: start over
                self._chips.clear()
            pixmap = QPixmap(max(1, round(width * ratio)), max(1, round(height * ratio)))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            chip_painter = QPainter(pixmap)
            chip_painter.setFont(option.font)
            paint_chip(chip_painter, QRectF(0, 0, width, height), status, metrics, opaque=selected)
            chip_painter.end()
            self._chips[key] = pixmap
        return pixmap


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
