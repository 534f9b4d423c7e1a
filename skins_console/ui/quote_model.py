"""A Skinslink quote as a table: price, original price, drift, and per-item deposit input.

The asset id and minimum price columns are editable while the quote's lock is valid: they
are what the deposit form sends. Money is ``Decimal`` throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from skins_console.core.columns import Column
from skins_console.core.models import Quote, QuoteItem, utcnow
from skins_console.core.money import format_usd
from skins_console.core.records import QuoteRecord
from skins_console.ui.column_model import ColumnTableModel
from skins_console.ui.theme import current_theme


@dataclass(frozen=True, slots=True, kw_only=True)
class QuoteView(Quote):
    """A stored quote (``QuoteRecord``) as the Quote tab shows it: the core quote plus the
    book's row id (None for a quote that was never saved)."""

    id: int | None
    # A view built by hand (never fetched through the book) is as fresh as its making.
    fetched_at: datetime = field(default_factory=utcnow)

    @classmethod
    def from_record(cls, record: QuoteRecord) -> QuoteView:
        items = tuple(
            QuoteItem(
                name=str(item["name"]),
                price=Decimal(str(item["price"])),
                original_price=(
                    Decimal(str(item["original_price"]))
                    if item.get("original_price") is not None
                    else None
                ),
            )
            for item in record.items
        )
        return cls(
            id=record.id,
            game=record.game,
            items=items,
            total=len(items),
            sum=record.sum,
            requested=tuple(record.requested),
            trade_id=record.trade_id,
            fetched_at=record.fetched_at,
            lock_expires_at=record.lock_expires_at,
        )


@dataclass(slots=True)
class QuoteLine:
    name: str
    price: Decimal
    original_price: Decimal | None
    previous_price: Decimal | None = None
    asset_id: str = ""
    min_price: Decimal | None = None

    @property
    def drift(self) -> Decimal | None:
        if self.previous_price is None:
            return None
        return self.price - self.previous_price

    def asset_error(self) -> str | None:
        if not self.asset_id.strip():
            return "missing asset id"
        if not self.asset_id.strip().isdigit():
            return "asset id must be numeric"
        return None


def _drift_text(line: QuoteLine) -> str:
    drift = line.drift
    if drift is None:
        return ""
    return ("+" if drift > 0 else "") + format_usd(drift) if drift else "±0"


def _usd_or_blank(amount: Decimal | None) -> str:
    return format_usd(amount) if amount is not None else ""


#: What the operator fills in (asset id, min price) comes right after the price: at 1024×640
#: the table shows about four columns before it scrolls sideways.
QUOTE_COLUMNS: tuple[Column[QuoteLine], ...] = (
    Column("name", "Item", lambda line: line.name,
           tooltip="The market hash name, exactly as Skinslink prices it"),
    Column("price", "Price", lambda line: format_usd(line.price), sort=lambda line: line.price,
           align="right", tooltip="What Skinslink pays the seller for this item now"),
    Column("asset_id", "Asset id", lambda line: line.asset_id,
           tooltip="The Steam asset id of the seller's item (editable: double-click and type "
           "the number)"),
    Column("min_price", "Min price", lambda line: _usd_or_blank(line.min_price),
           sort=lambda line: line.min_price or Decimal(0), align="right",
           tooltip="The lowest price you accept for this item in the deposit (editable; "
           "defaults to the price less your tolerance)"),
    Column("original_price", "Original price", lambda line: _usd_or_blank(line.original_price),
           sort=lambda line: line.original_price or Decimal(0), align="right",
           tooltip="Skinslink's price before its own adjustments"),
    Column("drift", "Δ vs previous", _drift_text, sort=lambda line: line.drift or Decimal(0),
           align="right", tooltip="Change since your previous quote for the same item"),
)  # fmt: skip
#: shown in an empty, editable Asset id cell (the cell's value stays empty)
ASSET_PLACEHOLDER = "double-click to enter"
COL_NAME, COL_PRICE, COL_ASSET, COL_MIN, COL_ORIGINAL, COL_DRIFT = range(len(QUOTE_COLUMNS))
_EDIT = int(Qt.ItemDataRole.EditRole)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)


class QuoteModel(ColumnTableModel):
    #: an editable cell changed (the deposit form re-validates)
    edited = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(QUOTE_COLUMNS, parent)
        self.editable = False

    @property
    def lines(self) -> list[QuoteLine]:
        return self.rows

    def set_lines(self, lines: list[QuoteLine], *, editable: bool) -> None:
        self.beginResetModel()
        self.rows = lines
        self.editable = editable
        self.endResetModel()

    def set_editable(self, editable: bool) -> None:
        if editable != self.editable:
            self.editable = editable
            if self.rows:
                self.dataChanged.emit(
                    self.index(0, COL_ASSET), self.index(len(self.rows) - 1, COL_MIN)
                )

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and self.editable and index.column() in (COL_ASSET, COL_MIN):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        line, col = self.rows[index.row()], index.column()
        if role == _EDIT:
            if col == COL_MIN:
                return "" if line.min_price is None else str(line.min_price)
            role = _DISPLAY
        if col == COL_ASSET and not line.asset_id and self.editable:
            if role == _DISPLAY:
                return ASSET_PLACEHOLDER
            if role == Qt.ItemDataRole.ForegroundRole:
                return current_theme().color("muted")
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_NAME:
            return line.name
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_ASSET:
            return (line.asset_id and line.asset_error()) or QUOTE_COLUMNS[COL_ASSET].tooltip
        return self.column_data(line, QUOTE_COLUMNS[col], int(role))

    def setData(self, index: QModelIndex | QPersistentModelIndex, value, role: int = _EDIT) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or not self.editable:
            return False
        line = self.lines[index.row()]
        text = str(value or "").strip()
        if index.column() == COL_ASSET:
            line.asset_id = text
        elif index.column() == COL_MIN:
            if not text:
                line.min_price = None
            else:
                try:
                    amount = Decimal(text.lstrip("$").replace(",", ""))
                except InvalidOperation:
                    return False
                if not amount.is_finite() or amount < 0:
                    return False
                line.min_price = amount
        else:
            return False
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        self.edited.emit()
        return True
