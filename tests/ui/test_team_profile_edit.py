"""Editing a team profile in the profile dialog: this computer's operator name and database
password change in place (a refused password keeps the keyring's), and the open team book
is reopened with them. Real widgets offscreen, a real PostgreSQL role whose password the
test rotates."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from shiboken6 import isValid

from skins_console.store.paths import resolve_paths
from skins_console.store.secrets import SecretKind, SecretStore
from skins_console.store.team_profiles import TeamProfile, registry_for
from tests.conftest import wait_for
from tests.fixtures.team_role import TeamRole
from tests.fixtures.ui import profile_dialog_on_window, screenshot_dialog
from tests.ui.test_team_profiles_ui import _add_shop

#: where the dialog's screenshots go when asked (``SKINS_CONSOLE_SCREENSHOTS=DIR``)
SHOTS = os.environ.get("SKINS_CONSOLE_SCREENSHOTS")


async def test_the_dialog_changes_the_operator_and_password_of_the_open_team_profile(
    qapp, test_keyring, error_presenter, sandbox_factory, monkeypatch, team_role: TeamRole
):
    sandbox = sandbox_factory()
    paths = resolve_paths()
    old = team_role.password
    await _add_shop(sandbox, team_role.url, old)
    async with profile_dialog_on_window(qapp, error_presenter, monkeypatch, "shop") as on:
        window, session, first_ctx, dialog = on.window, on.session, on.ctx, on.dialog
        assert first_ctx.team is not None
        # The team page shows this computer's part, ready to change.
        assert not dialog.operator.isHidden() and dialog.operator.text() == "alice"
        assert not dialog.database_password.isHidden() and not dialog.database_password.text()
        assert dialog.database_url.isHidden() and dialog.local_choice.isHidden()
        if SHOTS:
            await screenshot_dialog(window, dialog, Path(SHOTS), "team-profile-edit")

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
        assert await on.gui.close(window, on.run) == 0
