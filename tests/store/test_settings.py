import base64
import json
import logging
import os
import stat

import pytest

from skins_console.core.errors import ValidationError
from skins_console.store.paths import resolve_paths
from skins_console.store.settings import NOTIFICATION_KINDS, Settings, describe_settings


@pytest.fixture
def settings_file():
    return resolve_paths().settings_file


def test_defaults_when_no_file(settings_file):
    settings = Settings.load(settings_file)
    assert settings.theme == "system"
    assert settings.poll_orders_seconds == 30
    assert settings.webhook_listener_enabled is False
    assert settings.webhook_listener_port == 8765
    assert settings.active_profile is None
    assert settings.notifications == NOTIFICATION_KINDS
    assert settings.load_warnings == []


def test_round_trip(settings_file):
    settings = Settings.load(settings_file)
    settings.theme = "dark"
    settings.poll_orders_seconds = 45
    settings.active_profile = "Main shop"
    settings.notifications = {"order_failed": False}
    state = base64.b64encode(b"\x00\x01geometry").decode()
    settings.window_state = state
    settings.save()
    again = Settings.load(settings_file)
    assert again.theme == "dark"
    assert again.poll_orders_seconds == 45
    assert again.active_profile == "Main shop"
    assert again.notification_enabled("order_failed") is False
    assert again.notification_enabled("order_completed") is True
    assert again.window_state == state


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("theme", "purple", "must be one of system, light, dark"),
        ("poll_orders_seconds", 0, "between 30 and 3600"),
        ("poll_orders_seconds", 15, "between 30 and 3600"),  # under the order cache
        ("poll_orders_seconds", True, "true/false"),
        ("poll_orders_seconds", "15", "whole number"),
        ("webhook_listener_port", 70000, "between 1 and 65535"),
        ("webhook_listener_host", "  ", "host name"),
        ("active_profile", "bad:name", "profile name"),
        ("window_state", "not base64!", "base64"),
        ("notifications", {"order_exploded": True}, "unknown event kind"),
        ("notifications", {"order_failed": "yes"}, "true or false"),
    ],
)
def test_invalid_assignment_is_refused(settings_file, key, value, message):
    settings = Settings.load(settings_file)
    before = settings.get(key)
    with pytest.raises(ValidationError, match=message) as info:
        settings.set(key, value)
    assert info.value.field == key
    assert settings.get(key) == before


def test_invalid_values_in_file_fall_back_with_warning(settings_file, caplog):
    settings_file.write_text(
        json.dumps(
            {
                "theme": "neon",
                "poll_orders_seconds": 60,
                "webhook_listener_port": -1,
                "future_setting": {"kept": True},
            }
        )
    )
    with caplog.at_level(logging.WARNING):
        settings = Settings.load(settings_file)
    assert settings.theme == "system"
    assert settings.webhook_listener_port == 8765
    assert settings.poll_orders_seconds == 60
    assert len(settings.load_warnings) == 2
    assert "theme" in caplog.text and "webhook_listener_port" in caplog.text
    # A newer version's setting survives being saved by this one.
    settings.save()
    assert json.loads(settings_file.read_text())["future_setting"] == {"kept": True}


@pytest.mark.parametrize("garbage", [b"{not json", b"[1, 2]", b"\xff\xfe\x00garbage", b""])
def test_garbage_file_gives_defaults_and_is_kept(settings_file, garbage):
    settings_file.write_bytes(garbage)
    settings = Settings.load(settings_file)
    assert settings.as_dict()["theme"] == "system"
    assert settings.load_warnings
    settings.theme = "light"
    settings.save()
    assert Settings.load(settings_file).theme == "light"


def test_unreadable_json_is_moved_aside(settings_file):
    settings_file.write_text("{broken")
    Settings.load(settings_file)
    assert (settings_file.parent / "settings.json.invalid").read_text() == "{broken"


def test_atomic_write_leaves_no_temp_and_private_mode(settings_file):
    settings = Settings.load(settings_file)
    settings.theme = "dark"
    settings.save()
    leftovers = [p.name for p in settings_file.parent.iterdir() if p.name != "settings.json"]
    assert leftovers == []
    if os.name == "posix":
        assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600


def test_failed_write_keeps_previous_file(settings_file):
    from skins_console.core.errors import StoreError
    from tests.store.readonly import read_only

    settings = Settings.load(settings_file)
    settings.theme = "dark"
    settings.save()
    settings.theme = "light"
    with read_only(settings_file.parent), pytest.raises(StoreError):
        settings.save()
    assert Settings.load(settings_file).theme == "dark"


def test_reset_and_describe(settings_file):
    settings = Settings.load(settings_file)
    settings.theme = "dark"
    settings.reset("theme")
    assert settings.theme == "system"
    rows = {row.key: row for row in describe_settings(settings)}
    assert rows["theme"].choices == ("system", "light", "dark")
    assert all(row.description for row in rows.values())
    with pytest.raises(ValidationError):
        settings.get("no_such_setting")


def test_notification_default_is_a_copy(settings_file):
    settings = Settings.load(settings_file)
    settings.notifications["order_failed"] = False
    assert Settings.load(settings_file).notification_enabled("order_failed")
    assert NOTIFICATION_KINDS["order_failed"] is True


def test_no_secret_fields():
    keys = {s.key for s in Settings.fields()}
    assert not any(word in key for key in keys for word in ("secret", "api_key", "password"))


def test_staging_copy_validates_before_applying(settings_file):
    settings = Settings.load(settings_file)
    settings.theme = "dark"
    staged = settings.copy()
    staged.poll_orders_seconds = 60
    with pytest.raises(ValidationError):
        staged.webhook_listener_port = 0
    assert settings.poll_orders_seconds == 30  # the original is untouched until applied
    settings.apply_from(staged)
    assert (settings.theme, settings.poll_orders_seconds) == ("dark", 60)
    settings.save()
    assert Settings.load(settings_file).poll_orders_seconds == 60


async def test_background_saves_land_in_order(settings_file):
    """The notification cursor is saved off the GUI thread; a later save, in the
    background or not, is never overwritten by an earlier one."""
    import asyncio

    settings = Settings.load(settings_file)
    settings.notifications_cursor = {"main": 1}
    first = asyncio.ensure_future(settings.save_in_background())
    await asyncio.sleep(0)  # serialised and queued
    settings.notifications_cursor = {"main": 2}
    second = asyncio.ensure_future(settings.save_in_background())
    await asyncio.sleep(0)
    settings.theme = "dark"
    settings.save()  # waits for the queued writes, then writes the newest state
    await asyncio.gather(first, second)
    again = Settings.load(settings_file)
    assert again.notifications_cursor == {"main": 2} and again.theme == "dark"
