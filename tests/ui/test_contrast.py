"""WCAG AA contrast of every colour pair the console paints, in both themes.

Text needs 4.5:1, control outlines and marks 3:1. The pairs are read from what the widgets
really use: the application palette the ThemeManager installs, the theme's semantic
colours as they are shown on the window and base backgrounds, the status chips, the
banners and the sandbox stripe.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QCheckBox

from skins_console.ui.banner import banner_colors
from skins_console.ui.status_chip import chip_colors
from skins_console.ui.theme import ThemeManager, contrast_ratio

TEXT, CONTROL = 4.5, 3.0
R = QPalette.ColorRole
STATUSES = ("completed", "failed", "hold", "sent", "sending", "something_new")


def _over(color: QColor, background: QColor) -> QColor:
    """A translucent colour composited over an opaque background."""
    a = color.alphaF()
    return QColor.fromRgbF(
        color.redF() * a + background.redF() * (1 - a),
        color.greenF() * a + background.greenF() * (1 - a),
        color.blueF() * a + background.blueF() * (1 - a),
    )


@pytest.fixture(params=["light", "dark"])
def themes(request, qapp):
    manager = ThemeManager(qapp, request.param)
    yield manager
    manager.set_mode("light")
    manager.deleteLater()


def test_text_and_controls_meet_wcag_aa(themes, qapp):
    theme = themes.current
    palette = qapp.palette()
    pairs: list[tuple[str, QColor, QColor, float]] = []
    for fg, bg in (
        (R.WindowText, R.Window),
        (R.Text, R.Base),
        (R.Text, R.AlternateBase),
        (R.ButtonText, R.Button),
        (R.PlaceholderText, R.Base),
        (R.HighlightedText, R.Highlight),
        (R.Link, R.Base),
        (R.Link, R.Window),
        (R.ToolTipText, R.ToolTipBase),
    ):
        pairs.append((f"palette {fg.name}/{bg.name}", palette.color(fg), palette.color(bg), TEXT))
    for name in ("muted", "ok", "warn", "bad", "info"):
        for where in ("window", "base"):
            pairs.append((f"{name} text on {where}", theme.color(name), theme.color(where), TEXT))
    for status in STATUSES:
        background, text = chip_colors(status)
        for where in ("base", "alt_base"):
            shown = _over(background, theme.color(where))
            pairs.append((f"chip {status} on {where}", text, shown, TEXT))
    for tone in ("info", "warn", "bad", "ok"):
        _border, background = banner_colors(theme, tone)
        pairs.append((f"banner {tone}", theme.color("text"), background, TEXT))
    pairs.append(("sandbox stripe", theme.color("sandbox_fg"), theme.color("sandbox_bg"), TEXT))
    for where in ("window", "base"):
        outline = theme.color("control_outline")
        pairs.append((f"control outline on {where}", outline, theme.color(where), CONTROL))
        pairs.append((f"check mark on {where}", theme.color("accent"), theme.color(where), CONTROL))
    failures = [
        f"{label}: {contrast_ratio(fg, bg):.2f} < {needed} ({fg.name()} on {bg.name()})"
        for label, fg, bg, needed in pairs
        if contrast_ratio(fg, bg) < needed
    ]
    assert not failures, f"{themes.mode} theme:\n" + "\n".join(failures)


def test_check_boxes_are_drawn_in_the_theme_outline(themes, qapp, qtbot):
    """The indicator really is painted in ``control_outline`` (not Fusion's faint frame)."""
    box = QCheckBox()
    qtbot.addWidget(box)
    box.resize(box.sizeHint())
    image = box.grab().toImage()
    outline = QColor(themes.current.control_outline)
    # Antialiased edges blend a little with the fill: allow a near match of the outline.
    near = [
        image.pixelColor(x, y)
        for x in range(image.width())
        for y in range(image.height())
        if contrast_ratio(image.pixelColor(x, y), outline) < 1.2
    ]
    assert len(near) >= 8, "the indicator's outline is not painted in control_outline"


def test_contrast_ratio_matches_wcag_examples():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
