"""The frame: banners for provider failures, profile dialog, settings, theme, state."""

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from skins_console.store.secrets import SecretKind
from skins_console.ui.profile_dialog import ProfileDialog
from skins_console.ui.settings_dialog import SettingsDialog
from tests.conftest import wait_for


def closed(dialog) -> bool:
    """Finished dialogs are deleted by the controller."""
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


async def test_rejected_credentials_show_a_banner_with_edit_profile(ui):
    async with ui.session(start=False) as s:
        await s.ctx.secrets.aset("sandbox", SecretKind.SKINSNODE_CLIENT_SECRET, "wrong-secret")
        await s.ctx.refresh_profile()
        s.controller.start()
        banner = s.window.banner
        await wait_for(lambda: banner.isVisible() and banner.key == "auth:SkinsNode", timeout=20)
        assert "401" in banner.label.text()
        assert "wrong-secret" not in banner.label.text()
        assert s.window.header.skinsnode_dot.state == "down"
        labels = [b.text() for b in banner.action_buttons()]
        assert labels == ["Edit profile", "Retry"]
        banner.action_buttons()[0].click()
        dialog = s.controller.dialogs[-1]
        assert isinstance(dialog, ProfileDialog) and dialog.name.text() == "sandbox"
        # Fix the secret in the dialog: saved to the keyring, the banner goes away.
        dialog.client_secret.setText(s.sandbox.config.skinsnode_client_secret)
        dialog.save_button.click()
        await wait_for(lambda: closed(dialog), timeout=20)
        assert (
            await s.ctx.secrets.aget("sandbox", SecretKind.SKINSNODE_CLIENT_SECRET)
            == s.sandbox.config.skinsnode_client_secret
        )
        await wait_for(lambda: not banner.isVisible(), timeout=20)


async def test_unreachable_provider_keeps_the_cached_catalog(ui):
    async with ui.session() as s:
        catalog = s.controller.catalog
        await wait_for(
            lambda: catalog.model.rowCount() > 0 and not s.runner.running("catalog.refresh"),
            timeout=20,
        )
        shown = catalog.model.rowCount()
        s.sandbox.stop()
        catalog.refresh()
        banner = s.window.banner
        await wait_for(lambda: banner.isVisible() and banner.key == "offline:SkinsNode", timeout=30)
        assert catalog.model.rowCount() == shown
        assert "cached copy" in catalog.fetched_label.text()
        assert [b.text() for b in banner.action_buttons()] == ["Retry"]


async def test_profile_dialog_tests_the_typed_values_inline(ui, qtbot):
    async with ui.session() as s:
        dialog = s.controller.open_profile_dialog(None)
        dialog.name.setText("second")
        dialog.skinsnode_url.setText(s.sandbox.skinsnode_base_url)
        dialog.skinslink_url.setText(s.sandbox.skinslink_base_url)
        dialog.client_id.setText(s.sandbox.config.skinsnode_client_id)
        dialog.client_secret.setText("not-the-secret")
        dialog.api_key.setText(s.sandbox.config.skinslink_api_key)
        dialog.test_button.click()
        await wait_for(
            lambda: "✗" in dialog.result_label.text() or "✓" in dialog.result_label.text(),
            timeout=20,
        )
        text = dialog.result_label.text()
        assert "SkinsNode health" in text and "✓" in text  # health needs no credentials
        assert "SkinsNode wallet" in text and "✗" in text
        assert "not-the-secret" not in text
        dialog.tolerance.setText("abc")
        dialog.save_button.click()
        assert "percentage" in dialog.result_label.text()
        assert await s.ctx.profiles.get("second") is None
        dialog.reject()


async def test_settings_dialog_validates_and_saves(ui):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with ui.session() as s:
        dialog = s.controller.open_settings()
        assert isinstance(dialog, SettingsDialog)
        dialog.polling["poll_orders_seconds"].setValue(7)  # under the 30 s cache floor
        assert dialog.polling["poll_orders_seconds"].value() == 30
        dialog.polling["poll_orders_seconds"].setValue(45)
        dialog.threshold.setText("12.5x")
        dialog.save_button.click()
        assert "not a price" in dialog.error.text() or "amount" in dialog.error.text()
        dialog.threshold.setText("750")
        dialog.tolerance.setText("3.5")
        dialog.listener_enabled.setChecked(True)
        dialog.listener_host.setText("not a host!")
        dialog.save_button.click()
        assert "webhook_listener_host" in dialog.error.text()
        assert not s.ctx.settings.webhook_listener_enabled  # nothing written on an error
        dialog.listener_host.setText("127.0.0.1")
        dialog.listener_port.setValue(port)
        dialog.save_button.click()
        await wait_for(lambda: closed(dialog), timeout=10)
        assert s.ctx.settings.poll_orders_seconds == 45
        assert s.ctx.cadence.order_sent == 45 and s.ctx.cadence.order_moving == 45
        profile = await s.ctx.profiles.get("sandbox")
        assert profile.low_balance_threshold_cents == 75000
        assert str(profile.min_price_tolerance_pct) == "3.5"
        # Saving starts the listener on the chosen port.
        monitoring = s.controller.monitoring
        await wait_for(lambda: monitoring.listener is not None, timeout=10)
        assert monitoring.listener.port == port


async def test_shortcuts_tabs_theme_and_window_state(ui, qtbot):
    async with ui.session() as s:
        window = s.window
        keys = {seq.toString() for seq in window.refresh_action.shortcuts()}
        assert keys == {"F5", "Ctrl+R"}
        assert window.sell_shortcut.key() == QKeySequence("Ctrl+N")
        for number, shortcut in enumerate(window.tab_shortcuts):
            shortcut.activated.emit()
            assert window.tabs.currentIndex() == number
        window.show_shortcuts()
        assert "Ctrl+N" in window.shortcuts_box.text()
        window.shortcuts_box.close()
        window.tabs.setCurrentIndex(2)
        window.resize(1111, 777)
        state = window.saved_state()
        window.tabs.setCurrentIndex(0)
        window.resize(900, 600)
        assert window.restore_state(state)
        assert window.tabs.currentIndex() == 2
        assert not window.restore_state("not base64 at all!")  # ignored, not a crash
        focused = []
        s.controller.catalog.focus_search = lambda: focused.append("catalog")
        s.controller.orders.focus_search = lambda: focused.append("orders")
        window.tabs.setCurrentIndex(0)
        window.search_shortcuts[0].activated.emit()  # Ctrl+F
        window.tabs.setCurrentIndex(1)
        window.search_shortcuts[1].activated.emit()  # "/" outside a text field
        assert focused == ["catalog", "orders"]
        window.theme_actions["dark"].trigger()
        assert s.ctx.settings.theme == "dark"
        assert (
            window.palette().color(window.backgroundRole()).lightness() < 100
            or window.themes is None
        )
        assert Qt.ColorScheme  # the OS-following mode uses QStyleHints.colorScheme()


async def test_profile_switcher_rebuilds_the_window_for_the_chosen_profile(ui):
    from dataclasses import replace

    from skins_console.services.profile_service import ProfileSecrets

    async with ui.session() as s:
        await wait_for(lambda: s.controller.catalog.model.rowCount() > 0, timeout=20)
        sandbox_profile = await s.ctx.profiles.get("sandbox")
        cfg = s.sandbox.config
        await s.backend.profiles.add(
            replace(
                sandbox_profile,
                name="second",
                is_sandbox=False,
                active=False,
                id=None,
                low_balance_threshold_cents=10**9,  # any balance is low
            ),
            ProfileSecrets(cfg.skinsnode_client_secret, cfg.skinslink_api_key),
            activate=False,
        )
        s.controller.reload_profiles()
        combo = s.window.header.profile_combo
        await wait_for(lambda: combo.findData("second") >= 0, timeout=10)
        old_catalog = s.controller.catalog
        s.window.header.profile_chosen.emit("second")
        await wait_for(
            lambda: s.ctx.profile is not None and s.ctx.profile.name == "second", timeout=20
        )
        await wait_for(lambda: s.controller.catalog is not old_catalog, timeout=10)
        assert "second" in s.window.windowTitle()
        assert not s.window.sandbox_stripe.isVisible()  # a real profile: no sandbox banner
        await wait_for(lambda: s.controller.catalog.model.rowCount() > 0, timeout=20)
        assert s.ctx.settings.active_profile == "second"
        # An order move reaches the new Wallet tab (its history and reserved sum), not the
        # one the switch threw away.
        wallet = s.controller.wallet
        await wait_for(lambda: wallet.view is not None and not wallet._history_stale, timeout=20)
        read = wallet.view
        s.controller.orders.activity_moved.emit()
        await wait_for(lambda: wallet._history_stale, timeout=10)  # hidden: read when shown
        await wait_for(lambda: wallet.view is not read, timeout=10)  # counted again
        assert wallet.view.fetched_at == read.fetched_at
        # The new tab's balance reads reach the notifications: the low balance is told.
        monitoring = s.controller.monitoring
        await wait_for(lambda: any(n.kind == "low_balance" for n in monitoring.shown), timeout=20)
        # So does the catalog's scheduled refresh.
        catalog = s.controller.catalog
        await wait_for(lambda: not s.runner.running("catalog.refresh"), timeout=20)
        refreshed: list = []
        catalog.catalog_shown.connect(refreshed.append)
        s.controller.catalog_timer.start(50)
        await wait_for(lambda: refreshed, timeout=20)
        # Ctrl+N sells from the new Catalog tab.
        sells: list = []
        catalog.request_sell = lambda: sells.append(catalog)
        s.window.sell_shortcut.activated.emit()
        assert sells == [catalog]


async def test_the_quote_tabs_names_survive_a_restart(ui):
    from skins_console.store.settings import Settings

    names = "AK-47 | Redline (Field-Tested)\n★ Karambit | Doppler (Factory New)\n"
    async with ui.session() as s:
        s.controller.quote.names.setPlainText(names)
        s.window.closing.emit()  # what closing the window does (without quitting the app)
        assert Settings.load(s.ctx.paths.settings_file).quote_names == names
    async with ui.session() as s:
        assert s.controller.quote.names.toPlainText() == names


async def test_a_refresh_that_fails_without_an_api_error_does_not_stay_refreshing(ui):
    """A credential gone from the keyring fails the refresh before any request: the tab
    says what it shows (the copy already there), not "Refreshing…" for ever."""
    async with ui.session() as s:
        catalog = s.controller.catalog
        await wait_for(
            lambda: catalog.model.rowCount() > 0 and not s.runner.running("catalog.refresh"),
            timeout=20,
        )
        await s.ctx.secrets.adelete("sandbox", SecretKind.SKINSNODE_CLIENT_SECRET)
        await s.ctx.refresh_profile()
        catalog.refresh()
        await wait_for(lambda: not s.runner.running("catalog.refresh"), timeout=20)
        assert catalog.fetched_label.text() != "Refreshing…"
        assert "cached copy" in catalog.fetched_label.text()
        assert catalog.refresh_button.isEnabled()
