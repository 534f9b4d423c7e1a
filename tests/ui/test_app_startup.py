"""``run_gui``'s coroutine: sandbox mode, single instance, ordered shutdown."""

import asyncio
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from skins_console.store.instance_lock import InstanceLock
from skins_console.store.paths import resolve_paths
from skins_console.ui.app import GuiSession, main
from skins_console.ui.main_window import MainWindow
from tests.conftest import wait_for


def _args(**kw):
    base = dict(
        data_dir=None, profile=None, sandbox=False, speed=60.0, time_scale=None, verbose=False
    )
    base.update(kw)
    return SimpleNamespace(**base)


def _windows(kind):
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def _spy_sessions(monkeypatch) -> list[GuiSession]:
    """The window's sessions, as ``main`` makes them."""
    sessions: list[GuiSession] = []
    original_init = GuiSession.__init__

    def spy_init(self, *a, **kw):
        original_init(self, *a, **kw)
        sessions.append(self)

    monkeypatch.setattr(GuiSession, "__init__", spy_init)
    return sessions


async def test_sandbox_start_opens_the_window_then_shuts_down_in_order(
    qapp, test_keyring, error_presenter, monkeypatch
):
    sessions = _spy_sessions(monkeypatch)
    qapp.setQuitOnLastWindowClosed(False)  # as run_gui does
    run = asyncio.ensure_future(main(_args(sandbox=True), qapp, error_presenter))
    try:
        await wait_for(lambda: _windows(MainWindow), timeout=30)
        (window,) = _windows(MainWindow)
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
        window.close()  # ends the session: main() shuts down in order and returns
        assert await asyncio.wait_for(run, 30) == 0
        assert not session.lock.held
        assert session.sandbox._server is None
        assert session.runner.closed and session.ctx.db._closed
    finally:
        if not run.done():
            run.cancel()
        for window in _windows(MainWindow):
            window.close()
        QApplication.setQuitOnLastWindowClosed(True)


async def test_second_instance_gets_a_clear_message(qapp, test_keyring, error_presenter):
    lock = InstanceLock(resolve_paths().lock_file).acquire()
    qapp.setQuitOnLastWindowClosed(False)  # as run_gui does before any window exists
    try:
        run = asyncio.ensure_future(main(_args(sandbox=True), qapp, error_presenter))
        await wait_for(lambda: _windows(QMessageBox), timeout=20)
        (box,) = _windows(QMessageBox)
        assert "already running" in box.text()
        box.accept()
        assert await asyncio.wait_for(run, 20) == 1
    finally:
        lock.release()
        qapp.setQuitOnLastWindowClosed(True)


async def test_first_run_dialog_tests_saves_to_keyring_and_opens_the_window(
    qapp, test_keyring, error_presenter, sandbox_factory, monkeypatch
):
    from skins_console.store.secrets import SecretKind, SecretStore
    from skins_console.ui.profile_dialog import ProfileDialog

    sandbox = sandbox_factory()
    qapp.setQuitOnLastWindowClosed(False)
    monkeypatch.setattr(qapp, "setQuitOnLastWindowClosed", lambda _on: None)
    run = asyncio.ensure_future(main(_args(), qapp, error_presenter))
    try:
        await wait_for(lambda: _windows(ProfileDialog), timeout=20)
        (dialog,) = _windows(ProfileDialog)
        dialog.name.setText("shop")
        dialog.skinsnode_url.setText(sandbox.skinsnode_base_url)
        dialog.skinslink_url.setText(sandbox.skinslink_base_url)
        dialog.client_id.setText(sandbox.config.skinsnode_client_id)
        dialog.client_secret.setText(sandbox.config.skinsnode_client_secret)
        dialog.api_key.setText(sandbox.config.skinslink_api_key)
        dialog.webhook_url.setText("https://relay.example/hook")
        dialog.test_button.click()
        await wait_for(lambda: "Skinslink API key" in dialog.result_label.text(), timeout=20)
        assert "✗" not in dialog.result_label.text()
        assert "credentials accepted" in dialog.result_label.text()
        dialog.save_button.click()
        await wait_for(lambda: _windows(MainWindow), timeout=20)
        (window,) = _windows(MainWindow)
        await wait_for(lambda: "shop" in window.windowTitle(), timeout=20)
        assert not window.sandbox_stripe.isVisible()
        assert (
            SecretStore().get("shop", SecretKind.SKINSLINK_API_KEY)
            == sandbox.config.skinslink_api_key
        )
        window.close()
        assert await asyncio.wait_for(run, 30) == 0
    finally:
        if not run.done():
            run.cancel()
        for window in _windows(MainWindow):
            window.close()
        QApplication.setQuitOnLastWindowClosed(True)


async def test_sandbox_without_an_os_keyring_opens_with_a_clear_note(qapp, error_presenter):
    # The autouse keyring fixture leaves keyring's "fail" backend active: nothing usable.
    # Demo mode still opens (its credentials are the sandbox's public demo values, kept in
    # memory for the run) and says so; nothing is written in plain text.
    qapp.setQuitOnLastWindowClosed(False)
    try:
        run = asyncio.ensure_future(main(_args(sandbox=True), qapp, error_presenter))
        await wait_for(lambda: _windows(MainWindow), timeout=30)
        (window,) = _windows(MainWindow)
        await wait_for(
            lambda: window.banner.isVisible() and window.banner.key == "keyring", timeout=10
        )
        text = window.banner.label.text()
        assert "in memory for this run only" in text
        # One short line for a merchant: no D-Bus or package instructions in demo mode.
        assert "\n" not in text and len(text) < 100
        assert "gnome-keyring" not in text and "D-Bus" not in text
        window.close()
        assert await asyncio.wait_for(run, 30) == 0
    finally:
        for window in _windows(MainWindow):
            window.close()
        QApplication.setQuitOnLastWindowClosed(True)


async def test_demo_mode_runs_at_real_time_and_a_fast_sandbox_is_learnt(qapp, error_presenter):
    """`--sandbox` keeps the quote lock at five real minutes; `--speed 10` says so on the
    stripe and the console takes the rate from the sandbox itself (GET /_sandbox/clock)."""
    qapp.setQuitOnLastWindowClosed(False)
    try:
        for speed, stripe in ((None, None), (10.0, "demo clock ×10")):
            args = _args(sandbox=True)
            args.speed = speed
            run = asyncio.ensure_future(main(args, qapp, error_presenter))
            await wait_for(lambda: _windows(MainWindow), timeout=30)
            (window,) = _windows(MainWindow)
            await wait_for(lambda w=window: w.sandbox_stripe.isVisible(), timeout=10)
            scale = window.controller.ctx.cadence.time_scale
            if stripe is None:
                assert scale == 1.0
                assert "demo clock" not in window.sandbox_stripe.text()
            else:
                assert scale == pytest.approx(0.1)
                assert stripe in window.sandbox_stripe.text()
            window.close()
            assert await asyncio.wait_for(run, 30) == 0
    finally:
        for window in _windows(MainWindow):
            window.close()
        QApplication.setQuitOnLastWindowClosed(True)


async def test_each_demo_run_starts_with_its_own_records(qapp, error_presenter):
    """The sandbox forgets its orders when it stops; the demo records go with it, so a
    restarted demo never retries orders the new sandbox has never heard of."""
    from tests.fixtures.ui import TRADE_URL

    qapp.setQuitOnLastWindowClosed(False)
    try:
        counts = []
        for _run in range(2):
            run = asyncio.ensure_future(main(_args(sandbox=True), qapp, error_presenter))
            await wait_for(lambda: _windows(MainWindow), timeout=30)
            (window,) = _windows(MainWindow)
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
            window.close()
            assert await asyncio.wait_for(run, 30) == 0
        assert counts == [0, 0]
    finally:
        for window in _windows(MainWindow):
            window.close()
        QApplication.setQuitOnLastWindowClosed(True)


async def _answer_demo_question(qapp, button_text: str | None) -> None:
    """Click ``button_text`` in the Demo menu's confirmation (None: Cancel)."""
    await wait_for(lambda: _windows(QMessageBox), timeout=10)
    (box,) = _windows(QMessageBox)
    if button_text is None:
        box.button(QMessageBox.StandardButton.Cancel).click()
        return
    (button,) = [b for b in box.buttons() if b.text() == button_text]
    button.click()


async def test_demo_menu_restarts_the_demo_in_the_same_window(qapp, error_presenter):
    """Demo → Demo clock ×10: after a confirmation, a new sandbox world at ×10 in the same
    window (its size and place kept), the rate re-learnt, fresh demo records; Cancel
    changes nothing; Demo → Reset demo data starts afresh at the same speed."""
    from tests.fixtures.ui import TRADE_URL

    qapp.setQuitOnLastWindowClosed(False)
    args = _args(sandbox=True)
    args.speed = None  # real time, as `--sandbox` starts
    run = asyncio.ensure_future(main(args, qapp, error_presenter))
    try:
        await wait_for(lambda: _windows(MainWindow), timeout=30)
        (window,) = _windows(MainWindow)
        await wait_for(lambda: window.controller is not None, timeout=30)
        first = window.controller
        menu = window.menuBar().actions()
        assert [a.text() for a in menu] == ["&File", "&View", "&Demo", "&Help"]
        view_items = len(menu[1].menu().actions())
        await wait_for(lambda: first.catalog.model.rowCount() > 0, timeout=30)

        async def sell_one(controller) -> None:
            catalog = controller.catalog
            await wait_for(lambda: catalog.model.rowCount() > 0, timeout=30)
            backend = controller.backend
            await backend.place_order(catalog.model.item(0), TRADE_URL, backend.new_external_id())
            assert len((await backend.load_activity())[0]) == 1

        await sell_one(first)
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
        await _answer_demo_question(qapp, None)
        await wait_for(lambda: not window.runner.running("demo.restart"), timeout=10)
        assert window.controller is first and clock[0].isChecked()

        clock[1].trigger()  # ×10
        await _answer_demo_question(qapp, "Restart the demo")
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
        await sell_one(second)

        demo.actions()[0].trigger()  # Reset demo data…
        await _answer_demo_question(qapp, "Reset")
        await wait_for(
            lambda: window.controller is not None and window.controller is not second, timeout=30
        )
        third = window.controller
        assert third.ctx.cadence.time_scale == pytest.approx(0.1)  # the same clock
        assert len((await third.backend.load_activity())[0]) == 0
        assert window.geometry() == geometry
        window.close()
        assert await asyncio.wait_for(run, 30) == 0
    finally:
        if not run.done():
            run.cancel()
        for window in _windows(MainWindow):
            window.close()
        QApplication.setQuitOnLastWindowClosed(True)
