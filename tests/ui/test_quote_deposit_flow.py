"""Quote tab and deposit form, end to end against the sandbox."""

import asyncio
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from skins_console.core.errors import ValidationError
from skins_console.ui.quote_model import COL_ASSET, COL_MIN, QuoteLine, QuoteView
from tests.conftest import wait_for
from tests.fixtures.ui import sandbox_control
from tests.ui.save_dialogs import answer_save_dialog

NAMES = "\n".join(
    [
        "AK-47 | Redline (Field-Tested)",
        "AWP  |  Asiimov (field-tested)",  # sent as typed unless the suggestion is used
        "AK-47 | Redline (Field-Tested)",  # duplicate of line 1
        "",
        "Not A Real Item (Factory New)",  # not priced
        "StatTrak AWP | Asiimov (Field-Tested) \x07",  # control character: flagged
    ]
)
SELLER = "https://steamcommunity.com/tradeoffer/new/?partner=55512345&token=Zx9_Yw8v"


async def _locked_quote(s):
    tab = s.controller.quote
    s.window.tabs.setCurrentWidget(tab)
    tab.names.setPlainText(NAMES)
    names = tab.check_lines()
    assert len(names) == 3
    # The exact real name is suggested, and written in only when the operator says so.
    await wait_for(lambda: tab.suggestions.isVisible(), timeout=20)
    assert (2, "AWP  |  Asiimov (field-tested)", "AWP | Asiimov (Field-Tested)") in (
        tab.suggestions.entries()
    )
    tab.suggestions.use_all_suggestions()
    assert tab.names.toPlainText().splitlines()[1] == "AWP | Asiimov (Field-Tested)"
    assert len(tab.check_lines()) == 3
    issues = [tab.issues.item(i).text() for i in range(tab.issues.count())]
    assert any(text.startswith("Line 3: Duplicate of line 1") for text in issues)
    assert any(text.startswith("Line 6:") for text in issues)
    assert tab.locking.isChecked()
    tab.quote_button.click()
    await wait_for(lambda: tab.quote is not None, timeout=20)
    return tab


async def _ready_to_deposit(s, first_asset_id: int):
    """A locked quote with the seller's trade URL and an asset id on every line."""
    tab = await _locked_quote(s)
    tab.deposit.trade_url.setText(SELLER)
    for row in range(tab.model.rowCount()):
        tab.model.setData(tab.model.index(row, COL_ASSET), str(first_asset_id + row))
    return tab


async def test_quote_then_deposit_and_watch_it_reach_hold_then_completed(ui):
    async with ui.session() as s:
        tab = await _locked_quote(s)
        quote = tab.quote
        assert quote.trade_id is not None and tab.model.editable
        assert {line.name for line in tab.model.lines} == {
            "AK-47 | Redline (Field-Tested)",
            "AWP | Asiimov (Field-Tested)",
        }
        assert "Not A Real Item (Factory New)" in tab.unpriced.text()
        assert "Lock:" in tab.countdown.text()
        for line in tab.model.lines:  # min price defaults to quote less the 2 % tolerance
            assert line.min_price is not None and line.min_price < line.price
        form = tab.deposit
        form.trade_url.setText(SELLER)
        assert not form.send_button.isEnabled()  # asset ids missing
        assert any("asset id" in p for p in form.problems())
        for row in range(tab.model.rowCount()):
            assert tab.model.setData(tab.model.index(row, COL_ASSET), str(38000000000 + row))
        assert not tab.model.setData(tab.model.index(0, COL_MIN), "not money")
        tx_id = form.merchant_tx_id.text()
        sandbox_control(s.sandbox, "/_sandbox/outcomes", {"skinslink": {tx_id: "completed"}})
        assert form.problems() == [] and form.send_button.isEnabled()
        form.send_button.click()
        await wait_for(lambda: form.outcome.isVisible(), timeout=20)
        assert form.outcome_offer.text() not in ("", "—")
        assert form.outcome_bot.text() not in ("", "—")
        assert form.merchant_tx_id.text() != tx_id  # the next deposit gets its own id
        # One deposit per lock: the button stays off and says why.
        assert not form.send_button.isEnabled()
        assert any(f"used by deposit {tx_id}" in p for p in form.problems())

        orders = s.controller.orders
        row = lambda: orders.model.row_for("skinslink", tx_id)  # noqa: E731
        await wait_for(lambda: row() is not None, timeout=10)
        await wait_for(lambda: orders.model.rows[row()].status == "hold", timeout=40)
        # The Quote tab's panel follows the tracker, in the Orders tab's word ("on hold").
        await wait_for(lambda: form.outcome_status.text().startswith("on hold —"), timeout=10)
        # Let the sandbox's Steam hold end, then "Re-check now" from the details pane.
        sandbox_control(s.sandbox, "/_sandbox/clock/advance", {"seconds": 8 * 24 * 3600})
        assert orders.select("skinslink", tx_id)
        orders.details.recheck_button.click()
        await wait_for(lambda: orders.model.rows[row()].status == "completed", timeout=30)


async def test_expired_quote_is_refused_and_requote_shows_the_drift(ui):
    async with ui.session() as s:
        tab = await _ready_to_deposit(s, 39000000000)
        first = tab.quote
        # At sandbox speed 60 the 5-minute lock lasts 5 seconds.
        await wait_for(lambda: not first.is_locked(), timeout=15)
        await asyncio.sleep(1.1)  # one countdown tick
        assert "expired" in tab.countdown.text().lower()
        assert tab.requote_button.isVisible()
        assert not tab.deposit.send_button.isEnabled()
        assert any("expired" in p for p in tab.deposit.problems())
        tab.deposit.send()  # forced: refused inline, nothing written
        assert "re-quote" in tab.deposit.error.text().lower()
        assert (
            await s.ctx.deposits.search(
                __import__(
                    "skins_console.core.records", fromlist=["ActivityFilter"]
                ).ActivityFilter(profile="sandbox")
            )
            == []
        )
        sandbox_control(
            s.sandbox,
            "/_sandbox/skinslink/prices",
            {"prices": {"AK-47 | Redline (Field-Tested)": "20.000"}},
        )
        tab.requote_button.click()
        await wait_for(lambda: tab.quote is not first, timeout=20)
        assert tab.quote.is_locked() and tab.drift.isVisible()
        assert "Since the previous quote" in tab.drift.text()
        # Asset ids typed for the expired quote stay with their items.
        assert all(line.asset_id for line in tab.model.lines)
        assert tab.deposit.send_button.isEnabled()


async def test_a_deposit_the_seller_declines_says_why_in_the_quote_tab(ui):
    """The panel follows the tracker to the failure and gives Skinslink's reason in words,
    not "failed — Failed"."""
    async with ui.session() as s:
        form = (await _ready_to_deposit(s, 36500000000)).deposit
        tx_id = form.merchant_tx_id.text()
        sandbox_control(s.sandbox, "/_sandbox/outcomes", {"skinslink": {tx_id: "failed"}})
        form.send_button.click()
        await wait_for(lambda: form.outcome.isVisible(), timeout=20)
        await wait_for(lambda: form.outcome_status.text().startswith("failed"), timeout=40)
        assert form.outcome_status.text() == "failed — The seller declined the trade offer."


async def test_asset_ids_already_in_an_open_deposit_are_warned_about_before_sending(ui):
    from skins_console.core.records import ActivityFilter

    async def deposits():
        return await s.ctx.deposits.search(ActivityFilter(profile="sandbox"))

    async with ui.session() as s:
        tab = await _ready_to_deposit(s, 37000000000)
        form = tab.deposit
        first_tx = form.merchant_tx_id.text()
        form.send_button.click()
        await wait_for(lambda: form.outcome.isVisible(), timeout=20)
        assert len(await deposits()) == 1
        # A new lock, the same asset ids (they stay with their items): warned, not sent.
        tab.request_quote()
        await wait_for(lambda: form.used_by is None and form.send_button.isEnabled(), timeout=20)
        form.send_button.click()
        await wait_for(lambda: form.error.isVisible() and not s.runner.running("deposit.create"))
        assert f"is in deposit {first_tx}" in form.error.text()
        assert "37000000000" in form.error.text()
        assert len(await deposits()) == 1
        # The operator checked and insists: the second click sends.
        form.send_button.click()
        await wait_for(lambda: form.used_by is not None, timeout=20)
        assert len(await deposits()) == 2


async def test_a_deposit_against_an_unsaved_quote_is_refused_before_anything_is_written(ui):
    async with ui.session(start=False) as s:
        unsaved = QuoteView(
            id=None,
            game="csgo",
            items=(),
            total=0,
            sum=Decimal(0),
            requested=("AK-47 | Redline (Field-Tested)",),
            trade_id=None,
            lock_expires_at=None,
        )
        line = QuoteLine(
            "AK-47 | Redline (Field-Tested)", Decimal("9.95"), None, asset_id="38000000001"
        )
        with pytest.raises(ValidationError, match="quote was not saved"):
            await s.backend.create_deposit(unsaved, SELLER, [line], "tx-unsaved-quote")
        assert await s.ctx.deposits.get_many(s.ctx.profile.name, {"tx-unsaved-quote"}) == []


async def test_export_writes_exactly_the_files_the_operator_names(ui, tmp_path):
    """A view with orders and deposits: two save dialogs, two named files, nothing else; a
    cancelled second dialog writes only the first file."""
    import csv

    from tests.fixtures.ui import TRADE_URL

    async with ui.session() as s:
        c = s.controller
        await wait_for(lambda: c.catalog.model.rowCount() > 0, timeout=20)
        item = c.catalog.model.item(0)
        external_id = s.backend.new_external_id()
        await s.backend.place_order(item, TRADE_URL, external_id)
        form = (await _ready_to_deposit(s, 38000000000)).deposit
        tx_id = form.merchant_tx_id.text()
        form.send_button.click()
        await wait_for(lambda: form.used_by is not None, timeout=20)
        orders = c.orders
        s.window.tabs.setCurrentWidget(orders)
        await wait_for(
            lambda: (
                orders.model.row_for("skinsnode", external_id) is not None
                and orders.model.row_for("skinslink", tx_id) is not None
            ),
            timeout=20,
        )

        named = {"orders": tmp_path / "my orders.csv", "deposits": tmp_path / "buys.csv"}
        s.window.export_action.trigger()
        asked = [
            await answer_save_dialog(named["orders"]),
            await answer_save_dialog(named["deposits"]),
        ]
        await wait_for(lambda: "Exported" in orders.count_label.text(), timeout=10)
        assert [seen.title.split(" (")[0] for seen in asked] == [
            "Export orders",
            "Export deposits too",
        ]
        # The second dialog opens in the folder the first file went to.
        assert str(asked[1].suggested).startswith(str(tmp_path))
        assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".csv") == [
            "buys.csv",
            "my orders.csv",
        ]
        with named["orders"].open(encoding="utf-8-sig") as handle:
            assert [r["external_id"] for r in csv.DictReader(handle)] == [external_id]
        with named["deposits"].open(encoding="utf-8-sig") as handle:
            assert [r["merchant_tx_id"] for r in csv.DictReader(handle)] == [tx_id]
        assert "1 order to" in orders.count_label.text()
        assert "1 deposit to" in orders.count_label.text()

        for file in named.values():
            file.unlink()
        orders.count_label.clear()
        s.window.export_action.trigger()
        await answer_save_dialog(named["orders"])
        await answer_save_dialog(None)  # the deposits: cancelled
        await wait_for(lambda: "Exported" in orders.count_label.text(), timeout=10)
        assert named["orders"].exists() and not named["deposits"].exists()
        assert [p.name for p in tmp_path.iterdir() if p.suffix == ".csv"] == ["my orders.csv"]


async def test_quote_item_names_stay_readable_at_1024x640(ui):
    """The Item column keeps room for a name (it used to shrink to "AK… | …" beside the
    fixed money columns), one line a row, and each cell's tooltip is the exact name."""
    from skins_console.ui.quote_model import COL_NAME
    from skins_console.ui.quote_tab import NAME_MIN_WIDTH

    async with ui.session() as s:
        s.window.resize(1024, 640)
        tab = await _locked_quote(s)
        await wait_for(lambda: tab.model.rowCount() > 0, timeout=10)
        assert tab.table.columnWidth(COL_NAME) >= NAME_MIN_WIDTH
        index = tab.model.index(0, COL_NAME)
        assert index.data(Qt.ItemDataRole.ToolTipRole) == tab.model.lines[0].name
