"""Catalog tab: search as you type, filters, sorting, thumbnails and "Sell…"."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from functools import partial
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.cs2 import EXTERIORS
from skins_console.core.heap import return_freed_memory
from skins_console.core.models import Catalog, CatalogItem
from skins_console.core.money import MoneyError, parse_cents_input
from skins_console.ui.after_swap import AfterSwapJobs
from skins_console.ui.builders import (
    debounce_timer,
    plain_table,
    search_box,
    set_column_widths,
)
from skins_console.ui.catalog_columns import START_WIDTHS
from skins_console.ui.catalog_model import (
    COL_FLOAT,
    COL_NAME,
    COL_PRICE,
    KINDS,
    CatalogColumns,
    CatalogFilter,
    CatalogModel,
    CatalogProxy,
    KeyBlob,
    PreparedOrder,
    prepare_order,
    release_in_steps,
)
from skins_console.ui.gc_guard import bulk_allocation
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import Theme, current_theme, tool_button_style
from skins_console.ui.thumbnails import ThumbnailCache
from skins_console.ui.widgets.float_bar import FloatBarDelegate

SEARCH_DEBOUNCE_MS = 150
INDEX_AFTER_SORT_MS = 400
ROW_HEIGHT = 38


def _build_for_view(items, sort_column: int, descending: bool, index: bool) -> PreparedOrder:
    """Worker thread: the catalog's columns, and its row order and (``index``) search
    index."""
    # The downloaded body (~37 MB at 100,000 items, freed once decoded) leaves that much
    # free but resident in the C heap; the columns are mostly Python objects, which live
    # in pymalloc's arenas and do not reuse it. Given back first, it is not resident at
    # the swap, when the new catalog sits beside the one still shown. ~1.5 ms, GIL free.
    return_freed_memory()
    return prepare_order(CatalogColumns.build(items), sort_column, descending, index=index)


_widget_types_ready = False


def _prepare_widget_types() -> None:
    """Once per process, while the first catalog downloads: have PySide6 make the Python
    types of every live widget. Shiboken makes QtWidgets' types and enums lazily (57 enum
    classes in a bare tab, 26 still left after the window's first paint), and the first
    paint of catalog rows triggered it: 10-15 ms on top of that paint's own 6-12 ms, in one
    stall. Done here, it is a stall of its own while the window waits for the network."""
    global _widget_types_ready
    if not _widget_types_ready:
        _widget_types_ready = True
        QApplication.allWidgets()


def _local(ts: datetime) -> str:
    return ts.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class CatalogTab(QWidget):
    sell_requested = Signal(object)  # CatalogItem
    #: emitted after the model holds a new catalog (rows on screen), with its fetch time
    catalog_shown = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        *,
        load_cached: Callable[[], Awaitable[Catalog | None]],
        fetch: Callable[..., Awaitable[Catalog]],
        store: Callable[[Catalog], Coroutine[Any, Any, None]] | None = None,
        thumbnails: ThumbnailCache | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._load_cached = load_cached
        self._fetch = fetch
        #: keeps a fresh catalog as the offline copy, after it is shown (None: not kept)
        self._store = store
        self.thumbnails = thumbnails
        self.fetched_at: datetime | None = None
        self.is_cached_copy = False
        self.last_refresh_seconds: float | None = None
        #: a swap's background work (freeing the replaced catalog, the new one's search
        #: index and other sort orders); see set_columns
        self._after_swap = AfterSwapJobs(runner, self)

        self.model = CatalogModel(self)
        self.proxy = CatalogProxy(self)
        self.proxy.setSourceModel(self.model)
        if thumbnails is not None:
            self.model.thumbnail_for = thumbnails.pixmap
            thumbnails.loaded.connect(self.model.thumbnail_loaded)

        self._build()
        self._debounce = debounce_timer(self, SEARCH_DEBOUNCE_MS, self.apply_filter)
        self._connect()

    # --- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.search = search_box("Search name, phase or seed  (Ctrl+F or /)")
        bar.addWidget(self.search, 3)

        self.wear_button = QToolButton()
        self.wear_button.setText("Wear: any")
        self.wear_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        # Room for the menu arrow, which Fusion otherwise draws over the last letters.
        self.wear_button.setStyleSheet(tool_button_style(current_theme()))
        wear_menu = QMenu(self.wear_button)
        self.wear_actions: dict[str, QAction] = {}
        for exterior in EXTERIORS:
            action = wear_menu.addAction(exterior)
            action.setCheckable(True)
            self.wear_actions[exterior] = action
        self.wear_button.setMenu(wear_menu)
        bar.addWidget(self.wear_button)

        self.kind_combo = QComboBox()
        self.kind_combo.addItem("All types", None)
        for kind in KINDS:
            self.kind_combo.addItem(kind, kind)
        bar.addWidget(self.kind_combo)

        # The label says what ★ filters; a bare star was unreadable as a control.
        self.star_check = QCheckBox("★ items")
        self.stattrak_check = QCheckBox("StatTrak™")
        self.souvenir_check = QCheckBox("Souvenir")
        for check in (self.star_check, self.stattrak_check, self.souvenir_check):
            check.setTristate(True)
            check.setToolTip("Checked: only these; crossed (third state): exclude them")
            bar.addWidget(check)

        self.min_price = QLineEdit()
        self.min_price.setPlaceholderText("min $")
        self.min_price.setMaximumWidth(80)
        self.max_price = QLineEdit()
        self.max_price.setPlaceholderText("max $")
        self.max_price.setMaximumWidth(80)
        bar.addWidget(self.min_price)
        bar.addWidget(self.max_price)

        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Reload the catalog from SkinsNode (F5)")
        bar.addWidget(self.refresh_button)
        self.sell_button = QPushButton("Sell…")
        self.sell_button.setToolTip("Create an order for the selected item (Ctrl+N)")
        self.sell_button.setEnabled(False)
        bar.addWidget(self.sell_button)
        layout.addLayout(bar)

        status = QHBoxLayout()
        self.count_label = QLabel("No catalog loaded yet.")
        self.filter_error = QLabel()
        self.filter_error.setObjectName("inlineError")
        self.filter_error.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.progress.setMaximumHeight(14)
        self.progress.hide()
        self.fetched_label = QLabel()
        status.addWidget(self.count_label)
        status.addWidget(self.filter_error)
        status.addStretch(1)
        status.addWidget(self.progress)
        status.addWidget(self.fetched_label)
        layout.addLayout(status)

        self.table = plain_table(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        # Always shown: a scroll bar that appears with the first rows narrows the viewport
        # and makes the view lay out and paint 100,000 rows a second time (see set_columns).
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.table.setIconSize(self.thumbnails.size if self.thumbnails else self.table.iconSize())
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        set_column_widths(self.table, START_WIDTHS)
        self.table.setItemDelegateForColumn(COL_FLOAT, FloatBarDelegate(self.table))
        self.table.sortByColumn(COL_PRICE, Qt.SortOrder.DescendingOrder)
        layout.addWidget(self.table, 1)

    def _connect(self) -> None:
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self.apply_filter)
        for action in self.wear_actions.values():
            action.toggled.connect(self._on_filter_widget_changed)
        self.kind_combo.currentIndexChanged.connect(self._on_filter_widget_changed)
        for check in (self.star_check, self.stattrak_check, self.souvenir_check):
            check.stateChanged.connect(self._on_filter_widget_changed)
        self.min_price.textChanged.connect(self._on_search_text_changed)
        self.max_price.textChanged.connect(self._on_search_text_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.sell_button.clicked.connect(self.request_sell)
        self.table.doubleClicked.connect(lambda _index: self.request_sell())
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.proxy.modelReset.connect(self._on_selection_changed)
        # A new sort order needs its own search index: built once the clicking stops (a
        # build per click would pile up worker threads that all want the GIL).
        self._index_soon = debounce_timer(self, INDEX_AFTER_SORT_MS, self.prepare_search_index)
        self.proxy.layoutChanged.connect(lambda *_: self._index_soon.start())

    # --- data ----------------------------------------------------------------------------

    def start(self) -> None:
        """Show the cached catalog at once, then fetch a fresh one."""
        self._runner.spawn(
            self._load_cached_then_refresh(),
            owner=self,
            key="catalog.refresh",
            description="loading the catalog",
        )

    async def _load_cached_then_refresh(self) -> None:
        QTimer.singleShot(0, _prepare_widget_types)
        with bulk_allocation():
            cached = await self._load_cached()
            if cached is not None and cached.items:
                await self._show(cached, cached_copy=True)
            del cached
        await self._refresh()

    def refresh(self) -> None:
        self._runner.spawn(
            self._refresh(), owner=self, key="catalog.refresh", description="refreshing the catalog"
        )

    async def _refresh(self) -> None:
        started = time.perf_counter()
        self.progress.show()
        self.refresh_button.setEnabled(False)
        self.fetched_label.setText("Refreshing…")
        QTimer.singleShot(0, _prepare_widget_types)  # an event-loop turn of its own
        try:
            with bulk_allocation():  # frozen by set_columns
                catalog = await self._fetch(progress=self._on_progress)
                await self._show(catalog, cached_copy=False)
            if self._store is not None:
                # Off the critical path: the rows are on screen; the offline copy follows.
                self._runner.spawn(
                    self._keep_offline_copy(self._store, catalog),
                    owner=self,
                    key="catalog.store",
                    description="saving the catalog for offline browsing",
                    background=True,
                )
            del catalog
        except Exception:
            # Any failure (the provider, a credential gone from the keyring, the book): the
            # label says what is shown, the error goes to the presenter as before.
            if self.fetched_at is not None:
                self.is_cached_copy = True
            self._update_fetched_label(offline=True)
            raise
        finally:
            self.progress.hide()
            self.refresh_button.setEnabled(True)
        self.last_refresh_seconds = time.perf_counter() - started

    async def _keep_offline_copy(
        self, store: Callable[[Catalog], Coroutine[Any, Any, None]], catalog: Catalog
    ) -> None:
        # No young collections while the copy is written: its 100,000-entry lists and
        # dict are new objects, and each young collection on the window's thread walked
        # them (a gen-0 collection of ~4,000 objects took 5-9 ms of CPU, 16-25 ms of wall
        # time under load). They are freed when the write ends, before the next one.
        with bulk_allocation():
            # After the swap's own background work, not beside it: see set_columns.
            await self._after_swap.finished()
            await store(catalog)

    def _on_progress(self, step: str) -> None:
        # The service names each step ("Downloading…", "Saving 100,000 items…").
        self.fetched_label.setText(step + "…")

    async def _show(self, catalog: Catalog, *, cached_copy: bool) -> None:
        # Building 100k rows of display data takes about a second of pure Python: off the
        # GUI thread, then swapped in with one model reset.
        self.fetched_label.setText(f"Preparing {len(catalog.items):,} items…")
        # The row order for the current sort is built with the columns (done after the
        # swap, it would compete with the view's first paint), and so is the search index
        # of a first catalog. One that replaces another is indexed after the swap, once the
        # replaced one is freed (see set_columns), and the shown one's index is let go of
        # now: two catalogs' indexes (15 MB each at 100,000 items) were held together at
        # the console's highest memory use. Meanwhile a search passes over the keys
        # (15-50 ms at 100,000 rows instead of a few).
        sort_column, descending = self.proxy.sort_state
        first = self.model.rowCount() == 0
        try:
            if not first and (shown_index := self.proxy.drop_blob()) is not None:
                await asyncio.to_thread(shown_index.release)
                del shown_index
            prepared = await asyncio.to_thread(
                _build_for_view, catalog.items, sort_column, descending, first
            )
        except BaseException:  # failed or cancelled (a newer refresh): the shown one's again
            self.prepare_search_index()
            raise
        self.proxy.expect(prepared)
        self.set_columns(
            prepared.columns,
            catalog.fetched_at,
            cached_copy=cached_copy,
            skipped=len(catalog.skipped),
        )

    def set_columns(
        self, columns: CatalogColumns, fetched_at: datetime, *, cached_copy: bool, skipped: int = 0
    ) -> None:
        selected = self.selected_item()
        previous = self.model.set_columns(columns)
        # The new rows are laid out and painted now, before any worker below starts. Left
        # to the event loop, the first catalog's paint came after the sort-order and
        # offline-copy threads had started, and each of its ~1,000 model calls (one per
        # cell and role, each taking the GIL from C++) waited for a busy worker to let
        # the GIL go: a 200-400 ms stall with 20 ms of the window's own work in it.
        self.table.executeDelayedItemsLayout()
        self.table.viewport().repaint()
        replaced = len(previous) > 0
        if replaced:
            self._after_swap.add(partial(release_in_steps, previous))
            # Its search index once the replaced catalog is freed (see _show).
            if (index := self._search_index_job()) is not None:
                self._after_swap.add(index)
        del previous
        # 100k items are a few hundred thousand long-lived objects: a full collection that
        # walks them takes 100-300 ms on the GUI thread (where the app collects). Freezing
        # moves them out of the collector's sight; they are still freed by reference
        # counting when the next catalog replaces them (they hold no cycles).
        gc.freeze()
        self.fetched_at = fetched_at
        self.is_cached_copy = cached_copy
        self.skipped = skipped
        self._update_fetched_label()
        self._update_count()
        if selected is not None:
            self.select_item(selected.id)
        if not replaced:
            self.prepare_search_index()  # a no-op when built with the columns
        # The other columns' row orders, so that a header click only reorders (16 ms);
        # then the raw JSON kept for each item is compressed.
        self._after_swap.add(lambda: self._complete(columns))
        self._after_swap.start()
        self.catalog_shown.emit(fetched_at)

    def _complete(self, columns: CatalogColumns) -> None:
        # After-swap thread. Columns replaced while their job waited are not sorted:
        # they are freed by the job queued behind this one.
        if columns is self.model.columns:
            columns.complete()

    def prepare_search_index(self) -> None:
        """Build the joined-keys search index for the current order in a worker thread
        (40 ms at 100k: too long for the first keystroke to pay)."""
        if (job := self._search_index_job()) is None:
            return
        self._runner.spawn(
            asyncio.to_thread(job),
            owner=self,
            key="catalog.search_index",
            on_success=lambda install: install is not None and install(),
            description="indexing the catalog for search",
        )

    def _search_index_job(self) -> Callable[[], Callable[[], bool] | None] | None:
        """The search index for the current order as a worker-thread job, whose result
        installs it (on the window's thread); None if there is nothing to index."""
        if self.model.rowCount() == 0 or self.proxy.has_blob:
            return None
        order, keys = self.proxy.search_index_inputs()
        columns, install = self.model.columns, self.proxy.install_blob

        def build() -> Callable[[], bool] | None:
            blob = columns.guarded(KeyBlob, order, keys)
            return None if blob is None else partial(install, blob)

        return build

    def _update_fetched_label(self, *, offline: bool = False) -> None:
        if self.fetched_at is None:
            self.fetched_label.setText("Could not load the catalog." if offline else "")
            return
        text = f"Fetched {_local(self.fetched_at)}"
        if self.is_cached_copy:
            text += " — cached copy" + (" (SkinsNode unreachable)" if offline else "")
        self.fetched_label.setText(text)

    def _update_count(self) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        text = f"{shown:,} of {total:,} items" if shown != total else f"{total:,} items"
        if getattr(self, "skipped", 0):
            text += f" ({self.skipped} unreadable entries skipped)"
        self.count_label.setText(text)

    # --- filtering -----------------------------------------------------------------------

    def _on_search_text_changed(self, _text: str) -> None:
        self._debounce.start()

    def _on_filter_widget_changed(self, *_args) -> None:
        self.apply_filter()

    def current_filter(self) -> CatalogFilter:
        wears = frozenset(name for name, action in self.wear_actions.items() if action.isChecked())
        self.wear_button.setText(
            "Wear: any"
            if not wears
            else "Wear: " + ", ".join(name for name in EXTERIORS if name in wears)
        )
        kind = self.kind_combo.currentData()
        problems: list[str] = []
        min_cents = self._price(self.min_price, "min price", problems)
        max_cents = self._price(self.max_price, "max price", problems)
        if problems:
            self.filter_error.setText("  " + "; ".join(problems))
            self.filter_error.show()
        else:
            self.filter_error.hide()
        return CatalogFilter(
            text=self.search.text().strip(),
            wears=wears,
            kinds=frozenset({kind}) if kind else frozenset(),
            star=_tri(self.star_check),
            stattrak=_tri(self.stattrak_check),
            souvenir=_tri(self.souvenir_check),
            min_cents=min_cents,
            max_cents=max_cents,
        )

    @staticmethod
    def _price(edit: QLineEdit, label: str, problems: list[str]) -> int | None:
        text = edit.text().strip()
        if not text:
            return None
        try:
            # Typed here as dollars ("25" means $25), unlike the API's cents.
            return parse_cents_input(
                text if ("." in text or "$" in text) else text + ".00", field=label
            )
        except MoneyError as exc:
            problems.append(str(exc))
            return None

    def apply_filter(self) -> None:
        self._debounce.stop()
        selected = self.selected_item()
        self.proxy.set_filter(self.current_filter())
        self._update_count()
        if selected is not None:
            self.select_item(selected.id)

    def mark_sold(self, item_id: str) -> None:
        """SkinsNode accepted an order for this item: it leaves the list now."""
        row = self.model.row_of(item_id)
        if row is not None:
            self.proxy.hide_sold(row)
            self._update_count()

    def apply_theme(self, theme: Theme) -> None:
        self.wear_button.setStyleSheet(tool_button_style(theme))

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # --- selection -----------------------------------------------------------------------

    def selected_item(self) -> CatalogItem | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        proxy_row = rows[0].row()
        if proxy_row >= self.proxy.rowCount():
            return None
        return self.model.item(self.proxy.source_row(proxy_row))

    def select_item(self, item_id: str) -> bool:
        source_row = self.model.row_of(item_id)
        if source_row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(source_row, COL_NAME))
        if not index.isValid():
            return False
        self.table.selectionModel().select(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        return True

    def _on_selection_changed(self, *_args) -> None:
        self.sell_button.setEnabled(self.selected_item() is not None)

    def request_sell(self) -> None:
        item = self.selected_item()
        if item is not None:
            self.sell_requested.emit(item)


def _tri(check: QCheckBox) -> bool | None:
    state = check.checkState()
    if state == Qt.CheckState.Checked:
        return True
    if state == Qt.CheckState.PartiallyChecked:
        return False
    return None
