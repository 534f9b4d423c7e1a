"""``ui/launch.py``: the window is shown and painted before asyncio and the session load.

``tests/ui/test_startup_imports.py`` checks, in a real child process, what is loaded at the
first paint; here the pieces run in this process: the local paint loop, the frame a
second console stops at, and the session taking over a window that has already painted.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from skins_console.store.instance_lock import InstanceLock
from skins_console.store.paths import resolve_paths
from skins_console.ui.launch import PaintWatch, open_first_frame, paint_before_the_loop
from skins_console.ui.main_window import MainWindow
from tests.conftest import wait_for


def _args(**kw):
    base = dict(
        data_dir=None, profile=None, sandbox=True, speed=60.0, time_scale=None, verbose=False
    )
    base.update(kw)
    return SimpleNamespace(**base)


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
        frame = open_first_frame(_args(), qapp, error_presenter)
        assert frame.window is None and frame.lock is not None and not frame.lock.held
        assert frame.failure is not None and "already running" in frame.failure.message
    finally:
        lock.release()


async def test_the_session_takes_over_the_painted_window_and_shuts_down_in_order(
    qapp, error_presenter
):
    from skins_console.ui.app import main

    qapp.setQuitOnLastWindowClosed(False)
    frame = open_first_frame(_args(), qapp, error_presenter)
    window = frame.window
    assert isinstance(window, MainWindow) and frame.lock is not None and frame.lock.held
    painted = PaintWatch(lambda: None)
    window.installEventFilter(painted)
    try:
        await wait_for(lambda: painted.painted, timeout=30)
        window.removeEventFilter(painted)
        run = asyncio.ensure_future(main(_args(), qapp, error_presenter, frame))
        # The same window gets the demo profile and its tabs: no second window is made.
        await wait_for(lambda: window.controller is not None, timeout=30)
        await wait_for(lambda: window.sandbox_stripe.isVisible(), timeout=30)
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        assert [w for w in windows if w.isVisible()] == [window]
        window.close()
        assert await asyncio.wait_for(run, 30) == 0
        assert not frame.lock.held and frame.runner.closed
    finally:
        if window.isVisible():
            window.close()
        QApplication.setQuitOnLastWindowClosed(True)
