"""``ui/launch.py``: the window is shown and painted before asyncio and the session load.

``tests/ui/test_startup_imports.py`` checks, in a real child process, what is loaded at the
first paint; here the pieces run in this process: the local paint loop, the frame a
second console stops at, and the session taking over a window that has already painted.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from skins_console.store.instance_lock import InstanceLock
from skins_console.store.paths import resolve_paths
from skins_console.ui.launch import (
    PaintWatch,
    open_first_frame,
    paint_before_the_loop,
    run_gui,
)
from skins_console.ui.main_window import MainWindow
from tests.conftest import wait_for
from tests.fixtures.ui import gui_args, running_main

ROOT = Path(__file__).resolve().parents[2]


def test_a_shown_window_paints_in_the_local_loop_and_a_hidden_one_does_not_hold_it(qapp):
    shown = QWidget()
    shown.resize(320, 200)
    shown.show()
    try:
        assert paint_before_the_loop(shown, timeout=30) is True
    finally:
        shown.close()
    never_shown = QWidget()
    assert paint_before_the_loop(never_shown, timeout=0.2) is False


async def test_the_paint_loop_refuses_to_nest_in_a_running_loop(qapp):
    window = QWidget()
    with pytest.raises(RuntimeError, match="nest"):
        paint_before_the_loop(window, timeout=0.2)


def test_a_second_console_on_the_same_folder_stops_before_its_window(qapp, error_presenter):
    lock = InstanceLock(resolve_paths().lock_file).acquire()
    try:
        frame = open_first_frame(gui_args(sandbox=True), qapp, error_presenter)
        assert frame.window is None and frame.lock is not None and not frame.lock.held
        assert frame.failure is not None and "already running" in frame.failure.message
    finally:
        lock.release()


async def test_the_session_takes_over_the_painted_window_and_shuts_down_in_order(
    qapp, error_presenter
):
    async with running_main(qapp, error_presenter) as gui:
        frame = open_first_frame(gui_args(sandbox=True), qapp, error_presenter)
        window = frame.window
        assert isinstance(window, MainWindow) and frame.lock is not None and frame.lock.held
        painted = PaintWatch(lambda: None)
        window.installEventFilter(painted)
        await wait_for(lambda: painted.painted, timeout=30)
        window.removeEventFilter(painted)
        run = gui.start(gui_args(sandbox=True), frame)
        # The same window gets the demo profile and its tabs: no second window is made.
        await wait_for(lambda: window.controller is not None, timeout=30)
        await wait_for(lambda: window.sandbox_stripe.isVisible(), timeout=30)
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        assert [w for w in windows if w.isVisible()] == [window]
        assert await gui.close(window, run) == 0
        assert not frame.lock.held and frame.runner.closed


#: A child process: cap the arenas (or not), start worker threads that each allocate
#: through malloc, and count the heaps glibc's malloc_info reports.
_ARENAS_CHILD = """
import ctypes, sys, threading
from skins_console.ui.launch import limit_malloc_arenas

applied = limit_malloc_arenas(2) if sys.argv[1] == "limit" else None

together = threading.Barrier(8)

def work():
    kept = [bytearray(100_000) for _ in range(4)]  # over pymalloc's size: glibc's malloc
    together.wait()  # all alive at once: a finished thread's arena goes to the next one
    return kept

threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = (ctypes.c_char_p, ctypes.c_char_p)
libc.malloc_info.argtypes = (ctypes.c_int, ctypes.c_void_p)
libc.fclose.argtypes = (ctypes.c_void_p,)
stream = libc.fopen(sys.argv[2].encode(), b"w")
libc.malloc_info(0, stream)
libc.fclose(stream)
print(applied, open(sys.argv[2]).read().count("<heap nr="))
"""


def _glibc() -> bool:
    try:
        return (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (AttributeError, ValueError, OSError):
        return False


@pytest.mark.skipif(not _glibc(), reason="malloc arenas are glibc's; elsewhere a no-op")
def test_the_malloc_arena_cap_holds_every_thread_in_two_heaps(tmp_path):
    """``run_gui`` caps glibc's arenas first thing (ui/launch.py): eight threads then
    share two heaps; without the cap each takes one of its own."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MALLOC_ARENA_MAX", None)

    def heaps(mode: str) -> tuple[str, int]:
        out = subprocess.run(
            [sys.executable, "-c", _ARENAS_CHILD, mode, str(tmp_path / f"{mode}.xml")],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=60,
            check=True,
        ).stdout.split()
        return out[0], int(out[1])

    assert heaps("limit") == ("True", 2)
    applied, count = heaps("default")
    assert applied == "None" and count > 2


def test_the_malloc_arena_cap_comes_before_qt_in_run_gui():
    """Arenas a thread already has stay: the cap is the first thing ``run_gui`` does,
    before QApplication (and any thread Qt starts)."""
    source = inspect.getsource(run_gui)
    assert source.index("limit_malloc_arenas()") < source.index("QApplication")
