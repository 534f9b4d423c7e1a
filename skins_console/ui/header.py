"""The strip under the menu bar: profile, provider health, balance, last sync, busy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QWidget,
)

from skins_console.core.money import format_cents
from skins_console.ui.theme import Theme, current_theme

if TYPE_CHECKING:  # an annotation only: core.records is not needed for the first paint
    from skins_console.core.records import ProfileRecord

SANDBOX_TEXT = "SANDBOX — demo money, no real trades"


class HealthDot(QLabel):
    """● coloured by state: ok, down, unknown (grey)."""

    def __init__(self, provider: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.provider = provider
        self.state = "unknown"
        self.detail = "not checked yet"
        self.set_state("unknown", "not checked yet")

    def set_state(self, state: str, detail: str) -> None:
        self.state, self.detail = state, detail
        theme = current_theme()
        color = {"ok": theme.ok, "down": theme.bad, "degraded": theme.warn}.get(
            state, theme.neutral
        )
        self.setText(f"<span style='color:{color}'>●</span> {self.provider}")
        self.setToolTip(f"{self.provider}: {detail}")


class SandboxStripe(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(SANDBOX_TEXT, parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setObjectName("sandboxStripe")
        self.apply_theme(current_theme())
        self.hide()

    def set_clock_speed(self, speed: float) -> None:
        """Say when the demo clock runs fast: every countdown then runs ``speed`` times faster."""
        text = SANDBOX_TEXT
        if abs(speed - 1.0) > 1e-9:
            text += f" · demo clock ×{speed:g}"
        self.setText(text)

    def apply_theme(self, theme: Theme) -> None:
        self.setStyleSheet(
            f"QLabel#sandboxStripe {{ background: {theme.sandbox_bg}; color: {theme.sandbox_fg};"
            " font-weight: 700; padding: 4px; letter-spacing: 1px; }"
        )


class Header(QFrame):
    profile_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(QLabel("Profile:"))
        self.profile_combo = QComboBox()
        self.profile_combo.setMinimumWidth(160)
        self.profile_combo.setToolTip("Switch profile")
        layout.addWidget(self.profile_combo)
        layout.addSpacing(12)
        self.skinsnode_dot = HealthDot("SkinsNode")
        self.skinslink_dot = HealthDot("Skinslink")
        layout.addWidget(self.skinsnode_dot)
        layout.addWidget(self.skinslink_dot)
        layout.addSpacing(12)
        self.balance = QLabel("Balance: —")
        self.balance.setToolTip("SkinsNode wallet balance")
        self.projected = QLabel("Projected: —")
        self.projected.setToolTip("Balance after the open orders are paid")
        layout.addWidget(self.balance)
        layout.addWidget(self.projected)
        layout.addStretch(1)
        self.sync = QLabel("Last sync: —")
        layout.addWidget(self.sync)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(90)
        self.busy.setMaximumHeight(12)
        self.busy.setToolTip("Working…")
        self.busy.setVisible(False)
        layout.addWidget(self.busy)
        self._updating = False
        self._wallet: tuple | None = None
        self.profile_combo.activated.connect(self._on_profile_activated)

    def set_profiles(
        self,
        profiles: list[ProfileRecord],
        current: str | None,
        others: Sequence[tuple[str, str]] = (),
    ) -> None:
        """``profiles`` of the open book, then ``others`` (name, where its book is)."""
        self._updating = True
        try:
            self.profile_combo.clear()
            for profile in profiles:
                label = profile.name + ("  (sandbox)" if profile.is_sandbox else "")
                self.profile_combo.addItem(label, profile.name)
            for name, where in others:
                self.profile_combo.addItem(f"{name}  ({where})", name)
            index = self.profile_combo.findData(current)
            self.profile_combo.setCurrentIndex(index)
        finally:
            self._updating = False

    def _on_profile_activated(self, index: int) -> None:
        name = self.profile_combo.itemData(index)
        if name and not self._updating:
            self.profile_chosen.emit(name)

    def set_wallet(
        self,
        available: int | None,
        projected: int | None,
        currency: str,
        *,
        low: bool,
        offline: bool,
    ) -> None:
        self._wallet = (available, projected, currency, low, offline)
        theme = current_theme()
        suffix = " (last known)" if offline else ""
        self.balance.setText(f"Balance: <b>{format_cents(available, currency)}</b>{suffix}")
        amount = f"<b>{format_cents(projected, currency)}</b>"
        if low:
            amount = f"<span style='color:{theme.bad}'>{amount} ⚠ low</span>"
        self.projected.setText(f"Projected: {amount}")

    def apply_theme(self, _theme: Theme) -> None:
        if self._wallet is not None:
            available, projected, currency, low, offline = self._wallet
            self.set_wallet(available, projected, currency, low=low, offline=offline)
        for dot in (self.skinsnode_dot, self.skinslink_dot):
            dot.set_state(dot.state, dot.detail)

    def set_synced(self, when: datetime) -> None:
        self.sync.setText("Last sync: " + when.astimezone().strftime("%H:%M:%S"))

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
