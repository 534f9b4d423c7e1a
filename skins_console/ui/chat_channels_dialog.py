"""Chat notifications: the profile's Telegram chat and Discord webhook, and a test message.

Also the small section of the Settings dialog that shows them (``ChatSection``). The bot
token and the webhook URL go straight to the keyring through ``ChatSetup``; the fields
holding them are password fields, emptied once saved, and never filled back in.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.chat_targets import TELEGRAM_API_BASE
from skins_console.services.chat_notify import ChannelInfo, ChatSetup, TestResult
from skins_console.ui.error_presenter import user_message
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import current_theme


def describe_channels(channels: list[ChannelInfo]) -> str:
    if not channels:
        return "No chat channel: notifications stay on this computer."
    parts = []
    for info in channels:
        text = f"{info.label} {info.target}"
        if not info.has_secret:
            text += " (secret missing: set it up again)"
        parts.append(text)
    return "Forwarded to " + " and ".join(parts) + "."


def describe_results(results: list[TestResult]) -> tuple[str, bool]:
    """The results as one line of text, and whether every channel received the message."""
    lines = [
        f"{r.label}: {r.message}" if r.delivered else f"{r.label} failed: {r.message}"
        for r in results
    ]
    return "\n".join(lines), all(r.delivered for r in results)


class _TestButton(QPushButton):
    """'Send test message', reporting into ``status``."""

    def __init__(
        self, runner: TaskRunner, setup: ChatSetup, status: QLabel, owner: QWidget
    ) -> None:
        super().__init__("Send test message")
        self._runner = runner
        self._setup = setup
        self._status = status
        self._owner = owner
        self.clicked.connect(self.send)

    def send(self) -> None:
        self.setEnabled(False)
        _show(self._status, "Sending a test message…", True)
        self._runner.spawn(
            self._setup.send_test(),
            owner=self._owner,
            key="chat.test",
            on_success=self._done,
            on_error=self._failed,
            description="sending a test message",
        )

    def _done(self, results: list[TestResult]) -> None:
        self.setEnabled(True)
        text, ok = describe_results(results)
        _show(self._status, text, ok)

    def _failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        _show(self._status, user_message(exc), False)


def _fit_contents(edit: QLineEdit) -> None:
    """Wide enough for its hint or preset text: the dialog's natural width was about 260 px,
    which cut the chat id's hint, the API address and the webhook URL's hint short."""
    shown = max(edit.placeholderText(), edit.text(), key=len)
    margins = edit.textMargins().left() + edit.textMargins().right()
    edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(shown) + margins + 16)


def _show(label: QLabel, text: str, ok: bool) -> None:
    label.setStyleSheet("" if ok else f"color: {current_theme().bad}")
    label.setText(text)
    label.show()


class ChatSection(QGroupBox):
    """The Settings dialog's "Chat notifications" box: what is set up, and two buttons."""

    changed = Signal()

    def __init__(self, runner: TaskRunner, setup: ChatSetup | None, parent: QWidget) -> None:
        super().__init__("Chat notifications (Telegram, Discord)", parent)
        self._runner = runner
        self._setup = setup
        # One row (summary, buttons) and a result line shown only once there is one: the
        # Settings dialog is already tall.
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.summary = QLabel("Select a profile to forward notifications to a chat.")
        self.summary.setWordWrap(True)
        row.addWidget(self.summary, 1)
        self.set_up = QPushButton("Set up…")
        row.addWidget(self.set_up)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        self.test: _TestButton | None = None
        if setup is not None:
            self.test = _TestButton(runner, setup, self.status, self)
            row.addWidget(self.test)
            self.set_up.clicked.connect(self.open_setup)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.setEnabled(setup is not None)
        self.refresh()

    def refresh(self) -> None:
        if self._setup is None:
            return
        self._runner.spawn(
            self._setup.list_channels(),
            owner=self,
            key="chat.list",
            on_success=self._listed,
            on_error=self._list_failed,
            description="reading chat channels",
            background=True,
        )

    def _listed(self, channels: list[ChannelInfo]) -> None:
        self.summary.setText(describe_channels(channels))
        if self.test is not None:
            self.test.setEnabled(bool(channels))

    def _list_failed(self, exc: BaseException) -> None:
        self.summary.setText(user_message(exc))

    def open_setup(self) -> ChatChannelsDialog | None:
        if self._setup is None:
            return None
        dialog = ChatChannelsDialog(self._runner, self._setup, parent=self)
        dialog.changed.connect(self.refresh)
        dialog.changed.connect(self.changed.emit)
        dialog.open()
        return dialog


class ChatChannelsDialog(QDialog):
    """Add, replace or remove the Telegram chat and the Discord webhook; send a test."""

    changed = Signal()

    def __init__(self, runner: TaskRunner, setup: ChatSetup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Chat notifications")
        self._runner = runner
        self._setup = setup
        self._channels: dict[str, ChannelInfo] = {}
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The notifications chosen in Settings are also sent here, from the window and "
            "from headless commands. Tokens and webhook URLs are kept in the keyring."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        telegram = QGroupBox("Telegram")
        tform = QFormLayout(telegram)
        self.chat_id = QLineEdit()
        self.chat_id.setPlaceholderText("123456789, -1001234567890 or @channel")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("from @BotFather")
        self.api_base = QLineEdit(TELEGRAM_API_BASE)
        self.api_base.setToolTip("Change only for a self-hosted Bot API server.")
        tform.addRow("Chat id", self.chat_id)
        tform.addRow("Bot token", self.token)
        tform.addRow("API address", self.api_base)
        self.save_telegram, self.remove_telegram = self._save_and_remove(
            tform, "telegram", self._on_save_telegram
        )
        layout.addWidget(telegram)

        discord = QGroupBox("Discord")
        dform = QFormLayout(discord)
        self.webhook_url = QLineEdit()
        self.webhook_url.setEchoMode(QLineEdit.EchoMode.Password)
        self.webhook_url.setPlaceholderText("https://discord.com/api/webhooks/…")
        dform.addRow("Webhook URL", self.webhook_url)
        for edit in (self.chat_id, self.token, self.api_base, self.webhook_url):
            _fit_contents(edit)
        self.save_discord, self.remove_discord = self._save_and_remove(
            dform, "discord", self._on_save_discord
        )
        layout.addWidget(discord)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.test = _TestButton(runner, setup, self.status, self)
        buttons.addButton(self.test, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._reload()

    def _save_and_remove(
        self, form: QFormLayout, kind: str, save: Callable[[], None]
    ) -> tuple[QPushButton, QPushButton]:
        """The channel's "Save …" and "Remove" buttons, as the last row of its ``form``."""
        row = QHBoxLayout()
        save_button = QPushButton(f"Save {kind.capitalize()}")
        save_button.clicked.connect(save)
        remove_button = QPushButton("Remove")
        remove_button.clicked.connect(lambda: self._remove(kind))
        row.addWidget(save_button)
        row.addWidget(remove_button)
        row.addStretch(1)
        form.addRow(row)
        return save_button, remove_button

    # --- state ---------------------------------------------------------------------------

    def _reload(self) -> None:
        self._runner.spawn(
            self._setup.list_channels(),
            owner=self,
            key="chat.dialog.list",
            on_success=self._listed,
            on_error=self._failed,
            description="reading chat channels",
            background=True,
        )

    def _listed(self, channels: list[ChannelInfo]) -> None:
        self._channels = {info.kind: info for info in channels}
        self.summary.setText(describe_channels(channels))
        telegram = self._channels.get("telegram")
        if telegram is not None and not self.chat_id.text():
            self.chat_id.setText(telegram.target.removeprefix("chat "))
            self.api_base.setText(telegram.api_base or TELEGRAM_API_BASE)
        if telegram is not None and telegram.has_secret:
            self.token.setPlaceholderText("saved in the keyring; paste to replace")
        if "discord" in self._channels:
            self.webhook_url.setPlaceholderText("saved in the keyring; paste to replace")
        self.remove_telegram.setEnabled(telegram is not None)
        self.remove_discord.setEnabled("discord" in self._channels)
        self.test.setEnabled(bool(channels))

    # --- actions -------------------------------------------------------------------------

    def _on_save_telegram(self) -> None:
        # An empty token field keeps the saved token (changing only the chat id).
        token = self.token.text() or None
        self._run(
            self._setup.add_telegram(
                self.chat_id.text(), token, api_base=self.api_base.text() or TELEGRAM_API_BASE
            ),
            "Telegram saved.",
        )

    def _on_save_discord(self) -> None:
        self._run(self._setup.add_discord(self.webhook_url.text()), "Discord saved.")

    def _remove(self, kind: str) -> None:
        self._run(self._setup.remove(kind), f"{kind.capitalize()} removed.")

    def _run(self, coro: Coroutine[Any, Any, object], done: str) -> None:
        for button in (self.save_telegram, self.save_discord):
            button.setEnabled(False)
        self._runner.spawn(
            coro,
            owner=self,
            key="chat.dialog.save",
            on_success=lambda _r: self._saved(done),
            on_error=self._failed,
            description="saving chat channels",
        )

    def _saved(self, done: str) -> None:
        self.token.clear()
        self.webhook_url.clear()
        for button in (self.save_telegram, self.save_discord):
            button.setEnabled(True)
        _show(self.status, done, True)
        self.changed.emit()
        self._reload()

    def _failed(self, exc: BaseException) -> None:
        for button in (self.save_telegram, self.save_discord):
            button.setEnabled(True)
        _show(self.status, user_message(exc), False)
