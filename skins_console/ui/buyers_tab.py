"""Buyers tab: the buyer book (Steam accounts by SteamID64), each with their record.

The table lists every buyer with orders, money, failures, expiries and reversals
(``core.buyer_columns.BUYER_COLUMNS``); the pane beside it shows the selected buyer: a
warning if they reversed a trade in the last 30 days, their name and note (editable), every
trade URL they used with when it last worked, and their orders. "Sell to this buyer again"
opens the sell dialog with their current trade URL once an item is chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.buyer_columns import BUYER_COLUMNS
from skins_console.core.buyers import BuyerSummary
from skins_console.core.columns import table_columns
from skins_console.core.record_columns import local_time
from skins_console.core.statuses import Provider, word
from skins_console.services.buyer_book import BuyerBook, BuyerDetails
from skins_console.ui.builders import (
    debounce_timer,
    message_label,
    search_box,
    show_row,
    sort_proxy,
    splitter,
)
from skins_console.ui.column_model import ColumnTableModel
from skins_console.ui.error_presenter import user_message
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import Theme, current_theme
from skins_console.ui.wording import plural

SEARCH_DELAY_MS = 250


class BuyersModel(ColumnTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(table_columns(BUYER_COLUMNS), parent)

    def row_of(self, partner: int) -> int | None:
        for row, summary in enumerate(self.rows):
            if summary.partner == partner:
                return row
        return None


class BuyersTab(QWidget):
    #: (trade URL, who) – sell to this buyer again
    sell_again = Signal(str, str)
    #: text for the Orders tab's search (the buyer's SteamID64)
    show_orders = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        book: BuyerBook,
        *,
        now: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._book = book
        self._now = now
        self.details: BuyerDetails | None = None
        self.model = BuyersModel(self)
        self.proxy = sort_proxy(self.model, self)
        self._debounce = debounce_timer(self, SEARCH_DELAY_MS, self.reload)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        bar = QHBoxLayout()
        self.search = search_box("Search name, note, SteamID or trade URL  (Ctrl+F or /)")
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        bar.addWidget(self.search, 1)
        self.count = QLabel()
        bar.addWidget(self.count)
        layout.addLayout(bar)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(len(self.model.columns) - 1, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        # A SteamID64 is 17 digits: shown whole, it is what the operator compares.
        self.table.horizontalHeader().resizeSection(0, 150)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)

        pane = QWidget()
        pane_layout = QVBoxLayout(pane)
        pane_layout.setContentsMargins(8, 0, 0, 0)
        self.title = QLabel("Choose a buyer")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        pane_layout.addWidget(self.title)
        self.warning = message_label(None)
        pane_layout.addWidget(self.warning)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("Name or handle")
        self.name.setMaxLength(100)
        form.addRow("Name", self.name)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("Your note on this buyer")
        self.note.setFixedHeight(54)
        form.addRow("Note", self.note)
        pane_layout.addLayout(form)
        self.save_error = message_label()
        pane_layout.addWidget(self.save_error)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save name and note")
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        self.sell_button = QPushButton("Sell to this buyer again…")
        self.sell_button.setToolTip(
            "Choose the item in the Catalog; the order dialog opens with their trade URL"
        )
        self.sell_button.clicked.connect(self._on_sell_again)
        buttons.addWidget(self.sell_button)
        self.orders_button = QPushButton("Their orders")
        self.orders_button.clicked.connect(self._on_show_orders)
        buttons.addWidget(self.orders_button)
        buttons.addStretch(1)
        pane_layout.addLayout(buttons)
        self.urls = QTreeWidget()
        self.urls.setHeaderLabels(["Trade URL", "Last used", "Last worked"])
        self.urls.setRootIsDecorated(False)
        self.urls.setMaximumHeight(96)
        pane_layout.addWidget(self.urls)
        self.trades = QTreeWidget()
        self.trades.setHeaderLabels(["Order / deposit", "Status", "Items", "Created"])
        self.trades.setRootIsDecorated(False)
        pane_layout.addWidget(self.trades, 1)
        layout.addWidget(splitter(Qt.Orientation.Horizontal, (self.table, pane), (3, 2)), 1)
        self._enable_pane(False)

    def _enable_pane(self, enabled: bool) -> None:
        for widget in (self.name, self.note, self.save_button, self.sell_button):
            widget.setEnabled(enabled)
        self.orders_button.setEnabled(enabled)

    # --- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        self._runner.spawn(
            self._book.list(text=self.search.text().strip() or None),
            owner=self,
            key="buyers.reload",
            on_success=self.show_buyers,
            description="loading the buyer book",
        )

    def show_buyers(self, buyers: list[BuyerSummary]) -> None:
        current = self.details.summary.partner if self.details is not None else None
        self.model.set_rows(buyers)
        self.count.setText(f"{len(buyers)} buyer" + ("" if len(buyers) == 1 else "s"))
        if current is not None and self.select(current):
            return
        if current is not None:
            self._show_details(None)

    def select(self, partner: int) -> bool:
        row = self.model.row_of(partner)
        if row is None:
            return False
        return show_row(self.table, self.proxy.mapFromSource(self.model.index(row, 0)))

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self._show_details(None)
            return
        summary = self.model.rows[self.proxy.mapToSource(current).row()]
        self._runner.spawn(
            self._book.details(str(summary.partner)),
            owner=self,
            key="buyers.details",
            on_success=self._show_details,
            description="loading the buyer",
        )

    def _show_details(self, details: BuyerDetails | None) -> None:
        self.details = details
        self.save_error.hide()
        self.urls.clear()
        self.trades.clear()
        if details is None:
            self.title.setText("Choose a buyer")
            self.warning.hide()
            self.name.clear()
            self.note.clear()
            self._enable_pane(False)
            return
        s = details.summary
        self._enable_pane(True)
        # An unnamed buyer's display name is their SteamID64: say it once.
        who = f"<b>{_escape(s.name)}</b> · " if s.name else ""
        self.title.setText(
            f"{who}SteamID64 {s.steamid64}<br>"
            f"{plural(s.orders, 'order')} ({s.delivered} delivered) · {s.failures} failed · "
            f"{s.expiries} expired · {s.reversals} reversed"
            + (f" · {s.deposits} bought from them" if s.deposits else "")
        )
        self._show_warning()
        self.name.setText(s.name)
        self.note.setPlainText(s.customer.note)
        for use in details.trade_urls:
            item = QTreeWidgetItem(
                [use.trade_url, local_time(use.last_used_at), local_time(use.last_success_at)]
            )
            item.setToolTip(0, use.trade_url)
            self.urls.addTopLevelItem(item)
        for order in details.orders:
            self.trades.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        order.external_id,
                        word(Provider.SKINSNODE, order.status),
                        order.item_name,
                        local_time(order.created_at),
                    ]
                )
            )
        for deposit in details.deposits:
            names = ", ".join(str(i.get("name", "?")) for i in deposit.items)
            self.trades.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        deposit.merchant_tx_id,
                        word(Provider.SKINSLINK, deposit.status),
                        names,
                        local_time(deposit.created_at),
                    ]
                )
            )
        self.urls.resizeColumnToContents(1)

    # --- actions -------------------------------------------------------------------------

    def _show_warning(self) -> None:
        summary = self.details.summary if self.details is not None else None
        if summary is None or not summary.reversed_recently(self._now()):
            self.warning.hide()
            return
        theme = current_theme()
        self.warning.setText(
            f"<span style='color:{theme.bad}'>⚠ Reversed a trade on "
            f"{local_time(summary.last_reversal_at)}: selling to them asks you to confirm.</span>"
        )
        self.warning.show()

    def apply_theme(self, _theme: Theme) -> None:
        """The reversal warning was written in the previous theme's red."""
        self._show_warning()

    def save(self) -> None:
        if self.details is None:
            return
        partner = self.details.summary.partner
        self.save_button.setEnabled(False)
        self._runner.spawn(
            self._book.name(str(partner), self.name.text(), note=self.note.toPlainText()),
            owner=self,
            key="buyers.save",
            on_success=lambda _s: self._on_saved(partner),
            on_error=self._on_save_failed,
            description="saving the buyer's name",
        )

    def _on_saved(self, partner: int) -> None:
        self.save_button.setEnabled(True)
        self.save_error.hide()
        self.reload()
        self._runner.spawn(
            self._book.details(str(partner)),
            owner=self,
            key="buyers.details",
            on_success=self._show_details,
            description="loading the buyer",
        )

    def _on_save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        message = user_message(exc)
        # What was typed stays in the fields.
        theme = current_theme()
        self.save_error.setText(f"<span style='color:{theme.bad}'>{_escape(message)}</span>")
        self.save_error.show()

    def _on_sell_again(self) -> None:
        if self.details is not None:
            summary = self.details.summary
            self.sell_again.emit(summary.customer.trade_url, summary.display_name)

    def _on_show_orders(self) -> None:
        if self.details is not None:
            self.show_orders.emit(str(self.details.summary.steamid64))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
