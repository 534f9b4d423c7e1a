"""The sell dialog's shop fields: what the buyer paid (amount and currency) and the shop's
order number. Both are optional; a shop order number becomes the order id.

Self-contained so the dialog only adds its rows and asks for the values: the amount is read
exactly (``core.margin.parse_charged``) and the margin preview is the price the dialog shows
against what the buyer paid, in USD only.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from skins_console.core.errors import ValidationError
from skins_console.core.margin import MARGIN_CURRENCY, Charged, format_amount, parse_charged
from skins_console.core.money import cents_to_usd
from skins_console.services.checkout_service import validate_shop_order
from skins_console.ui.theme import current_theme

#: offered in the currency box; any other code can be typed
CURRENCIES = ("USD", "EUR", "GBP", "USDT", "USDC", "BTC", "ETH", "RUB", "PLN", "BRL", "CNY")


class SaleMoneyFields(QWidget):
    """Rows for a ``QFormLayout`` (see :meth:`rows`); ``shop_order_changed`` carries the
    trimmed shop order number ("" when cleared)."""

    shop_order_changed = Signal(str)
    changed = Signal()

    def __init__(self, price_cents: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._price_cents = price_cents
        self.charged = QLineEdit()
        self.charged.setPlaceholderText("optional, e.g. 24.90")
        self.charged.setToolTip(
            "What the buyer paid you for this item. With a USD amount the order shows its "
            "margin (SkinsNode prices are USD; other currencies are kept, never converted)."
        )
        self.currency = QComboBox()
        self.currency.setEditable(True)
        self.currency.addItems(CURRENCIES)
        self.currency.setCurrentText(MARGIN_CURRENCY)
        self.currency.setToolTip("The buyer's currency (type any code, e.g. USDT)")
        self.currency.setMinimumContentsLength(5)
        self.charged_row = QWidget()
        row = QHBoxLayout(self.charged_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.charged, 1)
        row.addWidget(self.currency)
        self.margin = QLabel()
        self.margin.setObjectName("marginPreview")
        self.margin.setWordWrap(True)
        row.addWidget(self.margin, 1)
        self.shop_order = QLineEdit()
        self.shop_order.setPlaceholderText("optional: your shop's order number")
        self.shop_order.setToolTip(
            "Your shop's order number becomes the order id. A shop order that already has "
            "an order is refused before anything is sent, so it is never fulfilled twice."
        )
        self.charged.textChanged.connect(self._on_changed)
        self.currency.currentTextChanged.connect(self._on_changed)
        self.shop_order.textChanged.connect(self._on_shop_order)
        self._on_changed()

    def _on_shop_order(self, text: str) -> None:
        self.shop_order_changed.emit(text.strip())
        self.changed.emit()

    def shop_order_row(self) -> tuple[str, QWidget]:
        return ("Shop order number", self.shop_order)

    def charged_row_pair(self) -> tuple[str, QWidget]:
        return ("Buyer paid", self.charged_row)

    def widgets(self) -> tuple[QWidget, ...]:
        return (self.charged, self.currency, self.shop_order)

    # --- values --------------------------------------------------------------------------

    def charged_value(self) -> Charged | None:
        """The amount entered (None if empty); raises ``ValidationError`` if unusable."""
        text = self.charged.text().strip()
        if not text:
            return None
        return parse_charged(text, self.currency.currentText().strip() or MARGIN_CURRENCY)

    def shop_order_value(self) -> str | None:
        text = self.shop_order.text().strip()
        return validate_shop_order(text) if text else None

    def error_text(self) -> str | None:
        try:
            self.charged_value()
            self.shop_order_value()
        except ValidationError as exc:
            return exc.message
        return None

    def use_up_shop_order(self) -> None:
        """After a refusal the number stands for that refused order: clear it."""
        self.shop_order.clear()

    # --- preview -------------------------------------------------------------------------

    def _on_changed(self, *_args: object) -> None:
        theme = current_theme()
        try:
            charged = self.charged_value()
        except ValidationError as exc:
            self.margin.setText(f"<span style='color:{theme.bad}'>{_escape(exc.message)}</span>")
            self.changed.emit()
            return
        if charged is None:
            self.margin.setText("")
        elif not charged.is_usd:
            self.margin.setText(f"No margin: charged in {_escape(charged.currency)}")
        else:
            margin = charged.amount - cents_to_usd(self._price_cents)
            tone = theme.bad if margin < Decimal(0) else theme.ok
            self.margin.setText(
                f"<span style='color:{tone}'>Margin "
                f"{_escape(format_amount(margin, MARGIN_CURRENCY))}</span>"
            )
        self.changed.emit()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
