"""Plain data shared by the clients, the store, the services and the UI.

API models keep the provider's raw JSON (``raw``) next to the typed fields, so that unknown
fields are never lost and the details pane can show exactly what the provider said.
Times are timezone-aware UTC ``datetime``s. SkinsNode money is ``int`` cents; Skinslink
money is ``Decimal`` USD.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from skins_console.core.cs2 import (
    NameParts,
    normalise_color,
    parse_float_value,
    phase_for_paint_index,
    split_market_hash_name,
    wear_for_float,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_time(value: object) -> datetime | None:
    """ISO-8601 (``Z`` or offset) → aware UTC datetime; ``None`` for null or junk."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_time(value: datetime) -> str:
    """UTC ISO-8601 with milliseconds and ``Z``, the way SkinsNode writes times."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


# --- SkinsNode -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    service: str | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Wallet:
    client_id: str | None
    currency: str
    available_cents: int
    fetched_at: datetime = field(default_factory=utcnow)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CatalogItem:
    id: str
    market_hash_name: str
    price_cents: int
    currency: str = "USD"
    phase: str | None = None
    float_value: Decimal | None = None
    paint_index: int | None = None
    paint_seed: int | None = None
    rarity_color: str | None = None
    class_id: str | None = None
    instance_id: str | None = None
    image_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def name_parts(self) -> NameParts:
        return split_market_hash_name(self.market_hash_name)

    @property
    def wear(self) -> str | None:
        """The wear band of the float, else the exterior in the name."""
        return wear_for_float(self.float_value) or self.name_parts.exterior

    @property
    def display_phase(self) -> str | None:
        return self.phase or phase_for_paint_index(self.paint_index)

    @property
    def display_color(self) -> str:
        return normalise_color(self.rarity_color, self.name_parts.quality_color)

    @staticmethod
    def float_text(value: Decimal | None) -> str:
        return "" if value is None else f"{value:.4f}"

    @classmethod
    def from_fields(cls, **kw: Any) -> CatalogItem:
        if "float_value" in kw and not isinstance(kw["float_value"], (Decimal, type(None))):
            kw["float_value"] = parse_float_value(kw["float_value"])
        return cls(**kw)


@dataclass(frozen=True, slots=True)
class Catalog:
    #: a tuple, or ``core.catalog_rows.CatalogRows`` (a large catalog as decoded)
    items: Sequence[CatalogItem]
    fetched_at: datetime
    #: entries the client could not parse, with the reason: shown, never silently dropped
    skipped: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """The exact body of ``POST /v1/orders``; stored before sending, resent unchanged."""

    catalog_item_id: str
    expected_price_cents: int
    external_id: str
    webhook_url: str
    trade_url: str

    def to_json(self) -> dict[str, Any]:
        return {
            "catalogItemId": self.catalog_item_id,
            "expectedPrice": self.expected_price_cents,
            "externalId": self.external_id,
            "webhookUrl": self.webhook_url,
            "tradeUrl": self.trade_url,
        }


@dataclass(frozen=True, slots=True)
class OrderAccepted:
    external_id: str
    status: str
    accepted_at: datetime | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Failure:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class OrderState:
    """``GET /v1/orders/{externalId}`` or an ``order.updated`` webhook payload."""

    external_id: str
    status: str
    steam_offer_id: str | None
    trade_url: str | None
    amount_cents: int | None
    currency: str | None
    failure: Failure | None
    timestamps: dict[str, datetime]
    item: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """A verified SkinsNode webhook (signature and replay window already checked)."""

    delivery_id: str
    event_type: str
    timestamp: datetime
    order: OrderState


# --- Skinslink -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuoteItem:
    name: str
    price: Decimal
    original_price: Decimal | None


@dataclass(frozen=True, slots=True)
class Quote:
    """``get-prices``. ``trade_id`` is None for a price-only quote (no lock)."""

    trade_id: int | None
    game: str
    items: tuple[QuoteItem, ...]
    total: int
    sum: Decimal
    requested: tuple[str, ...]
    fetched_at: datetime
    lock_expires_at: datetime | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def unpriced(self) -> tuple[str, ...]:
        """The requested names the quote did not price."""
        priced = {item.name for item in self.items}
        return tuple(name for name in self.requested if name not in priced)

    def is_locked(self, now: datetime | None = None) -> bool:
        if self.trade_id is None or self.lock_expires_at is None:
            return False
        return (now or utcnow()) < self.lock_expires_at


@dataclass(frozen=True, slots=True)
class DepositItem:
    asset_id: str
    name: str
    min_price: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"asset_id": self.asset_id, "name": self.name}
        if self.min_price is not None:
            body["min_price"] = self.min_price
        return body


@dataclass(frozen=True, slots=True)
class DepositRequest:
    """The exact body of ``create-deposit-by-hash-name``; stored before sending."""

    trade_id: int
    merchant_tx_id: str
    game: str
    partner: int
    token: str
    items: tuple[DepositItem, ...]
    result_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.trade_id,
            "merchant_tx_id": self.merchant_tx_id,
            "game": self.game,
            "partner": self.partner,
            "token": self.token,
            "items": [item.to_json() for item in self.items],
        }
        if self.result_url:
            body["result_url"] = self.result_url
        return body


@dataclass(frozen=True, slots=True)
class DepositState:
    """A create-deposit answer, a deposit-status answer, or a webhook after re-reading."""

    id: int
    merchant_tx_id: str | None
    status: str
    amount: Decimal | None = None
    bot_name: str | None = None
    bot_steam_id: int | None = None
    trade_offer_id: str | None = None
    trade_offer_expiry_at: datetime | None = None
    hold_end_date: datetime | None = None
    fail_reason: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SkinslinkWebhook:
    """A Skinslink webhook whose ``sign`` was verified. Only ``trade_id`` is authenticated."""

    trade_id: int
    status: str | None
    merchant_tx_id: str | None
    steam_id: str | None
    offer_id: str | None
    amount: Decimal | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
