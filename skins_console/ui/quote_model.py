"""A Skinslink quote as a table: price, original price, drift, and per-item deposit input.

The asset id and minimum price columns are editable while the quote's lock is valid: they
are what the deposit form sends. Money is ``Decimal`` throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal

from skins_console.core.models import QuoteItem, utcnow
from skins_console.core.money import format_usd
from skins_console.core.records import QuoteRecord
from skins_console.ui.theme import current_theme

SortRole = Qt.ItemDataRole.UserRole + 2
COL_NAME, COL_PRICE, COL_ORIGINAL, COL_DRIFT, COL_ASSET, COL_MIN = range(6)
HEADERS = ("Item", "Price", "Original price", "Δ vs previous", "Asset id", "Min price")
HEADER_TIPS = (
    "The market hash name, exactly as Skinslink prices it",
    "What Skinslink pays the seller for this item now",
    "Skinslink's price before its own adjustments",
    "Change since your previous quote for the same item",
    "The Steam asset id of the seller's item (editable: double-click and type the number)",
    "The lowest price you accept for this item in the deposit (editable; defaults to the "
    "price less your tolerance)",
)
#: shown in an empty, editable Asset id cell (the cell's value stays empty)
ASSET_PLACEHOLDER = "double-click to enter"


@dataclass(frozen=True, slots=True)
class QuoteView:
    """A stored quote (``QuoteRecord``) as the Quote tab shows it."""

    id: int | None
    game: str
    items: tuple[QuoteItem, ...]
    total: int
    sum: Decimal
    requested: tuple[str, ...]
    trade_id: int | None
    lock_expires_at: datetime | None

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
            lock_expires_at=record.lock_expires_at,
        )

    @property
    def unpriced(self) -> tuple[str, ...]:
        priced = {item.name for item in self.items}
        return tuple(name for name in self.requested if name not in priced)

    def is_locked(self, now: datetime | None = None) -> bool:
        if self.trade_id is None or self.lock_expires_at is None:
            return False
        return (now or utcnow()) < self.lock_expires_at


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


class QuoteModel(QAbstractTableModel):
    #: an editable cell changed (the deposit form re-validates)
    edited = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.lines: list[QuoteLine] = []
        self.editable = False

    def set_lines(self, lines: list[QuoteLine], *, editable: bool) -> None:
        self.beginResetModel()
        self.lines = lines
        self.editable = editable
        self.endResetModel()

    def set_editable(self, editable: bool) -> None:
        if editable != self.editable:
            self.editable = editable
            if self.lines:
                self.dataChanged.emit(
                    self.index(0, COL_ASSET), self.index(len(self.lines) - 1, COL_MIN)
                )

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and self.editable and index.column() in (COL_ASSET, COL_MIN):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.lines):
            return None
        line, col = self.lines[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == COL_NAME:
                return line.name
            if col == COL_PRICE:
                return format_usd(line.price)
            if col == COL_ORIGINAL:
                return format_usd(line.original_price) if line.original_price is not None else ""
            if col == COL_DRIFT:
                drift = line.drift
                if drift is None:
                    return ""
                return ("+" if drift > 0 else "") + format_usd(drift) if drift else "±0"
            if col == COL_ASSET:
                if not line.asset_id and self.editable and role == Qt.ItemDataRole.DisplayRole:
                    return ASSET_PLACEHOLDER
                return line.asset_id
            if col == COL_MIN:
                if line.min_price is None:
                    return ""
                return (
                    str(line.min_price)
                    if role == Qt.ItemDataRole.EditRole
                    else format_usd(line.min_price)
                )
        if role == SortRole:
            return (
                line.name,
                line.price,
                line.original_price or Decimal(0),
                line.drift or Decimal(0),
                line.asset_id,
                line.min_price or Decimal(0),
            )[col]
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_ASSET:
            return (line.asset_id and line.asset_error()) or HEADER_TIPS[COL_ASSET]
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_ASSET and not line.asset_id:
            return current_theme().color("muted")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (
            COL_PRICE,
            COL_ORIGINAL,
            COL_DRIFT,
            COL_MIN,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:
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
