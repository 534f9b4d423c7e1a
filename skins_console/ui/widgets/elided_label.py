"""A one-line label that elides what does not fit and shows the whole text as its tooltip.

Its minimum width is a few characters, so a long status line or message can never widen
the window; ``text()`` is always the full text (tests and copy actions read it).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

#: the layout audit in the tests skips labels that elide on purpose
ELIDES_PROPERTY = "elides"


class ElidedLabel(QLabel):
    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        *,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
    ) -> None:
        super().__init__(parent)
        self._mode = mode
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setProperty(ELIDES_PROPERTY, True)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        shown = self.elided_text()
        self.setToolTip(self.text() if shown != self.text() else "")

    def elided_text(self) -> str:
        metrics = QFontMetrics(self.font())
        width = max(0, self.contentsRect().width() - 2 * self.margin())
        return metrics.elidedText(" ".join(self.text().split("\n")), self._mode, width)

    def minimumSizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        return QSize(
            metrics.horizontalAdvance("M…") + 2 * self.margin(), super().sizeHint().height()
        )

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        one_line = " ".join(self.text().split("\n"))
        return QSize(
            metrics.horizontalAdvance(one_line) + 2 * self.margin() + 2,
            metrics.height() + 2 * self.margin(),
        )

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_tooltip()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        rect = self.contentsRect().adjusted(self.margin(), 0, -self.margin(), 0)
        painter.drawText(
            rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), self.elided_text()
        )
