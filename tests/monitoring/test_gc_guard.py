import gc
import weakref

import pytest

from skins_console.ui.gc_guard import GuiThreadCollector, bulk_allocation


def test_collects_on_the_gui_thread_when_python_would(qapp):
    was_enabled = gc.isenabled()
    collector = GuiThreadCollector(interval_ms=10_000)
    try:
        assert not gc.isenabled()  # no collection on worker threads any more

        class Cycle:
            pass

        for _ in range(gc.get_threshold()[0] + 50):
            a, b = Cycle(), Cycle()
            a.other, b.other = b, a
        assert gc.get_count()[0] > gc.get_threshold()[0]
        collector.check()
        assert gc.get_count()[0] < gc.get_threshold()[0]
    finally:
        collector.stop()
        if not was_enabled:
            gc.disable()


def test_full_collections_wait_their_turn(qapp):
    """Generation 2 is collected at most once per ``full_every_s``, even when due."""
    was_enabled = gc.isenabled()
    collector = GuiThreadCollector(interval_ms=10_000, full_every_s=3600)
    try:
        for _ in range(gc.get_threshold()[2] + 1):
            gc.collect(1)  # each young collection counts towards the next full one
        full_before = gc.get_stats()[2]["collections"]
        collector.check()
        assert gc.get_stats()[2]["collections"] == full_before  # had its turn < 1 h ago
        assert gc.get_count()[2] > gc.get_threshold()[2]
        collector._last_full -= 3601
        collector.check()
        assert gc.get_stats()[2]["collections"] == full_before + 1
    finally:
        collector.stop()
        if not was_enabled:
            gc.disable()


class _Node:
    pass


@pytest.fixture
def collector_settling():
    """A collector that freezes at its first check (``settle_s``), nothing frozen before
    (another test's catalog may have frozen its columns); undone afterwards."""
    was_enabled = gc.isenabled()
    gc.unfreeze()
    made: list[GuiThreadCollector] = []

    def make(settle_s: float | None = 0) -> GuiThreadCollector:
        made.append(GuiThreadCollector(interval_ms=10_000, settle_s=settle_s))
        return made[-1]

    yield make
    gc.unfreeze()
    for collector in made:
        collector.stop()
    if not was_enabled:
        gc.disable()


def test_start_ups_survivors_are_frozen_after_a_full_collection(qapp, collector_settling):
    """Once settled, one full collection runs (the turn's one) and what survives it
    leaves the collected generations; garbage is not frozen, and a frozen object that is
    dropped later is still freed."""
    collector = collector_settling()
    kept, dropped = _Node(), _Node()
    kept.other, dropped.other = dropped, kept  # one cycle, alive
    garbage = _Node()
    garbage.itself = garbage
    garbage_ref, dropped_ref = weakref.ref(garbage), weakref.ref(dropped)
    del garbage, dropped
    full_before = gc.get_stats()[2]["collections"]
    collector.check()
    assert gc.get_stats()[2]["collections"] == full_before + 1
    assert garbage_ref() is None  # collected first, not frozen
    assert collector.frozen == gc.get_freeze_count() > 0
    assert not any(obj is kept for obj in gc.get_objects())  # walked by no collection
    # The full collection had its turn: the next waits ``full_every_s``.
    for _ in range(gc.get_threshold()[2] + 1):
        gc.collect(1)
    collector.check()
    assert gc.get_stats()[2]["collections"] == full_before + 1
    # Frozen, yet freed by reference counting once dropped (no cycle left).
    kept.other = None
    del kept
    assert dropped_ref() is None


def test_the_freeze_waits_for_bulk_allocation_and_comes_once(qapp, collector_settling):
    collector = collector_settling()
    with bulk_allocation():
        collector.check()
        assert gc.get_freeze_count() == 0
    collector.check()
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
    collector._last_full -= 3601
    collector.check()  # a full collection's turn, not a second freeze
    assert gc.get_freeze_count() == 0


def test_no_freeze_when_not_asked(qapp, collector_settling):
    collector = collector_settling(settle_s=None)
    collector._last_full -= 3601
    collector.check()
    assert gc.get_freeze_count() == 0 and collector.frozen == 0


def test_the_settling_and_each_full_collection_let_go_of_imported_sources(
    qapp, collector_settling, tmp_path, monkeypatch
):
    """Modules imported after start-up have their source read by PySide6's import hook
    (see ``forget_import_sources``): the settling and later full collections drop it."""
    import linecache

    monkeypatch.syspath_prepend(str(tmp_path))
    collector = collector_settling()
    for name in ("early_module", "late_module"):
        (tmp_path / f"{name}.py").write_text("VALUE = 1\n")
        __import__(name)  # an import statement: the hook is on __import__
        assert str(tmp_path / f"{name}.py") in linecache.cache
        collector._last_full -= 3601  # the settling, then a full collection's turn
        for _ in range(gc.get_threshold()[2] + 1):
            gc.collect(1)
        collector.check()
        assert str(tmp_path / f"{name}.py") not in linecache.cache
