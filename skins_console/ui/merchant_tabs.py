"""The Buyers and Attention tabs, wired to the buyer book and the attention service.

Built by :class:`~skins_console.ui.window_controller.WindowController` with the other tabs
(and rebuilt with them for another profile). It keeps the Attention tab's title counting
the queue, re-reads the queue when orders or deposits change and once a minute (stuck and
hold-ended reasons come with time), and carries "Sell to this buyer again": the Catalog tab
is shown with a banner, and the next sell dialog opens with the buyer's trade URL (from the
Buyers tab, an Attention item, or an order's context menu in the Orders tab).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt, QTimer
from PySide6.QtWidgets import QMenu

from skins_console.core.buyers import steamid64
from skins_console.core.records import OrderRecord
from skins_console.services import change_bus
from skins_console.services.attention_service import AttentionService
from skins_console.services.buyer_book import BuyerBook
from skins_console.ui.attention_tab import AttentionTab
from skins_console.ui.buyers_tab import BuyersTab
from skins_console.ui.main_window import TAB_CATALOG, TAB_ORDERS
from skins_console.ui.orders_model import ItemRole
from skins_console.ui.throttle import Throttle

if TYPE_CHECKING:
    from skins_console.ui.sell_dialog import SellDialog
    from skins_console.ui.window_controller import WindowController

#: the queue is re-read this often even without changes (time-based reasons)
ATTENTION_REFRESH_MS = 60_000
BANNER_KEY = "sell-again"


class MerchantTabs(QObject):
    def __init__(self, controller: WindowController) -> None:
        super().__init__(controller.window)
        self.controller = controller
        self.window = controller.window
        self.ctx = controller.ctx
        self.book = BuyerBook(self.ctx)
        self.queue = AttentionService(self.ctx)
        runner = controller.runner
        #: (trade URL, who) the next sell dialog is opened for
        self.pending_buyer: tuple[str, str] | None = None
        self.buyers = BuyersTab(runner, self.book, now=self.ctx.clock.now)
        self.attention = AttentionTab(runner, self.queue)
        self.buyers_index = self.window.tabs.addTab(self.buyers, "Buyers")
        self.attention_index = self.window.tabs.addTab(self.attention, "Attention")
        self.attention.count_changed.connect(self._show_count)
        self.attention.open_record.connect(self._open_record)
        self.attention.sell_again.connect(self._sell_again_partner)
        self.buyers.sell_again.connect(self.sell_again)
        self.buyers.show_orders.connect(self._show_orders)
        self._reload_soon = Throttle(self._reload_changed, 1000, self)
        #: the buyer book changed while its tab was hidden
        self._buyers_stale = False
        self.window.tabs.currentChanged.connect(self._on_tab_shown)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.attention.reload)
        # "Sell to this buyer again" from an order: the Orders table's context menu.
        table = controller.orders.table
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._on_orders_menu)

    # --- life ----------------------------------------------------------------------------

    def start(self) -> None:
        if self.ctx.profile is None:
            return
        self.reload()
        self.timer.start(ATTENTION_REFRESH_MS)

    def stop(self) -> None:
        self.timer.stop()
        self._reload_soon.cancel()

    def close(self) -> None:
        """The tabs are being rebuilt (another profile): no more reloads from this one."""
        self.stop()
        self.cancel_sell_again()
        self.deleteLater()

    def reload(self) -> None:
        if self.ctx.profile is None:
            return
        self.attention.reload()
        self.buyers.reload()

    def _reload_changed(self) -> None:
        """After changes: the queue counts in its tab's title, so it is re-read; the buyer
        book only while its tab is shown, else when it is shown next. Re-read behind the
        Orders tab, its table's reset took 15-30 ms of the loop every second of tracking."""
        if self.ctx.profile is None:
            return
        self.attention.reload()
        if self.window.tabs.currentIndex() == self.buyers_index:
            self.buyers.reload()
        else:
            self._buyers_stale = True

    def _on_tab_shown(self, index: int) -> None:
        if index == self.buyers_index and self._buyers_stale:
            self._buyers_stale = False
            self.buyers.reload()

    def refresh_if_current(self, index: int) -> None:
        if index in (self.buyers_index, self.attention_index):
            self.reload()

    def on_changes(self, batch: frozenset) -> None:
        kinds = {kind for kind, _key in batch}
        if kinds & {change_bus.ORDER, change_bus.DEPOSIT, change_bus.CUSTOMER}:
            self._reload_soon()

    def _show_count(self, count: int) -> None:
        title = f"Attention ({count})" if count else "Attention"
        self.window.tabs.setTabText(self.attention_index, title)
        self.window.tabs.setTabToolTip(
            self.attention_index,
            f"{count} order(s)/deposit(s) need you" if count else "Nothing needs attention",
        )

    # --- navigation ----------------------------------------------------------------------

    def _open_record(self, provider: str, key: str) -> None:
        orders = self.controller.orders
        self.window.tabs.setCurrentIndex(TAB_ORDERS)
        orders.search.clear()
        orders.apply_filter()
        orders.select(provider, key)

    def _show_orders(self, text: str) -> None:
        self.window.tabs.setCurrentIndex(TAB_ORDERS)
        self.controller.orders.search.setText(text)
        self.controller.orders.apply_filter()

    def order_menu(self, index: QModelIndex) -> QMenu | None:
        """The context menu of an Orders row: sell to the order's buyer again."""
        row = index.data(ItemRole) if index.isValid() else None
        record = getattr(row, "record", None)
        if not isinstance(record, OrderRecord) or record.buyer_partner is None:
            return None
        menu = QMenu(self.controller.orders.table)
        action = menu.addAction("Sell to this buyer again…")
        partner = record.buyer_partner
        action.triggered.connect(lambda: self._sell_again_partner(partner))
        return menu

    def _on_orders_menu(self, pos: QPoint) -> None:
        table = self.controller.orders.table
        menu = self.order_menu(table.indexAt(pos))
        if menu is not None:
            menu.popup(table.viewport().mapToGlobal(pos))

    def _sell_again_partner(self, partner: int) -> None:
        async def current() -> tuple[str, str] | None:
            customer = await self.ctx.customers.get(self.ctx.require_profile().name, partner)
            if customer is None:
                return None
            return customer.trade_url, customer.label or str(steamid64(partner))

        self.controller.runner.spawn(
            current(),
            owner=self.attention,
            on_success=lambda found: self.sell_again(*found) if found else None,
            description="looking up the buyer",
        )

    def sell_again(self, trade_url: str, who: str) -> None:
        """Show the Catalog with a banner; the next sell dialog gets ``trade_url``."""
        self.pending_buyer = (trade_url, who)
        self.window.tabs.setCurrentIndex(TAB_CATALOG)
        self.window.banner.show_message(
            f"Choose the item to sell to {who}: select it and press Sell (Ctrl+N). The order "
            "dialog opens with their trade URL.",
            tone="info",
            key=BANNER_KEY,
            actions=[("Cancel", self.cancel_sell_again)],
        )
        self.controller.catalog.focus_search()

    def cancel_sell_again(self) -> None:
        self.pending_buyer = None
        self.window.banner.clear(BANNER_KEY)

    def prefill(self, dialog: SellDialog) -> None:
        """Give a sell dialog the pending buyer's trade URL (once)."""
        if self.pending_buyer is None:
            return
        banner = self.window.banner
        if banner.key != BANNER_KEY or banner.isHidden():
            # The operator dismissed the request (or something more urgent replaced it).
            self.pending_buyer = None
            return
        trade_url, _who = self.pending_buyer
        dialog.trade_url.setText(trade_url)
        self.cancel_sell_again()
