"""Light and dark themes on the Fusion style, following the OS unless overridden.

Fusion draws the same on every platform and honours the palette fully, so one palette per
scheme gives a consistent look on Windows, macOS and Linux. ``Theme`` also holds the few
semantic colours the widgets use (status chips, banners, the sandbox stripe) so they stay
readable in both schemes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

MODES = ("system", "light", "dark")


@dataclass(frozen=True, slots=True)
class Theme:
    dark: bool
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    accent: str
    ok: str
    warn: str
    bad: str
    info: str
    neutral: str
    sandbox_bg: str
    sandbox_fg: str
    chart_line: str

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))


LIGHT = Theme(
    dark=False,
    window="#f3f4f6",
    base="#ffffff",
    alt_base="#f6f7f9",
    text="#1f2328",
    muted="#656d76",
    accent="#2f6fde",
    ok="#1f883d",
    warn="#b7791f",
    bad="#cf222e",
    info="#0969da",
    neutral="#6e7781",
    sandbox_bg="#ffd33d",
    sandbox_fg="#3b2300",
    chart_line="#2f6fde",
)
DARK = Theme(
    dark=True,
    window="#1e2126",
    base="#16181c",
    alt_base="#1c1f24",
    text="#e6edf3",
    muted="#9198a1",
    accent="#4c8dff",
    ok="#3fb950",
    warn="#d29922",
    bad="#f85149",
    info="#58a6ff",
    neutral="#8b949e",
    sandbox_bg="#9e6a03",
    sandbox_fg="#fff8c5",
    chart_line="#58a6ff",
)


def _palette(theme: Theme) -> QPalette:
    p = QPalette()
    window, base, text = QColor(theme.window), QColor(theme.base), QColor(theme.text)
    button = window.lighter(106) if theme.dark else window.darker(102)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor(theme.alt_base),
        QPalette.ColorRole.ToolTipBase: base,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor(theme.muted),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: button,
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(theme.bad),
        QPalette.ColorRole.Link: QColor(theme.info),
        QPalette.ColorRole.Highlight: QColor(theme.accent),
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Mid: QColor(theme.neutral),
        QPalette.ColorRole.Dark: window.darker(150),
        QPalette.ColorRole.Light: window.lighter(150),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    disabled = QColor(theme.muted)
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


class ThemeManager(QObject):
    """Applies the theme for a mode and re-applies it when the OS scheme changes."""

    changed = Signal(object)  # Theme

    def __init__(self, app: QApplication, mode: str = "system") -> None:
        super().__init__(app)
        self._app = app
        self._mode = mode if mode in MODES else "system"
        self.current = LIGHT
        app.setStyle(QStyleFactory.create("Fusion"))
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_scheme_changed)
        self.apply()

    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown theme mode {mode!r}")
        self._mode = mode
        self.apply()

    def system_is_dark(self) -> bool:
        return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark

    def apply(self) -> None:
        dark = self._mode == "dark" or (self._mode == "system" and self.system_is_dark())
        self.current = DARK if dark else LIGHT
        global _current
        _current = self.current
        self._app.setPalette(_palette(self.current))
        self.changed.emit(self.current)

    def _on_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._mode == "system":
            self.apply()


_current: Theme = LIGHT


def current_theme() -> Theme:
    """The theme in force (LIGHT before a manager exists, e.g. in model tests)."""
    return _current
