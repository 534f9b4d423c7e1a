"""Orders tab: every order and deposit, filters, live countdowns, details, CSV export."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import (
    QDate,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.models import utcnow
from skins_console.core.records import DepositRecord, OrderRecord
from skins_console.core.statuses import Group
from skins_console.ui import dialog_futures
from skins_console.ui.backend import Backend
from skins_console.ui.backend_tab import BackendTab
from skins_console.ui.builders import (
    debounce_timer,
    search_box,
    show_row,
    splitter,
)
from skins_console.ui.order_details import OrderDetails
from skins_console.ui.orders_model import (
    COL_AGE,
    COL_AMOUNT,
    COL_BUYER,
    COL_CHARGED,
    COL_COUNTDOWN,
    COL_ID,
    COL_ITEMS,
    COL_MARGIN,
    COL_OPERATOR,
    COL_PROVIDER,
    COL_STATUS,
    ActivityItem,
    ItemRole,
    OrdersFilter,
    OrdersModel,
    OrdersProxy,
)
from skins_console.ui.status_chip import StatusChipDelegate
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.widgets.elided_label import ElidedLabel
from skins_console.ui.wording import plural


class OrdersTab(BackendTab):
    loaded = Signal()
    #: a shown value (a status, a deadline…) of some row moved, or rows came or went
    activity_moved = Signal()

    def __init__(self, runner: TaskRunner, backend: Backend, parent: QWidget | None = None) -> None:
        super().__init__(runner, backend, parent)
        #: keys the store says changed and the table has not re-read yet
        self._changed_orders: set[str] = set()
        self._changed_deposits: set[str] = set()
        self._stale = False
        self.model = OrdersModel(self)
        self.proxy = OrdersProxy(self)
        self.proxy.setSourceModel(self.model)
        self.details = OrderDetails(
            runner, load_events=backend.load_events, add_note=backend.add_note
        )
        self._build()
        self._connect()
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._on_tick)
        self._ticker.start()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.search = search_box("Search id, item, buyer, offer id  (Ctrl+F or /)")
        bar.addWidget(self.search, 2)
        self.provider_combo = QComboBox()
        self.provider_combo.addItem("Both providers", None)
        self.provider_combo.addItem("SkinsNode orders", "skinsnode")
        self.provider_combo.addItem("Skinslink deposits", "skinslink")
        bar.addWidget(self.provider_combo)
        self.status_combo = QComboBox()
        self.status_combo.addItem("Any status", None)
        for group in Group:
            self.status_combo.addItem(group.label, group.value)
        bar.addWidget(self.status_combo)
        self.since_check = QCheckBox("From")
        self.since_edit = QDateEdit(QDate.currentDate().addDays(-7))
        self.since_edit.setCalendarPopup(True)
        self.since_edit.setEnabled(False)
        self.until_check = QCheckBox("to")
        self.until_edit = QDateEdit(QDate.currentDate())
        self.until_edit.setCalendarPopup(True)
        self.until_edit.setEnabled(False)
        for widget in (self.since_check, self.since_edit, self.until_check, self.until_edit):
            bar.addWidget(widget)
        self.attention_check = QCheckBox("Needs attention")
        self.attention_check.setToolTip(
            "Failed, expired, reversed, stuck (unconfirmed sends, offers past their window) "
            "and unknown statuses"
        )
        bar.addWidget(self.attention_check)
        self.export_button = QPushButton("Export CSV…")
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        # Elided in the middle: an export's folder path must not widen the window.
        self.count_label = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        layout.addWidget(self.count_label)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the model's newest-first
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.horizontalHeader().setStretchLastSection(True)
        # Item(s) keeps a readable width when the details pane opens (a stretched section
        # would shrink to "D…"); the table scrolls sideways instead.
        for column, width in (
            (COL_ITEMS, 220),
            (COL_PROVIDER, 82),
            (COL_ID, 175),
            (COL_BUYER, 140),
            (COL_AMOUNT, 80),
            (COL_CHARGED, 84),
            (COL_MARGIN, 76),
            (COL_STATUS, 96),
            (COL_OPERATOR, 90),
            (COL_COUNTDOWN, 170),
            (COL_AGE, 60),
        ):
            self.table.setColumnWidth(column, width)
        self.table.setItemDelegateForColumn(COL_STATUS, StatusChipDelegate(self.table))
        self.table.setColumnHidden(COL_OPERATOR, True)

        self.splitter = splitter(
            Qt.Orientation.Horizontal, (self.table, self.details), (3, 2), (900, 400)
        )
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)

    def _connect(self) -> None:
        self._debounce = debounce_timer(self, 150, self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        for combo in (self.provider_combo, self.status_combo):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        for check, edit in (
            (self.since_check, self.since_edit),
            (self.until_check, self.until_edit),
        ):
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(lambda _on: self.apply_filter())
            edit.dateChanged.connect(lambda _d: self.apply_filter())
        self.attention_check.toggled.connect(lambda _on: self.apply_filter())
        self.export_button.clicked.connect(self.export)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.details.recheck_requested.connect(self._on_recheck_requested)

    # --- data ----------------------------------------------------------------------------

    def reload(self) -> None:
        self._runner.spawn(
            self._backend.load_activity(),
            owner=self,
            key="orders.reload",
            on_success=self._on_loaded,
            description="loading orders",
        )

    def _on_loaded(self, result: tuple[list[OrderRecord], list[DepositRecord]]) -> None:
        orders, deposits = result
        current = self.current_item()
        self.model.set_records(orders, deposits)
        self._show_operators()
        if current is not None:
            self.select(current.provider.value, current.key)
        self._refresh_details()
        self._update_count()
        self.activity_moved.emit()
        self.loaded.emit()

    def note_changes(self, orders: Iterable[str | None], deposits: Iterable[str | None]) -> None:
        """The store changed these orders and deposits (None: any of them); they are
        re-read by the next :meth:`read_changed`."""
        for key in orders:
            if key is None:
                self._stale = True
            else:
                self._changed_orders.add(key)
        for key in deposits:
            if key is None:
                self._stale = True
            else:
                self._changed_deposits.add(key)

    def read_changed(self) -> None:
        """Re-read the records noted as changed; call it at most about once a second (the
        controller throttles). Only those records are read and only rows whose shown values
        moved are repainted: with a thousand orders polled every 30 s, re-reading all of
        them each time kept the database thread and the loop busy (bench_tracking_window).
        """
        if self._runner.running("orders.changed"):
            return  # read again when it is done: cancelling it would drop its keys
        if self._stale or not self.model.rows:
            self._stale = False
            self._changed_orders.clear()
            self._changed_deposits.clear()
            self.reload()
            return
        orders, self._changed_orders = self._changed_orders, set()
        deposits, self._changed_deposits = self._changed_deposits, set()
        if not orders and not deposits:
            return

        def failed(exc: BaseException) -> None:
            self._changed_orders |= orders
            self._changed_deposits |= deposits
            self._runner.presenter.report(exc, context="loading orders")

        self._runner.spawn(
            self._read_and_apply(orders, deposits),
            owner=self,
            key="orders.changed",
            on_success=lambda result: self._on_changed_applied(result, orders, deposits),
            on_error=failed,
            description="loading orders",
            background=True,
        )

    async def _read_and_apply(
        self, orders: set[str], deposits: set[str]
    ) -> tuple[set[tuple[str, str]], bool]:
        """Re-read these records and apply them to the table a slice per loop turn (a
        pass re-reads hundreds at once: in one callback they held the window's loop)."""
        loaded_orders, loaded_deposits = await self._backend.load_changed(orders, deposits)
        return await self.model.update_records_in_slices(loaded_orders, loaded_deposits)

    def _on_changed_applied(
        self,
        result: tuple[set[tuple[str, str]], bool],
        orders: set[str],
        deposits: set[str],
    ) -> None:
        missing, shown_changed = result
        self._show_operators()
        if not self._refresh_details():
            # The record is unchanged but its timeline may not be: a note, a handled
            # attention item, maybe from another console.
            shown = self.details.item
            if shown is not None and shown.key in (orders if shown.is_order else deposits):
                self.details.reload_events()
        if shown_changed:
            self._update_count()
            self.activity_moved.emit()
        if missing:
            self.reload()  # new rows: a full read puts them in their place
        elif self._changed_orders or self._changed_deposits:
            self.read_changed()

    def _show_operators(self) -> None:
        """The Operator column appears once records of two operators are in the book (a
        team); a single operator's book has no use for it."""
        self.table.setColumnHidden(COL_OPERATOR, len(self.model.operators()) < 2)

    def _refresh_details(self) -> bool:
        """Keep the details pane on the newest record of its row (status, last checked);
        whether it was shown again (its timeline re-read with it)."""
        shown = self.details.item
        if shown is None:
            return False
        latest = self.model.item_for(shown.provider.value, shown.key)
        if latest is not None and latest is not shown and latest.record != shown.record:
            self.details.show_item(latest)
            return True
        return False

    def _update_count(self, *_args) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        attention = sum(1 for r in self.model.rows if r.attention_reason(self.model.now))
        text = (
            f"{shown:,} of {total:,} shown"
            if shown != total
            else plural(total, "order or deposit", "orders and deposits")
        )
        if attention:
            text += f" · {attention:,} need{'s' if attention == 1 else ''} attention"
        self.count_label.setText(text)

    # --- filters -------------------------------------------------------------------------

    def current_filter(self) -> OrdersFilter:
        since = until = None
        if self.since_check.isChecked():
            since = _utc_start_of(self.since_edit.date())
        if self.until_check.isChecked():
            until = _utc_start_of(self.until_edit.date().addDays(1))
        group = self.status_combo.currentData()
        return OrdersFilter(
            text=self.search.text().strip(),
            provider=self.provider_combo.currentData(),
            group=Group(group) if group else None,
            since=since,
            until=until,
            needs_attention=self.attention_check.isChecked(),
        )

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.proxy.set_filter(self.current_filter())
        self._update_count()

    def show_needs_attention(self) -> None:
        self.attention_check.setChecked(True)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # --- selection and details -----------------------------------------------------------

    def current_item(self) -> ActivityItem | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid():
            return None
        return index.data(ItemRole)

    def select(self, provider: str, key: str) -> bool:
        row = self.model.row_for(provider, key)
        if row is None:
            return False
        return show_row(self.table, self.proxy.mapFromSource(self.model.index(row, COL_ID)))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.details.show_item(current.data(ItemRole) if current.isValid() else None)

    def _on_recheck_requested(self, item: ActivityItem) -> None:
        self.details.recheck_button.setEnabled(False)
        self.details.recheck_button.setText("Checking…")

        def done(*_args) -> None:
            self.details.recheck_button.setEnabled(True)
            self.details.recheck_button.setText("Re-check now")

        def failed(exc: BaseException) -> None:
            done()
            self._runner.presenter.report(exc, context="re-checking an order")

        def succeeded(_result: object) -> None:
            done()
            self.reload()

        self._runner.spawn(
            self._backend.recheck(item),
            owner=self,
            key=f"orders.recheck.{item.key}",
            on_success=succeeded,
            on_error=failed,
            description="re-checking an order",
        )

    def apply_theme(self, _theme) -> None:
        """Chips take their colours from the theme: repaint the table's, re-style the pane's."""
        self.table.viewport().update()
        self.details.apply_theme()

    # --- countdowns ----------------------------------------------------------------------

    def _on_tick(self) -> None:
        if not self.isVisible() or self.model.rowCount() == 0:
            self.model.now = utcnow()
            return
        viewport = self.table.viewport()
        top = self.table.indexAt(viewport.rect().topLeft())
        bottom = self.table.indexAt(viewport.rect().bottomLeft())
        first = top.row() if top.isValid() else 0
        last = bottom.row() if bottom.isValid() else self.proxy.rowCount() - 1
        # Map the visible proxy rows to source rows; only those cells are repainted.
        rows = [
            self.proxy.mapToSource(self.proxy.index(r, 0)).row() for r in range(first, last + 1)
        ]
        now = utcnow()
        if rows:
            self.model.tick(now, min(rows), max(rows))
        else:
            self.model.now = now
        if self.details.item is not None:
            self.details.fields["deadline"].setToolTip(now.isoformat())

    # --- export --------------------------------------------------------------------------

    def visible_items(self) -> list[ActivityItem]:
        return [self.proxy.index(r, 0).data(ItemRole) for r in range(self.proxy.rowCount())]

    def export(self) -> None:
        self._runner.spawn(
            self._export(), owner=self, key="orders.export", description="exporting orders to CSV"
        )

    async def _export(self) -> None:
        """Each file the operator names, exactly: orders and deposits have different columns,
        so a view with both asks for a second file (for the deposits) rather than writing one
        the operator never named."""
        items = self.visible_items()
        orders = [item for item in items if item.is_order]
        deposits = [item for item in items if not item.is_order]
        stamp = utcnow().strftime("%Y%m%d-%H%M")
        # The operator's Documents folder, not the working directory of the process.
        folder = str(dialog_futures.documents_folder())
        done: list[str] = []
        jobs = [("orders", orders)] if orders or not deposits else []
        if deposits:
            jobs.append(("deposits", deposits))
        for what, rows in jobs:
            name = f"skins-console-{what}-{stamp}.csv"
            suggested = str(Path(folder) / name) if folder else name
            count = plural(len(rows), what.removesuffix("s"))
            title = f"Export {what}{' too' if jobs[0][0] != what else ''} ({count})"
            path = await dialog_futures.ask_save_path(self, title, suggested, "CSV files (*.csv)")
            if not path:
                continue
            written = await self._backend.export_csv(rows, path)
            done.append(f"{count} to {written}")
            folder = str(Path(path).parent)  # the second dialog opens where the first saved
        if done:
            self.count_label.setText("Exported " + "; ".join(done))


def _utc_start_of(date: QDate) -> datetime:
    local = datetime(date.year(), date.month(), date.day()).astimezone()
    return local.astimezone(UTC)
