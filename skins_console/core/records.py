"""Local records: what the store keeps, as plain frozen dataclasses (no I/O).

The repositories in ``skins_console.store`` return these. Money follows the project rule:
SkinsNode amounts are ``int`` cents, Skinslink amounts ``Decimal`` USD (stored as TEXT).
Times are aware UTC ``datetime``s. JSON columns come back decoded with ``loads_exact``, so
decimals stay exact. Nothing here ever holds a secret: API secrets live in the keyring only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

# The profile name rule has its own module (the settings file needs it before the first
# paint); the store and the CLI import it from here, as before.
from skins_console.core.profile_names import validate_profile_name as validate_profile_name

EVENT_KINDS = frozenset({"order", "deposit"})
EVENT_TYPES = frozenset({"status_change", "api_call", "api_error", "webhook", "note", "recovery"})


@dataclass(frozen=True, slots=True)
class ProfileRecord:
    """A merchant profile: endpoints and non-secret identifiers only."""

    name: str
    skinsnode_base_url: str
    skinsnode_client_id: str
    skinslink_base_url: str
    webhook_url: str
    default_game: str = "csgo"
    min_price_tolerance_pct: Decimal = Decimal("0")
    low_balance_threshold_cents: int = 0
    is_sandbox: bool = False
    active: bool = False
    created_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """A SkinsNode order as the app knows it, from draft to a terminal status."""

    profile: str
    external_id: str
    catalog_item_id: str
    item_name: str
    expected_price_cents: int
    trade_url: str
    webhook_url: str
    #: The exact ``POST /v1/orders`` body, stored before the first send and resent as is.
    request_body: dict[str, Any]
    status: str
    created_at: datetime
    updated_at: datetime
    item_snapshot: dict[str, Any] | None = None
    buyer_partner: int | None = None
    buyer_steamid64: str | None = None
    steam_offer_id: str | None = None
    amount_cents: int | None = None
    currency: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    accepted_at: datetime | None = None
    sent_at: datetime | None = None
    completed_at: datetime | None = None
    settles_at: datetime | None = None
    last_checked_at: datetime | None = None
    next_check_at: datetime | None = None
    attempts: int = 0
    raw_remote: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    #: what the buyer paid the shop (exact, in ``charged_currency``); None: not entered
    charged_amount: Decimal | None = None
    charged_currency: str | None = None
    #: the shop's order number when it became the externalId (then equal to it)
    shop_order: str | None = None
    #: team mode: the operator who created the draft, and the one who sent it
    operator: str | None = None
    sent_by: str | None = None


@dataclass(frozen=True, slots=True)
class QuoteRecord:
    """A Skinslink ``get-prices`` answer; a locked quote has a ``trade_id``."""

    profile: str
    game: str
    items: tuple[dict[str, Any], ...]  # {"name", "price": Decimal, "original_price"}
    sum: Decimal
    fetched_at: datetime
    trade_id: int | None = None
    lock_expires_at: datetime | None = None
    used_by: str | None = None  # merchant_tx_id of the deposit that used the lock
    requested: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True, slots=True)
class DepositRecord:
    """A Skinslink deposit (buying items from a user), from draft to a terminal status."""

    profile: str
    merchant_tx_id: str
    trade_id: int
    game: str
    partner: int
    token: str
    items: tuple[dict[str, Any], ...]
    #: The exact create-deposit body, stored before the first send and resent as is.
    request_body: dict[str, Any]
    status: str
    created_at: datetime
    updated_at: datetime
    quote_id: int | None = None
    amount: Decimal | None = None
    bot_name: str | None = None
    bot_steam_id: int | None = None
    trade_offer_id: str | None = None
    trade_offer_expiry_at: datetime | None = None
    hold_end_date: datetime | None = None
    fail_reason: str | None = None
    sent_at: datetime | None = None
    completed_at: datetime | None = None
    last_checked_at: datetime | None = None
    next_check_at: datetime | None = None
    attempts: int = 0
    raw_remote: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    #: team mode: the operator who created the draft, and the one who sent it
    operator: str | None = None
    sent_by: str | None = None


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One line of an order's or deposit's timeline."""

    profile: str
    kind: str  # "order" | "deposit"
    key: str  # external_id or merchant_tx_id
    at: datetime
    type: str  # one of EVENT_TYPES
    message: str = ""
    old_status: str | None = None
    new_status: str | None = None
    details: dict[str, Any] | None = None
    id: int | None = None
    #: team mode: who did it (the console's operator when it was recorded)
    operator: str | None = None


@dataclass(frozen=True, slots=True)
class WalletSnapshot:
    profile: str
    at: datetime
    available_cents: int
    currency: str = "USD"
    id: int | None = None


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """An entry of the trade URL book (who we deliver to / buy from)."""

    profile: str
    partner: int
    token: str
    trade_url: str
    label: str = ""
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    id: int | None = None
    #: the operator's note on the buyer (the label is their name or handle)
    note: str = ""


@dataclass(frozen=True, slots=True)
class CatalogCacheInfo:
    """What the offline catalog cache holds for a profile."""

    profile: str
    fetched_at: datetime
    item_count: int


@dataclass(frozen=True, slots=True)
class ActivityFilter:
    """Filters of the Orders tab and ``skins-console orders list``; ``None`` = any."""

    profile: str | None = None
    provider: str | None = None  # "skinsnode" | "skinslink"
    statuses: tuple[str, ...] | None = None
    text: str | None = None  # matched against ids, item names, trade URLs, offer ids
    since: datetime | None = None  # created_at >= since
    until: datetime | None = None  # created_at < until
    needs_attention: bool = False
    limit: int = 500
    offset: int = 0
