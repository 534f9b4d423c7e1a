"""The window and team profiles on a real PostgreSQL: the profile dialog's "Team database"
choice at first run, and switching between this computer's book and a team book."""

from __future__ import annotations

import asyncio

from skins_console.core.records import ProfileRecord
from skins_console.services.context import AppContext
from skins_console.services.profile_service import ProfileSecrets, ProfileService
from skins_console.services.team_setup import add_team_profile
from skins_console.store.paths import resolve_paths
from skins_console.store.secrets import SecretKind, SecretStore
from skins_console.store.settings import Settings
from skins_console.store.team_profiles import TeamProfile, registry_for
from skins_console.ui.main_window import MainWindow
from skins_console.ui.profile_dialog import ProfileDialog
from tests.conftest import wait_for
from tests.fixtures.ui import (
    fill_profile_dialog,
    running_main,
    spy_gui_sessions,
    visible_windows,
)


def _profile(sandbox, name: str) -> ProfileRecord:
    return ProfileRecord(
        name=name,
        skinsnode_base_url=sandbox.skinsnode_base_url,
        skinsnode_client_id=sandbox.config.skinsnode_client_id,
        skinslink_base_url=sandbox.skinslink_base_url,
        webhook_url="https://relay.example/hook",
    )


def _secrets(sandbox) -> ProfileSecrets:
    return ProfileSecrets(sandbox.config.skinsnode_client_secret, sandbox.config.skinslink_api_key)


async def _add_shop(sandbox, url: str, password: str | None) -> None:
    """This computer has the team profile "shop" (operator "alice") on ``url``."""
    paths = resolve_paths()
    await add_team_profile(
        paths,
        Settings.load(paths.settings_file),
        TeamProfile("shop", url, "alice"),
        profile=_profile(sandbox, "shop"),
        secrets=_secrets(sandbox),
        password=password,
    )


async def test_first_run_team_choice_opens_the_team_book(
    qapp, test_keyring, error_presenter, sandbox_factory, monkeypatch, pg_url, pg_password
):
    sandbox = sandbox_factory()
    async with running_main(qapp, error_presenter, monkeypatch) as gui:
        run = gui.start()
        dialog = await gui.window(ProfileDialog, timeout=20)
        assert dialog.local_choice.isChecked() and dialog.database_url.isHidden()
        dialog.team_choice.setChecked(True)
        assert not dialog.database_url.isHidden() and not dialog.operator.isHidden()
        fill_profile_dialog(dialog, sandbox, "shop")
        dialog.operator.setText("alice")
        # A password typed into the URL is refused, saying where it goes.
        user, rest = pg_url.split("://", 1)[1].split("@", 1)
        dialog.database_url.setText(f"postgresql://{user}:{pg_password}@{rest}")
        dialog.save_button.click()
        assert "keyring" in dialog.result_label.text()
        assert pg_password not in dialog.result_label.text()
        dialog.database_url.setText(pg_url)
        dialog.database_password.setText(pg_password or "")
        dialog.save_button.click()

        window = await gui.window()
        await wait_for(lambda: "shop" in window.windowTitle(), timeout=30)
        paths = resolve_paths()
        assert registry_for(paths).get("shop") == TeamProfile("shop", pg_url, "alice")
        assert Settings.load(paths.settings_file).active_profile == "shop"
        if pg_password:
            assert SecretStore().get("shop", SecretKind.DATABASE_PASSWORD) == pg_password
        assert window.controller.ctx.team is not None
        assert window.controller.ctx.db.backend == "postgresql"
        assert await gui.close(window, run) == 0


async def test_the_profile_list_switches_between_this_computer_and_a_team_book(
    qapp, test_keyring, error_presenter, sandbox_factory, monkeypatch, pg_url, pg_password
):
    sandbox = sandbox_factory()
    paths = resolve_paths()
    async with await AppContext.open(paths, time_scale=1.0) as ctx:
        await ProfileService(ctx).add(_profile(sandbox, "local"), _secrets(sandbox))
    await _add_shop(sandbox, pg_url, pg_password)
    sessions = spy_gui_sessions(monkeypatch)
    async with running_main(qapp, error_presenter, monkeypatch) as gui:
        run = gui.start()
        window = await gui.window()
        session = sessions[0]
        await wait_for(lambda: "local" in window.windowTitle(), timeout=30)
        combo = window.header.profile_combo
        await wait_for(lambda: combo.findData("shop") >= 0, timeout=20)
        assert "team" in combo.itemText(combo.findData("shop"))

        combo.setCurrentIndex(combo.findData("shop"))
        combo.activated.emit(combo.findData("shop"))
        await wait_for(lambda: session.ctx is not None and session.ctx.team is not None, 30)
        await wait_for(lambda: "shop" in window.windowTitle(), timeout=30)
        assert Settings.load(paths.settings_file).active_profile == "shop"
        # The team book's list: its profile, then this computer's (from its file).
        await wait_for(
            lambda: "this computer" in combo.itemText(combo.findData("local")), timeout=20
        )
        assert combo.itemText(combo.findData("shop")) == "shop"

        combo.activated.emit(combo.findData("local"))
        await wait_for(lambda: session.ctx is not None and session.ctx.team is None, 30)
        await wait_for(lambda: "local" in window.windowTitle(), timeout=30)
        assert Settings.load(paths.settings_file).active_profile == "local"
        assert await gui.close(window, run) == 0


async def _away_team_book(sandbox_factory, server) -> None:
    """This computer has the team profile "shop" on a new database of ``server``, and the
    server is then stopped."""
    await _add_shop(sandbox_factory(), server.url_for(server.create_database()), server.password)
    server.stop()


async def test_start_waits_for_an_away_team_database_and_opens_when_it_is_back(
    qapp, test_keyring, error_presenter, sandbox_factory, monkeypatch, own_pg_server
):
    """Started while the team database is down: a message says so (where, no password) and
    the book is tried again by itself; once PostgreSQL is back the window opens on it."""
    from PySide6.QtWidgets import QMessageBox

    from skins_console.ui import app as app_module

    await _away_team_book(sandbox_factory, own_pg_server)
    monkeypatch.setattr(app_module, "TEAM_BOOK_RETRY_SECONDS", 1.0)
    async with running_main(qapp, error_presenter, monkeypatch) as gui:
        run = gui.start()
        box = await gui.window(QMessageBox)
        assert f"127.0.0.1:{own_pg_server.port}/" in box.text()
        assert "Trying again" in box.text()
        assert own_pg_server.password not in box.text() + box.detailedText()
        # Still away after a retry: the message comes back, nothing else opened.
        await asyncio.sleep(2.5)
        assert run.done() is False
        own_pg_server.start()
        await wait_for(lambda: not visible_windows(QMessageBox), timeout=30)
        (window,) = visible_windows(MainWindow)
        await wait_for(lambda: "shop" in window.windowTitle(), timeout=30)
        assert await gui.close(window, run) == 0


async def test_quitting_while_the_team_database_is_away_ends_cleanly(
    qapp, test_keyring, error_presenter, sandbox_factory, monkeypatch, own_pg_server
):
    from PySide6.QtWidgets import QMessageBox

    await _away_team_book(sandbox_factory, own_pg_server)
    async with running_main(qapp, error_presenter, monkeypatch) as gui:
        run = gui.start()
        box = await gui.window(QMessageBox)
        (quit_button,) = [b for b in box.buttons() if b.text() == "Quit"]
        quit_button.click()
        assert await asyncio.wait_for(run, 30) == 0
