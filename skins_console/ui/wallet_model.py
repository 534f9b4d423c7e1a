"""Recent wallet movements for the Wallet tab (derived in ``core.wallet_movements``)."""

from __future__ import annotations

from collections.abc import Sequence

from skins_console.core.columns import Column
from skins_console.core.money import format_cents
from skins_console.core.wallet_movements import Movement
from skins_console.ui.column_model import ColumnTableModel, SortRole

__all__ = ["SortRole", "WalletMovementsModel", "wallet_columns"]

COL_WHEN, COL_KIND, COL_AMOUNT, COL_WHAT = range(4)


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
