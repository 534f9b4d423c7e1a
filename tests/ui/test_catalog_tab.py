"""The Catalog tab's widgets over a real sandbox catalog: typing, filters, sort, thumbnails."""

import asyncio

from PySide6.QtCore import Qt

from skins_console.ui.catalog_model import COL_PRICE, SortRole
from skins_console.ui.catalog_tab import SEARCH_DEBOUNCE_MS
from tests.conftest import wait_for


async def test_search_as_you_type_is_debounced_and_filters_combine(ui):
    async with ui.session() as s:
        tab = s.controller.catalog
        await wait_for(lambda: tab.model.rowCount() > 0, timeout=20)
        total = tab.model.rowCount()
        resets = []
        tab.proxy.modelReset.connect(lambda: resets.append(1))
        for text in ("k", "kn", "kni", "knif", "knife"):
            tab.search.setText(text)  # five keystrokes inside one debounce window
        assert resets == []
        await asyncio.sleep(SEARCH_DEBOUNCE_MS / 1000 + 0.2)
        assert len(resets) == 1
        knives = tab.proxy.rowCount()
        assert 0 < knives < total
        assert all("knife" in tab.proxy.index(r, 1).data().lower() for r in range(knives))
        assert f"{knives:,} of {total:,}" in tab.count_label.text()

        tab.search.clear()
        tab.apply_filter()
        tab.star_check.setCheckState(Qt.CheckState.Checked)  # only ★ items
        starred = tab.proxy.rowCount()
        assert all(tab.proxy.index(r, 1).data().startswith("★") for r in range(starred))
        tab.star_check.setCheckState(Qt.CheckState.PartiallyChecked)  # exclude ★
        assert tab.proxy.rowCount() == total - starred
        tab.star_check.setCheckState(Qt.CheckState.Unchecked)
        tab.wear_actions["Factory New"].setChecked(True)
        assert tab.wear_button.text() == "Wear: Factory New"
        assert all(tab.proxy.index(r, 5).data() == "FN" for r in range(tab.proxy.rowCount()))
        tab.wear_actions["Factory New"].setChecked(False)
        tab.min_price.setText("10")
        tab.max_price.setText("50.00")
        tab.apply_filter()
        prices = [tab.proxy.index(r, COL_PRICE).data(SortRole) for r in range(tab.proxy.rowCount())]
        assert prices and all(1000 <= p <= 5000 for p in prices)
        tab.min_price.setText("ten dollars")
        tab.apply_filter()
        assert tab.filter_error.isVisible() and "min price" in tab.filter_error.text()

        # Header click: sort by price ascending, then descending.
        header = tab.table.horizontalHeader()
        tab.min_price.clear()
        tab.max_price.clear()
        tab.apply_filter()
        header.sectionClicked.emit(COL_PRICE)
        shown = [tab.proxy.index(r, COL_PRICE).data(SortRole) for r in range(20)]
        assert shown == sorted(shown) or shown == sorted(shown, reverse=True)


async def test_thumbnails_load_for_visible_rows_and_are_cached_on_disk(ui):
    async with ui.session() as s:
        tab = s.controller.catalog
        s.window.tabs.setCurrentWidget(tab)
        await wait_for(lambda: tab.model.rowCount() > 0, timeout=20)
        thumbs = s.controller.thumbnails
        await wait_for(lambda: thumbs.fetch_count > 0, timeout=20)
        await wait_for(lambda: any(thumbs.folder.glob("*.img")), timeout=10)
        # Only rows that were painted were asked for: far fewer than the catalog.
        assert thumbs.fetch_count < tab.model.rowCount()
        first_url = tab.model.columns.image_url(tab.proxy.source_row(0))
        await wait_for(lambda: thumbs.pixmap(first_url) is not None, timeout=10)
        assert tab.proxy.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is not None


def _bare_tab(fetch, store):
    """A shown Catalog tab on its own runner (no window, no book), and that runner."""
    from skins_console.ui.catalog_tab import CatalogTab
    from skins_console.ui.error_presenter import ErrorPresenter
    from skins_console.ui.task_runner import TaskRunner

    presenter = ErrorPresenter()
    presenter.show_dialogs = False
    runner = TaskRunner(presenter)
    tab = CatalogTab(runner, load_cached=lambda: None, fetch=fetch, store=store)
    tab.resize(1000, 600)
    tab.show()
    return tab, runner


async def test_a_new_catalog_is_laid_out_and_painted_once_before_its_background_work(qapp):
    """The first catalog shown in an empty tab is painted in one pass (no second layout
    when a scroll bar appears), and before the sort-order and offline-copy work starts:
    that work runs in worker threads, and a paint's many model calls, each taking the GIL,
    would otherwise wait for them. The copy is written with young collections paused."""
    from PySide6.QtCore import QEvent, QObject

    from skins_console.core.models import Catalog, CatalogItem, utcnow
    from skins_console.ui import gc_guard
    from skins_console.ui.catalog_tab import ROW_HEIGHT

    names = ("AK-47 | Redline (Field-Tested)", "★ Karambit | Doppler (Factory New)")
    catalog = Catalog(
        tuple(CatalogItem(f"id-{n}", names[n % 2], 100 + n) for n in range(400)), utcnow()
    )
    painted: list[int] = []  # rows in the model at each full paint of the table

    class Paints(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint and event.rect().height() > ROW_HEIGHT:
                painted.append(tab.model.rowCount())
            return False

    async def fetch(progress=None):
        return catalog

    paints_when_stored: list[int] = []
    collecting_when_stored: list[bool] = []

    async def store(shown):
        paints_when_stored.append(len([n for n in painted if n]))
        collecting_when_stored.append(not gc_guard._bulk)

    tab, runner = _bare_tab(fetch, store)
    paints = Paints()
    tab.table.viewport().installEventFilter(paints)
    try:
        await asyncio.sleep(0.1)
        painted.clear()
        tab.refresh()
        await wait_for(lambda: paints_when_stored and not runner.running("catalog.sort_orders"))
        await asyncio.sleep(0.2)  # any later paint of the view would have come by now
        assert tab.model.rowCount() == 400
        assert [n for n in painted if n] == [400]  # one full paint of the rows
        assert paints_when_stored == [1]  # and it came before the offline copy began
        # no young collections while the copy's 100,000-entry lists are alive
        assert collecting_when_stored == [False] and not gc_guard._bulk
    finally:
        tab.table.viewport().removeEventFilter(paints)
        await runner.shutdown()
        tab.close()


async def test_the_offline_copy_is_written_after_the_swaps_background_work(qapp):
    """After a new catalog is shown, the previous one is freed and every sort order built,
    one job after another, and only then is the offline copy written: several worker
    threads busy at once kept the window's thread from the GIL for 15-25 ms."""
    from skins_console.core.models import Catalog, CatalogItem, utcnow
    from skins_console.ui.catalog_columns import _SORT_LISTS

    names = ("AK-47 | Redline (Field-Tested)", "★ Karambit | Doppler (Factory New)")
    catalogs = [
        Catalog(tuple(CatalogItem(f"{k}-{n}", names[n % 2], 100 + n) for n in range(300)), utcnow())
        for k in range(2)
    ]
    stored_columns = []
    when_stored: list[tuple[bool, bool]] = []  # (previous catalog freed, every order built)

    async def fetch(progress=None):
        return catalogs[len(stored_columns)]

    async def store(shown):
        current = tab.model.columns
        assert shown.items[0].id == current.ids[0]
        freed = all(previous.released for previous in stored_columns)
        when_stored.append((freed, set(_SORT_LISTS) <= set(current.orders)))
        stored_columns.append(current)

    tab, runner = _bare_tab(fetch, store)
    try:
        for shown in (1, 2):
            tab.refresh()
            await wait_for(
                lambda shown=shown: (
                    len(when_stored) == shown and not runner.running("catalog.store")
                )
            )
        assert when_stored == [(True, True), (True, True)]
        assert not tab.model.columns.released and tab.model.rowCount() == 300
    finally:
        await runner.shutdown()
        tab.close()


async def test_a_replacing_catalog_is_indexed_for_search_once_the_replaced_one_is_freed(qapp):
    """The first catalog comes with its search index. A catalog that replaces a shown one
    is indexed after the swap, once the replaced catalog is freed, and the shown one's
    index is let go of before the new one is built: both catalogs' indexes were held at
    the console's highest memory use. Search works all along, with an index or without."""
    from PySide6.QtCore import Qt

    from skins_console.core.models import Catalog, CatalogItem, utcnow

    names = ("AK-47 | Redline (Field-Tested)", "★ Karambit | Doppler (Factory New)")
    catalogs = [
        Catalog(tuple(CatalogItem(f"{k}-{n}", names[n % 2], 100 + n) for n in range(300)), utcnow())
        for k in range(2)
    ]
    shown: list = []
    installs: list[bool] = []  # at each index installed: was every replaced catalog freed?

    async def fetch(progress=None):
        return catalogs[len(shown)]

    async def store(catalog):
        shown.append(tab.model.columns)

    tab, runner = _bare_tab(fetch, store)
    install = tab.proxy.install_blob

    def recording_install(blob):
        installs.append(all(columns.released for columns in shown[:-1]))
        return install(blob)

    tab.proxy.install_blob = recording_install
    try:
        tab.refresh()
        await wait_for(lambda: len(shown) == 1 and not runner.running("catalog.store"))
        assert tab.proxy.has_blob and installs == []  # built with the columns
        first_index = tab.proxy._blob
        tab.refresh()
        await wait_for(lambda: len(shown) == 2 and not runner.running("catalog.store"))
        await wait_for(lambda: tab.proxy.has_blob)
        assert installs == [True] and shown[0].released
        # The shown catalog's index was let go of before the new one was built.
        assert first_index.keys == [] and first_index.text == b""
        tab.search.setText("karambit")
        tab.apply_filter()
        assert tab.proxy.rowCount() == 150
        assert "Karambit" in tab.proxy.index(0, 1).data(Qt.ItemDataRole.DisplayRole)
    finally:
        await runner.shutdown()
        tab.close()


async def test_a_replacing_catalog_that_cannot_be_built_leaves_the_shown_one_indexed(qapp):
    """The shown catalog's search index is let go of before a new catalog is built; when
    the build fails, the shown catalog (still on screen) is indexed again."""
    from collections.abc import Sequence

    from skins_console.core.models import Catalog, CatalogItem, utcnow

    class Unreadable(Sequence):
        def __len__(self):
            return 300

        def __getitem__(self, index):
            raise RuntimeError("an unreadable catalog")

    names = ("AK-47 | Redline (Field-Tested)", "★ Karambit | Doppler (Factory New)")
    good = Catalog(
        tuple(CatalogItem(f"id-{n}", names[n % 2], 100 + n) for n in range(300)), utcnow()
    )
    catalogs = [good, Catalog(Unreadable(), utcnow())]
    fetched: list[Catalog] = []

    async def fetch(progress=None):
        fetched.append(catalogs[len(fetched)])
        return fetched[-1]

    async def store(catalog):
        pass

    tab, runner = _bare_tab(fetch, store)
    try:
        tab.refresh()
        await wait_for(lambda: tab.proxy.has_blob and not runner.running("catalog.refresh"))
        first_index = tab.proxy._blob
        tab.refresh()
        await wait_for(lambda: len(fetched) == 2 and not runner.running("catalog.refresh"))
        await wait_for(lambda: tab.proxy.has_blob)
        assert tab.proxy._blob is not first_index and first_index.keys == []
        assert tab.model.rowCount() == 300  # the shown catalog stays
        tab.search.setText("redline")
        tab.apply_filter()
        assert tab.proxy.rowCount() == 150
    finally:
        await runner.shutdown()
        tab.close()
