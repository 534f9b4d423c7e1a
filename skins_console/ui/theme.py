"""Light and dark themes on the Fusion style, following the OS unless overridden.

Fusion draws the same on every platform and honours the palette fully, so one palette per
scheme gives a consistent look on Windows, macOS and Linux. ``Theme`` also holds the few
semantic colours the widgets use (status chips, banners, the sandbox stripe) so they stay
readable in both schemes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleFactory, QStyleOption

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
    #: outline of check boxes, radio buttons and tool buttons (WCAG: 3:1 against window/base)
    control_outline: str

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
    ok="#187633",
    warn="#8a5a00",
    bad="#cf222e",
    info="#0969da",
    neutral="#6e7781",
    sandbox_bg="#ffd33d",
    sandbox_fg="#3b2300",
    chart_line="#2f6fde",
    control_outline="#6e7781",
)
DARK = Theme(
    dark=True,
    window="#1e2126",
    base="#16181c",
    alt_base="#1c1f24",
    text="#e6edf3",
    muted="#9198a1",
    accent="#2f6fde",
    ok="#3fb950",
    warn="#d29922",
    bad="#f85149",
    info="#58a6ff",
    neutral="#8b949e",
    sandbox_bg="#845306",
    sandbox_fg="#fff8c5",
    chart_line="#58a6ff",
    control_outline="#8b949e",
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


def contrast_ratio(first: QColor | str, second: QColor | str) -> float:
    """WCAG 2 contrast ratio of two opaque colours (1.0 … 21.0)."""

    def luminance(color: QColor | str) -> float:
        c = QColor(color)
        channels = []
        for value in (c.redF(), c.greenF(), c.blueF()):
            channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
        red, green, blue = channels
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


class IndicatorStyle(QProxyStyle):
    """Fusion, with check boxes and radio buttons drawn in the theme's outline and accent.

    Fusion derives their outline from the window colour, which on the dark palette leaves
    them nearly invisible; here they get ``control_outline`` (3:1 or better on both themes).
    """

    def __init__(self) -> None:
        super().__init__(QStyleFactory.create("Fusion"))

    def drawPrimitive(self, element, option: QStyleOption, painter: QPainter, widget=None):
        if element not in (
            QStyle.PrimitiveElement.PE_IndicatorCheckBox,
            QStyle.PrimitiveElement.PE_IndicatorRadioButton,
        ):
            super().drawPrimitive(element, option, painter, widget)
            return
        theme = current_theme()
        enabled = bool(option.state & QStyle.StateFlag.State_Enabled)
        outline = QColor(theme.control_outline if enabled else theme.muted)
        mark = QColor(theme.accent if enabled else theme.muted)
        rect = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(outline, 1.2))
        painter.setBrush(QColor(theme.base))
        if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
            painter.drawEllipse(rect)
            if option.state & QStyle.StateFlag.State_On:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(mark)
                inset = rect.width() * 0.27
                painter.drawEllipse(rect.adjusted(inset, inset, -inset, -inset))
        else:
            painter.drawRoundedRect(rect, 2.5, 2.5)
            w, h, x, y = rect.width(), rect.height(), rect.x(), rect.y()
            if option.state & QStyle.StateFlag.State_On:
                path = QPainterPath(QPointF(x + w * 0.22, y + h * 0.52))
                path.lineTo(QPointF(x + w * 0.42, y + h * 0.72))
                path.lineTo(QPointF(x + w * 0.78, y + h * 0.28))
                painter.setPen(QPen(mark, max(1.6, w / 7)))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPath(path)
            elif option.state & QStyle.StateFlag.State_NoChange:
                painter.setPen(QPen(mark, max(1.6, w / 7)))
                painter.drawLine(QPointF(x + w * 0.25, y + h / 2), QPointF(x + w * 0.75, y + h / 2))
        painter.restore()


def tool_button_style(theme: Theme) -> str:
    """A style sheet for a tool button that needs its own padding (the Wear menu): with any
    style sheet Qt stops drawing it from the palette, so its colours are given here."""
    return (
        f"QToolButton {{ background: {theme.base}; color: {theme.text};"
        f" border: 1px solid {theme.control_outline}; border-radius: 3px;"
        " padding: 3px 18px 3px 6px; }"
    )


class ThemeManager(QObject):
    """Applies the theme for a mode and re-applies it when the OS scheme changes."""

    changed = Signal(object)  # Theme

    def __init__(self, app: QApplication, mode: str = "system") -> None:
        super().__init__(app)
        self._app = app
        self._mode = mode if mode in MODES else "system"
        self.current = LIGHT
        app.setStyle(IndicatorStyle())
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
