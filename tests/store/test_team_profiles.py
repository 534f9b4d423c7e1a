"""The local registry of team profiles and the team database URL check."""

from __future__ import annotations

import json
import stat

import pytest

from skins_console.core.errors import StoreError, ValidationError
from skins_console.store.paths import resolve_paths
from skins_console.store.settings import Settings
from skins_console.store.team_profiles import (
    TeamProfile,
    book_for,
    parse_database_url,
    registry_for,
    validate_operator,
)


def test_a_full_url_keeps_its_text_and_says_where():
    url = parse_database_url(
        " postgresql://ops@db.example:6543/shop?sslmode=verify-full&sslrootcert=/etc/ca.pem "
    )
    assert url.text == (
        "postgresql://ops@db.example:6543/shop?sslmode=verify-full&sslrootcert=/etc/ca.pem"
    )
    assert (url.user, url.host, url.port, url.dbname) == ("ops", "db.example", 6543, "shop")
    assert url.where == "db.example:6543/shop"


def test_the_port_defaults_to_postgresqls_own():
    assert parse_database_url("postgres://ops@db/shop").port == 5432


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://ops:hunter2@db:5432/shop",
        "postgresql://ops:@db:5432/shop",
        "postgresql://ops@db:5432/shop?password=hunter2",
        "postgresql://ops@db:5432/shop?sslmode=require&PASSWORD=hunter2",
    ],
)
def test_a_password_in_the_url_is_refused_with_where_it_goes(text):
    with pytest.raises(ValidationError) as caught:
        parse_database_url(text)
    message = caught.value.message
    assert "SKINS_CONSOLE_DATABASE_PASSWORD" in message and "keyring" in message
    assert "hunter2" not in message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("mysql://ops@db/shop", "postgresql://"),
        ("postgresql://db:5432/shop", "no user"),
        ("postgresql://ops@db:5432/", "not a database URL of the form"),
        ("postgresql://ops@:5432/shop", "not a database URL of the form"),
        ("postgresql://ops@db:port/shop", "port in"),
        ("postgresql://ops@db/a/b", "not a database name"),
        ("", "postgresql://"),
    ],
)
def test_an_unusable_url_says_what_is_wrong(text, says):
    with pytest.raises(ValidationError) as caught:
        parse_database_url(text)
    assert says in caught.value.message


def test_operator_names_are_one_line():
    assert validate_operator("  Alice   B ") == "Alice B"
    assert validate_operator("") is None
    with pytest.raises(ValidationError):
        validate_operator("x" * 61)
    with pytest.raises(ValidationError):
        validate_operator("a\x00b")


def test_the_registry_round_trips_without_secrets(tmp_path):
    paths = resolve_paths(tmp_path / "d")
    registry = registry_for(paths)
    assert registry.all() == []
    registry.add(TeamProfile("shop", "postgresql://ops@db:5432/shop?sslmode=require", "alice"))
    registry.add(TeamProfile("Annex", "postgresql://ops@db:5432/annex"))
    assert [p.name for p in registry.all()] == ["Annex", "shop"]
    assert registry.get("shop") == TeamProfile(
        "shop", "postgresql://ops@db:5432/shop?sslmode=require", "alice"
    )
    data = json.loads(registry.path.read_text(encoding="utf-8"))
    assert data["profiles"]["Annex"] == {
        "database": "postgresql://ops@db:5432/annex",
        "operator": None,
    }
    assert stat.S_IMODE(registry.path.stat().st_mode) & 0o077 == 0
    assert registry.remove("Annex") is True
    assert registry.remove("Annex") is False
    assert [p.name for p in registry.all()] == ["shop"]


def test_a_damaged_registry_is_a_clear_store_error(tmp_path):
    paths = resolve_paths(tmp_path / "d")
    registry = registry_for(paths)
    registry.path.write_text('{"profiles": {"shop": {"database": "mysql://x"}}}', "utf-8")
    with pytest.raises(StoreError) as caught:
        registry.load()
    assert caught.value.code == "team_registry_damaged"
    assert str(registry.path) in caught.value.message


def test_book_for_follows_the_named_then_the_active_profile(tmp_path):
    paths = resolve_paths(tmp_path / "d")
    settings = Settings()
    assert book_for(paths, settings, None) is None  # no registry: the local file
    team = registry_for(paths).add(TeamProfile("shop", "postgresql://ops@db/shop"))
    assert book_for(paths, settings, "shop") == team
    assert book_for(paths, settings, "local") is None
    assert book_for(paths, settings, None) is None
    settings.active_profile = "shop"
    assert book_for(paths, settings, None) == team
    assert book_for(paths, settings, "local") is None
