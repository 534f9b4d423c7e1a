"""The services one window works with, and the small async calls its tabs are given.

Tabs receive plain async callables (``load_activity``, ``add_note``…), never the context,
so they can be built and tested on their own; this class binds those callables to the
services of one :class:`AppContext`. It holds no business rules: each method is a call
into a service or a repository plus, at most, unpacking for the view.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from skins_console.core.errors import ValidationError
from skins_console.core.margin import Charged
from skins_console.core.models import Catalog, CatalogItem
from skins_console.core.records import (
    ActivityFilter,
    CustomerRecord,
    DepositRecord,
    EventRecord,
    OrderRecord,
    ProfileRecord,
    WalletSnapshot,
)
from skins_console.core.wallet_movements import Movement, movements
from skins_console.services.catalog_service import CatalogService
from skins_console.services.checkout_service import (
    CheckoutRequest,
    CheckoutResult,
    CheckoutService,
    new_external_id,
)
from skins_console.services.context import AppContext
from skins_console.services.deposit_service import (
    DepositInput,
    DepositLine,
    DepositResult,
    DepositService,
)
from skins_console.services.export_service import ExportService
from skins_console.services.profile_service import (
    ProfileSecrets,
    ProfileService,
    ProfileTestResult,
)
from skins_console.services.report_service import PeriodReport, ReportService
from skins_console.services.team_setup import Keep, change_team_profile
from skins_console.services.tracking_service import TrackingService
from skins_console.services.wallet_service import WalletService, WalletView
from skins_console.store.team_profiles import TeamProfile
from skins_console.ui.orders_model import ActivityItem
from skins_console.ui.quote_model import QuoteLine, QuoteView

ACTIVITY_LIMIT = 5000


class Backend:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.catalog = CatalogService(ctx)
        self.wallet = WalletService(ctx)
        self.profiles = ProfileService(ctx)
        self.checkout = CheckoutService(ctx)
        self.deposits = DepositService(ctx)
        self.tracking = TrackingService(ctx)

    # --- catalog -------------------------------------------------------------------------

    async def cached_catalog(self) -> Catalog | None:
        if self.ctx.profile is None:
            return None
        return await self.catalog.cached()

    async def fetch_catalog(self, progress=None) -> Catalog:
        """A fresh catalog, not yet stored: the tab shows it, then calls store_catalog."""
        return await self.catalog.fetch(progress=progress)

    async def store_catalog(self, catalog: Catalog, profile: str | None = None) -> None:
        await self.catalog.store(catalog, profile=profile)

    # --- orders tab ----------------------------------------------------------------------

    async def load_activity(self) -> tuple[list[OrderRecord], list[DepositRecord]]:
        if self.ctx.profile is None:
            return [], []
        flt = ActivityFilter(profile=self.ctx.profile.name, limit=ACTIVITY_LIMIT)
        orders = await self.ctx.orders.search(flt)
        deposits = await self.ctx.deposits.search(flt)
        return orders, deposits

    async def load_changed(
        self, order_keys: set[str], deposit_keys: set[str]
    ) -> tuple[list[OrderRecord], list[DepositRecord]]:
        if self.ctx.profile is None:
            return [], []
        name = self.ctx.profile.name
        orders = await self.ctx.orders.get_many(name, order_keys) if order_keys else []
        deposits = await self.ctx.deposits.get_many(name, deposit_keys) if deposit_keys else []
        return orders, deposits

    async def load_events(self, item: ActivityItem) -> list[EventRecord]:
        kind = "order" if item.is_order else "deposit"
        return await self.ctx.events.for_record(item.record.profile, kind, item.key)

    async def add_note(self, item: ActivityItem, text: str) -> EventRecord:
        repo = self.ctx.orders if item.is_order else self.ctx.deposits
        event = await repo.record_event(item.record.profile, item.key, "note", text)
        self.ctx.bus.publish("order" if item.is_order else "deposit", item.key)
        return event

    async def export_csv(self, items: list[ActivityItem], path: str) -> Path:
        """These rows of the current view (all orders or all deposits) to exactly ``path``."""
        return await ExportService.export_records([item.record for item in items], Path(path))

    async def recheck(self, item: ActivityItem) -> None:
        """Make the record due now and wake the tracker; its pass publishes the result."""
        repo = self.ctx.orders if item.is_order else self.ctx.deposits
        await repo.schedule_check(item.record.profile, item.key, next_check_at=self.ctx.clock.now())
        self.tracking.wake()

    # --- selling -------------------------------------------------------------------------

    def new_external_id(self) -> str:
        return new_external_id(self.ctx.clock.now())

    async def customers(self) -> list[CustomerRecord]:
        if self.ctx.profile is None:
            return []
        return await self.ctx.customers.list(self.ctx.profile.name)

    async def projected_cents(self) -> int | None:
        view = await self.last_wallet()
        return view.projected_cents if view is not None else None

    async def place_order(
        self,
        item: CatalogItem,
        trade_url: str,
        external_id: str,
        *,
        charged: Charged | None = None,
        shop_order: str | None = None,
        confirm_reversal: bool = False,
    ) -> CheckoutResult:
        result = await self.checkout.checkout(
            CheckoutRequest(
                catalog_item_id=item.id,
                trade_url=trade_url,
                expected_price_cents=item.price_cents,
                external_id=None if shop_order else external_id,
                charged=charged,
                shop_order=shop_order,
                confirm_reversal=confirm_reversal,
            )
        )
        self.tracking.wake()
        return result

    # --- quotes and deposits -------------------------------------------------------------

    async def get_quote(self, game: str, names: list[str], lock: bool) -> QuoteView:
        record = await self.deposits.quote(names, game=game, price_only=not lock)
        return QuoteView.from_record(record)

    async def create_deposit(
        self, quote: QuoteView, trade_url: str, lines: list[QuoteLine], merchant_tx_id: str
    ) -> DepositResult:
        if quote.id is None:
            # Every quote the tab shows was stored first; an unsaved one has nothing to
            # send the deposit against.
            raise ValidationError("This quote was not saved. Get the quote again, then send.")
        items = tuple(
            DepositLine(name=line.name, asset_id=line.asset_id.strip(), min_price=line.min_price)
            for line in lines
        )
        result = await self.deposits.create(
            DepositInput(
                quote_id=quote.id, trade_url=trade_url, items=items, merchant_tx_id=merchant_tx_id
            )
        )
        self.tracking.wake()
        return result

    async def open_deposit_assets(self) -> dict[str, str]:
        """Asset id → merchant tx id of every deposit still open in this profile."""
        if self.ctx.profile is None:
            return {}
        assets: dict[str, str] = {}
        for deposit in await self.ctx.deposits.list_open(self.ctx.profile.name):
            for item in deposit.items:
                asset = str(item.get("asset_id") or "").strip()
                if asset:
                    assets[asset] = deposit.merchant_tx_id
        return assets

    def tolerance_pct(self):
        from decimal import Decimal

        profile = self.ctx.profile
        return profile.min_price_tolerance_pct if profile is not None else Decimal(0)

    # --- profiles ------------------------------------------------------------------------

    async def list_profiles(self) -> list[ProfileRecord]:
        return await self.profiles.list()

    async def profile_choices(self) -> tuple[list[ProfileRecord], list[tuple[str, str]]]:
        """The open book's profiles, and (name, where) of those kept in another book: the
        team profiles set up here, and this computer's while a team book is open."""
        from skins_console.services.team_setup import other_book_profiles

        ctx = self.ctx
        profiles = await self.profiles.list()
        if ctx.team is not None:  # a team book may hold profiles not set up here
            profiles = [p for p in profiles if p.name == ctx.team.name]
        return profiles, await other_book_profiles(ctx.paths, ctx.team)

    def in_other_book(self, name: str) -> bool:
        """Whether opening ``name`` means opening another book (see store/team_profiles)."""
        from skins_console.store.team_profiles import book_for

        team = book_for(self.ctx.paths, self.ctx.settings, name)
        current = self.ctx.team
        return (team.name if team else None) != (current.name if current else None)

    async def save_team_profile(
        self,
        team: TeamProfile,
        record: ProfileRecord | None,
        secrets: ProfileSecrets,
        password: str | None,
    ) -> ProfileRecord:
        from skins_console.services.team_setup import add_team_profile

        added = await add_team_profile(
            self.ctx.paths,
            self.ctx.settings,
            team,
            profile=record,
            secrets=secrets,
            password=password,
            store=self.ctx.secrets,
            client_options=self.ctx.client_options,
        )
        self.ctx.bus.publish("profile", added.record.name)
        return added.record

    async def change_team_profile(
        self, name: str, *, operator: str | Keep | None, password: str | Keep | None
    ) -> TeamProfile:
        """This computer's operator name or database password of a team profile (the
        password is tried on the team database before the keyring's is replaced)."""
        return await change_team_profile(
            self.ctx.paths, name, operator=operator, password=password, store=self.ctx.secrets
        )

    def team_of(self, name: str | None) -> TeamProfile | None:
        from skins_console.store.team_profiles import registry_for

        return registry_for(self.ctx.paths).get(name)

    async def save_profile(
        self, record: ProfileRecord, secrets: ProfileSecrets | None, original: str | None
    ) -> ProfileRecord:
        if original is None:
            assert secrets is not None
            return await self.profiles.add(record, secrets)
        changes = {
            "skinsnode_base_url": record.skinsnode_base_url,
            "skinsnode_client_id": record.skinsnode_client_id,
            "skinslink_base_url": record.skinslink_base_url,
            "webhook_url": record.webhook_url,
            "min_price_tolerance_pct": record.min_price_tolerance_pct,
            "low_balance_threshold_cents": record.low_balance_threshold_cents,
        }
        updated = await self.ctx.profiles.update(original, **changes)
        if secrets is not None:
            for kind, value in secrets.items():
                if value:
                    await self.ctx.secrets.aset(original, kind, value)
        if self.ctx.profile is not None and self.ctx.profile.name == original:
            await self.ctx.refresh_profile()
        self.ctx.bus.publish("profile", original)
        self.tracking.wake()
        return updated

    async def save_profile_fields(self, name: str, changes: dict) -> ProfileRecord:
        updated = await self.ctx.profiles.update(name, **changes)
        if self.ctx.profile is not None and self.ctx.profile.name == name:
            await self.ctx.refresh_profile()
        self.ctx.bus.publish("profile", name)
        return updated

    async def test_profile(
        self, record: ProfileRecord, secrets: ProfileSecrets | None, original: str | None
    ) -> ProfileTestResult:
        return await self.profiles.test_values(record, secrets, original)

    # --- wallet --------------------------------------------------------------------------

    async def fetch_wallet(self) -> WalletView:
        return await self.wallet.fetch()

    async def last_wallet(self) -> WalletView | None:
        if self.ctx.profile is None:
            return None
        return await self.wallet.last()

    async def wallet_history(self) -> list[WalletSnapshot]:
        if self.ctx.profile is None:
            return []
        return await self.wallet.history()

    async def recount_wallet(self, view: WalletView) -> WalletView:
        return await self.wallet.recount(view)

    async def wallet_movements(self, snapshots: list[WalletSnapshot]) -> list[Movement]:
        """The movements the orders and these balance reads show (newest first)."""
        if self.ctx.profile is None:
            return []
        orders = await self.ctx.orders.search(
            ActivityFilter(profile=self.ctx.profile.name, limit=ACTIVITY_LIMIT)
        )
        return movements(orders, snapshots, lag=self.wallet.cache_window())

    # --- reports -------------------------------------------------------------------------

    async def report(self, period: str, first: date | None, last: date | None) -> PeriodReport:
        return await ReportService(self.ctx).build(period, first, last)

    async def export_report(self, report: PeriodReport, path: str) -> Path:
        return await ReportService.export_csv(report, Path(path))

    async def health(self) -> bool:
        node = await self.ctx.skinsnode()
        return (await node.health()).ok
