"""The columns of the buyer book and the attention queue, declared once for the window's
tables and the CLI lists (``core.columns``)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from skins_console.core.attention import AttentionItem
from skins_console.core.buyers import BuyerSummary
from skins_console.core.columns import Column
from skins_console.core.money import format_cents, format_usd
from skins_console.core.record_columns import iso_time, local_time

_NEVER = datetime.min.replace(tzinfo=UTC)


def _money(cents: int | None) -> str:
    return "—" if cents is None else format_cents(cents)


def _count(name: str, header: str, tooltip: str) -> Column[BuyerSummary]:
    return Column(
        name,
        header,
        lambda s: str(getattr(s, name)),
        sort=lambda s: getattr(s, name),
        value=lambda s: getattr(s, name),
        align="right",
        tooltip=tooltip,
    )


BUYER_COLUMNS: tuple[Column[BuyerSummary], ...] = (
    Column("steamid64", "SteamID64", lambda s: str(s.steamid64), sort=lambda s: s.steamid64),
    Column("name", "Name", lambda s: s.name, sort=lambda s: s.name.casefold()),
    _count("orders", "Orders", "Orders sold to this buyer, in any status"),
    Column(
        "total_spent_cents",
        "Spent",
        lambda s: _money(s.total_spent_cents),
        sort=lambda s: s.total_spent_cents,
        value=lambda s: s.total_spent_cents,
        align="right",
        tooltip="What their delivered orders cost at SkinsNode (reversed ones excluded)",
    ),
    Column(
        "margin_usd",
        "Margin",
        lambda s: "—" if s.margin_usd is None else format_usd(s.margin_usd),
        sort=lambda s: s.margin_usd if s.margin_usd is not None else Decimal(-(2**62)),
        value=lambda s: s.margin_usd,
        align="right",
        tooltip="What you charged them minus what SkinsNode charged you, over their sales "
        "charged in USD (refunded and reversed orders excluded)",
    ),
    _count("failures", "Failed", "Orders and deposits that failed or were cancelled"),
    _count("expiries", "Expired", "Trade offers they did not accept in time"),
    _count("reversals", "Reversed", "Trades they undid after delivery (Trade Protection)"),
    Column(
        "last_trade_at",
        "Last trade",
        lambda s: local_time(s.last_trade_at),
        sort=lambda s: s.last_trade_at or _NEVER,
        value=lambda s: iso_time(s.last_trade_at),
    ),
)

ATTENTION_COLUMNS: tuple[Column[AttentionItem], ...] = (
    Column("key", "Order / deposit", lambda i: i.key),
    Column("kind", "Kind", lambda i: i.kind),
    Column("reason", "Why", lambda i: i.explanation, value=lambda i: i.reason),
    Column("title", "Items", lambda i: i.title),
    Column("buyer", "Buyer", lambda i: i.buyer, sort=lambda i: i.buyer.casefold()),
    Column(
        "since",
        "Since",
        lambda i: local_time(i.since),
        sort=lambda i: i.since,
        value=lambda i: iso_time(i.since),
    ),
)
