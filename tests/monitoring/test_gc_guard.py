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
