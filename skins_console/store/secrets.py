"""API secrets in the operating system's keyring, and nowhere else.

Public API::

    SERVICE_NAME = "skins-console"
    SecretKind.SKINSNODE_CLIENT_SECRET | SKINSLINK_API_KEY | SKINSLINK_WEBHOOK_SECRET
               | TELEGRAM_BOT_TOKEN | DISCORD_WEBHOOK_URL | DATABASE_PASSWORD
        .label, .env (the variable a server without a keyring sets instead)
    SecretStore(backend=None)          # None: keyring's configured backend, looked up per call
        .get(profile, kind) -> str | None
        .set(profile, kind, value)
        .delete(profile, kind)          # missing is fine
        .delete_profile(profile)
        .rename_profile(old, new)       # copies then deletes; the old entries stay on failure
        .has(profile, kind) -> bool
        .get_or_env(profile, kind)      # no usable keyring (a server): kind.env instead
        .check() -> KeyringDiagnostics  # raises SecretStoreError when unusable
        await .aget / .aset / .adelete / .adelete_profile / .arename_profile / .ahas
    keyring_diagnostics(backend=None) -> KeyringDiagnostics(backend, priority, usable, message)
    secret_key(profile, kind) -> "<profile>:<kind>"

Every keyring failure becomes ``SecretStoreError`` whose message says what to install or
configure on this OS, without a traceback and without the secret. There is no plaintext
fallback: a backend keyring itself rates "not recommended" (priority < 1: the fail and null
backends, keyrings.alt's plaintext file) is refused unless the operator named it explicitly
through keyring's own configuration (``PYTHON_KEYRING_BACKEND`` or ``keyringrc.cfg``); the
test suite uses that route to pick an isolated backend.
"""

from __future__ import annotations

import asyncio
import configparser
import logging
import os
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail
from keyring.compat import properties

from skins_console.core.errors import SecretStoreError, ValidationError
from skins_console.core.records import validate_profile_name

log = logging.getLogger(__name__)

SERVICE_NAME = "skins-console"


class SecretKind(str, Enum):
    SKINSNODE_CLIENT_SECRET = "skinsnode_client_secret"
    SKINSLINK_API_KEY = "skinslink_api_key"
    SKINSLINK_WEBHOOK_SECRET = "skinslink_webhook_secret"
    #: chat notifications (services/chat_notify.py): the bot token is in Telegram's URL path
    #: and the whole Discord webhook URL is the credential, so both are secrets.
    TELEGRAM_BOT_TOKEN = "telegram_bot_token"
    DISCORD_WEBHOOK_URL = "discord_webhook_url"
    #: a team profile's PostgreSQL password (store/team_profiles.py); never in its URL
    DATABASE_PASSWORD = "database_password"

    @property
    def label(self) -> str:
        return _NAMES[self.value][0]

    @property
    def env(self) -> str:
        """The environment variable that supplies it where no keyring is (a server)."""
        return _NAMES[self.value][1]


#: kind → (how messages name it, the environment variable that supplies it without a keyring)
_NAMES: dict[str, tuple[str, str]] = {
    "skinsnode_client_secret": ("SkinsNode client secret", "SKINSNODE_CLIENT_SECRET"),
    "skinslink_api_key": ("Skinslink API key", "SKINSLINK_API_KEY"),
    "skinslink_webhook_secret": ("Skinslink webhook secret", "SKINSLINK_WEBHOOK_SECRET"),
    "telegram_bot_token": ("Telegram bot token", "TELEGRAM_BOT_TOKEN"),
    "discord_webhook_url": ("Discord webhook URL", "DISCORD_WEBHOOK_URL"),
    "database_password": ("team database password", "SKINS_CONSOLE_DATABASE_PASSWORD"),
}


def secret_key(profile: str, kind: SecretKind | str) -> str:
    return f"{validate_profile_name(profile)}:{SecretKind(kind).value}"


def install_hint(platform: str | None = None) -> str:
    platform = platform or sys.platform
    if platform.startswith("linux") or "bsd" in platform:
        return (
            "On Linux a Secret Service must be running and unlocked in your session: "
            "GNOME Keyring (package gnome-keyring) or KWallet (kwalletmanager), started by "
            "your desktop login. On a headless machine, run the app inside a D-Bus session "
            "with an unlocked gnome-keyring-daemon."
        )
    if platform == "darwin":
        return "On macOS the login Keychain is used; unlock it in Keychain Access."
    if platform.startswith("win"):
        return "On Windows the Credential Locker is used; sign in to your Windows account."
    return "Install and configure a keyring backend supported by the Python keyring library."


@dataclass(frozen=True, slots=True)
class KeyringDiagnostics:
    backend: str
    priority: float
    usable: bool
    message: str


def _backend_name(backend: keyring.backend.KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _explicitly_configured() -> set[str]:
    """Backend class names the operator chose through keyring's own configuration."""
    names = set()
    env = os.environ.get("PYTHON_KEYRING_BACKEND", "").strip()
    if env:
        names.add(env)
    try:
        from keyring.util import platform_

        config = configparser.RawConfigParser()
        config.read(Path(platform_.config_root()) / "keyringrc.cfg", encoding="utf-8")
        if config.has_option("backend", "default-keyring"):
            names.add(config.get("backend", "default-keyring").strip())
    except (OSError, configparser.Error):
        pass
    return names


def _write_target(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
    # The chainer writes to its highest-priority member; that one decides where secrets land.
    if isinstance(backend, chainer.ChainerBackend):
        members = list(backend.backends)
        return members[0] if members else fail.Keyring()
    return backend


class SessionKeyring(keyring.backend.KeyringBackend):
    """The sandbox's demo credentials, held in this process's memory for one run.

    Demo mode (``skins-console --sandbox``) must start on a machine with no usable OS keyring
    (a fresh box under a virtual display), yet Skins Console never writes a secret to a
    plain file. The sandbox prints its demo credentials to anyone who starts it, so keeping
    *those* in memory for the run is safe; anything else is refused with the usual
    "install a keyring" message. keyring never selects this backend on its own: its
    priority raises, which keyring reads as "not viable".
    """

    def __init__(self, allowed_profiles: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self._allowed = frozenset(allowed_profiles)
        self._values: dict[tuple[str, str], str] = {}

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("only used explicitly, for the sandbox's demo credentials")

    def _check(self, username: str) -> None:
        profile = username.split(":", 1)[0]
        if profile not in self._allowed:
            raise keyring.errors.KeyringError(
                "no OS keyring is available, and only the sandbox's demo credentials can be "
                "kept in memory for this run"
            )

    def get_password(self, service: str, username: str) -> str | None:
        return self._values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._check(username)
        self._values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._values.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


def keyring_diagnostics(
    backend: keyring.backend.KeyringBackend | None = None,
) -> KeyringDiagnostics:
    """Which backend is active and whether Skins Console will use it (no secret is read)."""
    try:
        backend = backend or keyring.get_keyring()
    except keyring.errors.KeyringError as exc:  # broken keyring configuration
        return KeyringDiagnostics("unknown", 0.0, False, _unusable(f"keyring failed: {exc}"))
    target = _write_target(backend)
    name = _backend_name(target)
    if isinstance(target, SessionKeyring):
        return KeyringDiagnostics(
            name,
            0.0,
            True,
            "No OS keyring: the sandbox's demo credentials are kept in memory for this run only.",
        )
    try:
        priority = float(target.priority)
    except Exception as exc:
        return KeyringDiagnostics(name, 0.0, False, _unusable(f"{name} is not available ({exc})"))
    if isinstance(target, fail.Keyring):
        return KeyringDiagnostics(name, priority, False, _unusable("no keyring backend found"))
    if priority < 1 and name not in _explicitly_configured():
        return KeyringDiagnostics(
            name,
            priority,
            False,
            _unusable(
                f"the only keyring found ({name}) is not a secure store; Skins Console never "
                "keeps secrets in plain files"
            ),
        )
    return KeyringDiagnostics(name, priority, True, f"Secrets are kept in {name}.")


def _unusable(reason: str) -> str:
    return f"Cannot store API secrets: {reason}. {install_hint()}"


class SecretStore:
    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend

    # --- sync ----------------------------------------------------------------------------

    def check(self) -> KeyringDiagnostics:
        diag = keyring_diagnostics(self._resolve())
        if not diag.usable:
            raise SecretStoreError(diag.message)
        return diag

    def get(self, profile: str, kind: SecretKind | str) -> str | None:
        backend = self._usable()
        with _mapped("read", kind):
            return backend.get_password(SERVICE_NAME, secret_key(profile, kind))

    def has(self, profile: str, kind: SecretKind | str) -> bool:
        return bool(self.get(profile, kind))

    def get_or_env(self, profile: str, kind: SecretKind | str) -> str | None:
        """The keyring's value; where no keyring is usable (a headless server, a container)
        the value of ``kind.env`` instead, else the keyring's own ``SecretStoreError``."""
        try:
            return self.get(profile, kind)
        except SecretStoreError:
            value = os.environ.get(SecretKind(kind).env, "")
            if value:
                return value
            raise

    def set(self, profile: str, kind: SecretKind | str, value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(
                f"The {SecretKind(kind).label} cannot be empty.", field=SecretKind(kind).value
            )
        if value != value.strip():
            raise ValidationError(
                f"The {SecretKind(kind).label} starts or ends with spaces; paste it again "
                "without them.",
                field=SecretKind(kind).value,
            )
        backend = self._usable()
        with _mapped("save", kind):
            backend.set_password(SERVICE_NAME, secret_key(profile, kind), value)

    def delete(self, profile: str, kind: SecretKind | str) -> None:
        backend = self._usable()
        key = secret_key(profile, kind)
        with _mapped("delete", kind):
            try:
                backend.delete_password(SERVICE_NAME, key)
            except keyring.errors.PasswordDeleteError:
                # Nothing stored under that name: the wanted end state already holds.
                pass

    def delete_profile(self, profile: str) -> None:
        for kind in SecretKind:
            self.delete(profile, kind)

    def rename_profile(self, old: str, new: str) -> None:
        values = {kind: self.get(old, kind) for kind in SecretKind}
        for kind, value in values.items():
            if value:
                self.set(new, kind, value)
        for kind, value in values.items():
            if value:
                self.delete(old, kind)

    # --- async (keyring calls block: D-Bus round-trips, Keychain prompts) ----------------

    async def aget(self, profile: str, kind: SecretKind | str) -> str | None:
        return await asyncio.to_thread(self.get, profile, kind)

    async def aget_or_env(self, profile: str, kind: SecretKind | str) -> str | None:
        return await asyncio.to_thread(self.get_or_env, profile, kind)

    async def ahas(self, profile: str, kind: SecretKind | str) -> bool:
        return await asyncio.to_thread(self.has, profile, kind)

    async def aset(self, profile: str, kind: SecretKind | str, value: str) -> None:
        await asyncio.to_thread(self.set, profile, kind, value)

    async def adelete(self, profile: str, kind: SecretKind | str) -> None:
        await asyncio.to_thread(self.delete, profile, kind)

    async def adelete_profile(self, profile: str) -> None:
        await asyncio.to_thread(self.delete_profile, profile)

    async def arename_profile(self, old: str, new: str) -> None:
        await asyncio.to_thread(self.rename_profile, old, new)

    async def acheck(self) -> KeyringDiagnostics:
        return await asyncio.to_thread(self.check)

    # --- internals -----------------------------------------------------------------------

    def _resolve(self) -> keyring.backend.KeyringBackend:
        if self._backend is not None:
            return self._backend
        try:
            return keyring.get_keyring()
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(_unusable(f"keyring failed to start ({exc})")) from None

    def _usable(self) -> keyring.backend.KeyringBackend:
        backend = self._resolve()
        diag = keyring_diagnostics(backend)
        if not diag.usable:
            raise SecretStoreError(diag.message)
        return backend


class _mapped:
    """Turn keyring's exceptions into ``SecretStoreError`` without chaining a traceback."""

    def __init__(self, action: str, kind: SecretKind | str) -> None:
        self.action = action
        self.label = SecretKind(kind).label

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> None:
        # Never swallows: other exceptions pass through, keyring's become SecretStoreError.
        if exc is None or not isinstance(exc, (keyring.errors.KeyringError, OSError)):
            return
        if isinstance(exc, keyring.errors.KeyringLocked):
            reason = "the keyring is locked; unlock it and try again"
        elif isinstance(exc, keyring.errors.NoKeyringError):
            reason = "no keyring backend is available"
        elif isinstance(exc, keyring.errors.InitError):
            reason = f"the keyring could not be opened ({exc})"
        else:
            reason = f"the keyring refused ({type(exc).__name__}: {exc})"
        log.warning("keyring %s of %s failed: %s", self.action, self.label, type(exc).__name__)
        raise SecretStoreError(
            f"Could not {self.action} the {self.label}: {reason}. {install_hint()}"
        ) from None
