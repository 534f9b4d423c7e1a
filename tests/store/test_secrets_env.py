"""Secrets on a server: where no keyring is usable, each secret's environment variable."""

from __future__ import annotations

import pytest

from skins_console.core.errors import SecretStoreError
from skins_console.services.context import team_password
from skins_console.store.secrets import SecretKind, SecretStore
from skins_console.store.team_profiles import TeamProfile

TEAM = TeamProfile("shop", "postgresql://ops@db:5432/shop")


def test_every_secret_names_its_variable():
    assert {kind.env for kind in SecretKind} >= {
        "SKINSNODE_CLIENT_SECRET",
        "SKINSLINK_API_KEY",
        "SKINSLINK_WEBHOOK_SECRET",
        "SKINS_CONSOLE_DATABASE_PASSWORD",
    }
    assert len({kind.env for kind in SecretKind}) == len(SecretKind)


def test_without_a_keyring_the_variable_is_read_and_its_absence_is_the_keyring_error(
    monkeypatch,
):
    store = SecretStore()  # the autouse fixture leaves only keyring's "fail" backend
    monkeypatch.delenv("SKINSLINK_API_KEY", raising=False)
    with pytest.raises(SecretStoreError):
        store.get_or_env("shop", SecretKind.SKINSLINK_API_KEY)
    monkeypatch.setenv("SKINSLINK_API_KEY", "from-the-service-file")
    assert store.get_or_env("shop", SecretKind.SKINSLINK_API_KEY) == "from-the-service-file"


def test_a_usable_keyring_wins_and_a_missing_secret_stays_missing(test_keyring, monkeypatch):
    store = SecretStore()
    monkeypatch.setenv("SKINSNODE_CLIENT_SECRET", "from-env")
    assert store.get_or_env("shop", SecretKind.SKINSNODE_CLIENT_SECRET) is None
    store.set("shop", SecretKind.SKINSNODE_CLIENT_SECRET, "from-keyring")
    assert store.get_or_env("shop", SecretKind.SKINSNODE_CLIENT_SECRET) == "from-keyring"


async def test_the_database_password_keyring_first_then_its_variable(test_keyring, monkeypatch):
    store = SecretStore()
    monkeypatch.delenv("SKINS_CONSOLE_DATABASE_PASSWORD", raising=False)
    assert await team_password(store, TEAM) is None  # trust / certificate / .pgpass
    monkeypatch.setenv("SKINS_CONSOLE_DATABASE_PASSWORD", "from-env")
    assert await team_password(store, TEAM) == "from-env"
    store.set("shop", SecretKind.DATABASE_PASSWORD, "from-keyring")
    assert await team_password(store, TEAM) == "from-keyring"
