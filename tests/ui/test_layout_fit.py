"""At 1024×640, in both themes, with a banner showing: every tab and dialog fits.

The walk fails on overlapping sibling widgets, labels or buttons whose text does not fit
(and is not elided), a window that grew past the size it was given, and a window or
dialog that cannot shrink into a 1024×640 screen (the main window with its title bar).
Every tab (Buyers and Attention included) and every dialog: sell (also with the reversal
warning), profile (editing, and a new one kept in a team database), settings and its chat
channels dialog.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from PySide6.QtCore import QRect, QSize

from skins_console.ui.main_window import clamp_to_screen
from skins_console.ui.quote_model import COL_ASSET
from skins_console.ui.theme import ThemeManager
from tests.conftest import wait_for
from tests.fixtures.ui import TRADE_URL
from tests.ui.layout_audit import audit
from tests.ui.test_buyers_attention_tabs import TRADE_URL as REVERSED_BUYER
from tests.ui.test_buyers_attention_tabs import _reversed_order, scripted_order

SCREEN = QSize(1024, 640)
#: a window manager's title bar, above the client area the minimum size hint measures
TITLE_BAR = 32
LONG_BANNER = (
    "Deposit on hold: AK-47 | Redline (Field-Tested), AWP | Asiimov "
    "(Field-Tested), ★ Karambit | Doppler (Factory New), Glock-18 | Fade (Factory New) "
    "$2,473.24: received, under Steam Trade Protection hold until 7 December"
)

QUOTE_NAMES = "AK-47 | Redline (Field-Tested)\nStatTrak™ M4A1-S | Hyper Beast (Minimal Wear)\n"


async def _settle() -> None:
    # Layouts settle through posted events, which the qasync loop runs while we sleep.
    for _ in range(3):
        await asyncio.sleep(0.05)


def _fits(widget, where: str) -> list[str]:
    problems = [f"{where}: {p}" for p in audit(widget)]
    hint = widget.minimumSizeHint()
    if hint.width() > SCREEN.width() or hint.height() > SCREEN.height():
        problems.append(f"{where}: needs at least {hint.width()}×{hint.height()}")
    return problems


@asynccontextmanager
async def _window(ui, qapp, mode: str, size: QSize) -> AsyncIterator:
    """A session whose window is ``size`` and in the ``mode`` theme (light again after)."""
    themes = ThemeManager(qapp, mode)
    try:
        async with ui.session() as s:
            s.window._on_theme_changed(themes.current)
            s.window.resize(size)
            yield s
    finally:
        themes.set_mode("light")
        themes.deleteLater()


@pytest.mark.parametrize("mode", ["light", "dark"])
async def test_every_tab_and_dialog_fits_1024x640(ui, qapp, mode):
    async with _window(ui, qapp, mode, SCREEN) as s:
        window, controller = s.window, s.controller
        await wait_for(lambda: controller.catalog.model.rowCount() > 0, timeout=20)
        # Real records: an order with its details pane open, a locked quote.
        catalog = controller.catalog
        item = min(
            (catalog.model.item(r) for r in range(catalog.model.rowCount())),
            key=lambda i: abs(i.price_cents - 2000),
        )
        await s.backend.place_order(item, TRADE_URL, s.backend.new_external_id())
        controller.orders.reload()
        await wait_for(lambda: controller.orders.model.rowCount() > 0, timeout=20)
        controller.orders.table.selectRow(0)
        quote_tab = controller.quote
        quote_tab.names.setPlainText(QUOTE_NAMES)
        quote_tab.request_quote()
        await wait_for(lambda: quote_tab.quote is not None, timeout=20)
        form = quote_tab.deposit
        form.trade_url.setText(TRADE_URL)
        for row in range(quote_tab.model.rowCount()):
            quote_tab.model.setData(quote_tab.model.index(row, COL_ASSET), str(36000000000 + row))
        form.send_button.click()  # the deposit's status lines are what once widened it
        # (isHidden: the Quote tab itself is not the current tab yet)
        await wait_for(lambda: not form.outcome.isHidden(), timeout=20)
        window.banner.show_message(
            LONG_BANNER, tone="info", key="t", actions=[("Open", lambda: None)]
        )
        await _settle()
        problems: list[str] = []
        for index in range(window.tabs.count()):
            window.tabs.setCurrentIndex(index)
            await _settle()
            name = window.tabs.tabText(index)
            problems += _fits(window, f"{mode} {name}")
            # A real 1024×640 screen also shows the window's title bar.
            needed = window.minimumSizeHint().height() + TITLE_BAR
            if needed > SCREEN.height():
                problems.append(f"{mode} {name}: needs {needed} px with its title bar")
            if window.size() != SCREEN:
                problems.append(f"{mode} {name}: the window resized itself to {window.size()}")
        catalog.table.selectRow(0)
        settings = controller.open_settings()
        new_team_profile = controller.open_profile_dialog(None)
        new_team_profile.team_choice.setChecked(True)  # its three database rows shown
        dialogs = [
            new_team_profile,
            controller.open_sell_dialog(catalog.selected_item()),
            controller.open_profile_dialog(s.ctx.profile),
            settings,
            settings.chat.open_setup(),  # Settings → chat channels
        ]
        for dialog in dialogs:
            assert dialog is not None
            await _settle()
            problems += _fits(dialog, f"{mode} {type(dialog).__name__}")
        for dialog in reversed(dialogs):
            dialog.reject()
        # The sell dialog warning about a buyer's recent reversal ("Sell anyway").
        await _reversed_order(s)
        warned = controller.open_sell_dialog(catalog.selected_item())
        warned.trade_url.setText(REVERSED_BUYER)
        warned.send_button.click()
        await wait_for(lambda: warned.send_button.text() == "Sell anyway", timeout=20)
        await _settle()
        problems += _fits(warned, f"{mode} SellDialog (reversal warning)")
        warned.reject()
        assert not problems, "\n".join(problems)


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("size", [SCREEN, QSize(1600, 1000)], ids=["1024x640", "1600x1000"])
async def test_the_orders_details_pane_of_a_delivered_order_fits(ui, qapp, mode, size):
    """The pane beside the Orders table, with a delivered order selected: nothing in it is
    cut off on the right (chip, "next check", "Technical details", the Copy buttons)."""
    async with _window(ui, qapp, mode, size) as s:
        window, controller = s.window, s.controller
        key = await scripted_order(s, "completed", 400)
        orders = controller.orders
        window.tabs.setCurrentWidget(orders)
        orders.reload()
        delivered = orders.model.item_for
        await wait_for(
            lambda: (item := delivered("skinsnode", key)) and item.status == "completed",
            timeout=20,
        )
        assert orders.select("skinsnode", key)
        details = orders.details
        await wait_for(lambda: details.item is not None and details.item.key == key)
        assert details.chip.text() == "delivered"
        assert "next check" in details.fields["checked"].text()
        await _settle()
        where = f"{mode} {size.width()}×{size.height()} Orders details"
        problems = _fits(window, where)
        assert not problems, "\n".join(problems)


def test_a_restored_geometry_is_clamped_to_the_screen():
    screen = QRect(0, 0, 1024, 640)
    assert clamp_to_screen(QRect(-300, 500, 1470, 900), screen) == QRect(0, 0, 1024, 640)
    assert clamp_to_screen(QRect(900, 600, 800, 500), screen) == QRect(224, 140, 800, 500)
    assert clamp_to_screen(QRect(10, 20, 800, 500), screen) == QRect(10, 20, 800, 500)
    second = QRect(1920, 0, 1280, 720)
    assert clamp_to_screen(QRect(100, 100, 1470, 900), second) == second
