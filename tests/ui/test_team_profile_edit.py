"""Editing a team profile in the profile dialog: this computer's operator name and database
password change in place (a refused password keeps the keyring's), and the open team book
is reopened with them. Real widgets offscreen, a real PostgreSQL role whose password the
test rotates."""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from skins_console.store.paths import resolve_paths
from skins_console.store.secrets import SecretKind, SecretStore
from skins_console.store.team_profiles import TeamProfile, registry_for
from skins_console.ui.main_window import MainWindow
from skins_console.ui.profile_dialog import ProfileDialog
from tests.conftest import wait_for
from tests.fixtures.team_role import TeamRole
from tests.ui.test_app_startup import _spy_sessions, _windows
from tests.ui.test_team_profiles_ui import _add_shop, _end_window, _start_window

#: where the dialog's screenshots go when asked (``SKINS_CONSOLE_SCREENSHOTS=DIR``)
SHOTS = os.environ.get("SKINS_CONSOLE_SCREENSHOTS")


async def test_the_dialog_changes_the_operator_and_password_of_the_open_team_profile(
    qapp, test_keyring, error_presenter, sandbox_factory, monkeypatch, team_role: TeamRole
):
    sandbox = sandbox_factory()
    paths = resolve_paths()
    old = team_role.password
    await _add_shop(sandbox, team_role.url, old)
    sessions = _spy_sessions(monkeypatch)
    run = _start_window(qapp, monkeypatch, error_presenter)
    try:
        await wait_for(lambda: _windows(MainWindow), timeout=30)
        (window,) = _windows(MainWindow)
        window.resize(1024, 640)
        session = sessions[0]
        await wait_for(lambda: "shop" in window.windowTitle(), timeout=30)
        first_ctx = session.ctx
        assert first_ctx is not None and first_ctx.team is not None
        dialog = window.controller.open_profile_dialog(first_ctx.profile)
        await wait_for(dialog.isVisible, timeout=10)
        # The team page shows this computer's part, ready to change.
        assert not dialog.operator.isHidden() and dialog.operator.text() == "alice"
        assert not dialog.database_password.isHidden() and not dialog.database_password.text()
        assert dialog.database_url.isHidden() and dialog.local_choice.isHidden()
        if SHOTS:
            _screenshots(window, dialog, Path(SHOTS))

        # The DBA rotated the password; a mistyped one is refused and the old one kept.
        team_role.set_password(secrets.token_urlsafe(12))
        wrong = "not-" + team_role.password
        dialog.operator.setText("bob")
        dialog.database_password.setText(wrong)
        dialog.save_button.click()
        await wait_for(lambda: "stays in the keyring" in dialog.result_label.text(), 30)
        assert wrong not in dialog.result_label.text()
        assert dialog.isVisible() and dialog.save_button.isEnabled()
        assert SecretStore().get("shop", SecretKind.DATABASE_PASSWORD) == old
        assert registry_for(paths).get("shop") == TeamProfile("shop", team_role.url, "alice")

        # The right one: saved, the operator too, and the book reopened with both.
        dialog.database_password.setText(team_role.password)
        dialog.save_button.click()
        # (the reopened book rebuilds the window's children, the dialog with them)
        await wait_for(lambda: not isValid(dialog) or not dialog.isVisible(), timeout=30)
        assert SecretStore().get("shop", SecretKind.DATABASE_PASSWORD) == team_role.password
        assert registry_for(paths).get("shop") == TeamProfile("shop", team_role.url, "bob")
        await wait_for(lambda: session.ctx is not first_ctx and session.ctx is not None, 30)
        assert session.ctx.team == TeamProfile("shop", team_role.url, "bob")
        assert session.ctx.db.operator == "bob"
        await wait_for(lambda: "shop" in window.windowTitle(), timeout=30)

        # Only the operator this time: the keyring's password is not touched.
        second_ctx = session.ctx
        again = window.controller.open_profile_dialog(second_ctx.profile)
        await wait_for(again.isVisible, timeout=10)
        assert again.operator.text() == "bob"
        again.operator.setText("")
        again.save_button.click()
        await wait_for(lambda: not isValid(again) or not again.isVisible(), timeout=30)
        assert registry_for(paths).get("shop") == TeamProfile("shop", team_role.url, None)
        assert SecretStore().get("shop", SecretKind.DATABASE_PASSWORD) == team_role.password
        await wait_for(lambda: session.ctx is not second_ctx and session.ctx is not None, 30)
        assert session.ctx.team == TeamProfile("shop", team_role.url, None)
        await wait_for(lambda: window.controller is not None, timeout=30)
        window.close()
        assert await asyncio.wait_for(run, 30) == 0
    finally:
        _end_window(run)


def _screenshots(window: MainWindow, dialog: ProfileDialog, folder: Path) -> None:
    """The dialog over the 1024×640 window, in both themes, for a person to look at."""
    folder.mkdir(parents=True, exist_ok=True)
    assert window.themes is not None
    for mode in ("light", "dark"):
        window.themes.set_mode(mode)
        dialog.adjustSize()
        QApplication.processEvents()
        assert dialog.height() <= 640 and dialog.width() <= 1024
        window.grab().save(str(folder / f"team-profile-edit-window-{mode}.png"))
        dialog.grab().save(str(folder / f"team-profile-edit-dialog-{mode}.png"))
    window.themes.set_mode("system")
