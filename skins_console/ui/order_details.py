"""The details pane of the Orders tab: timeline, failure in plain words, copy and open."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.records import DepositRecord, EventRecord, OrderRecord
from skins_console.core.statuses import Provider, describe, info
from skins_console.core.trade_url import TradeUrlError, parse_trade_url
from skins_console.services.explain import explain_deposit_failure, explain_order_failure
from skins_console.ui.builders import message_label
from skins_console.ui.error_presenter import user_message
from skins_console.ui.orders_model import ActivityItem
from skins_console.ui.status_chip import StatusChip
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import current_theme
from skins_console.ui.widgets.elided_label import ElidedLabel
from skins_console.ui.wording import provider_spelling, status_word

#: fields that are one id each: elided with the whole id as tooltip (their Copy button and
#: ``text()`` keep it whole); everything else wraps inside the pane
_ID_FIELDS = frozenset({"id", "offer", "buyer"})


def _fmt(ts) -> str:
    return ts.astimezone().strftime("%Y-%m-%d %H:%M:%S") if ts else "—"


def _checked_text(last, following) -> str:
    """When the tracker last asked the provider, and when it will ask next."""
    text = _fmt(last) if last else "not yet"
    if following is not None:
        text += f" · next check {_fmt(following)}"
    elif last is not None:
        text += " · no further checks (final)"
    return text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class OrderDetails(QWidget):
    recheck_requested = Signal(object)  # ActivityItem
    changed = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        *,
        load_events: Callable[[ActivityItem], Coroutine[Any, Any, list[EventRecord]]],
        add_note: Callable[[ActivityItem, str], Coroutine[Any, Any, object]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._load_events = load_events
        self._add_note = add_note
        self.item: ActivityItem | None = None
        self.events: list[EventRecord] = []
        self._build()

    def _build(self) -> None:
        # The details scroll inside their pane: a long record never makes the window
        # taller or wider than the screen.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll)
        content = QWidget()
        scroll.setWidget(content)
        self._scroll, self._content = scroll, content
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 0, 6, 0)
        head = QHBoxLayout()
        self.title = QLabel("Select an order or deposit to see its details.")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.title.setFont(font)
        self.chip = StatusChip()
        self.chip.hide()
        # The chip keeps its own height beside a title that wraps to several lines.
        self.chip.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        head.addWidget(self.title, 1)
        head.addWidget(self.chip, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(head)
        self.status_text = QLabel()
        self.status_text.setWordWrap(True)
        layout.addWidget(self.status_text)
        self.failure = message_label("failureText")
        layout.addWidget(self.failure)

        self.form = QFormLayout()
        # A narrow pane puts a value under its label rather than pushing it off the right.
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.fields: dict[str, QLabel] = {}
        self.copy_buttons: dict[str, QToolButton] = {}
        for key, label, copyable in (
            ("id", "ID", True),
            ("offer", "Trade offer", True),
            ("amount", "Amount", False),
            ("buyer", "Steam user", True),
            ("created", "Created", False),
            ("updated", "Updated", False),
            ("deadline", "Deadline", False),
            ("checked", "Last checked", False),
            ("bot", "Bot", False),
            ("operator", "Operator", False),
        ):
            # Ids are never broken across lines (they are copied whole); a pane too narrow
            # for one elides it, the tooltip shows it. Sentences wrap inside the pane.
            value: QLabel
            if key in _ID_FIELDS:
                value = ElidedLabel("—")
            else:
                value = QLabel("—")
                value.setWordWrap(True)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            row = QHBoxLayout()
            row.addWidget(value, 1)
            if copyable:
                button = QToolButton()
                button.setText("Copy")
                button.setAutoRaise(True)
                button.clicked.connect(lambda _=False, k=key: self._copy(k))
                row.addWidget(button)
                self.copy_buttons[key] = button
            self.fields[key] = value
            self.form.addRow(label, row)
        layout.addLayout(self.form)

        actions = QGridLayout()
        self.recheck_button = QPushButton("Re-check now")
        self.open_trade_button = QPushButton("Open trade URL")
        self.open_profile_button = QPushButton("Open Steam profile")
        for n, action_button in enumerate(
            (self.recheck_button, self.open_trade_button, self.open_profile_button)
        ):
            action_button.setEnabled(False)
            actions.addWidget(action_button, n // 2, n % 2)
        actions.setColumnStretch(2, 1)
        layout.addLayout(actions)
        self.recheck_button.clicked.connect(self._on_recheck_clicked)
        self.open_trade_button.clicked.connect(self._on_open_trade_clicked)
        self.open_profile_button.clicked.connect(self._on_open_profile_clicked)

        timeline_head = QHBoxLayout()
        timeline_label = QLabel("Timeline")
        timeline_label.setWordWrap(True)
        timeline_head.addWidget(timeline_label, 1)
        # The sentences are for the operator; HTTP calls and attempts are there on demand.
        self.technical = QCheckBox("Technical details")
        self.technical.setToolTip("Also show provider calls, attempts and status codes")
        self.technical.toggled.connect(self._on_technical_toggled)
        timeline_head.addWidget(self.technical)
        layout.addLayout(timeline_head)
        self.timeline = QTextBrowser()
        self.timeline.setOpenLinks(False)
        self.timeline.setMinimumHeight(120)
        layout.addWidget(self.timeline, 1)

        note_label = QLabel("Add a note (kept in the timeline)")
        note_label.setWordWrap(True)
        layout.addWidget(note_label)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("e.g. buyer asked to resend on Friday")
        self.note.setMaximumHeight(60)
        layout.addWidget(self.note)
        note_row = QHBoxLayout()
        self.note_error = QLabel()
        self.note_error.setObjectName("inlineError")
        self.note_error.setWordWrap(True)
        self.note_button = QPushButton("Save note")
        self.note_button.setEnabled(False)
        note_row.addWidget(self.note_error, 1)
        note_row.addWidget(self.note_button)
        layout.addLayout(note_row)
        self.note_button.clicked.connect(self._on_note_clicked)

    def minimumSizeHint(self) -> QSize:
        """As wide as the content needs (the pane scrolls vertically, never sideways)."""
        extent = self._scroll.verticalScrollBar().sizeHint().width()
        return QSize(self._content.minimumSizeHint().width() + extent + 2, 120)

    # --- content -------------------------------------------------------------------------

    def show_item(self, item: ActivityItem | None) -> None:
        same = (
            item is not None
            and self.item is not None
            and item.key == self.item.key
            and item.provider is self.item.provider
        )
        self.item = item
        for button in (self.recheck_button, self.note_button):
            button.setEnabled(item is not None)
        if item is None:
            self.title.setText("Select an order or deposit to see its details.")
            self.chip.hide()
            self.status_text.clear()
            self.failure.hide()
            for value in self.fields.values():
                value.setText("—")
            self.open_trade_button.setEnabled(False)
            self.open_profile_button.setEnabled(False)
            self.timeline.clear()
            return
        record = item.record
        self.title.setText(f"{item.provider.label} · {item.items}")
        self.chip.set_status(status_word(item.provider, item.status))
        self.chip.setToolTip(provider_spelling(item.provider, item.status))
        self.chip.show()
        self.status_text.setText(describe(item.provider, item.status))
        self.fields["id"].setText(item.key)
        self.fields["amount"].setText(item.money_summary or "—")
        self.fields["buyer"].setText(item.counterparty or "—")
        self.fields["created"].setText(_fmt(item.created_at))
        self.fields["updated"].setText(_fmt(item.updated_at))
        self.fields["deadline"].setText(
            f"{_fmt(item.deadline)} ({item.deadline_label})" if item.deadline else "—"
        )
        self.fields["checked"].setText(_checked_text(record.last_checked_at, record.next_check_at))
        self.fields["operator"].setText(operator_text(record.operator, record.sent_by))
        if isinstance(record, OrderRecord):
            self.fields["offer"].setText(record.steam_offer_id or "—")
            self.fields["bot"].setText("—")
            failure = ""
            if (
                record.failure_code
                or record.failure_message
                or info(Provider.SKINSNODE, record.status).failure
            ):
                failure = explain_order_failure(
                    record.failure_code or record.status, record.failure_message
                )
            trade_url = record.trade_url
        else:
            assert isinstance(record, DepositRecord)
            self.fields["offer"].setText(record.trade_offer_id or "—")
            bot = record.bot_name or "—"
            if record.bot_steam_id:
                bot += f" ({record.bot_steam_id})"
            self.fields["bot"].setText(bot)
            failure = (
                explain_deposit_failure(record.fail_reason)
                if record.fail_reason or info(Provider.SKINSLINK, record.status).failure
                else ""
            )
            trade_url = (
                f"https://steamcommunity.com/tradeoffer/new/?partner={record.partner}"
                f"&token={record.token}"
            )
        self._trade_url = trade_url
        self.failure.setText(failure)
        self.failure.setVisible(bool(failure))
        self.open_trade_button.setEnabled(bool(trade_url))
        self.open_profile_button.setEnabled(bool(item.counterparty))
        if not same:
            self.note.clear()
            self.note_error.clear()
        self.reload_events()

    def reload_events(self) -> None:
        if self.item is None:
            return
        item = self.item
        self._runner.spawn(
            self._load_events(item),
            owner=self,
            key="order_details.events",
            on_success=lambda events: self._show_events(item, events),
            description="loading the order timeline",
        )

    def _show_events(self, item: ActivityItem, events: list[EventRecord]) -> None:
        if self.item is None or self.item.key != item.key:
            return
        self.events = events
        self.timeline.setHtml(
            timeline_html(events, technical=self.technical.isChecked(), theme=current_theme())
        )

    def apply_theme(self) -> None:
        """The chip and the timeline were painted in the previous theme's colours."""
        if self.item is not None:
            self.chip.set_status(self.chip.status)  # the word it shows
            self._show_events(self.item, self.events)

    def _on_technical_toggled(self, _checked: bool) -> None:
        if self.item is not None:
            self._show_events(self.item, self.events)

    # --- actions -------------------------------------------------------------------------

    def _copy(self, key: str) -> None:
        text = self.fields[key].text()
        if text and text != "—":
            QGuiApplication.clipboard().setText(text)

    def _on_recheck_clicked(self) -> None:
        if self.item is not None:
            self.recheck_requested.emit(self.item)

    def _on_open_trade_clicked(self) -> None:
        try:
            parse_trade_url(self._trade_url)
        except TradeUrlError:
            return
        QDesktopServices.openUrl(QUrl(self._trade_url))

    def _on_open_profile_clicked(self) -> None:
        if self.item is not None and self.item.counterparty.isdigit():
            QDesktopServices.openUrl(
                QUrl(f"https://steamcommunity.com/profiles/{self.item.counterparty}")
            )

    def _on_note_clicked(self) -> None:
        text = self.note.toPlainText().strip()
        if self.item is None:
            return
        if not text:
            self.note_error.setText("Write the note first.")
            return
        item = self.item
        self.note_button.setEnabled(False)
        self._runner.spawn(
            self._add_note(item, text),
            owner=self,
            on_success=lambda _r: self._on_note_saved(item),
            on_error=self._on_note_failed,
            description="saving a note",
        )

    def _on_note_saved(self, item: ActivityItem) -> None:
        self.note_button.setEnabled(True)
        if self.item is not None and self.item.key == item.key:
            self.note.clear()
            self.note_error.clear()
            self.reload_events()
        self.changed.emit()

    def _on_note_failed(self, exc: BaseException) -> None:
        # The note text stays in the box: nothing the operator typed is lost.
        self.note_button.setEnabled(True)
        self.note_error.setText(user_message(exc))


#: event types that are technical detail (shown with "Technical details")
TECHNICAL_EVENTS = frozenset({"api_call", "api_error", "recovery"})


def operator_text(operator: str | None, sent_by: str | None) -> str:
    """Who wrote the record and, when another console finished its send, who sent it."""
    if operator is None:
        return sent_by or "—"
    if sent_by and sent_by != operator:
        return f"{operator} (sent by {sent_by})"
    return operator


def timeline_html(events: list[EventRecord], *, technical: bool, theme) -> str:
    """The timeline as sentences: when, then what happened; the event type and the status
    transition only with ``technical``."""
    lines = []
    for event in events:
        if event.type in TECHNICAL_EVENTS and not technical:
            continue
        sentence = _escape(event.message.strip() or (event.new_status or event.type))
        if sentence and sentence[-1] not in ".!?…":
            sentence += "."
        if event.type == "note":
            sentence = f"Note: {sentence}"
        detail = ""
        if technical:
            change = (
                f" {_escape(event.old_status or '∅')} → {_escape(event.new_status)}"
                if event.new_status
                else ""
            )
            detail = f" <span style='color:{theme.muted}'>[{_escape(event.type)}{change}]</span>"
        # Who did it (team mode): the operator whose console wrote the event.
        who = (
            f" <span style='color:{theme.muted}'>— {_escape(event.operator)}</span>"
            if event.operator
            else ""
        )
        lines.append(
            f"<div><span style='color:{theme.muted}'>{_fmt(event.at)}</span> "
            f"{sentence}{who}{detail}</div>"
        )
    return "".join(lines) or "<i>No events yet.</i>"
