"""Reports tab: per day, week or month, orders, spend, refunds, reversals, revenue, margin
and deposits paid out, as a chart and a table, with CSV export.

The figures come from ``services/report_service.py`` (the one computation the CLI's
``report`` command prints too); the table's columns are its ``REPORT_COLUMNS``. The chart
shows spend, revenue and margin per period; its money axis carries the currency sign and
thousands separators (a ``QCategoryAxis`` with our own labels, since Qt's printf-style axis
format has no grouping).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
)
from PySide6.QtCore import QDate, QMargins, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.columns import table_columns
from skins_console.core.margin import MARGIN_CURRENCY, format_amount
from skins_console.core.money import cents_to_usd
from skins_console.services.report_service import (
    PERIODS,
    REPORT_COLUMNS,
    PeriodFigures,
    PeriodReport,
)
from skins_console.ui import dialog_futures
from skins_console.ui.backend import Backend
from skins_console.ui.backend_tab import BackendTab
from skins_console.ui.builders import plain_table, splitter
from skins_console.ui.column_model import ColumnTableModel
from skins_console.ui.error_presenter import user_message
from skins_console.ui.money_chart import money_chart_view, theme_chart
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import Theme, current_theme

PERIOD_LABELS = {"day": "Per day", "week": "Per week", "month": "Per month"}
#: the chart's series: (title, value of a row in USD, theme colour)
SERIES: tuple[tuple[str, Callable[[PeriodFigures], Decimal], str], ...] = (
    ("Spend", lambda r: cents_to_usd(r.spend_cents), "neutral"),
    ("Revenue", lambda r: r.revenue_usd, "info"),
    ("Margin", lambda r: r.margin_usd, "ok"),
)
_NICE = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


def money_ticks(low: Decimal, high: Decimal, count: int = 5) -> list[Decimal]:
    """Round tick values covering ``low..high`` (0 included), about ``count`` steps."""
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if high == low:
        high = low + 1
    raw = (high - low) / count
    magnitude = Decimal(10) ** (raw.adjusted())
    step = next(m * magnitude for m in _NICE if m * magnitude >= raw)
    start = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    ticks = [start]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def tick_label(value: Decimal, step: Decimal) -> str:
    """``$1,250`` (whole dollars when the step allows), ``-$12.50``."""
    if step >= 1 and value == value.to_integral_value():
        sign = "-" if value < 0 else ""
        return f"{sign}${abs(int(value)):,}"
    return format_amount(value, MARGIN_CURRENCY)


def _short_label(row: PeriodFigures, period: str) -> str:
    if period == "day":
        return row.first_day.strftime("%m-%d")
    if period == "week":
        return row.label.split("-", 1)[1]
    return row.label


class ReportsTab(BackendTab):
    def __init__(self, runner: TaskRunner, backend: Backend, parent: QWidget | None = None) -> None:
        super().__init__(runner, backend, parent)
        self.report: PeriodReport | None = None
        self._stale = True
        # Each column's explanation is its header's tooltip (ColumnTableModel.headerData).
        self.model = ColumnTableModel(table_columns(REPORT_COLUMNS), self)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        bar = QHBoxLayout()
        self.period = QComboBox()
        for period in PERIODS:
            self.period.addItem(PERIOD_LABELS[period], period)
        self.first = QDateEdit()
        self.last = QDateEdit()
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.first.setToolTip("First day (your local calendar)")
        self.last.setToolTip("Last day, included")
        self.refresh_button = QPushButton("Show")
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setEnabled(False)
        bar.addWidget(self.period)
        bar.addWidget(QLabel("from"))
        bar.addWidget(self.first)
        bar.addWidget(QLabel("to"))
        bar.addWidget(self.last)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.chart = QChart()
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        self.series = QBarSeries()
        self.sets: list[QBarSet] = []
        for title, _value, _colour in SERIES:
            bar_set = QBarSet(title)
            self.sets.append(bar_set)
            self.series.append(bar_set)
        self.x_axis = QBarCategoryAxis()
        self.chart_view, self.y_axis = money_chart_view(
            self.chart, self.series, self.x_axis, min_height=180
        )

        self.table = plain_table(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(
            splitter(Qt.Orientation.Vertical, (self.chart_view, self.table), sizes=(260, 220)), 1
        )

        self.period.currentIndexChanged.connect(lambda _i: self.refresh(keep_range=False))
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.export_button.clicked.connect(self.export)
        self.apply_theme(current_theme())

    # --- data ----------------------------------------------------------------------------

    @property
    def period_key(self) -> str:
        return str(self.period.currentData())

    def mark_stale(self) -> None:
        """Orders or deposits moved: reload when next shown (now, if shown)."""
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self, *, keep_range: bool = True) -> None:
        self._stale = False
        first = last = None
        if keep_range and self.report is not None:
            first, last = _py_date(self.first.date()), _py_date(self.last.date())
        if self.report is None:
            self.summary.setText("Counting…")  # later reloads keep the figures shown
        self._runner.spawn(
            self._backend.report(self.period_key, first, last),
            owner=self,
            key="reports.load",
            on_success=self.show_report,
            on_error=self._on_error,
            description="building the report",
        )

    def _on_error(self, exc: BaseException) -> None:
        self.summary.setText(user_message(exc))

    def show_report(self, report: PeriodReport) -> None:
        self.report = report
        for edit, day in ((self.first, report.first_day), (self.last, report.last_day)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self.model.set_rows([*report.rows, report.totals])  # the totals last
        self.table.scrollToBottom()  # the latest period and the totals
        self.export_button.setEnabled(True)
        totals = report.totals
        text = (
            f"{PERIOD_LABELS[report.period]} in {report.zone}, by when each order or deposit "
            f"was created. {totals.orders} orders; margin {format_amount(totals.margin_usd, 'USD')}"
            f" on {totals.margin_orders} of them"
        )
        left_out = totals.orders - totals.margin_orders
        if left_out:
            text += f" ({left_out} without a USD charge or refunded/reversed)"
        self.summary.setText(text + ".")
        self._draw(report)

    def _draw(self, report: PeriodReport) -> None:
        values = [[value(row) for row in report.rows] for _t, value, _c in SERIES]
        for bar_set, row_values in zip(self.sets, values, strict=True):
            bar_set.remove(0, bar_set.count())
            # Floats for drawing only: every figure shown as text stays exact.
            bar_set.append([float(v) for v in row_values])
        self.x_axis.clear()
        self.x_axis.append([_short_label(row, report.period) for row in report.rows])
        self.x_axis.setLabelsAngle(-90 if len(report.rows) > 16 else 0)
        flat = [v for row_values in values for v in row_values] or [Decimal(0)]
        ticks = money_ticks(min(flat), max(flat))
        step = ticks[1] - ticks[0] if len(ticks) > 1 else Decimal(1)
        for label in list(self.y_axis.categoriesLabels()):
            self.y_axis.remove(label)
        self.y_axis.setStartValue(float(ticks[0]))
        for tick in ticks:
            self.y_axis.append(tick_label(tick, step), float(tick))
        self.y_axis.setRange(float(ticks[0]), float(ticks[-1]))

    # --- export --------------------------------------------------------------------------

    def export(self) -> None:
        self._runner.spawn(
            self._export(), owner=self, key="reports.export", description="exporting a report"
        )

    async def _export(self) -> None:
        report = self.report
        if report is None:
            return
        suggested = f"skins-console-report-{report.period}-{report.first_day}-{report.last_day}.csv"
        path = await dialog_futures.ask_save_path(
            self, "Export report", suggested, "CSV files (*.csv)"
        )
        if not path:
            return
        written = await self._backend.export_report(report, path)
        self.summary.setText(
            f"Exported {len(report.rows)} {report.period}s and totals to {written}"
        )

    def apply_theme(self, theme: Theme) -> None:
        theme_chart(self.chart, (self.x_axis, self.y_axis), theme)
        self.chart.legend().setLabelColor(theme.color("text"))
        for bar_set, (_title, _value, colour) in zip(self.sets, SERIES, strict=True):
            bar_set.setColor(theme.color(colour))
            bar_set.setBorderColor(theme.color(colour))


def _py_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())
