"""Typed application settings, stored as JSON in the config folder.

Each setting is a :class:`Setting` descriptor on :class:`Settings` (in the spirit of
Electrum's ``ConfigVar``): key, type, default, validator and a short description the settings
UI shows. Reading a setting never fails: a missing or invalid value in the file gives the
default (with a logged warning). Assigning an invalid value raises ``ValidationError`` with
a message for the operator. Secrets never go here; they live in the keyring.

Public API::

    Settings.load(path) -> Settings        # never raises on a bad file
    Settings(path=None)                     # defaults only (path=None: save() not allowed)
    settings.theme = "dark"                 # validated assignment (ValidationError)
    settings.get(key) / settings.set(key, value) / settings.reset(key)
    settings.save()                         # atomic: temp file + fsync + os.replace
    Settings.fields() -> tuple[Setting, ...]   # for the settings UI / CLI
    settings.as_dict() -> dict[str, object]
    settings.copy() -> Settings             # a staging copy: validate edits, then apply_from
    settings.apply_from(staged)             # take every value of a validated copy
    settings.notification_enabled(event_kind) -> bool
    settings.path, settings.load_warnings

Notification rules are a mapping of event kind (``NOTIFICATION_KINDS``) to on/off.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import json
import logging
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from skins_console.core.errors import ValidationError
from skins_console.store.paths import folder_error

log = logging.getLogger(__name__)

T = TypeVar("T")

THEMES = ("system", "light", "dark")

#: Event kinds the operator can be notified about, with the default rule.
NOTIFICATION_KINDS: dict[str, bool] = {
    "order_sent": True,
    "order_completed": True,
    "order_failed": True,
    "order_expired": True,
    "order_cancelled": True,
    "order_reversed": True,
    "deposit_hold": True,
    "deposit_completed": True,
    "deposit_failed": True,
    "deposit_reverted": True,
    "low_balance": True,
    "credentials_rejected": True,
    "webhook_rejected": True,
    "provider_down": True,
}

SETTINGS_FORMAT = 1


@dataclass(eq=False)
class Setting(Generic[T]):
    """One setting: a data descriptor over ``Settings._values``."""

    key: str
    type: builtins.type | tuple[builtins.type, ...]
    default: T
    description: str
    validator: Callable[[Any], T] | None = field(default=None, kw_only=True)
    choices: tuple[Any, ...] | None = field(default=None, kw_only=True)
    #: the attribute name on ``Settings`` (``__set_name__``); the key until then
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.key

    def __set_name__(self, owner: builtins.type, name: str) -> None:
        self.name = name

    def validate(self, value: Any) -> T:
        """Return the value to store, or raise ``ValidationError`` saying what is allowed."""
        # bool is an int subclass; a JSON ``true`` must not pass as a number of seconds.
        if isinstance(value, bool) and self.type is not bool:
            raise ValidationError(
                f"{self.key}: expected {self._type_name()}, got true/false", field=self.key
            )
        if not isinstance(value, self.type):
            raise ValidationError(
                f"{self.key}: expected {self._type_name()}, got {type(value).__name__}",
                field=self.key,
            )
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join(str(choice) for choice in self.choices)
            raise ValidationError(f"{self.key}: must be one of {allowed}", field=self.key)
        if self.validator is not None:
            try:
                value = self.validator(value)
            except ValidationError as exc:
                raise ValidationError(f"{self.key}: {exc.message}", field=self.key) from None
            except (ValueError, TypeError) as exc:
                raise ValidationError(f"{self.key}: {exc}", field=self.key) from None
        return value

    def _type_name(self) -> str:
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        names = {
            bool: "true/false",
            int: "a whole number",
            str: "text",
            dict: "a mapping",
            type(None): "nothing",
        }
        return " or ".join(names.get(t, t.__name__) for t in types)

    def __get__(self, obj: Settings | None, owner: builtins.type) -> Any:
        if obj is None:
            return self
        # A copy, so that editing a returned mapping cannot bypass validation.
        return _copy(obj._values.get(self.key, self.default))

    def __set__(self, obj: Settings, value: T) -> None:
        obj._values[self.key] = self.validate(value)


def _copy(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


def _in_range(low: int, high: int) -> Callable[[int], int]:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return check


def _host(value: str) -> str:
    text = value.strip()
    if not text or any(ch.isspace() for ch in text) or len(text) > 253:
        raise ValueError("must be a host name or IP address, e.g. 127.0.0.1")
    return text


def _profile_name(value: str | None) -> str | None:
    if value is None:
        return None
    from skins_console.core.profile_names import validate_profile_name

    return validate_profile_name(value)


def _base64_text(value: str) -> str:
    if len(value) > 1_000_000:
        raise ValueError("is too large")
    try:
        base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("must be base64 text") from None
    return value


def _quote_names(value: str) -> str:
    # 2,000 names of at most a few hundred characters each.
    if len(value) > 600_000:
        raise ValueError("is too large")
    return value


def _cursor(value: dict) -> dict[str, int]:
    for profile, event_id in value.items():
        if (
            not isinstance(profile, str)
            or isinstance(event_id, bool)
            or not isinstance(event_id, int)
            or event_id < 0
        ):
            raise ValueError("must map profile names to event ids")
    return dict(value)


def _notification_rules(value: dict) -> dict[str, bool]:
    rules = dict(NOTIFICATION_KINDS)
    for kind, enabled in value.items():
        if kind not in NOTIFICATION_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        if not isinstance(enabled, bool):
            raise ValueError(f"{kind} must be true or false")
        rules[kind] = enabled
    return rules


def _chat_channels(value: dict) -> dict[str, dict[str, dict[str, str]]]:
    """Per profile, the chat channels notifications are forwarded to, with their public
    parts: ``{"shop": {"telegram": {"chat_id": "…", "api_base": "…"}, "discord": {}}}``.
    The bot token and the webhook URL are secrets and live in the keyring."""
    from skins_console.core.chat_targets import (
        CHANNEL_KINDS,
        TELEGRAM_API_BASE,
        validate_api_base,
        validate_chat_id,
    )

    result: dict[str, dict[str, dict[str, str]]] = {}
    for profile, channels in value.items():
        if not isinstance(profile, str) or not isinstance(channels, dict):
            raise ValueError("must map profile names to their chat channels")
        checked: dict[str, dict[str, str]] = {}
        for kind, options in channels.items():
            if kind not in CHANNEL_KINDS or not isinstance(options, dict):
                raise ValueError(f"unknown chat channel {kind!r}")
            if kind == "telegram":
                chat_id = options.get("chat_id")
                base = options.get("api_base", TELEGRAM_API_BASE)
                if not isinstance(chat_id, str) or not isinstance(base, str):
                    raise ValueError("telegram needs a chat_id and an api_base (text)")
                checked[kind] = {
                    "chat_id": validate_chat_id(chat_id),
                    "api_base": validate_api_base(base),
                }
            else:
                checked[kind] = {}
        result[profile] = checked
    return result


def _operator(value: str) -> str:
    name = " ".join(value.split())
    if len(name) > 60 or any(ord(ch) < 32 for ch in name):
        raise ValidationError(
            "operator_name: one line of at most 60 characters", field="operator_name"
        )
    return name


class Settings:
    theme = Setting("theme", str, "system", "Colour theme", choices=THEMES)
    poll_orders_seconds = Setting(
        "poll_orders_seconds",
        int,
        30,
        "How often a moving or sent order is re-checked (seconds; SkinsNode caches an order "
        "for 30 s, so never faster)",
        validator=_in_range(30, 3600),
    )
    poll_wallet_seconds = Setting(
        "poll_wallet_seconds",
        int,
        60,
        "How often the SkinsNode balance is refreshed (seconds)",
        validator=_in_range(10, 86400),
    )
    poll_health_seconds = Setting(
        "poll_health_seconds",
        int,
        60,
        "How often provider health is checked (seconds)",
        validator=_in_range(10, 86400),
    )
    catalog_refresh_minutes = Setting(
        "catalog_refresh_minutes",
        int,
        30,
        "How often the catalog is reloaded (minutes)",
        validator=_in_range(1, 1440),
    )
    provider_deadline_seconds = Setting(
        "provider_deadline_seconds",
        int,
        30,
        "Longest wait for one provider answer, its whole body and retries included "
        "(seconds; the catalog may take ten times as long)",
        validator=_in_range(2, 600),
    )
    lease_seconds = Setting(
        "lease_seconds",
        int,
        60,
        "Team mode: how long a console holds an order or deposit it is sending or checking "
        "before another console may finish it (seconds; at least one provider answer long)",
        validator=_in_range(2, 3600),
    )
    notifications = Setting(
        "notifications",
        dict,
        dict(NOTIFICATION_KINDS),
        "Desktop notifications per kind of event",
        validator=_notification_rules,
    )
    webhook_listener_enabled = Setting(
        "webhook_listener_enabled",
        bool,
        False,
        "Receive provider webhooks on a local port (needs a tunnel or relay to reach it)",
    )
    webhook_listener_host = Setting(
        "webhook_listener_host",
        str,
        "127.0.0.1",
        "Address the webhook listener binds to",
        validator=_host,
    )
    webhook_listener_port = Setting(
        "webhook_listener_port",
        int,
        8765,
        "Port of the webhook listener",
        validator=_in_range(1, 65535),
    )
    active_profile = Setting(
        "active_profile",
        (str, type(None)),
        None,
        "Profile opened at start-up",
        validator=_profile_name,
    )
    window_state = Setting(
        "window_state",
        str,
        "",
        "Saved window geometry and layout (base64)",
        validator=_base64_text,
    )
    quote_names = Setting(
        "quote_names",
        str,
        "",
        "The Quote tab's pasted market hash names, kept across restarts",
        validator=_quote_names,
    )
    notifications_cursor: Setting[dict[str, int]] = Setting(
        "notifications_cursor",
        dict,
        {},
        "Per profile, the last timeline event the operator was notified about",
        validator=_cursor,
    )

    operator_name = Setting(
        "operator_name",
        str,
        "",
        "Who the timeline says handled an attention item (empty: the OS user name)",
        validator=_operator,
    )
    chat_channels: Setting[dict[str, dict[str, dict[str, str]]]] = Setting(
        "chat_channels",
        dict,
        {},
        "Per profile, the Telegram chat and Discord webhook notifications are forwarded to "
        "(the bot token and the webhook URL are kept in the keyring)",
        validator=_chat_channels,
    )

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._values: dict[str, Any] = {}
        #: Keys this version does not know (from a newer version): kept and written back.
        self._unknown: dict[str, Any] = {}
        self.load_warnings: list[str] = []

    # --- introspection -------------------------------------------------------------------

    @classmethod
    def fields(cls) -> tuple[Setting, ...]:
        return tuple(v for v in vars(cls).values() if isinstance(v, Setting))

    @classmethod
    def field(cls, key: str) -> Setting:
        for setting in cls.fields():
            if setting.key == key:
                return setting
        raise ValidationError(f"Unknown setting {key!r}", field=key)

    def get(self, key: str) -> Any:
        return self.field(key).__get__(self, type(self))

    def set(self, key: str, value: Any) -> None:
        self.field(key).__set__(self, value)

    def reset(self, key: str) -> None:
        self.field(key)
        self._values.pop(key, None)

    def copy(self) -> Settings:
        clone = type(self)(self.path)
        clone._values = {key: _copy(value) for key, value in self._values.items()}
        clone._unknown = dict(self._unknown)
        return clone

    def apply_from(self, staged: Settings) -> None:
        self._values = {key: _copy(value) for key, value in staged._values.items()}

    def as_dict(self) -> dict[str, Any]:
        return {setting.key: self.get(setting.key) for setting in self.fields()}

    def notification_enabled(self, kind: str) -> bool:
        return bool(self.notifications.get(kind, False))

    # --- file ----------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> Settings:
        settings = cls(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return settings
        except (OSError, UnicodeDecodeError) as exc:
            settings._warn(f"Could not read {path} ({exc}); using default settings.")
            return settings
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("the top level is not an object")
        except ValueError as exc:
            kept = _keep_bad_copy(path)
            settings._warn(
                f"{path} is not valid settings JSON ({exc}); using defaults"
                + (f" (the unreadable file was kept as {kept.name})." if kept else ".")
            )
            return settings
        values = data
        known = {setting.key: setting for setting in cls.fields()}
        for key, value in values.items():
            if key == "format":
                continue
            setting = known.get(key)
            if setting is None:
                settings._unknown[key] = value
                continue
            try:
                settings._values[key] = setting.validate(value)
            except ValidationError as exc:
                settings._warn(f"Setting {exc.message}; using the default ({setting.default!r}).")
        return settings

    def _serialized(self) -> tuple[Path, bytes]:
        """The file to write and its new content."""
        if self.path is None:
            raise ValueError("these settings have no file to be saved to")
        payload = {"format": SETTINGS_FORMAT, **self._unknown, **self._values}
        return self.path, (json.dumps(payload, indent=2, sort_keys=True) + "\n").encode("utf-8")

    def save(self) -> None:
        """Write the file now. Writes queued by :meth:`save_in_background` go first, so the
        file never goes back to an older state."""
        path, data = self._serialized()
        _writer().submit(atomic_write, path, data).result()

    async def save_in_background(self) -> None:
        """The same write, on the settings writer thread: its two fsyncs can take tens of
        milliseconds, too long for the GUI thread (the notification cursor is saved every
        few hundred ms while many orders move; bench_tracking_window)."""
        # asyncio here: the settings are read before the window's first paint, and asyncio
        # loads after it (ui/launch.py).
        import asyncio

        path, data = self._serialized()
        await asyncio.wrap_future(_writer().submit(atomic_write, path, data))

    def _warn(self, message: str) -> None:
        log.warning("%s", message)
        self.load_warnings.append(message)


def _keep_bad_copy(path: Path) -> Path | None:
    target = path.with_name(path.name + ".invalid")
    try:
        os.replace(path, target)
    except OSError:
        return None
    return target


_writer_pool: ThreadPoolExecutor | None = None


def _writer() -> ThreadPoolExecutor:
    """One thread for every settings write: they land in the order they were asked for."""
    global _writer_pool
    if _writer_pool is None:
        _writer_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="skins-settings")
    return _writer_pool


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so a crash leaves either the old or the new file."""
    fd = None
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            fd = None
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if os.name == "posix":
            os.chmod(tmp_name, 0o600)
        os.replace(tmp_name, path)
        tmp_name = None
        _fsync_dir(path.parent)
    except OSError as exc:
        raise folder_error(path, exc) from None
    finally:
        if fd is not None:
            os.close(fd)
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def _fsync_dir(folder: Path) -> None:
    # The rename itself is only durable once the directory entry is on disk (POSIX only).
    if os.name != "posix":
        return
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@dataclass(frozen=True, slots=True)
class SettingInfo:
    """A row for the settings UI / ``skins-console settings list``."""

    key: str
    value: Any
    default: Any
    description: str
    choices: tuple[Any, ...] | None


def describe_settings(settings: Settings) -> list[SettingInfo]:
    return [
        SettingInfo(s.key, settings.get(s.key), s.default, s.description, s.choices)
        for s in Settings.fields()
    ]
