"""The deposit form under a locked quote: seller's trade URL, merchant tx id, send, outcome.

Per-item asset ids and minimum prices are edited in the quote table (``QuoteModel``); this
form checks them, sends through the deposit service and shows the bot, the trade offer id
and the offer's expiry as a live countdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.durations import format_remaining
from skins_console.core.models import utcnow
from skins_console.core.statuses import Provider, describe
from skins_console.services.explain import explain_deposit_failure
from skins_console.ui.builders import message_label
from skins_console.ui.error_presenter import user_message
from skins_console.ui.quote_model import QuoteModel, QuoteView
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import current_theme
from skins_console.ui.trade_url_field import TradeUrlField
from skins_console.ui.wording import status_word

if TYPE_CHECKING:
    from skins_console.ui.backend import Backend


class DepositForm(QGroupBox):
    deposit_created = Signal(object)  # the stored deposit record

    def __init__(
        self,
        runner: TaskRunner,
        model: QuoteModel,
        backend: Backend,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Deposit (buy these items from the seller)", parent)
        self._runner = runner
        self._model = model
        self._backend = backend
        #: asset ids already warned about (in another open deposit); a second click sends
        self._warned: frozenset[str] = frozenset()
        self.quote: QuoteView | None = None
        self.result_record = None
        self.offer_expires_at: datetime | None = None
        #: merchant tx id of the deposit that used this quote's lock (one deposit per lock)
        self.used_by: str | None = None
        self._build()
        model.edited.connect(self._update_enabled)
        model.modelReset.connect(self._update_enabled)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.trade_url = TradeUrlField(party="seller")
        form.addRow("Seller's trade URL", self.trade_url)
        tx_row = QHBoxLayout()
        self.merchant_tx_id = QLineEdit(self._backend.new_external_id())
        self.merchant_tx_id.setToolTip(
            "Your own id for this deposit; a resend reuses it, "
            "so a retry never creates a second deposit."
        )
        tx_row.addWidget(self.merchant_tx_id)
        form.addRow("Merchant tx id", tx_row)
        layout.addLayout(form)
        self.hint = QLabel(
            "Enter each item's numeric asset id in the table above; the minimum "
            "price defaults to the quote less your tolerance."
        )
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.error = message_label()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.send_button = QPushButton("Create deposit")
        self.send_button.setEnabled(False)
        self.send_button.clicked.connect(self.send)
        buttons.addWidget(self.send_button)
        self.progress = QLabel()
        buttons.addWidget(self.progress, 1)
        layout.addLayout(buttons)

        self.outcome = QWidget()
        outcome_form = QFormLayout(self.outcome)
        # Status lines wrap inside the panel: a long one must never widen the window.
        self.outcome_status = QLabel()
        self.outcome_status.setWordWrap(True)
        self.outcome_bot = QLabel()
        self.outcome_bot.setWordWrap(True)
        offer_row = QHBoxLayout()
        self.outcome_offer = QLabel()
        self.copy_offer = QToolButton()
        self.copy_offer.setText("Copy")
        self.copy_offer.clicked.connect(self._on_copy_offer)
        offer_row.addWidget(self.outcome_offer, 1)
        offer_row.addWidget(self.copy_offer)
        self.outcome_expiry = QLabel()
        outcome_form.addRow("Status", self.outcome_status)
        outcome_form.addRow("Bot", self.outcome_bot)
        outcome_form.addRow("Trade offer", offer_row)
        outcome_form.addRow("Offer expires", self.outcome_expiry)
        self.outcome.hide()
        layout.addWidget(self.outcome)
        self.trade_url.validity_changed.connect(self._update_enabled)

    # --- state ---------------------------------------------------------------------------

    def set_quote(self, quote: QuoteView | None) -> None:
        """A new quote: the typed trade URL stays, the outcome of a previous one goes."""
        self.quote = quote
        self.used_by = getattr(quote, "used_by", None)
        self.error.hide()
        self._update_enabled()

    def lock_valid(self, now: datetime | None = None) -> bool:
        return self.quote is not None and self.quote.is_locked(now)

    def problems(self) -> list[str]:
        problems = []
        if self.quote is None or self.quote.trade_id is None:
            problems.append("Get a locking quote first.")
        elif self.used_by:
            problems.append(
                f"This quote's lock was used by deposit {self.used_by}: "
                "get a new quote for another deposit."
            )
        elif not self.lock_valid():
            problems.append(
                "The quote's 5-minute lock expired: re-quote before creating the deposit."
            )
        if self.trade_url.parsed is None:
            problems.append(self.trade_url.error_text() or "Paste the seller's trade URL.")
        for number, line in enumerate(self._model.lines, start=1):
            error = line.asset_error()
            if error:
                problems.append(f"Row {number} ({line.name}): {error}.")
        if not self._model.lines:
            problems.append("The quote priced none of the items.")
        if not self.merchant_tx_id.text().strip():
            problems.append("Enter a merchant tx id.")
        return problems

    def _update_enabled(self, *_args) -> None:
        problems = self.problems()
        self.send_button.setEnabled(not problems and not self._runner.running("deposit.create"))
        # Say what still blocks the button, not just that it is disabled.
        if problems:
            more = f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""
            self.hint.setText("To create the deposit: " + " ".join(problems[:2]) + more)
        else:
            self.hint.setText("Ready: the deposit is written locally first, then sent.")

    def tick(self, now: datetime) -> None:
        if self.offer_expires_at is not None:
            self.outcome_expiry.setText(
                f"{format_remaining(self.offer_expires_at - now)} "
                f"({self.offer_expires_at.astimezone():%H:%M:%S})"
            )
        self._update_enabled()

    # --- sending -------------------------------------------------------------------------

    def send(self) -> None:
        problems = self.problems()
        if problems:
            self._show_error("\n".join(problems))
            return
        assert self.quote is not None
        self.error.hide()
        self.progress.setText("Creating the deposit…")
        self.send_button.setEnabled(False)
        self._runner.spawn(
            self._check_then_create(
                self.quote,
                self.trade_url.canonical() or "",
                list(self._model.lines),
                self.merchant_tx_id.text().strip(),
            ),
            owner=self,
            key="deposit.create",
            on_success=self._on_result,
            on_error=self._on_failed,
            description="creating a deposit",
        )

    async def _check_then_create(
        self, quote: QuoteView, trade_url: str, lines: list, merchant_tx_id: str
    ) -> Any:
        """Warn once before sending asset ids that an open deposit already holds."""
        open_assets = await self._backend.open_deposit_assets()
        clashes = {
            line.asset_id.strip(): open_assets[line.asset_id.strip()]
            for line in lines
            if line.asset_id.strip() in open_assets
        }
        if clashes and frozenset(clashes) != self._warned:
            self._warned = frozenset(clashes)
            return DuplicateAssets(clashes)
        self._warned = frozenset()
        return await self._backend.create_deposit(quote, trade_url, lines, merchant_tx_id)

    def _show_error(self, text: str) -> None:
        self._show_message(text, current_theme().bad)

    def _show_warning(self, text: str) -> None:
        self._show_message(text, current_theme().warn)

    def _show_message(self, text: str, colour: str) -> None:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>")
        self.error.setText(f"<span style='color:{colour}'>{escaped}</span>")
        self.error.show()

    def _on_result(self, result: Any) -> None:
        self.progress.clear()
        if isinstance(result, DuplicateAssets):
            self._show_warning(result.message())
            self._update_enabled()
            return
        record = getattr(result, "deposit", result)
        message = getattr(result, "message", "")
        self.result_record = record
        status = getattr(record, "status", "?")
        said = status_word(Provider.SKINSLINK, status)  # the Orders tab's word for it
        self.outcome_status.setText(said + (f" — {message}" if message else ""))
        if status not in ("failed", "rejected"):
            self.used_by = getattr(record, "merchant_tx_id", None) or "this quote"
        bot = getattr(record, "bot_name", None) or "—"
        if getattr(record, "bot_steam_id", None):
            bot += f" ({record.bot_steam_id})"
        self.outcome_bot.setText(bot)
        self.outcome_offer.setText(getattr(record, "trade_offer_id", None) or "—")
        self.offer_expires_at = getattr(record, "trade_offer_expiry_at", None)
        self.outcome_expiry.setText("—")
        self.outcome.show()
        self.tick(utcnow())
        if status in ("failed", "rejected"):
            self._show_error(message or "Skinslink did not create the deposit.")
        # The next deposit needs its own id; the trade URL stays for a repeat seller.
        self.merchant_tx_id.setText(self._backend.new_external_id())
        self.deposit_created.emit(record)
        self._update_enabled()

    def show_tracked(self, record: Any) -> None:
        """The tracker moved the deposit shown here: show its status now, as Orders does."""
        shown = self.result_record
        if shown is None or record.merchant_tx_id != getattr(shown, "merchant_tx_id", None):
            return
        self.result_record = record
        self.outcome_status.setText(describe_deposit(record))
        self.offer_expires_at = record.trade_offer_expiry_at or self.offer_expires_at
        if record.trade_offer_id:
            self.outcome_offer.setText(record.trade_offer_id)

    def _on_failed(self, exc: BaseException) -> None:
        self.progress.clear()
        self._update_enabled()
        self._show_error(user_message(exc, window_words=True))

    def _on_copy_offer(self) -> None:
        text = self.outcome_offer.text()
        if text and text != "—":
            QGuiApplication.clipboard().setText(text)


@dataclass(frozen=True, slots=True)
class DuplicateAssets:
    """Asset ids (→ the open deposit holding each) found before sending: nothing was sent."""

    clashes: dict[str, str]

    def message(self) -> str:
        listed = "; ".join(f"{asset} is in deposit {tx}" for asset, tx in self.clashes.items())
        return (
            f"Already in an open deposit: {listed}. The seller can only trade an item once: "
            "check the asset ids, or click Create deposit again to send anyway."
        )


def describe_deposit(record: Any) -> str:
    """The status line of a tracked deposit, in the words the Orders details use."""
    said = status_word(Provider.SKINSLINK, record.status)
    if record.fail_reason:  # the reason in plain words says more than "failed — Failed"
        return f"{said} — {explain_deposit_failure(record.fail_reason)}"
    return f"{said} — {describe(Provider.SKINSLINK, record.status)}"
