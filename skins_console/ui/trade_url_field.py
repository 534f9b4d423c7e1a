"""A trade URL input with live validation and the buyer's derived Steam identity.

Validation is ``core.trade_url.parse_trade_url``; its specific message (no token, a junk
port, SteamID64 in ``partner=``…) is shown under the field as the operator types or pastes,
and a look-alike host gets a phishing warning of its own. Whatever was pasted (``http://``,
``www.``, a chat message around the link), the field shows the canonical URL that will be
stored, and :meth:`TradeUrlField.canonical` is what the forms send. A customer book
(completer over saved trade URLs) fills the field for repeat buyers.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QLabel, QLineEdit, QVBoxLayout, QWidget

from skins_console.core.errors import TradeUrlError, TradeUrlPhishingError
from skins_console.core.records import CustomerRecord
from skins_console.core.trade_url import TradeUrl, parse_trade_url
from skins_console.ui.theme import current_theme


class TradeUrlField(QWidget):
    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, party: str = "buyer") -> None:
        super().__init__(parent)
        #: whose trade URL this is: the buyer (an order) or the seller (a deposit)
        self.party = party
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("https://steamcommunity.com/tradeoffer/new/?partner=…&token=…")
        self.edit.setClearButtonEnabled(True)
        # In a form row next to a wrapping label the edit was squeezed below its own height.
        self.edit.setMinimumHeight(self.edit.sizeHint().height())
        layout.addWidget(self.edit)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setOpenExternalLinks(True)
        layout.addWidget(self.message)
        self.parsed: TradeUrl | None = None
        #: why the field's text is not a trade URL (None: empty or valid)
        self._problem: TradeUrlError | None = None
        self._labels: dict[str, str] = {}
        self._completer_model = QStringListModel(self)
        completer = QCompleter(self._completer_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(self._on_completion)
        self.edit.setCompleter(completer)
        self.edit.textChanged.connect(self._validate)
        self._validate(self.edit.text())

    def set_customers(self, customers: list[CustomerRecord]) -> None:
        entries = []
        self._labels = {}
        for customer in customers:
            entry = (
                f"{customer.label} — {customer.trade_url}" if customer.label else customer.trade_url
            )
            entries.append(entry)
            self._labels[entry] = customer.trade_url
        self._completer_model.setStringList(entries)

    def _on_completion(self, text: str) -> None:
        url = self._labels.get(text)
        if url is not None:
            # QCompleter writes the label text in after this signal; replace it afterwards.
            QTimer.singleShot(0, lambda: self.edit.setText(url))

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    def canonical(self) -> str | None:
        """The URL to store and send (``https://steamcommunity.com/tradeoffer/new/?…``), or
        None while the field holds no valid trade URL."""
        return self.parsed.url if self.parsed is not None else None

    def error_text(self) -> str | None:
        try:
            parse_trade_url(self.edit.text())
        except TradeUrlError as exc:
            return exc.message
        return None

    def _validate(self, text: str) -> None:
        was_valid = self.parsed is not None
        self._problem = None
        if not text.strip():
            self.parsed = None
        else:
            try:
                self.parsed = parse_trade_url(text)
            except TradeUrlError as exc:
                self.parsed = None
                self._problem = exc
        self._show_message()
        if self.parsed is not None:
            # A complete URL needs no suggestions: an open completion popup would take the
            # next click (on "Send order") just to close itself. Hidden after the completer
            # has reacted to this same edit.
            QTimer.singleShot(0, self._hide_completions)
        if (self.parsed is not None) != was_valid or not text.strip():
            self.validity_changed.emit(self.parsed is not None)

    def _show_message(self) -> None:
        """The line under the field, in the theme's colours as they are now: rich text keeps
        the colours (the link's too) it was given, so a theme change renders it again."""
        theme = current_theme()
        url, problem = self.parsed, self._problem
        if isinstance(problem, TradeUrlPhishingError):
            self.message.setText(
                f"<span style='color:{theme.bad}'><b>⚠ {_escape(problem.message)}</b></span>"
            )
        elif problem is not None:
            self.message.setText(
                f"<span style='color:{theme.bad}'>{_escape(problem.message)}</span>"
            )
        elif url is None:
            hint = f"Paste the {self.party}'s Steam trade URL."
            self.message.setText(f"<span style='color:{theme.muted}'>{hint}</span>")
        else:
            text = self.edit.text().strip()
            stored = (
                ""
                if url.url == text
                else f" Stored as <span style='color:{theme.muted}'>{_escape(url.url)}</span>."
            )
            self.message.setText(
                f"<span style='color:{theme.ok}'>✓ Valid.</span>{stored} SteamID64 "
                f"<b>{url.steamid64}</b> · <a style='color:{theme.info}' "
                f"href='{url.profile_url}'>Steam profile</a>"
            )

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # the theme changed
            self._show_message()

    def _hide_completions(self) -> None:
        completer = self.edit.completer()
        popup = completer.popup() if completer is not None else None
        if popup is not None and self.parsed is not None:
            popup.hide()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
