import gc

from skins_console.ui.gc_guard import GuiThreadCollector


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
