"""Recent wallet movements for the Wallet tab.

Derived for display only, from what the store already holds: an order SkinsNode accepted
debited its price, one that then failed, was cancelled or expired was refunded, and two
consecutive balance snapshots whose difference those orders do not explain show the rest as
an "other change" (a top-up, an order placed outside this console).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from skins_console.core.columns import Column
from skins_console.core.money import format_cents
from skins_console.core.records import OrderRecord, WalletSnapshot
from skins_console.core.statuses import ORDER_LOCAL, Provider, statuses_where
from skins_console.ui.column_model import ColumnTableModel, SortRole

__all__ = ["Movement", "SortRole", "WalletMovementsModel", "movements", "wallet_columns"]

COL_WHEN, COL_KIND, COL_AMOUNT, COL_WHAT = range(4)
_REFUNDED = statuses_where(Provider.SKINSNODE, refunds_wallet=True)


@dataclass(frozen=True, slots=True)
class Movement:
    at: datetime
    kind: str  # "debit" | "refund" | "balance change"
    cents: int
    what: str


def movements(
    orders: list[OrderRecord], snapshots: list[WalletSnapshot], limit: int = 200
) -> list[Movement]:
    result: list[Movement] = []
    explained: list[Movement] = []
    for order in orders:
        if order.status in ORDER_LOCAL:
            continue  # never reached SkinsNode: nothing was charged
        cents = order.amount_cents if order.amount_cents is not None else order.expected_price_cents
        at = order.accepted_at or order.created_at
        explained.append(Movement(at, "debit", -cents, f"{order.item_name} ({order.external_id})"))
        if order.status in _REFUNDED:
            explained.append(
                Movement(
                    order.updated_at, "refund", cents, f"{order.item_name}: order {order.status}"
                )
            )
    result.extend(explained)
    other = _unexplained(explained, sorted(snapshots, key=lambda s: s.at))
    if other is not None:
        result.append(other)
    result.sort(key=lambda m: m.at, reverse=True)
    return result[:limit]


def _unexplained(explained: list[Movement], ordered: list[WalletSnapshot]) -> Movement | None:
    """The balance change this console's orders do not explain, or None.

    SkinsNode caches a wallet read for up to 30 s, so a snapshot can lag the debits made
    just before it: comparing snapshots pairwise would report a change and its reversal
    for every such lag. Only what still stands at the latest snapshot is reported, dated at
    the snapshot from which it held.
    """
    if len(ordered) < 2:
        return None
    first = ordered[0]
    residuals = [
        (snap.available_cents - first.available_cents)
        - sum(m.cents for m in explained if first.at < m.at <= snap.at)
        for snap in ordered
    ]
    final = residuals[-1]
    if final == 0:
        return None
    start = len(residuals) - 1
    while start > 0 and residuals[start - 1] == final:
        start -= 1
    return Movement(
        ordered[start].at,
        "other change",
        final,
        "balance moved without an order of this console (top-up, or an order placed elsewhere)",
    )


def wallet_columns(currency: str) -> tuple[Column[Movement], ...]:
    return (
        Column(
            "at",
            "When",
            lambda m: m.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            sort=lambda m: m.at,
        ),
        Column("kind", "Movement", lambda m: m.kind),
        Column(
            "amount",
            "Amount",
            lambda m: ("+" if m.cents > 0 else "") + format_cents(m.cents, currency),
            sort=lambda m: m.cents,
            align="right",
        ),
        Column("what", "Details", lambda m: m.what),
    )


class WalletMovementsModel(ColumnTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(wallet_columns("USD"), parent)
        self.currency = "USD"

    def set_rows(self, rows: Sequence[Movement], currency: str = "USD") -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.currency = currency
        self.columns = wallet_columns(currency)
        self.endResetModel()
