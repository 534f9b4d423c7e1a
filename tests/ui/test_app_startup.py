"""``run_gui``'s coroutine: sandbox mode, single instance, ordered shutdown."""

import asyncio

import pytest
from PySide6.QtWidgets import QMessageBox

from skins_console.store.instance_lock import InstanceLock
from skins_console.store.paths import resolve_paths
from tests.conftest import wait_for
from tests.fixtures.ui import (
    MainRuns,
    fill_profile_dialog,
    gui_args,
    running_main,
    sell_first_item,
    spy_gui_sessions,
)


async def test_sandbox_start_opens_the_window_then_shuts_down_in_order(
    qapp, test_keyring, error_presenter, monkeypatch
):
    sessions = spy_gui_sessions(monkeypatch)
    async with running_main(qapp, error_presenter) as gui:
        run = gui.start(gui_args(sandbox=True))
        window = await gui.window()
        session = sessions[0]
        # The window paints first, empty; the stripe comes with the opened sandbox profile.
        await wait_for(lambda: window.sandbox_stripe.isVisible(), timeout=30)
        await wait_for(lambda: session.controller.catalog.model.rowCount() > 0, timeout=30)
        assert session.ctx.profile.is_sandbox and session.lock.held
        # Demo mode is for this run: the stored active profile is not switched to it.
        assert session.ctx.settings.active_profile != "sandbox"
        # A second copy on the same data folder is refused with a clear message.
        second = InstanceLock(resolve_paths().lock_file)
        try:
            second.acquire()
            raise AssertionError("the data folder lock was not held")
        except Exception as exc:
            assert "already running" in str(exc)
        # Closing the window ends the session: main() shuts down in order and returns.
        assert await gui.close(window, run) == 0
        assert not session.lock.held
        assert session.sandbox._server is None
        assert session.runner.closed and session.ctx.db._closed


async def test_second_instance_gets_a_clear_message(qapp, test_keyring, error_presenter):
    lock = InstanceLock(resolve_paths().lock_file).acquire()
    try:
        async with running_main(qapp, error_presenter) as gui:
            run = gui.start(gui_args(sandbox=True))
            box = await gui.window(QMessageBox, timeout=20)
            assert "already running" in box.text()
            box.accept()
            assert await asyncio.wait_for(run, 20) == 1
    finally:
        lock.release()


async def test_first_run_dialog_tests_saves_to_keyring_and_opens_the_window(
    qapp, test_keyring, error_presenter, sandbox_factory, monkeypatch
):
    from skins_console.store.secrets import SecretKind, SecretStore
    from skins_console.ui.profile_dialog import ProfileDialog

    sandbox = sandbox_factory()
    async with running_main(qapp, error_presenter, monkeypatch) as gui:
        run = gui.start()
        dialog = await gui.window(ProfileDialog, timeout=20)
        fill_profile_dialog(dialog, sandbox, "shop")
        dialog.test_button.click()
        await wait_for(lambda: "Skinslink API key" in dialog.result_label.text(), timeout=20)
        assert "✗" not in dialog.result_label.text()
        assert "credentials accepted" in dialog.result_label.text()
        dialog.save_button.click()
        window = await gui.window(timeout=20)
        await wait_for(lambda: "shop" in window.windowTitle(), timeout=20)
        assert not window.sandbox_stripe.isVisible()
        assert (
            SecretStore().get("shop", SecretKind.SKINSLINK_API_KEY)
            == sandbox.config.skinslink_api_key
        )
        assert await gui.close(window, run) == 0


async def test_sandbox_without_an_os_keyring_opens_with_a_clear_note(qapp, error_presenter):
    # The autouse keyring fixture leaves keyring's "fail" backend active: nothing usable.
    # Demo mode still opens (its credentials are the sandbox's public demo values, kept in
    # memory for the run) and says so; nothing is written in plain text.
    async with running_main(qapp, error_presenter) as gui:
        run = gui.start(gui_args(sandbox=True))
        window = await gui.window()
        await wait_for(
            lambda: window.banner.isVisible() and window.banner.key == "keyring", timeout=10
        )
        text = window.banner.label.text()
        assert "in memory for this run only" in text
        # One short line for a merchant: no D-Bus or package instructions in demo mode.
        assert "\n" not in text and len(text) < 100
        assert "gnome-keyring" not in text and "D-Bus" not in text
        assert await gui.close(window, run) == 0


async def test_demo_mode_runs_at_real_time_and_a_fast_sandbox_is_learnt(qapp, error_presenter):
    """`--sandbox` keeps the quote lock at five real minutes; `--speed 10` says so on the
    stripe and the console takes the rate from the sandbox itself (GET /_sandbox/clock)."""
    async with running_main(qapp, error_presenter) as gui:
        for speed, stripe in ((None, None), (10.0, "demo clock ×10")):
            run = gui.start(gui_args(sandbox=True, speed=speed))
            window = await gui.window()
            await wait_for(lambda w=window: w.sandbox_stripe.isVisible(), timeout=10)
            scale = window.controller.ctx.cadence.time_scale
            if stripe is None:
                assert scale == 1.0
                assert "demo clock" not in window.sandbox_stripe.text()
            else:
                assert scale == pytest.approx(0.1)
                assert stripe in window.sandbox_stripe.text()
            assert await gui.close(window, run) == 0


async def test_each_demo_run_starts_with_its_own_records(qapp, error_presenter):
    """The sandbox forgets its orders when it stops; the demo records go with it, so a
    restarted demo never retries orders the new sandbox has never heard of."""
    from tests.fixtures.ui import TRADE_URL

    async with running_main(qapp, error_presenter) as gui:
        counts = []
        for _run in range(2):
            run = gui.start(gui_args(sandbox=True))
            window = await gui.window()
            # The window paints first; its controller is wired once the profile is open.
            await wait_for(lambda w=window: w.controller is not None, timeout=30)
            controller = window.controller
            counts.append(len((await controller.backend.load_activity())[0]))
            if _run == 0:
                catalog = controller.catalog
                await wait_for(lambda c=catalog: c.model.rowCount() > 0, timeout=30)
                item = min(
                    (catalog.model.item(r) for r in range(catalog.model.rowCount())),
                    key=lambda i: i.price_cents,
                )
                backend = controller.backend
                await backend.place_order(item, TRADE_URL, backend.new_external_id())
                assert len((await backend.load_activity())[0]) == 1
            assert await gui.close(window, run) == 0
        assert counts == [0, 0]


async def _answer_demo_question(gui: MainRuns, button_text: str | None) -> None:
    """Click ``button_text`` in the Demo menu's confirmation (None: Cancel)."""
    box = await gui.window(QMessageBox, timeout=10)
    if button_text is None:
        box.button(QMessageBox.StandardButton.Cancel).click()
        return
    (button,) = [b for b in box.buttons() if b.text() == button_text]
    button.click()


async def test_demo_menu_restarts_the_demo_in_the_same_window(qapp, error_presenter):
    """Demo → Demo clock ×10: after a confirmation, a new sandbox world at ×10 in the same
    window (its size and place kept), the rate re-learnt, fresh demo records; Cancel
    changes nothing; Demo → Reset demo data starts afresh at the same speed."""
    async with running_main(qapp, error_presenter) as gui:
        run = gui.start(gui_args(sandbox=True, speed=None))  # real time, as `--sandbox` starts
        window = await gui.window()
        await wait_for(lambda: window.controller is not None, timeout=30)
        first = window.controller
        menu = window.menuBar().actions()
        assert [a.text() for a in menu] == ["&File", "&View", "&Demo", "&Help"]
        view_items = len(menu[1].menu().actions())
        await wait_for(lambda: first.catalog.model.rowCount() > 0, timeout=30)
        assert await sell_first_item(first) == 1
        window.move(40, 30)
        window.resize(1100, 700)
        geometry = window.geometry()
        tab_count = window.tabs.count()
        demo = next(a for a in menu if a.text() == "&Demo").menu()
        assert [a.text() for a in demo.actions()] == ["Reset demo data…", "Demo clock"]
        clock = demo.actions()[1].menu().actions()
        assert clock[0].isChecked() and clock[0].text() == "Real time"

        # Cancel: the same run goes on.
        clock[2].trigger()
        await _answer_demo_question(gui, None)
        await wait_for(lambda: not window.runner.running("demo.restart"), timeout=10)
        assert window.controller is first and clock[0].isChecked()

        clock[1].trigger()  # ×10
        await _answer_demo_question(gui, "Restart the demo")
        await wait_for(
            lambda: window.controller is not None and window.controller is not first, timeout=30
        )
        second = window.controller
        assert second.ctx.cadence.time_scale == pytest.approx(0.1)  # learnt from the sandbox
        assert "demo clock ×10" in window.sandbox_stripe.text()
        assert clock[1].isChecked() and not clock[0].isChecked()
        assert len((await second.backend.load_activity())[0]) == 0
        assert window.geometry() == geometry
        assert len(menu[1].menu().actions()) == view_items  # no second "Recent notifications"
        assert window.tabs.count() == tab_count  # every tab once, none duplicated
        assert await sell_first_item(second) == 1

        demo.actions()[0].trigger()  # Reset demo data…
        await _answer_demo_question(gui, "Reset")
        await wait_for(
            lambda: window.controller is not None and window.controller is not second, timeout=30
        )
        third = window.controller
        assert third.ctx.cadence.time_scale == pytest.approx(0.1)  # the same clock
        assert len((await third.backend.load_activity())[0]) == 0
        assert window.geometry() == geometry
        assert await gui.close(window, run) == 0


async def test_the_source_text_pyside_reads_on_import_is_let_go_once_the_window_is_attached(
    qapp, test_keyring, error_presenter, monkeypatch, tmp_path
):
    """PySide6's import hook reads each new module's source (``inspect.getsource``), and
    ``linecache`` would keep it for the whole session: 23 MB of objects in the console."""
    import linecache

    module = tmp_path / "imported_after_pyside.py"
    module.write_text("VALUE = 1\n" * 50)
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("imported_after_pyside")  # an import statement: PySide6 hooks __import__
    assert str(module) in linecache.cache  # PySide6 read it: what the console lets go of
    sessions = spy_gui_sessions(monkeypatch)
    async with running_main(qapp, error_presenter) as gui:
        run = gui.start(gui_args(sandbox=True))
        window = await gui.window()
        await wait_for(lambda: bool(sessions) and sessions[0].controller is not None, timeout=30)
        await wait_for(lambda: str(module) not in linecache.cache, timeout=5)
        assert await gui.close(window, run) == 0
