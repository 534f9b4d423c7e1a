"""Wallet tab: balance, projected balance, reserved, low-balance alert, history chart."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCharts import QChart, QDateTimeAxis, QLineSeries
from PySide6.QtCore import QDateTime, QMargins, Qt, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.money import format_cents
from skins_console.core.records import WalletSnapshot
from skins_console.services.wallet_service import WalletView
from skins_console.ui.backend import Backend
from skins_console.ui.backend_tab import BackendTab
from skins_console.ui.builders import plain_table, set_column_widths, splitter
from skins_console.ui.money_chart import money_chart_view, theme_chart
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import Theme, current_theme
from skins_console.ui.wallet_model import WalletMovementsModel


class WalletTab(BackendTab):
    #: a balance was shown (fresh or last known)
    view_shown = Signal(object)

    def __init__(self, runner: TaskRunner, backend: Backend, parent: QWidget | None = None) -> None:
        super().__init__(runner, backend, parent)
        self._history_stale = False
        self.view: WalletView | None = None
        self.snapshots: list[WalletSnapshot] = []
        self.movements = WalletMovementsModel(self)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        box = QGroupBox("SkinsNode wallet")
        grid = QGridLayout(box)
        self.available = QLabel("—")
        self.reserved = QLabel("—")
        self.projected = QLabel("—")
        self.threshold = QLabel("—")
        self.fetched = QLabel("—")
        big = self.available.font()
        big.setPointSizeF(big.pointSizeF() * 1.6)
        big.setBold(True)
        self.available.setFont(big)
        self.projected.setFont(big)
        for row, (label, widget) in enumerate(
            (
                ("Available", self.available),
                ("Reserved by open orders", self.reserved),
                ("Projected (after open orders)", self.projected),
                ("Low-balance alert below", self.threshold),
                ("Checked", self.fetched),
            )
        ):
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(widget, row, 1)
        top.addWidget(box, 1)
        side = QVBoxLayout()
        self.alert = QLabel()
        self.alert.setObjectName("lowBalanceAlert")
        self.alert.setWordWrap(True)
        self.alert.hide()
        side.addWidget(self.alert)
        self.refresh_button = QPushButton("Refresh balance")
        self.refresh_button.clicked.connect(self.refresh)
        side.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignLeft)
        side.addStretch(1)
        top.addLayout(side, 1)
        layout.addLayout(top)

        self.chart = QChart()
        self.chart.setTitle("Balance history")
        self.chart.legend().hide()
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.series = QLineSeries()
        self.x_axis = QDateTimeAxis()
        self.x_axis.setFormat("MM-dd HH:mm")
        self.x_axis.setTickCount(6)
        # Labels are money as everywhere else ("$3,890.00"), placed on round amounts.
        self.chart_view, self.y_axis = money_chart_view(
            self.chart, self.series, self.x_axis, min_height=140
        )
        self.empty_chart = QLabel("No balance history yet: it grows with every balance check.")
        self.empty_chart.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.table = plain_table(self.movements)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        set_column_widths(self.table, ((0, 150), (1, 110), (2, 100)))
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(QLabel("Recent debits and refunds"))
        lower_layout.addWidget(self.table)
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self.chart_view)
        chart_layout.addWidget(self.empty_chart)
        layout.addWidget(splitter(Qt.Orientation.Vertical, (chart_box, lower), sizes=(360, 240)), 1)
        self.apply_theme(current_theme())

    # --- data ----------------------------------------------------------------------------

    def start(self) -> None:
        self._runner.spawn(
            self._show_last_then_fetch(),
            owner=self,
            key="wallet.refresh",
            description="loading the wallet",
        )

    async def _show_last_then_fetch(self) -> None:
        last = await self._backend.last_wallet()
        if last is not None:
            self.show_view(last)
        await self._reload_history()
        await self._refresh()

    def refresh(self) -> None:
        self._runner.spawn(
            self._refresh(), owner=self, key="wallet.refresh", description="refreshing the wallet"
        )

    async def _refresh(self) -> None:
        self.refresh_button.setEnabled(False)
        try:
            view = await self._backend.fetch_wallet()
        finally:
            self.refresh_button.setEnabled(True)
        self.show_view(view)
        await self._reload_history()

    def reload_history(self) -> None:
        """Re-read the history now if the tab is showing, else when it is next shown."""
        if not self.isVisible():
            self._history_stale = True
            return
        self._history_stale = False
        self._runner.spawn(
            self._reload_history(),
            owner=self,
            key="wallet.history",
            description="loading the balance history",
        )

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._history_stale:
            self.reload_history()

    async def _reload_history(self) -> None:
        snapshots = await self._backend.wallet_history()
        moved = await self._backend.wallet_movements(snapshots)
        self.snapshots = snapshots
        self.show_history(snapshots)
        currency = self.view.currency if self.view is not None else "USD"
        self.movements.set_rows(moved, currency)

    def recount(self) -> None:
        """What open orders reserve, counted again against the shown balance read (an order
        moved); the balance itself is read again on its timer."""
        shown = self.view
        if shown is None:
            return

        def show(view: WalletView) -> None:
            if self.view is shown:  # no newer read arrived meanwhile
                self.show_view(view)

        self._runner.spawn(
            self._backend.recount_wallet(shown),
            owner=self,
            key="wallet.recount",
            on_success=show,
            description="counting what open orders reserve",
        )

    def show_view(self, view: WalletView) -> None:
        self.view = view
        cur = view.currency
        self.available.setText(format_cents(view.available_cents, cur))
        self.reserved.setText(format_cents(view.reserved_cents, cur))
        self.projected.setText(format_cents(view.projected_cents, cur))
        self.threshold.setText(
            format_cents(view.low_balance_threshold_cents, cur)
            if view.low_balance_threshold_cents
            else "off"
        )
        when = view.fetched_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        self.fetched.setText(
            when + (" (last known; SkinsNode not reached)" if view.offline else "")
        )
        if view.low:
            self.alert.setText(
                f"⚠ Low balance: after the open orders the wallet holds "
                f"{format_cents(view.projected_cents, cur)}, below your alert level of "
                f"{format_cents(view.low_balance_threshold_cents, cur)}. Top up the SkinsNode "
                "wallet before new orders fail with insufficient funds."
            )
            self.alert.show()
        else:
            self.alert.hide()
        self.apply_theme(current_theme())
        self.view_shown.emit(view)

    def show_history(self, snapshots: list[WalletSnapshot]) -> None:
        points = sorted(snapshots, key=lambda s: s.at)
        self.series.clear()
        # A balance changes at an instant and then holds: steps, not slopes between checks.
        for at_ms, cents in step_points([(_msecs(p.at), p.available_cents) for p in points]):
            self.series.append(at_ms, cents / 100)
        has_data = len(points) >= 1
        self.chart_view.setVisible(has_data)
        self.empty_chart.setVisible(not has_data)
        if not has_data:
            return
        first, last = points[0].at, points[-1].at
        span = (last - first).total_seconds()
        self.x_axis.setFormat(
            "HH:mm:ss" if span < 3600 else "MM-dd HH:mm" if span < 7 * 86400 else "yyyy-MM-dd"
        )
        if first == last:
            self.x_axis.setRange(
                QDateTime.fromMSecsSinceEpoch(_msecs(first) - 60_000),
                QDateTime.fromMSecsSinceEpoch(_msecs(last) + 60_000),
            )
        else:
            self.x_axis.setRange(
                QDateTime.fromMSecsSinceEpoch(_msecs(first)),
                QDateTime.fromMSecsSinceEpoch(_msecs(last)),
            )
        available = [p.available_cents for p in points]
        currency = self.view.currency if self.view is not None else "USD"
        for label in list(self.y_axis.categoriesLabels()):
            self.y_axis.remove(label)
        ticks = money_ticks(min(available), max(available))
        for tick in ticks:
            self.y_axis.append(format_cents(tick, currency), tick / 100)
        self.y_axis.setRange(ticks[0] / 100, ticks[-1] / 100)

    def apply_theme(self, theme: Theme) -> None:
        theme_chart(self.chart, (self.x_axis, self.y_axis), theme)
        self.chart.setTitleBrush(theme.color("text"))
        for axis in (self.x_axis, self.y_axis):
            axis.setTitleBrush(theme.color("muted"))
        pen = QPen(theme.color("chart_line"))
        pen.setWidth(2)
        self.series.setPen(pen)
        self.alert.setStyleSheet(
            f"QLabel#lowBalanceAlert {{ color: {theme.bad}; font-weight: 600; }}"
        )


def step_points(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(time, cents) checks as a step line: each change drawn where it was seen."""
    steps: list[tuple[int, int]] = []
    for at, cents in points:
        if steps and steps[-1][1] != cents:
            steps.append((at, steps[-1][1]))
        steps.append((at, cents))
    return steps


def money_ticks(low: int, high: int, count: int = 5) -> list[int]:
    """Round amounts in cents (1, 2 or 5 × 10ⁿ apart) covering ``low``..``high``."""
    span = max(high - low, 100)
    raw = span / max(1, count - 1)
    magnitude = 10 ** max(0, len(str(int(raw))) - 1)
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = max(0, (low // step) * step - (step if low % step == 0 and low > 0 else 0))
    ticks = [start]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    if len(ticks) == 1:
        ticks.append(start + step)
    return ticks


def _msecs(at: datetime) -> int:
    return int(at.timestamp() * 1000)
