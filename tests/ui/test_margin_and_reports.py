"""The window's side of #12.1: the sell dialog takes what the buyer paid and a shop order
number, the Orders table shows charged and margin, and the Reports tab shows the period
figures as a chart and a table, exported to CSV (real window, real sandbox)."""

from __future__ import annotations

import csv
from decimal import Decimal

from skins_console.core.money import cents_to_usd
from skins_console.ui.main_window import TAB_REPORTS
from skins_console.ui.orders_model import COL_CHARGED, COL_MARGIN
from skins_console.ui.reports_tab import money_ticks, tick_label
from tests.conftest import wait_for
from tests.fixtures.ui import TRADE_URL, sandbox_control
from tests.ui.save_dialogs import answer_save_dialog
from tests.ui.test_sell_flow import _open_sell_dialog


def test_money_axis_ticks_are_round_and_read_as_money():
    ticks = money_ticks(Decimal("-12.5"), Decimal("1234"))
    assert ticks[0] <= Decimal("-12.5") and ticks[-1] >= 1234 and Decimal(0) in ticks
    step = ticks[1] - ticks[0]
    assert step == 250 and tick_label(Decimal(1000), step) == "$1,000"
    assert tick_label(Decimal(-250), step) == "-$250"
    assert tick_label(Decimal("0.25"), Decimal("0.05")) == "$0.25"
    assert money_ticks(Decimal(0), Decimal(0)) == [Decimal(0), Decimal("0.2"), *[
        Decimal(f"0.{n}") for n in (4, 6, 8)
    ], Decimal("1.0")]  # fmt: skip


async def test_sell_with_a_charge_and_a_shop_order_then_see_the_report(ui, tmp_path):
    async with ui.session() as s:
        item, dialog = await _open_sell_dialog(s)
        price = cents_to_usd(item.price_cents)
        sandbox_control(s.sandbox, "/_sandbox/outcomes", {"skinsnode": {"WEB-77": "completed"}})
        dialog.trade_url.setText(TRADE_URL)
        dialog.money.charged.setText("abc")
        assert "not an amount" in dialog.money.margin.text()
        dialog.send()
        assert "not an amount" in dialog.error.text()
        charged = price + Decimal("5.25")
        dialog.money.charged.setText(str(charged))
        assert "Margin $5.25" in dialog.money.margin.text()
        dialog.money.shop_order.setText(" WEB-77 ")
        assert dialog.external_id.text() == "WEB-77" and dialog.external_id.isReadOnly()
        dialog.send_button.click()
        await wait_for(lambda: dialog.pages.currentIndex() == 1, timeout=20)
        dialog.close_button.click()
        truth = lambda: s.sandbox.truth()["skinsnode"]["orders"]["WEB-77"]  # noqa: E731
        assert truth()["posts"] == 1

        orders = s.controller.orders
        row = lambda: orders.model.row_for("skinsnode", "WEB-77")  # noqa: E731
        await wait_for(lambda: row() is not None, timeout=10)
        await wait_for(lambda: orders.model.rows[row()].status == "completed", timeout=30)
        index = orders.model.index(row(), COL_CHARGED)
        assert index.data() == f"${charged:,}"
        assert orders.model.index(row(), COL_MARGIN).data() == "$5.25"

        # The same shop order again: refused inline, nothing sent.
        # The sold item has left the catalog: the second attempt picks another one.
        _item, again = await _open_sell_dialog(s, exclude={item.id})
        again.trade_url.setText(TRADE_URL)
        again.money.shop_order.setText("WEB-77")
        again.send_button.click()
        await wait_for(lambda: "already has an order" in again.error.text(), timeout=20)
        assert again.pages.currentIndex() == 0 and truth()["posts"] == 1
        again.money.shop_order.clear()
        assert again.external_id.text().startswith("sc-") and not again.external_id.isReadOnly()
        again.reject()

        reports = s.controller.reports
        s.window.tabs.setCurrentIndex(TAB_REPORTS)
        assert s.window.tabs.tabText(TAB_REPORTS) == "Reports"
        await wait_for(lambda: reports.report is not None, timeout=10)
        await wait_for(lambda: reports.report.totals.margin_orders == 1, timeout=10)
        totals = reports.report.totals
        assert totals.orders == 1 and totals.margin_usd == Decimal("5.25")
        assert totals.revenue_usd == charged
        model = reports.model
        assert model.rowCount() == len(reports.report.rows) + 1
        assert model.index(model.rowCount() - 1, 0).data() == "total"
        labels = reports.y_axis.categoriesLabels()
        assert labels and all("$" in label for label in labels)
        assert "margin $5.25 on 1 of them" in reports.summary.text()

        reports.period.setCurrentIndex(2)  # per month
        await wait_for(lambda: reports.report.period == "month", timeout=10)
        assert reports.report.totals.margin_usd == Decimal("5.25")

        target = tmp_path / "report.csv"
        reports.export_button.click()
        seen = await answer_save_dialog(target)
        assert seen.suggested.name.startswith("skins-console-report-month-")
        await wait_for(target.exists, timeout=10)
        with target.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert rows[-1]["period"] == "total" and Decimal(rows[-1]["margin_usd"]) == Decimal("5.25")
