"""The profile dialog switches a team profile to a database that needs no password, as
``profile set NAME --password`` with an empty answer does: an explicit "No password" choice,
tried on the team database first (refused: the keyring's password stays), and only then the
keyring's entry deleted and the book reopened without one. Real widgets offscreen, a real
PostgreSQL cluster of the test's own whose access rule the test changes as a DBA would."""

from __future__ import annotations

import os
from pathlib import Path

from psycopg import sql
from shiboken6 import isValid

from skins_console.store.secrets import SecretKind, SecretStore
from skins_console.store.team_profiles import TeamProfile
from tests.conftest import wait_for
from tests.fixtures.team_role import TeamRole
from tests.fixtures.ui import profile_dialog_on_window, screenshot_dialog, settle_events
from tests.ui.layout_audit import audit
from tests.ui.test_team_profiles_ui import _add_shop

#: where the dialog's screenshots go when asked (``SKINS_CONSOLE_SCREENSHOTS=DIR``)
SHOTS = os.environ.get("SKINS_CONSOLE_SCREENSHOTS")


def _team_role(server) -> TeamRole:
    """A login role with a password, owning a database of its own on ``server``."""
    role = TeamRole(server.url_for(server.create_database()), server.password)
    name, db = sql.Identifier(role.name), sql.Identifier(role.dbname)
    role.run(
        sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(name, sql.Literal(role.password)),
        sql.SQL("ALTER DATABASE {} OWNER TO {}").format(db, name),
    )
    return role


def _trust(server, role: TeamRole) -> None:
    """The DBA lets ``role`` in from this host without a password (pg_hba.conf, reload)."""
    assert server.datadir is not None
    hba = server.datadir / "cluster" / "pg_hba.conf"
    hba.write_text(f"host all {role.name} 127.0.0.1/32 trust\n" + hba.read_text())
    role.run(sql.SQL("SELECT pg_reload_conf()"))


async def test_the_dialog_switches_a_team_profile_to_no_password(
    qapp, test_keyring, error_presenter, sandbox_factory, monkeypatch, own_pg_server
):
    sandbox = sandbox_factory()
    role = _team_role(own_pg_server)
    await _add_shop(sandbox, role.url, role.password)
    assert SecretStore().get("shop", SecretKind.DATABASE_PASSWORD) == role.password
    async with profile_dialog_on_window(qapp, error_presenter, monkeypatch, "shop") as on:
        window, session, first_ctx, dialog = on.window, on.session, on.ctx, on.dialog
        assert first_ctx.team is not None
        none = dialog.no_database_password
        # offered right under the password, not chosen until the operator says so
        assert not none.isHidden() and not none.isChecked()
        assert dialog.database_password.isEnabled()
        # typed, then "No password": the typed text goes, the field is off
        dialog.database_password.setText("half-typed")
        none.click()
        assert none.isChecked() and not dialog.database_password.text()
        assert not dialog.database_password.isEnabled()
        assert "deleted" in dialog.database_password.placeholderText()
        if SHOTS:
            await screenshot_dialog(window, dialog, Path(SHOTS), "team-profile-no-password")
        for mode in ("light", "dark"):
            window.themes.set_mode(mode)
            await settle_events()
            assert dialog.height() <= 640 and dialog.width() <= 1024
            assert audit(dialog) == [], mode
        window.themes.set_mode("system")

        # The database still wants a password: refused, the keyring's stays, nothing else
        # changed, the dialog stays open with the choice as it was.
        dialog.save_button.click()
        await wait_for(lambda: "stays in the keyring" in dialog.result_label.text(), 30)
        assert "without a password" in dialog.result_label.text()
        assert dialog.isVisible() and dialog.save_button.isEnabled() and none.isChecked()
        assert SecretStore().get("shop", SecretKind.DATABASE_PASSWORD) == role.password
        assert session.ctx is first_ctx

        # The DBA lets the role in without one: saved, the keyring's entry deleted, and the
        # book reopened without a password.
        _trust(own_pg_server, role)
        dialog.save_button.click()
        await wait_for(lambda: not isValid(dialog) or not dialog.isVisible(), timeout=30)
        assert SecretStore().get("shop", SecretKind.DATABASE_PASSWORD) is None
        await wait_for(lambda: session.ctx is not first_ctx and session.ctx is not None, 30)
        ctx = session.ctx
        assert ctx.team == TeamProfile("shop", role.url, "alice")
        assert (await ctx.profiles.require("shop")).name == "shop"  # the book answers
        await wait_for(lambda: "shop" in window.windowTitle(), timeout=30)

        # A fresh dialog keeps what is stored unless told otherwise.
        again = window.controller.open_profile_dialog(ctx.profile)
        await wait_for(again.isVisible, timeout=10)
        assert not again.no_database_password.isChecked()
        assert again.read_team_changes()[1] is not None  # KEEP, not "no password"
        again.reject()
        await wait_for(lambda: window.controller is not None, timeout=30)
        assert await on.gui.close(window, on.run) == 0
