"""Settings: theme, polling, notifications, and the active profile's tolerance and alert.

Values are validated by the typed ``Settings`` descriptors and the profile repository; a
refused value is shown inline next to the form and nothing is saved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.errors import ValidationError
from skins_console.core.money import MoneyError, format_cents, parse_cents_input
from skins_console.core.records import ProfileRecord
from skins_console.services.chat_notify import ChatSetup
from skins_console.store.settings import NOTIFICATION_KINDS, Settings
from skins_console.ui.chat_channels_dialog import ChatSection
from skins_console.ui.error_presenter import user_message
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import current_theme

_POLLING = (
    ("poll_orders_seconds", "Check moving and sent orders every (s)", 30, 3600),
    ("poll_wallet_seconds", "Refresh the balance every (s)", 10, 86400),
    ("poll_health_seconds", "Check provider health every (s)", 10, 86400),
    ("catalog_refresh_minutes", "Reload the catalog every (min)", 1, 1440),
)


class SettingsDialog(QDialog):
    applied = Signal()
    edit_profile_requested = Signal()
    #: the profile's Telegram / Discord channels were saved or removed (applied at once)
    chat_channels_changed = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        settings: Settings,
        profile: ProfileRecord | None,
        *,
        save_profile_fields: Callable[[str, dict], Awaitable[ProfileRecord]],
        chat: ChatSetup | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._runner = runner
        self.settings = settings
        self.profile = profile
        self._save_profile_fields = save_profile_fields
        layout = QVBoxLayout(self)
        # Two columns, so the dialog fits a 1024×640 screen with room to spare.
        columns = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        layout.addLayout(columns)

        general = QGroupBox("Appearance and polling")
        form = QFormLayout(general)
        self.theme = QComboBox()
        for mode, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            self.theme.addItem(label, mode)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        form.addRow("Theme", self.theme)
        self.polling: dict[str, QSpinBox] = {}
        for key, label, low, high in _POLLING:
            spin = QSpinBox()
            spin.setRange(low, high)
            spin.setValue(settings.get(key))
            form.addRow(label, spin)
            self.polling[key] = spin
        left.addWidget(general)

        notes = QGroupBox("Desktop notifications")
        grid = QGridLayout(notes)
        self.notifications: dict[str, QCheckBox] = {}
        rules = settings.notifications
        for n, kind in enumerate(NOTIFICATION_KINDS):
            check = QCheckBox(kind.replace("_", " ").capitalize())
            check.setChecked(bool(rules.get(kind, NOTIFICATION_KINDS[kind])))
            grid.addWidget(check, n // 2, n % 2)
            self.notifications[kind] = check
        right.addWidget(notes)

        # Chat channels are saved by their own dialog, at once (secrets go to the keyring).
        self.chat = ChatSection(runner, chat, self)
        self.chat.changed.connect(self.chat_channels_changed.emit)
        layout.addWidget(self.chat)

        hooks = QGroupBox("Webhook listener")
        hform = QFormLayout(hooks)
        self.listener_enabled = QCheckBox("Receive webhooks while the console runs")
        self.listener_enabled.setChecked(settings.webhook_listener_enabled)
        self.listener_enabled.setToolTip(
            "A desktop has no public address: expose this port through a tunnel or relay and "
            "put the public address in the profile's webhook URL. Polling works without it."
        )
        self.listener_host = QLineEdit(settings.webhook_listener_host)
        self.listener_port = QSpinBox()
        self.listener_port.setRange(1, 65535)
        self.listener_port.setValue(settings.webhook_listener_port)
        hform.addRow(self.listener_enabled)
        hform.addRow("Address", self.listener_host)
        hform.addRow("Port", self.listener_port)
        right.addWidget(hooks)
        right.addStretch(1)

        prof = QGroupBox(f"Profile “{profile.name}”" if profile else "Profile")
        pform = QFormLayout(prof)
        self.tolerance = QLineEdit(str(profile.min_price_tolerance_pct) if profile else "")
        self.tolerance.setToolTip("Deposit minimum price = quoted price less this percentage")
        self.threshold = QLineEdit(
            format_cents(profile.low_balance_threshold_cents).lstrip("$") if profile else ""
        )
        pform.addRow("Min-price tolerance (%)", self.tolerance)
        pform.addRow("Low-balance alert below ($)", self.threshold)
        edit = QPushButton("Endpoints and credentials…")
        edit.clicked.connect(self.edit_profile_requested.emit)
        pform.addRow("", edit)
        prof.setEnabled(profile is not None)
        left.addWidget(prof)
        left.addStretch(1)

        self.error = QLabel()
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _show_error(self, message: str) -> None:
        self.error.setText(f"<span style='color:{current_theme().bad}'>{message}</span>")

    def _profile_changes(self) -> dict:
        if self.profile is None:
            return {}
        changes: dict = {}
        try:
            tolerance = Decimal(self.tolerance.text().strip() or "0")
        except InvalidOperation:
            raise ValidationError("The tolerance must be a percentage, e.g. 2.5") from None
        if tolerance != self.profile.min_price_tolerance_pct:
            changes["min_price_tolerance_pct"] = tolerance
        text = self.threshold.text().strip() or "0"
        try:
            cents = parse_cents_input(
                text if ("." in text or "$" in text) else text + ".00", field="low-balance alert"
            )
        except MoneyError as exc:
            raise ValidationError(str(exc)) from None
        if cents != self.profile.low_balance_threshold_cents:
            changes["low_balance_threshold_cents"] = cents
        return changes

    def _on_save(self) -> None:
        try:
            changes = self._profile_changes()
            # Validate everything before writing anything.
            staged = Settings(None)
            staged._values = dict(self.settings._values)
            staged.theme = self.theme.currentData()
            for key, spin in self.polling.items():
                staged.set(key, spin.value())
            staged.notifications = {k: c.isChecked() for k, c in self.notifications.items()}
            staged.webhook_listener_enabled = self.listener_enabled.isChecked()
            staged.webhook_listener_host = self.listener_host.text().strip()
            staged.webhook_listener_port = self.listener_port.value()
        except ValidationError as exc:
            self._show_error(exc.message)
            return
        self.save_button.setEnabled(False)
        self._runner.spawn(
            self._apply(staged, changes),
            owner=self,
            key="settings.save",
            on_success=lambda _r: self._on_saved(),
            on_error=self._on_failed,
            description="saving settings",
        )

    async def _apply(self, staged: Settings, changes: dict) -> None:
        if changes and self.profile is not None:
            self.profile = await self._save_profile_fields(self.profile.name, changes)
        for key in (
            "theme",
            "notifications",
            "webhook_listener_enabled",
            "webhook_listener_host",
            "webhook_listener_port",
            *self.polling,
        ):
            self.settings.set(key, staged.get(key))
        if self.settings.path is not None:
            await asyncio.to_thread(self.settings.save)

    def _on_saved(self) -> None:
        self.applied.emit()
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self._show_error(user_message(exc))
