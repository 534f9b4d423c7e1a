"""Non-blocking banners (offline, IP refused, credentials, notifications).

The banner lives in a fixed place, the window's status bar row, whose height never
changes: showing or clearing one never moves the tabs under the operator's mouse. Its
text is one line, elided to the room there is, with the whole text in the tooltip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QToolButton, QWidget

from skins_console.ui.theme import Theme, current_theme
from skins_console.ui.widgets.elided_label import ElidedLabel


class Banner(QFrame):
    """One message with optional action buttons; hidden until :meth:`show_message`."""

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.tone = "info"
        self.key: str | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 1, 2, 1)
        layout.setSpacing(4)
        self.label = ElidedLabel()
        layout.addWidget(self.label, 1)
        self._actions = QHBoxLayout()
        layout.addLayout(self._actions)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        layout.addWidget(self.close_button)
        self.hide()

    def show_message(
        self,
        text: str,
        *,
        tone: str = "warn",
        key: str | None = None,
        actions: Sequence[tuple[str, Callable[[], object]]] = (),
    ) -> None:
        """``key`` names the condition (e.g. "auth:skinsnode") so it can be cleared later."""
        self.key = key
        self.tone = tone
        self.label.setText(text)
        while self._actions.count():
            item = self._actions.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for label, callback in actions:
            button = QPushButton(label)
            button.setFixedHeight(self.row_height() - 4)
            button.clicked.connect(lambda _=False, cb=callback: cb())
            self._actions.addWidget(button)
        self.apply_theme(current_theme())
        self.show()

    @staticmethod
    def row_height() -> int:
        """The fixed height of the banner's row: one line of text or one push button."""
        return QPushButton("Retry").sizeHint().height() + 2

    def action_buttons(self) -> list[QPushButton]:
        items = map(self._actions.itemAt, range(self._actions.count()))
        widgets = [item.widget() for item in items if item is not None]
        return [widget for widget in widgets if isinstance(widget, QPushButton)]

    def clear(self, key: str | None = None) -> None:
        """Hide the banner if it shows ``key`` (or whatever it shows, without a key)."""
        if key is None or key == self.key:
            self.key = None
            self.hide()

    def dismiss(self) -> None:
        self.clear()
        self.dismissed.emit()

    def apply_theme(self, theme: Theme) -> None:
        tone, background = banner_colors(theme, self.tone)
        self.setStyleSheet(
            f"QFrame#banner {{ background: {background.name()}; border: 1px solid {tone.name()};"
            " border-radius: 6px; }"
            f" QFrame#banner QLabel {{ color: {theme.text}; }}"
        )


def banner_colors(theme: Theme, tone_name: str) -> tuple[QColor, QColor]:
    """(border, background) of a banner; its text is ``theme.text`` (AA on both themes)."""
    tone = theme.color(tone_name)
    background = tone.lighter(170) if not theme.dark else tone.darker(260)
    return tone, background
