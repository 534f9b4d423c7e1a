"""The order dialog ("Sell…"): buyer's trade URL, external id, price, send, reminder.

Everything the operator typed stays in the form on any error. Sending goes through the
checkout service, which re-checks the item against a fresh catalog, writes the order to
SQLite before the POST and reconciles unknown outcomes; the dialog only shows the result.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.errors import BuyerReversedWarning, ValidationError
from skins_console.core.models import CatalogItem, utcnow
from skins_console.core.money import format_cents
from skins_console.ui.builders import message_label
from skins_console.ui.error_presenter import user_message
from skins_console.ui.sale_money_fields import SaleMoneyFields
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import current_theme
from skins_console.ui.trade_url_field import TradeUrlField

if TYPE_CHECKING:
    from skins_console.ui.backend import Backend

REMINDER = "Tell the buyer: accept the offer within 10 minutes"
#: SkinsNode's trade window: the buyer has this long from the offer being sent
TRADE_WINDOW = timedelta(minutes=10)
_WAITING_FOR_OFFER = frozenset(
    {"draft", "sending", "unknown", "accepted", "queued", "processing", "pending"}
)


def buyer_message(record: Any, now: datetime, window: timedelta = TRADE_WINDOW) -> str:
    """What to tell the buyer, true at ``now``: an offer is only "sent" once it is."""
    status = getattr(record, "status", "accepted")
    sent_at = getattr(record, "sent_at", None)
    if status == "sent" and sent_at is not None:
        # In the buyer's minutes: a demo clock shortens ``window`` (×10: one real minute),
        # while the buyer is told SkinsNode's 10 minutes, so scale what is left back to them.
        left = sent_at + window - now
        if window:
            left = left / window * TRADE_WINDOW
        minutes = int(left.total_seconds() // 60)
        if minutes >= 1:
            unit = "minute" if minutes == 1 else "minutes"
            return (
                "I've sent you a Steam trade offer. Please accept it within "
                f"{minutes} {unit}, otherwise it expires."
            )
        return "I've sent you a Steam trade offer. Please accept it now, it is about to expire."
    if status == "completed":
        return "The trade is complete: the item is in your Steam inventory. Thank you!"
    if status in _WAITING_FOR_OFFER:
        return (
            "Your order is confirmed. You will receive a Steam trade offer shortly: please "
            "accept it within 10 minutes of receiving it."
        )
    return "The trade offer could not be completed. I will get back to you shortly."


#: outcomes of the checkout service that mean the order exists at SkinsNode (or may)
PLACED = frozenset({"accepted", "unknown", "busy"})


class SellDialog(QDialog):
    order_placed = Signal(object)  # the stored order record

    def __init__(
        self,
        runner: TaskRunner,
        item: CatalogItem,
        backend: Backend,
        *,
        trade_window: timedelta = TRADE_WINDOW,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.trade_window = trade_window
        self.setWindowTitle("Sell item")
        self.setMinimumWidth(620)
        self._runner = runner
        self.item = item
        self._backend = backend
        self.result_record = None
        #: the SteamID64 whose recent reversal the operator was shown (Send = sell anyway)
        self._reversal_seen: int | None = None
        self._build()
        self.external_id.setText(backend.new_external_id())
        self.resize(max(self.width(), 640), self.sizeHint().height() + 40)
        runner.spawn(
            backend.customers(),
            owner=self,
            on_success=self.trade_url.set_customers,
            description="loading the trade URL book",
        )
        runner.spawn(
            backend.projected_cents(),
            owner=self,
            on_success=self._show_balance_warning,
            on_error=lambda _exc: None,
            description="checking the balance",
        )

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages)

        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        title = QLabel(f"<b>{_escape(self.item.market_hash_name)}</b>")
        title.setWordWrap(True)
        form_layout.addWidget(title)
        details = []
        if self.item.display_phase:
            details.append(self.item.display_phase)
        if self.item.float_value is not None:
            details.append(f"float {CatalogItem.float_text(self.item.float_value)}")
        if self.item.paint_seed is not None:
            details.append(f"seed {self.item.paint_seed}")
        if details:
            form_layout.addWidget(QLabel(" · ".join(details)))
        form = QFormLayout()
        self.trade_url = TradeUrlField()
        form.addRow("Buyer's trade URL", self.trade_url)
        self.external_id = QLineEdit()
        self.external_id.setToolTip(
            "Your own order id. SkinsNode uses it to recognise a resent order, so a retry "
            "never creates a second one."
        )
        # The shop order number (it becomes the external id) and what the buyer paid.
        self.money = SaleMoneyFields(self.item.price_cents)
        form.addRow(*self.money.shop_order_row())
        self.money.shop_order_changed.connect(self._on_shop_order)
        form.addRow("External id", self.external_id)
        self.price = QLabel(format_cents(self.item.price_cents, self.item.currency))
        self.price.setToolTip("Expected price: the catalog price the buyer was quoted")
        form.addRow("Expected price", self.price)
        form.addRow(*self.money.charged_row_pair())
        form_layout.addLayout(form)
        self.balance_warning = message_label(None)
        form_layout.addWidget(self.balance_warning)
        self.progress = QLabel()
        form_layout.addWidget(self.progress)
        self.error = message_label()
        form_layout.addWidget(self.error)
        self.pages.addWidget(form_page)

        done_page = QWidget()
        done_layout = QVBoxLayout(done_page)
        self.done_title = QLabel()
        self.done_title.setWordWrap(True)
        done_layout.addWidget(self.done_title)
        heading = QLabel(REMINDER)
        heading.setWordWrap(True)
        done_layout.addWidget(heading)
        # Exactly what "Copy message for the buyer" copies, kept true as the order moves.
        self.reminder = QLabel()
        self.reminder.setTextFormat(Qt.TextFormat.PlainText)
        font = self.reminder.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.reminder.setFont(font)
        self.reminder.setWordWrap(True)
        done_layout.addWidget(self.reminder)
        self.copy_reminder = QPushButton("Copy message for the buyer")
        self.copy_reminder.clicked.connect(self._on_copy_reminder)
        done_layout.addWidget(self.copy_reminder, 0, Qt.AlignmentFlag.AlignLeft)
        self.done_detail = QLabel()
        self.done_detail.setWordWrap(True)
        done_layout.addWidget(self.done_detail)
        done_layout.addStretch(1)
        self.pages.addWidget(done_page)

        self.buttons = QDialogButtonBox()
        self.send_button = self.buttons.addButton(
            "Send order", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.hide()
        self.send_button.setEnabled(False)
        self.send_button.clicked.connect(self.send)
        self.cancel_button.clicked.connect(self.reject)
        self.close_button.clicked.connect(self.accept)
        layout.addWidget(self.buttons)
        self.trade_url.validity_changed.connect(self._update_send_enabled)
        self.external_id.textChanged.connect(lambda _t: self._update_send_enabled())

    def _on_shop_order(self, number: str) -> None:
        # The shop order number is the order id; without one, a generated id again.
        self.external_id.setReadOnly(bool(number))
        self.external_id.setText(number or self._backend.new_external_id())

    def _update_send_enabled(self, *_args) -> None:
        parsed = self.trade_url.parsed
        self.send_button.setEnabled(parsed is not None and bool(self.external_id.text().strip()))
        warned = parsed is not None and parsed.steamid64 == self._reversal_seen
        self.send_button.setText("Sell anyway" if warned else "Send order")

    def _show_balance_warning(self, projected: int | None) -> None:
        if projected is None or projected >= self.item.price_cents:
            self.balance_warning.hide()
            return
        theme = current_theme()
        self.balance_warning.setText(
            f"<span style='color:{theme.warn}'>⚠ The projected balance after open orders is "
            f"{format_cents(projected, self.item.currency)}, less than this price. SkinsNode "
            "will likely refuse the order for insufficient funds: top up first.</span>"
        )
        self.balance_warning.show()

    # --- sending -------------------------------------------------------------------------

    def send(self) -> None:
        problem = self.trade_url.error_text()
        if problem is not None:
            self._show_error(problem)
            return
        external_id = self.external_id.text().strip()
        if not external_id:
            self._show_error("Enter an external id (a new one is generated for you).")
            return
        money_problem = self.money.error_text()
        if money_problem is not None:
            self._show_error(money_problem)
            return
        self._set_busy(True, "Checking the item against a fresh catalog, then sending…")
        parsed = self.trade_url.parsed
        confirmed = parsed is not None and parsed.steamid64 == self._reversal_seen
        extra = {"confirm_reversal": True} if confirmed else {}
        self._runner.spawn(
            self._backend.place_order(
                self.item,
                self.trade_url.canonical() or "",
                external_id,
                charged=self.money.charged_value(),
                shop_order=self.money.shop_order_value(),
                **extra,
            ),
            owner=self,
            key=f"sell.{id(self)}",
            on_success=self._on_result,
            on_error=self._on_failed,
            description="placing an order",
        )

    def _set_busy(self, busy: bool, text: str = "") -> None:
        for widget in (self.trade_url, self.external_id, self.send_button, *self.money.widgets()):
            widget.setEnabled(not busy)
        if not busy:
            self._update_send_enabled()
        self.progress.setText(text)
        if busy:
            self.error.hide()

    def _show_error(self, text: str) -> None:
        theme = current_theme()
        self.error.setText(f"<span style='color:{theme.bad}'>{_escape(text)}</span>")
        self.error.show()

    def _on_result(self, result: Any) -> None:
        outcome = getattr(result, "outcome", "accepted")
        record = getattr(result, "order", result)
        message = getattr(result, "message", "")
        if outcome in PLACED:
            self.result_record = record
            self._show_done(outcome, record, message)
            self.order_placed.emit(record)
            return
        # Refused: the order exists only locally, as rejected/failed; a new attempt needs a
        # new external id (this one is used up), everything else stays as typed.
        self._set_busy(False)
        self._show_error(message or f"The order was not placed ({outcome}).")
        self.money.use_up_shop_order()
        self.external_id.setText(self._backend.new_external_id())
        self.order_placed.emit(record)

    def _on_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, BuyerReversedWarning):
            # Nothing was sent: the operator reads the warning and may send anyway.
            self._reversal_seen = exc.steamid64
            self._show_error(f"⚠ {exc.message}")
            self._update_send_enabled()
            return
        self._show_error(user_message(exc, window_words=True))
        if isinstance(exc, ValidationError) and exc.field == "trade_url":
            self.trade_url.edit.setFocus()
        elif isinstance(exc, ValidationError) and exc.field == "shop_order":
            self.money.shop_order.setFocus()

    def _show_done(self, outcome: str, record: Any, message: str) -> None:
        external_id = getattr(record, "external_id", self.external_id.text())
        if outcome == "accepted":
            self.done_title.setText(
                f"✓ SkinsNode accepted order <b>{_escape(external_id)}</b>."
                " The trade offer goes out shortly."
            )
        else:
            self.done_title.setText(
                f"Order <b>{_escape(external_id)}</b> was sent, but SkinsNode has not confirmed "
                "it yet. It is tracked automatically; do not create it again."
            )
        # An accepted order's message repeats the title above; another outcome's explains it.
        accepted = outcome == "accepted" or not message
        self.done_detail.setText("Follow it in the Orders tab." if accepted else _escape(message))
        self.show_order(record)
        self.pages.setCurrentIndex(1)
        self.send_button.hide()
        self.cancel_button.hide()
        self.close_button.show()
        self.close_button.setFocus()

    def show_order(self, record: Any) -> None:
        """The order as it is now (the tracker moved it): the buyer's message follows."""
        self.result_record = record
        self.reminder.setText(buyer_message(record, utcnow(), self.trade_window))

    def _on_copy_reminder(self) -> None:
        if self.result_record is not None:
            self.show_order(self.result_record)  # true at the moment of copying
        QGuiApplication.clipboard().setText(self.reminder.text())
        self.copy_reminder.setText("Copied")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
