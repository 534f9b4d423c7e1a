"""The part every money chart shares: a value axis labelled with our own money text
("$3,890.00", "-$250"), since Qt's printf-style axis formats cannot put a currency sign and
thousands separators on a number, the antialiased view that shows the chart, and the
colours a chart takes from the theme."""

from __future__ import annotations

from PySide6.QtCharts import QAbstractAxis, QAbstractSeries, QCategoryAxis, QChart, QChartView
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter

from skins_console.ui.theme import Theme


def money_chart_view(
    chart: QChart, series: QAbstractSeries, x_axis: QAbstractAxis, *, min_height: int
) -> tuple[QChartView, QCategoryAxis]:
    """Add ``series`` to ``chart`` over ``x_axis`` and a money axis (labels placed on their
    values; the caller appends them); returns the view and that axis."""
    y_axis = QCategoryAxis()
    y_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    chart.addSeries(series)
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(x_axis)
    series.attachAxis(y_axis)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(min_height)
    return view, y_axis


def theme_chart(chart: QChart, axes: tuple[QAbstractAxis, ...], theme: Theme) -> None:
    """``chart`` in ``theme``'s light or dark chart theme, on its base colour, with the
    ``axes``' labels in its text colour (a chart theme resets colours set before it)."""
    chart.setTheme(
        QChart.ChartTheme.ChartThemeDark if theme.dark else QChart.ChartTheme.ChartThemeLight
    )
    chart.setBackgroundBrush(theme.color("base"))
    for axis in axes:
        axis.setLabelsBrush(theme.color("text"))
