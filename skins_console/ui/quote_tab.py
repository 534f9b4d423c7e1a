"""Quote tab: paste market hash names, get Skinslink prices, then create a deposit."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.durations import format_remaining
from skins_console.core.market_names import GAMES, MAX_QUOTE_NAMES, parse_name_lines
from skins_console.core.models import utcnow
from skins_console.core.money import format_usd
from skins_console.services.deposit_service import default_min_price
from skins_console.ui.backend import Backend
from skins_console.ui.backend_tab import BackendTab
from skins_console.ui.builders import (
    debounce_timer,
    message_label,
    plain_table,
    set_column_widths,
    splitter,
)
from skins_console.ui.deposit_form import DepositForm
from skins_console.ui.name_suggestions import NameSuggestions
from skins_console.ui.quote_model import (
    COL_ASSET,
    COL_DRIFT,
    COL_MIN,
    COL_NAME,
    COL_ORIGINAL,
    COL_PRICE,
    QuoteLine,
    QuoteModel,
    QuoteView,
)
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import current_theme
from skins_console.ui.wording import plural

GAME_LABELS = {"csgo": "Counter-Strike 2", "rust": "Rust", "dota2": "Dota 2", "tf2": "TF2"}


#: the Item column never gets narrower than this: below it the table scrolls sideways
NAME_MIN_WIDTH = 210


class QuoteTable(QTableView):
    """The quote's table: the Item column takes the room the others leave, but never less
    than ``NAME_MIN_WIDTH`` (a Stretch section could shrink to a few letters)."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        model = self.model()
        if model is None:
            return
        others = sum(self.columnWidth(c) for c in range(model.columnCount()) if c != COL_NAME)
        self.setColumnWidth(COL_NAME, max(NAME_MIN_WIDTH, self.viewport().width() - others))


class QuoteTab(BackendTab):
    quote_shown = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        backend: Backend,
        *,
        default_game: str = "csgo",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, backend, parent)
        self.model = QuoteModel(self)
        self.quote: QuoteView | None = None
        self.previous: QuoteView | None = None
        self.deposit = DepositForm(runner, self.model, backend)
        self._build(default_game)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._on_tick)
        self._ticker.start()

    def _build(self, default_game: str) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(
            QLabel(f"Market hash names, one per line (up to {MAX_QUOTE_NAMES:,})")
        )
        self.names = QPlainTextEdit()
        self.names.setPlaceholderText(
            "AK-47 | Redline (Field-Tested)\n★ Karambit | Doppler (Factory New)"
        )
        self.names.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        left_layout.addWidget(self.names, 3)
        self.line_summary = QLabel()
        left_layout.addWidget(self.line_summary)
        self.issues = QListWidget()
        self.issues.setToolTip("Lines that will not be quoted, with their line number")
        left_layout.addWidget(self.issues, 1)
        self.suggestions = NameSuggestions(self._runner, self.names)
        left_layout.addWidget(self.suggestions, 1)
        options = QHBoxLayout()
        self.game = QComboBox()
        for game in GAMES:
            self.game.addItem(GAME_LABELS.get(game, game), game)
        index = self.game.findData(default_game)
        self.game.setCurrentIndex(max(index, 0))
        options.addWidget(self.game)
        self.price_only = QRadioButton("Prices only")
        self.locking = QRadioButton("Lock for a deposit (5 min)")
        self.locking.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.price_only)
        group.addButton(self.locking)
        options.addWidget(self.price_only)
        options.addWidget(self.locking)
        left_layout.addLayout(options)
        self.quote_button = QPushButton("Get quote")
        self.quote_button.setEnabled(False)
        left_layout.addWidget(self.quote_button)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.summary = QLabel("No quote yet.")
        self.summary.setWordWrap(True)
        head.addWidget(self.summary, 1)
        self.countdown = QLabel()
        font = self.countdown.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.countdown.setFont(font)
        head.addWidget(self.countdown)
        self.requote_button = QPushButton("Re-quote")
        self.requote_button.hide()
        head.addWidget(self.requote_button)
        right_layout.addLayout(head)
        self.drift = message_label(None)
        right_layout.addWidget(self.drift)
        self.table = plain_table(self.model, QuoteTable())
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        # One line a row; a long name is cut in the middle (both ends tell items apart) and
        # its cell's tooltip has it whole.
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        set_column_widths(
            self.table,
            ((COL_PRICE, 78), (COL_ORIGINAL, 96), (COL_DRIFT, 90), (COL_ASSET, 140), (COL_MIN, 84)),
        )
        right_layout.addWidget(self.table, 2)
        self.unpriced = message_label(None)
        right_layout.addWidget(self.unpriced)
        right_layout.addWidget(self.deposit)
        layout.addWidget(splitter(Qt.Orientation.Horizontal, (left, right), (2, 3), (420, 780)))

        self._parse_timer = debounce_timer(self, 200, self.check_lines)
        self.names.textChanged.connect(self._parse_timer.start)
        self.game.currentIndexChanged.connect(self._parse_timer.start)
        self.quote_button.clicked.connect(self.request_quote)
        self.requote_button.clicked.connect(self.request_quote)

    # --- the pasted names ----------------------------------------------------------------

    def check_lines(self) -> list[str]:
        """Parse the pasted text; list problem lines; return the names to quote."""
        self._parse_timer.stop()
        lines = parse_name_lines(self.names.toPlainText())
        valid = [line.name for line in lines if line.name]
        bad = [line for line in lines if line.error]
        self.issues.clear()
        for line in bad:
            raw = line.raw.strip()
            if len(raw) > 60:
                raw = raw[:57] + "…"
            self.issues.addItem(f"Line {line.line_no}: {line.error}  ({raw})")
        self.issues.setVisible(bool(bad))
        text = plural(len(valid), "name") + " to quote"
        if bad:
            text += f", {plural(len(bad), 'line')} skipped (listed below)"
        self.line_summary.setText(text)
        self.quote_button.setEnabled(bool(valid) and not self._runner.running("quote.get"))
        self.suggestions.check(lines, self.game.currentData())
        return valid

    def focus_search(self) -> None:
        self.names.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # --- quoting -------------------------------------------------------------------------

    def request_quote(self) -> None:
        names = self.check_lines()
        if not names:
            return
        lock = self.locking.isChecked()
        self.quote_button.setEnabled(False)
        self.requote_button.setEnabled(False)
        self.summary.setText(f"Asking Skinslink for {plural(len(names), 'price')}…")
        self._runner.spawn(
            self._backend.get_quote(self.game.currentData(), names, lock),
            owner=self,
            key="quote.get",
            on_success=self.show_quote,
            on_error=self._on_quote_failed,
            description="getting a quote",
        )

    def _on_quote_failed(self, exc: BaseException) -> None:
        self.quote_button.setEnabled(True)
        self.requote_button.setEnabled(True)
        self.summary.setText("The quote failed; the names are kept, try again.")
        self._runner.presenter.report(exc, context="getting a quote")

    def show_quote(self, quote: QuoteView) -> None:
        self.quote_button.setEnabled(True)
        self.requote_button.setEnabled(True)
        self.previous = (
            self.quote if self.quote is not None and self.quote.game == quote.game else None
        )
        self.quote = quote
        previous_prices = {i.name: i.price for i in self.previous.items} if self.previous else {}
        tolerance = self._backend.tolerance_pct()
        lines = [
            QuoteLine(
                name=item.name,
                price=item.price,
                original_price=item.original_price,
                previous_price=previous_prices.get(item.name),
                min_price=default_min_price(item.price, tolerance),
            )
            for item in quote.items
        ]
        # Asset ids the operator typed for the previous quote stay with their item.
        typed = {line.name: line.asset_id for line in self.model.lines if line.asset_id}
        for line in lines:
            line.asset_id = typed.get(line.name, "")
        self.model.set_lines(lines, editable=quote.trade_id is not None)
        locked = "prices locked" if quote.trade_id is not None else "prices only, no lock"
        self.summary.setText(
            f"{quote.total} of {len(quote.requested)} priced · total <b>"
            f"{format_usd(quote.sum)}</b> · {locked}"
            + (f" · trade id {quote.trade_id}" if quote.trade_id is not None else "")
        )
        unpriced = quote.unpriced
        if unpriced:
            shown = ", ".join(unpriced[:20]) + (
                f" and {len(unpriced) - 20} more" if len(unpriced) > 20 else ""
            )
            self.unpriced.setText(f"Not priced by Skinslink ({len(unpriced)}): {shown}")
            self.unpriced.show()
            # Names must be exact: offer the closest real names for what was not priced.
            self.suggestions.check(
                parse_name_lines(self.names.toPlainText()), quote.game, unpriced=unpriced
            )
        else:
            self.unpriced.hide()
        if self.previous is not None:
            delta = quote.sum - self.previous.sum
            pct = (delta / self.previous.sum * 100) if self.previous.sum else Decimal(0)
            sign = "+" if delta > 0 else ""
            self.drift.setText(
                f"Since the previous quote: {sign}{format_usd(delta)} "
                f"({sign}{pct:.1f}%) on the total."
            )
            self.drift.show()
        else:
            self.drift.hide()
        self.deposit.set_quote(quote)
        self.deposit.setVisible(quote.trade_id is not None)
        self._on_tick()
        self.quote_shown.emit(quote)

    # --- lock countdown ------------------------------------------------------------------

    def _on_tick(self) -> None:
        now = utcnow()
        quote = self.quote
        theme = current_theme()
        if quote is None or quote.trade_id is None or quote.lock_expires_at is None:
            self.countdown.clear()
            self.requote_button.setVisible(False)
        elif quote.is_locked(now):
            remaining = quote.lock_expires_at - now
            color = theme.warn if remaining.total_seconds() < 60 else theme.ok
            self.countdown.setText(
                f"<span style='color:{color}'>Lock: {format_remaining(remaining)}</span>"
            )
            self.requote_button.setVisible(False)
            self.model.set_editable(True)
        else:
            self.countdown.setText(f"<span style='color:{theme.bad}'>Quote expired</span>")
            self.requote_button.setVisible(True)
            self.model.set_editable(False)
        self.deposit.tick(now)
