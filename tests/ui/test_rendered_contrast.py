"""Contrast measured on the pixels of the real window, in both themes.

``test_contrast.py`` proves the palettes and styles meet WCAG AA; this renders the real main
window offscreen (a sandbox catalog loaded, a filter applied, a valid trade URL in the
deposit form) and reads what was painted: the Wear menu button, the ★/StatTrak™/Souvenir
check boxes, the quote's radio buttons, the Steam profile link, and then every enabled
control and label with text on every tab. Each theme is checked as the console opens in it
and after switching to it from the other, since colours given once (rich text, style sheets)
stay what they were unless the widget paints them again.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QTabBar,
    QWidget,
)

from skins_console.ui.theme import Theme, ThemeManager, contrast_ratio
from tests.conftest import wait_for
from tests.fixtures.ui import TRADE_URL

TEXT, CONTROL = 4.5, 3.0
#: a painted pixel "is" a theme colour when no channel is further from it than this
#: (antialiased edges, hinting); hue counts, so the other theme's blue is not "the link's"
NEAR = 24
#: the most a widget's face may differ in contrast from the theme colour it should show
SAME = 1.15
PAIRS = [("dark", "dark"), ("light", "dark"), ("light", "light"), ("dark", "light")]


def _pixels(image: QImage, window: QWidget, widget: QWidget, inset: int = 0) -> list[QColor]:
    origin = widget.mapTo(window, QPoint(0, 0))
    area = QRect(origin, widget.size()).adjusted(inset, inset, -inset, -inset)
    area = area.intersected(image.rect())
    return [
        image.pixelColor(x, y)
        for x in range(area.left(), area.right() + 1)
        for y in range(area.top(), area.bottom() + 1)
    ]


def _background(pixels: list[QColor]) -> QColor:
    return QColor(Counter(p.name() for p in pixels).most_common(1)[0][0])


def _near(pixels: list[QColor], colour: str | QColor) -> int:
    target = QColor(colour)
    return sum(
        1
        for p in pixels
        if max(
            abs(p.red() - target.red()),
            abs(p.green() - target.green()),
            abs(p.blue() - target.blue()),
        )
        <= NEAR
    )


def _text_contrast(pixels: list[QColor]) -> tuple[float, QColor, QColor]:
    """The strongest contrast painted on the widget's own background: its text's colour
    (the solid core of the glyphs) against what it is drawn on."""
    background = _background(pixels)
    strongest = max(pixels, key=lambda p: contrast_ratio(p, background))
    return contrast_ratio(strongest, background), strongest, background


async def _settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0.05)


def _has_text(widget: QWidget) -> str:
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, (QAbstractButton, QLineEdit)):
        return widget.text()
    if isinstance(widget, QLabel) and widget.pixmap().isNull():
        return widget.text()
    return ""


def _sweep(image: QImage, window: QWidget, tab: QWidget, where: str) -> list[str]:
    """Every enabled, visible control or label with text on ``tab`` reads at 4.5:1."""
    problems = []
    for widget in tab.findChildren(QWidget):
        if not (widget.isVisible() and widget.isEnabled()) or widget.width() < 8:
            continue
        if isinstance(widget, QTabBar) or not _has_text(widget).strip():
            continue
        if widget.visibleRegion().isEmpty():
            continue
        pixels = _pixels(image, window, widget, inset=1)
        if not pixels:
            continue
        ratio, fg, bg = _text_contrast(pixels)
        if ratio < TEXT:
            name = f"{type(widget).__name__}({_has_text(widget)[:30]!r})"
            problems.append(f"{where} {name}: {ratio:.2f} ({fg.name()} on {bg.name()})")
    return problems


@pytest.mark.parametrize(("start", "shown"), PAIRS)
async def test_controls_read_on_the_rendered_window(ui, qapp, start, shown):
    themes = ThemeManager(qapp, start)
    try:
        async with ui.session() as s:
            window, controller = s.window, s.controller
            window._on_theme_changed(themes.current)
            window.resize(1024, 640)
            catalog, quote = controller.catalog, controller.quote
            await wait_for(lambda: catalog.model.rowCount() > 0, timeout=20)
            # The state the Wear button was seen white in: loaded, then filtered.
            catalog.wear_actions["Field-Tested"].setChecked(True)
            catalog.search.setText("a")
            catalog.apply_filter()
            catalog.star_check.setCheckState(Qt.CheckState.Checked)
            quote.deposit.trade_url.setText(TRADE_URL)
            # Switched with the link on screen: a hidden label lays its text out afresh
            # when shown, a visible one keeps what it laid out.
            window.tabs.setCurrentWidget(quote)
            await _settle()
            window.grab()  # as the operator saw it before switching
            if shown != start:
                themes.set_mode(shown)
                window._on_theme_changed(themes.current)
            theme: Theme = themes.current
            assert theme.dark == (shown == "dark")
            problems: list[str] = []

            window.tabs.setCurrentWidget(catalog)
            await _settle()
            image = window.grab().toImage()
            wear = _pixels(image, window, catalog.wear_button, inset=3)
            background = _background(wear)
            # The button's face is the theme's field colour, not the other theme's.
            if contrast_ratio(background, theme.base) > SAME:
                problems.append(f"Wear button painted {background.name()}, not {theme.base}")
            ratio, fg, bg = _text_contrast(wear)
            if ratio < TEXT:
                problems.append(f"Wear button text {fg.name()} on {bg.name()}: {ratio:.2f}")
            for check in (catalog.star_check, catalog.stattrak_check, catalog.souvenir_check):
                pixels = _pixels(image, window, check)
                if _near(pixels, theme.control_outline) < 8:
                    problems.append(f"{check.text()}: indicator outline not painted")
            if _near(_pixels(image, window, catalog.star_check), theme.accent) < 4:
                problems.append("★ items: the check mark is not painted in the accent colour")
            problems += _sweep(image, window, catalog, f"{shown} Catalog")

            window.tabs.setCurrentWidget(quote)
            await _settle()
            image = window.grab().toImage()
            for radio in (quote.price_only, quote.locking):
                if _near(_pixels(image, window, radio), theme.control_outline) < 8:
                    problems.append(f"radio {radio.text()!r}: outline not painted")
            if _near(_pixels(image, window, quote.locking), theme.accent) < 6:
                problems.append("the chosen radio button's dot is not painted in the accent")
            message = _pixels(image, window, quote.deposit.trade_url.message)
            message_bg = _background(message)
            if _near(message, theme.info) < 20:
                problems.append(f"Steam profile link not painted in {theme.info}")
            if _near(message, theme.ok) < 10:
                problems.append(f"'✓ Valid.' not painted in {theme.ok}")
            for name in ("info", "ok"):
                colour = theme.color(name)
                if contrast_ratio(colour, message_bg) < TEXT:
                    problems.append(f"{name} on {message_bg.name()} under the trade URL")
            problems += _sweep(image, window, quote, f"{shown} Quote")

            for index in range(window.tabs.count()):
                tab = window.tabs.widget(index)
                if tab in (catalog, quote):
                    continue
                window.tabs.setCurrentIndex(index)
                await _settle()
                image = window.grab().toImage()
                problems += _sweep(image, window, tab, f"{shown} {window.tabs.tabText(index)}")
            assert not problems, f"{start} → {shown}:\n" + "\n".join(problems)
    finally:
        themes.set_mode("light")
        themes.deleteLater()
