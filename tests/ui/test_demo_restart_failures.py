"""A demo restart that fails partway never leaves a window without its tabs.

Real failures in the data folder, as an operator could meet them: a folder of the demo's
taken by a file (the new run cannot create it), and the demo's book replaced by a folder
(the old records cannot be cleared, nor the old book reopened). Either the previous run goes
on, or the window says why none is open; both offer "Try again", which works once the folder
is fixed.
"""

from __future__ import annotations

import shutil

import pytest

from skins_console.store.paths import DATABASE_NAME
from skins_console.ui.app import GuiSession
from skins_console.ui.demo_run import DEMO_FOLDER
from skins_console.ui.main_window import MainWindow
from tests.conftest import wait_for
from tests.fixtures.ui import MainRuns, gui_args, running_main, sell_first_item, spy_gui_sessions


def _try_again(window: MainWindow) -> None:
    (button,) = [b for b in window.banner.action_buttons() if b.text() == "Try again"]
    button.click()


async def _start_demo(gui: MainRuns, monkeypatch) -> tuple[GuiSession, MainWindow]:
    """``main()`` in demo mode at real time, as `skins-console --sandbox` runs it."""
    sessions = spy_gui_sessions(monkeypatch)
    gui.start(gui_args(sandbox=True, speed=None))
    window = await gui.window()
    await wait_for(lambda: window.controller is not None, timeout=30)
    return sessions[0], window


async def test_a_new_run_that_cannot_open_keeps_the_previous_one(
    qapp, error_presenter, monkeypatch
):
    async with running_main(qapp, error_presenter) as gui:
        session, window = await _start_demo(gui, monkeypatch)
        first = window.controller
        assert await sell_first_item(first) == 1
        tab_count = window.tabs.count()
        first_sandbox = session.sandbox
        assert session.paths is not None
        # The new run's folder cannot be made: a file stands where its logs folder goes.
        logs = session.paths.data_dir / DEMO_FOLDER / "logs"
        shutil.rmtree(logs)
        logs.write_text("not a folder")

        assert not await session.restart_demo(10.0, confirmed=True)

        # The previous run goes on: same sandbox, its records, every tab, working.
        assert session.sandbox is first_sandbox and first_sandbox._server is not None
        again = window.controller
        assert again is not None and again is not first
        assert window.tabs.count() == tab_count and window.tabs.isEnabled()
        assert len((await again.backend.load_activity())[0]) == 1
        assert await sell_first_item(again) == 2
        banner = window.banner.label.text()
        assert window.banner.isVisible() and window.banner.tone == "bad"
        assert "Could not start a new demo run" in banner and str(logs) in banner
        assert "The previous run goes on." in banner
        assert session.demo_menu is not None and session.demo_menu.clock_actions[1.0].isChecked()

        # Fixed, "Try again" starts the run that was asked for (×10, fresh records).
        logs.unlink()
        _try_again(window)
        await wait_for(lambda: window.controller not in (None, again), timeout=30)
        third = window.controller
        assert third.ctx.cadence.time_scale == pytest.approx(0.1)
        assert len((await third.backend.load_activity())[0]) == 0
        assert first_sandbox._server is None  # the old world stopped once the new one opened
        assert window.tabs.count() == tab_count and window.banner.key != "demo"
        assert await gui.close(window, gui.runs[0]) == 0


async def test_a_book_that_cannot_be_cleared_nor_reopened_says_so(
    qapp, error_presenter, monkeypatch
):
    async with running_main(qapp, error_presenter) as gui:
        session, window = await _start_demo(gui, monkeypatch)
        first = window.controller
        await sell_first_item(first)
        tab_count = window.tabs.count()
        assert session.paths is not None
        book = session.paths.data_dir / DEMO_FOLDER / DATABASE_NAME
        # The open book's file is replaced by a folder (the open connection keeps its file).
        book.unlink()
        book.mkdir()

        assert not await session.restart_demo(1.0, confirmed=True)

        # No run could open: the window says why, its menus work, the Demo menu stays.
        assert window.controller is None and session.ctx is None
        assert window.tabs.count() == 1 and window.tabs.isEnabled()
        assert window.tabs.tabText(0) == "Stopped"
        assert "could not be opened" in window.tabs.widget(0).text()
        banner = window.banner.label.text()
        assert "Cannot clear the previous demo records" in banner and str(book) in banner
        assert "No demo run is open." in banner
        assert session.demo_menu is not None and session.demo_menu.menu.menuAction().isVisible()

        book.rmdir()
        _try_again(window)
        await wait_for(lambda: window.controller is not None, timeout=30)
        assert window.tabs.count() == tab_count
        assert "Stopped" not in [window.tabs.tabText(i) for i in range(window.tabs.count())]
        assert await sell_first_item(window.controller) == 1
        assert await gui.close(window, gui.runs[0]) == 0
