"""Merchant profiles: endpoints in SQLite, secrets in the keyring, and a connection test.

Adding a profile writes its row and its three secrets as one unit: the keyring is checked
before anything is written, and if storing a secret fails the row is removed again, so a
profile never exists half-configured. Removing a profile refuses while orders or deposits
reference it (the store's rule), then deletes its keyring entries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from skins_console.api.skinslink_client import SkinslinkClient
from skins_console.api.skinsnode_client import SkinsNodeClient
from skins_console.core.errors import ApiError, NotFoundError, ProfileError, UserFacingError
from skins_console.core.money import format_cents
from skins_console.core.records import ProfileRecord
from skins_console.services import change_bus
from skins_console.services.context import AppContext, skinslink_client, skinsnode_client
from skins_console.services.logs import register_secret
from skins_console.store.secrets import SecretKind

log = logging.getLogger(__name__)

#: A merchant_tx_id no deposit will ever have: looking it up proves the key works (404)
#: without creating or reading anything real.
_PROBE_TX_ID = "skins-console-connection-test"


@dataclass(frozen=True, slots=True)
class ProfileSecrets:
    skinsnode_client_secret: str
    skinslink_api_key: str
    skinslink_webhook_secret: str | None = None

    def items(self) -> list[tuple[SecretKind, str]]:
        pairs = [
            (SecretKind.SKINSNODE_CLIENT_SECRET, self.skinsnode_client_secret),
            (SecretKind.SKINSLINK_API_KEY, self.skinslink_api_key),
        ]
        if self.skinslink_webhook_secret:
            pairs.append((SecretKind.SKINSLINK_WEBHOOK_SECRET, self.skinslink_webhook_secret))
        return pairs

    def __repr__(self) -> str:  # never show the values, even in a traceback's locals
        return "ProfileSecrets(***)"


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class ProfileTestResult:
    profile: str
    checks: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


class ProfileService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def list(self) -> list[ProfileRecord]:
        return await self.ctx.profiles.list()

    async def get(self, name: str) -> ProfileRecord:
        return await self.ctx.profiles.require(name)

    async def add(
        self, profile: ProfileRecord, secrets: ProfileSecrets, *, activate: bool | None = None
    ) -> ProfileRecord:
        """Create ``profile`` with its secrets; the first profile becomes the active one."""
        for _kind, value in secrets.items():
            register_secret(value)
        # Fail on an unusable keyring before the row exists, with the keyring's own advice.
        await self.ctx.secrets.acheck()
        existing = await self.ctx.profiles.list()
        if activate is None:
            activate = not existing or not any(p.active for p in existing)
        record = await self.ctx.profiles.create(replace(profile, active=activate))
        try:
            for kind, value in secrets.items():
                await self.ctx.secrets.aset(record.name, kind, value)
        except BaseException:
            await self._forget(record.name)
            raise
        if activate:
            await self._remember_active(record.name)
            await self.ctx.select_profile(record.name)
        self.ctx.bus.publish(change_bus.PROFILE, record.name)
        return record

    async def use(self, name: str) -> ProfileRecord:
        record = await self.ctx.profiles.set_active(name)
        await self._remember_active(record.name)
        await self.ctx.select_profile(record.name)
        return record

    async def remove(self, name: str) -> None:
        await self.ctx.profiles.delete(name)
        await self.ctx.secrets.adelete_profile(name)
        settings = self.ctx.settings
        chats = settings.chat_channels
        if settings.active_profile == name or name in chats:
            if settings.active_profile == name:
                settings.active_profile = None
            # Its chat tokens went with the keyring entries; forget the chat ids too.
            chats.pop(name, None)
            settings.chat_channels = chats
            self._save_settings()
        if self.ctx.profile is not None and self.ctx.profile.name == name:
            await self.ctx.select_profile(None)
        self.ctx.bus.publish(change_bus.PROFILE, name)

    async def test(self, name: str | None = None) -> ProfileTestResult:
        """SkinsNode health and wallet, and a Skinslink key check; never raises on a failure."""
        profile = await self.ctx.profiles.require(name) if name else self.ctx.require_profile()
        secrets: dict[SecretKind, str] = {}
        problems: list[CheckResult] = []
        for kind, label in (
            (SecretKind.SKINSNODE_CLIENT_SECRET, "SkinsNode"),
            (SecretKind.SKINSLINK_API_KEY, "Skinslink"),
        ):
            try:
                secrets[kind] = await self._secret(profile, kind)
            except UserFacingError as exc:
                problems.append(CheckResult(label, False, exc.message))
        if problems:
            return ProfileTestResult(profile.name, tuple(problems))
        return await check_credentials(
            profile,
            ProfileSecrets(
                secrets[SecretKind.SKINSNODE_CLIENT_SECRET], secrets[SecretKind.SKINSLINK_API_KEY]
            ),
            client_options=self.ctx.client_options,
        )

    async def test_values(
        self, record: ProfileRecord, secrets: ProfileSecrets | None, original: str | None
    ) -> ProfileTestResult:
        """Test what the profile dialog holds, before it is saved. Editing ``original``,
        the secrets left empty are the stored ones; no secrets at all tests it as stored."""
        if secrets is None and original is not None:
            return await self.test(original)
        secret = secrets.skinsnode_client_secret if secrets else ""
        key = secrets.skinslink_api_key if secrets else ""
        if original is not None:
            secret = (
                secret
                or await self.ctx.secrets.aget(original, SecretKind.SKINSNODE_CLIENT_SECRET)
                or ""
            )
            key = key or await self.ctx.secrets.aget(original, SecretKind.SKINSLINK_API_KEY) or ""
        options = dict(self.ctx.client_options)
        options.setdefault("max_get_retries", 0)  # the operator is waiting for the answer
        return await check_credentials(record, ProfileSecrets(secret, key), client_options=options)

    # --- helpers -------------------------------------------------------------------------

    async def _secret(self, profile: ProfileRecord, kind: SecretKind) -> str:
        value = await self.ctx.secrets.aget(profile.name, kind)
        if not value:
            raise ProfileError(f"The {kind.label} is not in the keyring.", code="secret_missing")
        register_secret(value)
        return value

    async def _forget(self, name: str) -> None:
        try:
            await self.ctx.profiles.delete(name)
            await self.ctx.secrets.adelete_profile(name)
        except Exception:
            log.warning("could not undo the half-added profile %s", name, exc_info=True)

    async def _remember_active(self, name: str) -> None:
        if self.ctx.settings.active_profile != name:
            self.ctx.settings.active_profile = name
            self._save_settings()

    def _save_settings(self) -> None:
        if self.ctx.settings.path is not None:
            self.ctx.settings.save()


async def check_credentials(
    profile: ProfileRecord, secrets: ProfileSecrets, *, client_options: dict | None = None
) -> ProfileTestResult:
    """Test endpoints and secrets that may not be saved yet (the profile dialog's "Test")."""
    options = dict(client_options or {})
    checks: list[CheckResult] = []
    try:
        async with skinsnode_client(profile, secrets.skinsnode_client_secret, **options) as node:
            checks.append(await _check("SkinsNode health", _health(node)))
            checks.append(await _check("SkinsNode wallet", _wallet(node)))
    except UserFacingError as exc:  # e.g. an empty secret, refused before any request
        checks.append(CheckResult("SkinsNode", False, exc.message))
    try:
        async with skinslink_client(profile, secrets.skinslink_api_key, **options) as link:
            checks.append(await _check("Skinslink API key", _skinslink_key(link)))
    except UserFacingError as exc:
        checks.append(CheckResult("Skinslink", False, exc.message))
    return ProfileTestResult(profile.name, tuple(checks))


async def _check(name: str, probe) -> CheckResult:
    try:
        detail = await probe
    except ApiError as exc:
        return CheckResult(name, False, exc.message)
    return CheckResult(name, True, detail)


async def _health(node: SkinsNodeClient) -> str:
    health = await node.health()
    if not health.ok:
        raise ApiError("SkinsNode reports it is not healthy.", provider="SkinsNode")
    return f"ok ({health.service or 'skinsnode'})"


async def _wallet(node: SkinsNodeClient) -> str:
    wallet = await node.wallet()
    return f"credentials accepted; balance {format_cents(wallet.available_cents, wallet.currency)}"


async def _skinslink_key(link: SkinslinkClient) -> str:
    try:
        await link.deposit_status(merchant_tx_id=_PROBE_TX_ID)
    except NotFoundError:
        pass  # the expected answer: the key was accepted, the id is unknown
    return "key accepted"
