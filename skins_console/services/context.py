"""The composition root: everything one running console needs, built once.

``AppContext.open`` opens the settings, the database and its repositories, the secret
store and the change bus, and selects the active profile. Provider clients are built
lazily from the profile's endpoints and the keyring's secrets, so a command that only
reads the local store never touches the keyring or the network. The GUI and the CLI both
build one context and hand it to the service classes; ``close()`` releases it all.

Which book: a team profile (``store/team_profiles.py``: named by ``profile`` or the
``active_profile`` setting, recorded on this computer) opens its PostgreSQL database with
the keyring's password and this computer's operator name; any other run opens the local
SQLite file. Either is migrated at open, and a schema newer than the code is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from skins_console.api.skinslink_client import SkinslinkClient
from skins_console.api.skinsnode_client import SkinsNodeClient
from skins_console.core.errors import NoProfileError, SecretMissingError
from skins_console.core.records import ProfileRecord
from skins_console.services import change_bus
from skins_console.services.change_bus import ChangeBus
from skins_console.services.clock import Cadence, Clock
from skins_console.services.logs import register_secret
from skins_console.store.catalog_cache_repository import CatalogCacheRepository
from skins_console.store.customers_repository import CustomersRepository
from skins_console.store.database import Database
from skins_console.store.deposits_repository import DepositsRepository
from skins_console.store.events_repository import EventsRepository
from skins_console.store.orders_repository import OrdersRepository
from skins_console.store.paths import AppPaths
from skins_console.store.profiles_repository import ProfilesRepository
from skins_console.store.quotes_repository import QuotesRepository
from skins_console.store.secrets import SecretKind, SecretStore
from skins_console.store.settings import Settings
from skins_console.store.team_profiles import TeamProfile, book_for
from skins_console.store.wallet_repository import WalletRepository
from skins_console.store.webhook_deliveries_repository import WebhookDeliveriesRepository

log = logging.getLogger(__name__)

_Client = TypeVar("_Client", SkinsNodeClient, SkinslinkClient)


@dataclass(eq=False, repr=False, kw_only=True)
class AppContext:
    paths: AppPaths
    settings: Settings
    db: Database
    secrets: SecretStore
    bus: ChangeBus = field(default_factory=ChangeBus)
    clock: Clock = field(default_factory=Clock)
    cadence: Cadence = field(default_factory=Cadence)
    #: Extra keyword arguments for both clients (timeouts, retry counts).
    client_options: dict = field(default_factory=dict)
    #: the team profile whose PostgreSQL book ``db`` is; None: the local SQLite book
    team: TeamProfile | None = None
    #: whether selecting a profile asks its sandbox for the clock rate (open(time_scale=None))
    learns_time_scale: bool = field(default=False, init=False)
    profile: ProfileRecord | None = field(default=None, init=False)
    #: ("order" | "deposit", key) pairs a POST is in progress for in this process: the
    #: tracker and recovery leave them alone rather than reconcile a send mid-flight.
    in_flight: set[tuple[str, str]] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        db = self.db
        self.client_options = dict(self.client_options)  # the caller's dict stays theirs
        self.profiles = ProfilesRepository(db)
        self.orders = OrdersRepository(db)
        self.deposits = DepositsRepository(db)
        self.events = EventsRepository(db)
        self.quotes = QuotesRepository(db)
        self.wallets = WalletRepository(db)
        self.catalog_cache = CatalogCacheRepository(db)
        self.customers = CustomersRepository(db)
        self.webhook_deliveries = WebhookDeliveriesRepository(db)
        self._skinsnode: SkinsNodeClient | None = None
        self._skinslink: SkinslinkClient | None = None
        self._closed = False

    @classmethod
    async def open(
        cls,
        paths: AppPaths,
        settings: Settings | None = None,
        *,
        secrets: SecretStore | None = None,
        profile: str | None = None,
        bus: ChangeBus | None = None,
        clock: Clock | None = None,
        time_scale: float | None = None,
        client_options: dict | None = None,
        team: TeamProfile | None = None,
        database_password: str | None = None,
        local_book: bool = False,
    ) -> AppContext:
        """Open the book and select ``profile`` (else the active one, if any).

        A named profile that does not exist raises ``ProfileError``; no profile at all is
        fine (the first run, ``profile add``), and ``require_profile`` says what to do.
        ``time_scale=None`` learns it from the profile's sandbox (real time otherwise).
        ``team`` opens that team book whatever the registry says (``profile add
        --database``, before the profile is registered); its row need not exist yet.
        ``local_book`` opens the local SQLite book whatever the active profile is
        (``profile add`` without ``--database``, ``profile list``).
        """
        settings = settings if settings is not None else Settings.load(paths.settings_file)
        secrets = secrets or SecretStore()
        joining = team is not None
        if team is None and not local_book:
            team = book_for(paths, settings, profile)
        if team is None:
            db = await Database.open(paths.database, backups_dir=paths.backups_dir)
        else:
            if database_password is None:
                database_password = await team_password(secrets, team)
            db = await Database.open(
                team.database,
                password=database_password,
                operator=team.operator or settings.operator_name or None,
            )
        ctx = cls(
            paths=paths,
            settings=settings,
            db=db,
            secrets=secrets,
            team=team,
            bus=bus or ChangeBus(),
            clock=clock or Clock(),
            client_options=client_options or {},
            cadence=Cadence(time_scale=time_scale or 1.0).with_order_interval(
                settings.poll_orders_seconds
            ),
        )
        ctx.learns_time_scale = time_scale is None
        try:
            if team is not None:
                # The team book's "active" flag is the team's, not this computer's choice.
                if joining and await ctx.profiles.get(profile or team.name) is None:
                    return ctx
                profile = profile or team.name
            await ctx.select_profile(profile)
        except BaseException:
            await ctx.close()
            raise
        return ctx

    # --- profile -------------------------------------------------------------------------

    async def select_profile(self, name: str | None = None) -> ProfileRecord | None:
        """Make ``name`` (else the stored active profile) the one this context works on.

        Only this context switches: the stored "active profile" changes through
        ``ProfileService.use``.
        """
        record: ProfileRecord | None
        if name:
            record = await self.profiles.require(name)
        else:
            record = await self.profiles.get_active()
            if record is None and self.settings.active_profile:
                record = await self.profiles.get(self.settings.active_profile)
        await self._close_clients()
        self.profile = record
        if record is not None and self.learns_time_scale:
            await self.learn_time_scale()
        self.bus.publish(change_bus.PROFILE, record.name if record else None)
        return record

    async def learn_time_scale(self) -> float:
        """Ask the profile's sandbox how fast its clock runs; real providers run at 1."""
        from skins_console.services.provider_clock import learn_time_scale

        scale = await learn_time_scale(self.profile) if self.profile is not None else None
        self.cadence = self.cadence.scaled(scale or 1.0)
        return self.cadence.time_scale

    async def refresh_profile(self) -> ProfileRecord | None:
        """Re-read the selected profile after an edit; clients are rebuilt on next use."""
        if self.profile is None:
            return None
        record = await self.profiles.get(self.profile.name)
        await self._close_clients()
        self.profile = record
        return record

    def require_profile(self) -> ProfileRecord:
        if self.profile is None:
            raise NoProfileError()
        return self.profile

    # --- clients -------------------------------------------------------------------------

    async def skinsnode(self) -> SkinsNodeClient:
        if self._skinsnode is None:
            self._skinsnode = await self._client(
                skinsnode_client, SecretKind.SKINSNODE_CLIENT_SECRET
            )
        return self._skinsnode

    async def skinslink(self) -> SkinslinkClient:
        if self._skinslink is None:
            self._skinslink = await self._client(skinslink_client, SecretKind.SKINSLINK_API_KEY)
        return self._skinslink

    async def _client(self, build: Callable[..., _Client], kind: SecretKind) -> _Client:
        """``build``'s client for the selected profile, with its keyring secret ``kind`` and
        this context's options (the settings' deadline unless the options say otherwise)."""
        profile = self.require_profile()
        secret = await self._secret(profile, kind)
        deadline = float(self.settings.provider_deadline_seconds)
        return build(profile, secret, **{"deadline": deadline, **self.client_options})

    async def webhook_secret(self, kind: SecretKind) -> str:
        return await self._secret(self.require_profile(), kind)

    async def _secret(self, profile: ProfileRecord, kind: SecretKind) -> str:
        value = await self.secrets.aget_or_env(profile.name, kind)
        if not value:
            raise SecretMissingError(profile=profile.name, secret=kind.label)
        register_secret(value)
        return value

    async def _close_clients(self) -> None:
        clients, self._skinsnode, self._skinslink = (self._skinsnode, self._skinslink), None, None
        for client in clients:
            if client is not None:
                try:
                    await client.aclose()
                except Exception:
                    log.debug("closing %r failed", client, exc_info=True)

    # --- lifetime ------------------------------------------------------------------------

    @property
    def book_label(self) -> str:
        """Where the orders are kept, for messages: the file, or the team database."""
        if self.team is not None:
            return f"team database {self.team.where}"
        return self.db.display_url

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._close_clients()
        await self.db.close()

    async def __aenter__(self) -> AppContext:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def skinsnode_client(profile: ProfileRecord, secret: str, **options: Any) -> SkinsNodeClient:
    """The SkinsNode client for ``profile``'s endpoint and client id."""
    return SkinsNodeClient(
        profile.skinsnode_base_url, profile.skinsnode_client_id, secret, **options
    )


def skinslink_client(profile: ProfileRecord, api_key: str, **options: Any) -> SkinslinkClient:
    """The Skinslink client for ``profile``'s endpoint."""
    return SkinslinkClient(profile.skinslink_base_url, api_key, **options)


async def team_password(secrets: SecretStore, team: TeamProfile) -> str | None:
    """The team database password: the keyring's, else ``SKINS_CONSOLE_DATABASE_PASSWORD``
    (a server without a keyring); None when neither has one (trust, certificate or
    ``.pgpass`` authentication)."""
    import os

    value = await secrets.aget_or_env(team.name, SecretKind.DATABASE_PASSWORD)
    value = value or os.environ.get(SecretKind.DATABASE_PASSWORD.env) or None
    if value:
        register_secret(value)
    return value
