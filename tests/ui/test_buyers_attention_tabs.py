"""The Buyers and Attention tabs in the real window against the sandbox: a buyer's reversal
shows in the queue (the tab title counts it), the buyer is named in the Buyers tab, "Sell
to this buyer again" opens the order dialog with their trade URL, the dialog warns before
sending, and the reversal leaves the queue once marked handled with a note."""

from __future__ import annotations

import asyncio

from skins_console.core.trade_url import STEAMID64_BASE
from skins_console.services import lifecycle, orders_flow
from skins_console.services.checkout_service import (
    CheckoutRequest,
    CheckoutService,
    new_external_id,
)
from tests.conftest import wait_for
from tests.fixtures.services import make_trade_url, pick_item

PARTNER = 55_123_777
TRADE_URL = make_trade_url(PARTNER, token="Rv01-_zz")


async def scripted_order(s, outcome: str, *advances: int) -> str:
    """An order to PARTNER that the sandbox ends in ``outcome``, checked until it has: the
    sandbox clock moves by each of ``advances`` seconds first."""
    ctx, box = s.ctx, s.sandbox
    item = await pick_item(ctx, min_price_cents=100)
    key = new_external_id(ctx.clock.now())
    box.script_order(key, outcome)
    result = await CheckoutService(ctx).checkout(
        CheckoutRequest(item.id, TRADE_URL, expected_price_cents=item.price_cents, external_id=key)
    )
    assert result.ok, result.message
    for seconds in advances:
        box.advance(seconds)
    order = await ctx.orders.get("sandbox", key)
    for _ in range(60):
        order = await ctx.orders.get("sandbox", key)
        if order.status == outcome:
            break
        await lifecycle.check(orders_flow.LIFECYCLE, ctx, order)
        await asyncio.sleep(0.6)  # past the provider's (scaled) 30 s order cache
    assert order.status == outcome
    return key


async def _reversed_order(s) -> str:
    """An order to PARTNER that was delivered and then reversed (Trade Protection)."""
    return await scripted_order(s, "reversed", 400, 3700)


async def test_reversal_buyer_book_sell_again_and_attention(ui):
    async with ui.session() as s:
        c, window = s.controller, s.window
        tabs = window.tabs
        merchant = c.merchant
        key = await _reversed_order(s)

        # The queue shows the reversal with its reason; the tab title counts it.
        attention = merchant.attention
        await wait_for(lambda: any(i.key == key for i in attention.model.rows), timeout=15)
        [row] = [i for i in attention.model.rows if i.key == key]
        assert row.reason == "reversed"
        # Not named yet: the Buyer cell is their SteamID64, as in the Buyers tab.
        model = attention.model
        buyer_column = [c.header for c in model.columns].index("Buyer")
        cell = model.index(model.rows.index(row), buyer_column)
        assert cell.data() == str(STEAMID64_BASE + PARTNER)
        count = len(attention.model.rows)
        assert tabs.tabText(merchant.attention_index) == f"Attention ({count})"

        # The buyer is in the book with the reversal; name them.
        buyers = merchant.buyers
        tabs.setCurrentIndex(merchant.buyers_index)
        await wait_for(lambda: buyers.model.row_of(PARTNER) is not None, timeout=10)
        assert buyers.select(PARTNER)
        await wait_for(lambda: buyers.details is not None, timeout=10)
        assert buyers.details.summary.reversals == 1
        assert buyers.warning.isVisible() and "Reversed a trade" in buyers.warning.text()
        buyers.name.setText("Dana")
        buyers.note.setPlainText("reversed once")
        buyers.save_button.click()
        await wait_for(
            lambda: buyers.details is not None and buyers.details.summary.name == "Dana",
            timeout=10,
        )
        assert buyers.model.rows[buyers.model.row_of(PARTNER)].name == "Dana"
        # A bad name is explained inline; what was typed stays.
        buyers.name.setText("123456")
        buyers.save_button.click()
        await wait_for(lambda: buyers.save_error.isVisible(), timeout=10)
        assert "SteamID" in buyers.save_error.text() and buyers.name.text() == "123456"

        # "Their orders" filters the Orders tab by their SteamID64.
        buyers.orders_button.click()
        assert tabs.currentIndex() == 1
        assert c.orders.search.text() == str(STEAMID64_BASE + PARTNER)

        # Sell to this buyer again: the Catalog with a banner, then the dialog with their URL.
        tabs.setCurrentIndex(merchant.buyers_index)
        buyers.sell_button.click()
        assert tabs.currentIndex() == 0 and window.banner.isVisible()
        assert "Dana" in window.banner.label.text()
        await wait_for(lambda: c.catalog.model.rowCount() > 0, timeout=20)
        model = c.catalog.model
        item = next(
            model.item(r) for r in range(model.rowCount()) if model.item(r).price_cents >= 100
        )
        c.catalog.search.setText(item.market_hash_name)
        c.catalog.apply_filter()
        assert c.catalog.select_item(item.id)
        c.catalog.sell_button.click()
        dialog = c.dialogs[-1]
        assert dialog.trade_url.canonical() == TRADE_URL
        assert not window.banner.isVisible() and merchant.pending_buyer is None

        # The dialog warns before sending; nothing is sent until "Sell anyway".
        again = dialog.external_id.text()
        s.sandbox.script_order(again, "completed")
        dialog.send_button.click()
        await wait_for(lambda: dialog.error.isVisible(), timeout=20)
        assert "reversed a trade" in dialog.error.text()
        assert dialog.send_button.text() == "Sell anyway"
        assert await s.ctx.orders.get("sandbox", again) is None
        dialog.send_button.click()
        await wait_for(lambda: dialog.pages.currentIndex() == 1, timeout=20)
        assert (await s.ctx.orders.get("sandbox", again)) is not None
        dialog.close_button.click()

        # From an order too: the Orders table's context menu.
        await wait_for(lambda: c.orders.select("skinsnode", key), timeout=10)
        menu = merchant.order_menu(c.orders.table.selectionModel().currentIndex())
        assert [a.text() for a in menu.actions()] == ["Sell to this buyer again…"]
        menu.actions()[0].trigger()
        await wait_for(lambda: merchant.pending_buyer is not None, timeout=10)
        assert merchant.pending_buyer == (TRADE_URL, "Dana") and tabs.currentIndex() == 0
        [cancel] = [b for b in window.banner.action_buttons() if b.text() == "Cancel"]
        cancel.click()
        assert not window.banner.isVisible() and merchant.pending_buyer is None

        # Mark the reversal handled, with a note: it leaves the queue, the note is timeline.
        tabs.setCurrentIndex(merchant.attention_index)
        await wait_for(lambda: attention.select_key(key), timeout=10)
        assert attention.resolve_button.isEnabled() and attention.sell_button.isEnabled()
        attention.note.setText("refunded by hand")
        attention.resolve_button.click()
        await wait_for(lambda: all(i.key != key for i in attention.model.rows), timeout=10)
        left = len(attention.model.rows)
        expected = f"Attention ({left})" if left else "Attention"
        await wait_for(lambda: tabs.tabText(merchant.attention_index) == expected, timeout=5)
        events = await s.ctx.events.for_record("sandbox", "order", key)
        assert events[-1].type == "note" and events[-1].message.endswith(
            "(reversed): refunded by hand"
        )
        assert attention.note.text() == ""

        # The new tabs never make the window need more than a 1024×640 screen (every tab's
        # contents are audited at that size by tests/ui/test_layout_fit.py).
        window_min = c.window.minimumSizeHint()
        assert window_min.width() <= 1024 and window_min.height() <= 640, window_min


async def test_the_buyer_book_waits_for_its_tab_while_the_queue_follows_changes(ui):
    """While tracking, every poll is a change: the queue (counted in its tab's title) is
    re-read after changes, the buyer book only once its tab is shown (bench_tracking_window:
    its table's reset behind the Orders tab took 15-30 ms of the loop each second)."""
    from skins_console.services import change_bus
    from skins_console.ui.main_window import TAB_ORDERS

    async with ui.session() as s:
        merchant, tabs = s.controller.merchant, s.window.tabs
        tabs.setCurrentIndex(TAB_ORDERS)
        await wait_for(lambda: not s.controller.runner.running("buyers.reload"), timeout=10)
        reads = {"buyers": 0, "attention": 0}

        def count(name: str) -> None:
            reads[name] += 1

        merchant.buyers.model.modelReset.connect(lambda: count("buyers"))
        merchant.attention.model.modelReset.connect(lambda: count("attention"))
        s.ctx.bus.publish(change_bus.ORDER, "polled-order")
        await wait_for(lambda: reads["attention"] > 0, timeout=10)
        await asyncio.sleep(0.3)
        assert reads["buyers"] == 0
        tabs.setCurrentIndex(merchant.buyers_index)
        await wait_for(lambda: reads["buyers"] > 0, timeout=10)
        # Shown, it follows changes again.
        reads["buyers"] = 0
        s.ctx.bus.publish(change_bus.CUSTOMER, str(PARTNER))
        await wait_for(lambda: reads["buyers"] > 0, timeout=10)
