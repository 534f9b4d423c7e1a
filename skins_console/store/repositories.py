"""Every repository over one ``Database``, for the composition root (``AppContext``).

repos = Repositories.over(db)
await repos.orders.insert_draft(...); await repos.events.for_record(...)
"""

from __future__ import annotations

from dataclasses import dataclass

from skins_console.store.activity_repository import ActivityRepository
from skins_console.store.catalog_cache_repository import CatalogCacheRepository
from skins_console.store.customers_repository import CustomersRepository
from skins_console.store.database import Database
from skins_console.store.deposits_repository import DepositsRepository
from skins_console.store.events_repository import EventsRepository
from skins_console.store.orders_repository import OrdersRepository
from skins_console.store.profiles_repository import ProfilesRepository
from skins_console.store.quotes_repository import QuotesRepository
from skins_console.store.wallet_repository import WalletRepository
from skins_console.store.webhook_deliveries_repository import WebhookDeliveriesRepository


@dataclass(frozen=True, slots=True)
class Repositories:
    db: Database
    profiles: ProfilesRepository
    orders: OrdersRepository
    deposits: DepositsRepository
    quotes: QuotesRepository
    events: EventsRepository
    webhook_deliveries: WebhookDeliveriesRepository
    wallet: WalletRepository
    catalog_cache: CatalogCacheRepository
    customers: CustomersRepository
    activity: ActivityRepository

    @classmethod
    def over(cls, db: Database) -> Repositories:
        return cls(
            db=db,
            profiles=ProfilesRepository(db),
            orders=OrdersRepository(db),
            deposits=DepositsRepository(db),
            quotes=QuotesRepository(db),
            events=EventsRepository(db),
            webhook_deliveries=WebhookDeliveriesRepository(db),
            wallet=WalletRepository(db),
            catalog_cache=CatalogCacheRepository(db),
            customers=CustomersRepository(db),
            activity=ActivityRepository(db),
        )
