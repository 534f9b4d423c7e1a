"""The buyer book in numbers: each trade URL book entry with its orders and deposits.

Transaction functions::

    buyer_summaries(conn, profile, *, text=None, partners=None, limit=500)
        -> list[BuyerSummary]       most recent trade first
    buyers_named(conn, profile, name) -> list[CustomerRecord]   name matched without case
    reversals_since(conn, profile, partner, since) -> list[tuple[str, str, datetime]]
        (kind, key, when) of the account's reversed orders and reverted deposits
    buyer_records(conn, profile, partner, *, limit=500) -> (orders, deposits) newest first

The status groups come from ``core.statuses`` (failed and cancelled are failures, expired
an expiry, reversed/reverted a reversal), so the book counts what the Orders tab shows.

**Margin.** :data:`ORDER_AGGREGATES` is one ``(field, SQL)`` per ``BuyerSummary`` field
computed over the buyer's orders. The margin is not one of them: the charged amount is exact
decimal text in the buyer's currency, so it is added up in Python from each charged order's
``core.margin.order_figures`` (the same rule as the Orders table and the reports).

``BuyersRepository(db)``: the same as ``async`` methods (``summaries``, ``named``,
``reversals_since``, ``records``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from skins_console.core.buyers import BuyerSummary
from skins_console.core.margin import order_figures
from skins_console.core.records import CustomerRecord, DepositRecord, OrderRecord
from skins_console.core.statuses import Group, Provider, group_statuses
from skins_console.store.codec import from_ts, placeholders, stored_time, ts
from skins_console.store.connection import StoreConnection
from skins_console.store.customers_repository import get_customer, list_customers
from skins_console.store.deposits_repository import DEPOSITS
from skins_console.store.orders_repository import ORDERS
from skins_console.store.repository import Repository, reads


def _in(group: Group, provider: Provider) -> str:
    statuses = sorted(group_statuses(group)[provider])
    if not statuses:  # a group this provider has no status in (PostgreSQL refuses "IN ()")
        return "1 = 0"
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def _count(*groups: Group, provider: Provider) -> str:
    cases = " OR ".join(_in(g, provider) for g in groups)
    return f"CAST(sum(CASE WHEN {cases} THEN 1 ELSE 0 END) AS BIGINT)"


_SN, _SL = Provider.SKINSNODE, Provider.SKINSLINK
_DELIVERED = _in(Group.DELIVERED, _SN)
#: what a delivered order cost the shop at SkinsNode
_COST = "coalesce(amount_cents, expected_price_cents)"

#: ``BuyerSummary`` field → its SQL over one buyer's orders.
ORDER_AGGREGATES: tuple[tuple[str, str], ...] = (
    ("orders", "count(*)"),
    ("delivered", _count(Group.DELIVERED, provider=_SN)),
    # CAST: PostgreSQL sums BIGINT into NUMERIC (a Decimal); cents stay int on both backends.
    (
        "total_spent_cents",
        f"CAST(coalesce(sum(CASE WHEN {_DELIVERED} THEN {_COST} END), 0) AS BIGINT)",
    ),
    ("failures", _count(Group.FAILED, Group.CANCELLED, provider=_SN)),
    ("expiries", _count(Group.EXPIRED, provider=_SN)),
    ("reversals", _count(Group.REVERSED, provider=_SN)),
    ("last_trade_at", "max(coalesce(completed_at, sent_at, created_at))"),
    ("last_reversal_at", f"max(CASE WHEN {_in(Group.REVERSED, _SN)} THEN updated_at END)"),
)
#: The same over the deposits bought from the account (they reverse trades too).
DEPOSIT_AGGREGATES: tuple[tuple[str, str], ...] = (
    ("deposits", "count(*)"),
    ("failures", _count(Group.FAILED, Group.CANCELLED, provider=_SL)),
    ("expiries", _count(Group.EXPIRED, provider=_SL)),
    ("reversals", _count(Group.REVERSED, provider=_SL)),
    ("last_trade_at", "max(coalesce(completed_at, sent_at, created_at))"),
    ("last_reversal_at", f"max(CASE WHEN {_in(Group.REVERSED, _SL)} THEN updated_at END)"),
)
_TIMES = ("last_trade_at", "last_reversal_at")


def _aggregates(
    conn: StoreConnection, table: str, column: str, fields, profile: str, partners
) -> dict[int, dict[str, Any]]:
    sql = (
        f"SELECT {column}, {', '.join(expr for _, expr in fields)} FROM {table} "
        f"WHERE profile = ? AND {column} IN ({placeholders(partners)}) GROUP BY {column}"
    )
    names = [name for name, _ in fields]
    return {row[0]: dict(zip(names, row[1:])) for row in conn.execute(sql, (profile, *partners))}


def _merge(customer: CustomerRecord, orders: dict[str, Any], deposits: dict[str, Any]):
    values: dict[str, Any] = {}
    for part in (orders, deposits):
        for name, value in part.items():
            if value is None:
                continue
            if name in _TIMES:
                value = from_ts(value)
                values[name] = max(values[name], value) if name in values else value
            else:
                values[name] = values.get(name, 0) + value
    return BuyerSummary(customer=customer, **values)


def summaries_for(
    conn: StoreConnection, profile: str, customers: list[CustomerRecord]
) -> list[BuyerSummary]:
    """The numbers of ``customers`` (in their order)."""
    result: list[BuyerSummary] = []
    for start in range(0, len(customers), 400):
        chunk = customers[start : start + 400]
        partners = [c.partner for c in chunk]
        orders = _aggregates(conn, "orders", "buyer_partner", ORDER_AGGREGATES, profile, partners)
        deposits = _aggregates(conn, "deposits", "partner", DEPOSIT_AGGREGATES, profile, partners)
        margins = _margins(conn, profile, partners)
        result += [
            replace(
                _merge(c, orders.get(c.partner, {}), deposits.get(c.partner, {})),
                margin_usd=margins.get(c.partner),
            )
            for c in chunk
        ]
    return result


def _margins(conn: StoreConnection, profile: str, partners: list[int]) -> dict[int, Decimal]:
    """Each buyer's margin over their charged orders that have one (USD, still a sale)."""
    rows = conn.execute(
        f"SELECT {', '.join(ORDERS.columns)} FROM orders WHERE profile = ? "
        f"AND buyer_partner IN ({placeholders(partners)}) AND charged_amount IS NOT NULL",
        (profile, *partners),
    )
    margins: dict[int, Decimal] = {}
    for row in rows:
        order: OrderRecord = ORDERS.row(row)
        margin = order_figures(order).margin
        if margin is not None and order.buyer_partner is not None:
            margins[order.buyer_partner] = margins.get(order.buyer_partner, Decimal(0)) + margin
    return margins


def buyer_summaries(
    conn: StoreConnection,
    profile: str,
    *,
    text: str | None = None,
    partners: list[int] | None = None,
    limit: int = 500,
) -> list[BuyerSummary]:
    if partners is not None:
        customers = [c for p in partners if (c := get_customer(conn, profile, p)) is not None]
    else:
        customers = list_customers(conn, profile, text=text, limit=limit)
    found = summaries_for(conn, profile, customers)
    if partners is None:
        epoch = datetime.min.replace(tzinfo=UTC)
        found.sort(key=lambda s: s.last_trade_at or s.customer.last_used_at or epoch, reverse=True)
    return found


def buyers_named(conn: StoreConnection, profile: str, name: str) -> list[CustomerRecord]:
    rows = conn.execute(
        "SELECT partner FROM customers WHERE profile = ? AND lower(label) = lower(?) "
        "AND label != '' ORDER BY id",
        (profile, " ".join(name.split())),
    ).fetchall()
    return [c for (p,) in rows if (c := get_customer(conn, profile, p)) is not None]


def reversals_since(
    conn: StoreConnection, profile: str, partner: int, since: datetime
) -> list[tuple[str, str, datetime]]:
    """The account's reversals (orders and deposits) at or after ``since``, newest first."""
    stamp = since.astimezone(UTC)
    rows = conn.execute(
        f"""SELECT 'order', external_id, updated_at FROM orders
            WHERE profile = ? AND buyer_partner = ? AND {_in(Group.REVERSED, _SN)}
              AND updated_at >= ?
            UNION ALL
            SELECT 'deposit', merchant_tx_id, updated_at FROM deposits
            WHERE profile = ? AND partner = ? AND {_in(Group.REVERSED, _SL)}
              AND updated_at >= ?
            ORDER BY 3 DESC""",
        (profile, partner, ts(stamp), profile, partner, ts(stamp)),
    ).fetchall()
    return [(kind, key, stored_time(at)) for kind, key, at in rows]


def buyer_records(
    conn: StoreConnection, profile: str, partner: int, *, limit: int = 500
) -> tuple[list[OrderRecord], list[DepositRecord]]:
    """The account's orders and deposits, newest first."""
    orders = conn.execute(
        f"{ORDERS.select} WHERE profile = ? AND buyer_partner = ? ORDER BY created_at DESC LIMIT ?",
        (profile, partner, limit),
    )
    deposits = conn.execute(
        f"{DEPOSITS.select} WHERE profile = ? AND partner = ? ORDER BY created_at DESC LIMIT ?",
        (profile, partner, limit),
    )
    return [ORDERS.row(r) for r in orders], [DEPOSITS.row(r) for r in deposits]


class BuyersRepository(Repository):
    summaries = reads(buyer_summaries)
    named = reads(buyers_named)
    reversals_since = reads(reversals_since)
    records = reads(buyer_records)
