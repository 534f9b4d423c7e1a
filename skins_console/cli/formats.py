"""How records look in the CLI: their JSON objects and their text cells."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skins_console.core.models import CatalogItem
    from skins_console.core.records import (
        DepositRecord,
        EventRecord,
        OrderRecord,
        ProfileRecord,
    )
    from skins_console.services.wallet_service import WalletView


def local_time(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def float_text(value: Decimal | float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def profile_json(profile: ProfileRecord) -> dict[str, Any]:
    return {
        "name": profile.name,
        "active": profile.active,
        "skinsnode_url": profile.skinsnode_base_url,
        "skinsnode_client_id": profile.skinsnode_client_id,
        "skinslink_url": profile.skinslink_base_url,
        "webhook_url": profile.webhook_url,
        "default_game": profile.default_game,
        "tolerance_pct": str(profile.min_price_tolerance_pct),
        "low_balance_cents": profile.low_balance_threshold_cents,
    }


def wallet_json(view: WalletView) -> dict[str, Any]:
    return {
        "available_cents": view.available_cents,
        "currency": view.currency,
        "reserved_cents": view.reserved_cents,
        "projected_cents": view.projected_cents,
        "low_balance_threshold_cents": view.low_balance_threshold_cents,
        "low": view.low,
        "as_of": view.fetched_at,
        "offline": view.offline,
    }


def item_json(item: CatalogItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "market_hash_name": item.market_hash_name,
        "price_cents": item.price_cents,
        "currency": item.currency,
        "wear": item.wear,
        "float": item.float_value,
        "phase": item.display_phase,
        "paint_seed": item.paint_seed,
    }


def order_json(order: OrderRecord) -> dict[str, Any]:
    from skins_console.core.margin import order_figures
    from skins_console.core.money import cents_to_usd
    from skins_console.core.statuses import Provider, describe

    figures = order_figures(order)
    return {
        "external_id": order.external_id,
        "status": order.status,
        "status_text": describe(Provider.SKINSNODE, order.status),
        "item_name": order.item_name,
        "catalog_item_id": order.catalog_item_id,
        "expected_price_cents": order.expected_price_cents,
        "amount_cents": order.amount_cents,
        "trade_url": order.trade_url,
        "buyer_steamid64": order.buyer_steamid64,
        "steam_offer_id": order.steam_offer_id,
        "failure_code": order.failure_code,
        "failure_message": order.failure_message,
        "created_at": order.created_at,
        "accepted_at": order.accepted_at,
        "sent_at": order.sent_at,
        "completed_at": order.completed_at,
        "settles_at": order.settles_at,
        "next_check_at": order.next_check_at,
        "attempts": order.attempts,
        "shop_order": order.shop_order,
        # What the order cost, what the buyer paid and the margin (USD charges only; exact
        # decimals as JSON numbers, null when unknown; ``no_margin_because`` says why).
        "cost_cents": figures.cost_cents,
        "cost_usd": None if figures.cost_cents is None else cents_to_usd(figures.cost_cents),
        "refunded_cents": figures.refunded_cents,
        "charged_amount": order.charged_amount,
        "charged_currency": order.charged_currency,
        "margin_usd": figures.margin,
        "no_margin_because": figures.note or None,
    }


def money_fields(order: OrderRecord) -> list[tuple[str, str]]:
    """The shop order, cost, charged and margin lines of ``order show``."""
    from skins_console.core.margin import MARGIN_CURRENCY, format_amount, order_figures
    from skins_console.core.money import format_cents

    figures = order_figures(order)
    pairs = [("Shop order", order.shop_order)] if order.shop_order else []
    cost = format_cents(figures.cost_cents, order.currency or "USD")
    if figures.refunded_cents:
        cost += " (refunded)"
    pairs.append(("Cost", cost))
    pairs.append(("Charged", figures.charged.text() if figures.charged else "—"))
    if figures.margin is not None:
        pairs.append(("Margin", format_amount(figures.margin, MARGIN_CURRENCY)))
    else:
        pairs.append(("Margin", f"— ({figures.note})"))
    return pairs


def deposit_json(deposit: DepositRecord) -> dict[str, Any]:
    from skins_console.core.statuses import Provider, describe

    return {
        "merchant_tx_id": deposit.merchant_tx_id,
        "trade_id": deposit.trade_id,
        "status": deposit.status,
        "status_text": describe(Provider.SKINSLINK, deposit.status),
        "game": deposit.game,
        "items": list(deposit.items),
        "amount": deposit.amount,
        "partner": deposit.partner,
        "trade_offer_id": deposit.trade_offer_id,
        "trade_offer_expiry_at": deposit.trade_offer_expiry_at,
        "bot_name": deposit.bot_name,
        "fail_reason": deposit.fail_reason,
        "hold_end_date": deposit.hold_end_date,
        "created_at": deposit.created_at,
        "completed_at": deposit.completed_at,
        "attempts": deposit.attempts,
    }


def event_json(event: EventRecord) -> dict[str, Any]:
    return {
        "at": event.at,
        "type": event.type,
        "old_status": event.old_status,
        "new_status": event.new_status,
        "message": event.message,
    }


def timeline_rows(events: Iterable[EventRecord]) -> list[list[str]]:
    rows = []
    for event in events:
        move = ""
        if event.new_status:
            move = f"{event.old_status or '∅'} → {event.new_status}"
        rows.append([local_time(event.at), event.type, move, event.message])
    return rows
