"""``profile set``: a team profile's operator name and database password changed in place,
on a real PostgreSQL whose team role gets a new password the way a DBA rotates one."""

from __future__ import annotations

import secrets

import pytest

from skins_console.store.database import default_operator
from skins_console.store.paths import resolve_paths
from skins_console.store.team_profiles import TeamProfile, registry_for
from tests.cli.conftest import CliEnv
from tests.cli.test_cli_team import add_team
from tests.fixtures.team_role import TeamRole

NO_ENV_PASSWORD = {"SKINS_CONSOLE_DATABASE_PASSWORD": ""}


@pytest.fixture
def role_cli(cli: CliEnv, team_role: TeamRole) -> CliEnv:
    added = add_team(
        cli, "shop", team_role.url, team_role.password, "--operator", "alice",
        *cli.sandbox_options(),
    )  # fmt: skip
    assert added.code == 0, added.stderr
    return cli


def opens_book(cli: CliEnv) -> bool:
    """Whether the keyring's password opens the team book (nothing in the environment)."""
    return cli.run("--json", "orders", "list", env=NO_ENV_PASSWORD).code == 0


def test_a_new_database_password_is_tried_before_it_replaces_the_keyrings(
    role_cli: CliEnv, team_role: TeamRole
):
    cli = role_cli
    old = team_role.password
    assert opens_book(cli)
    team_role.set_password(secrets.token_urlsafe(12))  # the DBA rotates it
    assert not opens_book(cli)

    wrong = "not-" + team_role.password
    refused = cli.run(
        "--json", "profile", "set", "shop", "--password",
        env={"SKINS_CONSOLE_DATABASE_PASSWORD": wrong},
    )  # fmt: skip
    assert refused.code != 0
    assert "the old one stays in the keyring" in refused.stderr
    # The server's own reason, not the wording for a book that went away while in use.
    assert "password authentication failed" in refused.stderr
    assert "reconnects by itself" not in refused.stderr
    assert wrong not in refused.stdout + refused.stderr
    # The old password is still the keyring's: it works again once the DBA restores it.
    team_role.set_password(old)
    assert opens_book(cli)

    new = secrets.token_urlsafe(12)
    team_role.set_password(new)
    changed = cli.run(
        "--json", "profile", "set", "shop", "--password",
        env={"SKINS_CONSOLE_DATABASE_PASSWORD": new},
    )  # fmt: skip
    assert changed.code == 0, changed.stderr
    assert changed.json()["password_changed"] is True
    assert new not in changed.stdout + changed.stderr
    assert opens_book(cli)
    # Nothing else of the profile moved.
    assert registry_for(resolve_paths(cli.data_dir)).get("shop") == TeamProfile(
        "shop", team_role.url, "alice"
    )


def test_the_operator_name_changes_in_place(role_cli: CliEnv, team_role: TeamRole):
    cli = role_cli
    changed = cli.run("--json", "profile", "set", "shop", "--operator", "  Bob   Stone ")
    assert changed.code == 0, changed.stderr
    assert changed.json()["operator"] == "Bob Stone"
    assert "Bob Stone" in cli.run("profile", "set", "shop", "--operator", "Bob Stone").stdout
    registry = registry_for(resolve_paths(cli.data_dir))
    assert registry.get("shop") == TeamProfile("shop", team_role.url, "Bob Stone")
    listed = cli.run("--json", "profile", "list", env=NO_ENV_PASSWORD).json()["profiles"]
    assert listed[0]["operator"] == "Bob Stone"
    # Empty: back to the operator_name setting, else the OS user name.
    reset = cli.run("--json", "profile", "set", "shop", "--operator", "", env=NO_ENV_PASSWORD)
    assert reset.code == 0 and reset.json()["operator"] is None
    assert registry.get("shop") == TeamProfile("shop", team_role.url, None)
    assert opens_book(cli)  # the keyring's password was left alone
    said = cli.run("profile", "set", "shop", "--operator", "", env=NO_ENV_PASSWORD).stdout
    assert f"“{default_operator()}” (your OS user name)" in said


def test_profile_set_says_what_is_missing_or_wrong(role_cli: CliEnv):
    cli = role_cli
    nothing = cli.run("profile", "set", "shop")
    assert nothing.code != 0 and "--operator NAME, --password" in nothing.stderr
    unknown = cli.run("profile", "set", "nosuch", "--operator", "x")
    assert unknown.code != 0 and "no team profile named “nosuch”" in unknown.stderr
    # No variable and no terminal: a mistake, never "the database needs no password".
    blind = cli.run("profile", "set", "shop", "--password", env=NO_ENV_PASSWORD)
    assert blind.code != 0 and "SKINS_CONSOLE_DATABASE_PASSWORD" in blind.stderr
    assert opens_book(cli)
    too_long = cli.run("profile", "set", "shop", "--operator", "x" * 500)
    assert too_long.code != 0 and "operator name" in too_long.stderr
