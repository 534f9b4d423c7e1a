"""How records look in the CLI: their JSON objects and their text cells."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from skins_console.cli.output import Table
from skins_console.core.record_columns import local_time

if TYPE_CHECKING:
    from skins_console.core.models import CatalogItem
    from skins_console.core.records import (
        DepositRecord,
        EventRecord,
        OrderRecord,
        ProfileRecord,
    )
    from skins_console.services.wallet_service import WalletView
    from skins_console.store.team_profiles import TeamProfile


def float_text(value: Decimal | float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def attributes(record: object, keys: str) -> dict[str, Any]:
    """``{key: record.key}`` for the space-separated ``keys``, in their order; a
    ``key=attribute`` entry writes ``record.attribute`` under ``key``."""
    result: dict[str, Any] = {}
    for entry in keys.split():
        key, _, attribute = entry.partition("=")
        result[key] = getattr(record, attribute or key)
    return result


def profile_json(profile: ProfileRecord, team: TeamProfile | None = None) -> dict[str, Any]:
    """A profile; a team profile also says its database (URL without password) and operator."""
    data = {
        **attributes(
            profile,
            "name active skinsnode_url=skinsnode_base_url skinsnode_client_id "
            "skinslink_url=skinslink_base_url webhook_url default_game",
        ),
        "tolerance_pct": str(profile.min_price_tolerance_pct),
        "low_balance_cents": profile.low_balance_threshold_cents,
    }
    if team is not None:
        data.update(database=team.database, operator=team.operator)
    return data


def wallet_json(view: WalletView) -> dict[str, Any]:
    return attributes(
        view,
        "available_cents currency reserved_cents projected_cents low_balance_threshold_cents "
        "low as_of=fetched_at offline",
    )


def item_json(item: CatalogItem) -> dict[str, Any]:
    return attributes(
        item,
        "id market_hash_name price_cents currency wear float=float_value phase=display_phase "
        "paint_seed",
    )


def order_json(order: OrderRecord) -> dict[str, Any]:
    from skins_console.core.margin import order_figures
    from skins_console.core.money import cents_to_usd
    from skins_console.core.statuses import Provider, describe

    figures = order_figures(order)
    return {
        **attributes(order, "external_id status"),
        "status_text": describe(Provider.SKINSNODE, order.status),
        **attributes(
            order,
            "item_name catalog_item_id expected_price_cents amount_cents trade_url "
            "buyer_steamid64 steam_offer_id failure_code failure_message created_at "
            "accepted_at sent_at completed_at settles_at next_check_at attempts operator "
            "sent_by",
        ),
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
        **attributes(deposit, "merchant_tx_id trade_id status"),
        "status_text": describe(Provider.SKINSLINK, deposit.status),
        "game": deposit.game,
        "items": list(deposit.items),
        **attributes(
            deposit,
            "amount partner trade_offer_id trade_offer_expiry_at bot_name fail_reason "
            "hold_end_date created_at completed_at attempts operator sent_by",
        ),
    }


def event_json(event: EventRecord) -> dict[str, Any]:
    return attributes(event, "at type old_status new_status message operator")


def operator_fields(record: OrderRecord | DepositRecord) -> list[tuple[str, str]]:
    """Who created and who sent a record of a team book (nothing for older records)."""
    pairs = [("Operator", record.operator)] if record.operator else []
    if record.sent_by and record.sent_by != record.operator:
        pairs.append(("Sent by", record.sent_by))
    return pairs


def timeline_table(events: list[EventRecord]) -> Table:
    """An order's or deposit's timeline; a "By" column once operators are recorded."""
    headers = ["When", "Type", "Status", "What"]
    by = any(event.operator for event in events)
    rows = []
    for event in events:
        move = ""
        if event.new_status:
            move = f"{event.old_status or '∅'} → {event.new_status}"
        row = [local_time(event.at), event.type, move, event.message]
        rows.append([*row, event.operator or "—"] if by else row)
    return Table([*headers, "By"] if by else headers, rows, title="Timeline")
