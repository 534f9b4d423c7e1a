"""Orders and Wallet tabs over real store records; qtmodeltester on their models."""

import csv
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt

from skins_console.core.models import utcnow
from skins_console.core.money import format_cents
from skins_console.core.records import DepositRecord, WalletSnapshot
from skins_console.core.statuses import Group
from skins_console.core.wallet_movements import movements
from skins_console.ui import dialog_futures
from skins_console.ui.orders_model import (
    COL_COUNTDOWN,
    COL_STATUS,
    OrdersFilter,
    OrdersModel,
    OrdersProxy,
)
from skins_console.ui.quote_model import COL_DRIFT, QuoteLine, QuoteModel
from skins_console.ui.wallet_model import WalletMovementsModel
from tests.conftest import wait_for
from tests.fixtures.store import make_order
from tests.fixtures.ui import TRADE_URL, sandbox_control
from tests.ui.save_dialogs import answer_save_dialog

#: SkinsNode's wallet cache: how stale a balance read may be
CACHE = timedelta(seconds=30)


def _order(external_id, status, *, minutes_ago=1, **kw):
    created = utcnow() - timedelta(minutes=minutes_ago)
    fields = dict(profile="p", catalog_item_id="c", item_name="AK-47 | X", trade_url=TRADE_URL)
    return make_order(external_id, status, created, **{"buyer_partner": 91234567, **fields, **kw})


def _deposit(tx_id, status, **kw):
    now = utcnow()
    base = dict(
        profile="p",
        merchant_tx_id=tx_id,
        trade_id=7,
        game="csgo",
        partner=55512345,
        token="Zx9_Yw8v",
        items=({"name": "AWP | Y", "asset_id": "1"},),
        request_body={},
        status=status,
        created_at=now,
        updated_at=now,
        amount=Decimal("12.345"),
    )
    base.update(kw)
    return DepositRecord(**base)


def test_orders_model_and_proxy_pass_the_model_tester(qapp, qtmodeltester):
    model, proxy = OrdersModel(), OrdersProxy()
    proxy.setSourceModel(model)
    now = utcnow()
    model.set_records(
        [
            _order("a", "sent", sent_at=now - timedelta(minutes=3)),
            _order("b", "failed"),
            _order("c", "sending", minutes_ago=30),
            _order("d", "teleported"),
            _order("e", "sent", sent_at=now - timedelta(minutes=15)),
            _order("f", "completed"),
        ],
        [
            _deposit("x", "active", trade_offer_expiry_at=now + timedelta(minutes=4)),
            _deposit("y", "hold", hold_end_date=now + timedelta(days=6)),
        ],
    )
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)
    rows = {r.key: r for r in model.rows}
    assert rows["a"].deadline_label == "buyer must accept"
    assert rows["x"].deadline_label == "offer expires"
    assert rows["y"].deadline_label == "hold ends"
    reasons = {r.key: r.attention_reason(now) for r in model.rows}
    assert reasons["b"] == "failed"
    assert reasons["c"].startswith("stuck")  # unconfirmed send, 30 min old
    assert reasons["d"] == "unknown status"
    assert reasons["e"] == "stuck: past its trade window"
    assert reasons["a"] is None and reasons["f"] is None
    proxy.set_filter(OrdersFilter(needs_attention=True))
    assert sorted(proxy.index(r, 1).data() for r in range(proxy.rowCount())) == ["b", "c", "d", "e"]
    proxy.set_filter(OrdersFilter(provider="skinslink"))
    assert proxy.rowCount() == 2
    proxy.set_filter(OrdersFilter(statuses=frozenset({"sent"}), text="ak-47"))
    assert proxy.rowCount() == 2
    # Merchant groups span both providers: "sent" orders and the "active" deposit wait for
    # the other side; the unknown status counts as open.
    proxy.set_filter(OrdersFilter(group=Group.WAITING))
    assert sorted(proxy.index(r, 1).data() for r in range(proxy.rowCount())) == ["a", "e", "x"]
    proxy.set_filter(OrdersFilter(group=Group.OPEN))
    assert sorted(proxy.index(r, 1).data() for r in range(proxy.rowCount())) == ["c", "d"]
    qtmodeltester.check(proxy)
    countdown = model.index(model.row_for("skinsnode", "a"), COL_COUNTDOWN).data()
    assert countdown.endswith("(buyer must accept)") and countdown.startswith("6:")
    # The merchant's word, not the provider's spelling (ui/wording.py reads core/statuses.py)
    assert model.index(model.row_for("skinsnode", "f"), COL_STATUS).data() == "delivered"
    assert model.index(model.row_for("skinslink", "y"), COL_STATUS).data() == "on hold"
    assert "completed" in model.index(model.row_for("skinsnode", "f"), COL_STATUS).data(
        Qt.ItemDataRole.ToolTipRole
    )


def test_quote_and_wallet_models_pass_the_model_tester(qapp, qtmodeltester):
    quote = QuoteModel()
    quote.set_lines(
        [
            QuoteLine(
                "AK-47 | X",
                Decimal("15.794"),
                Decimal("16.283"),
                previous_price=Decimal("15.000"),
                min_price=Decimal("15.478"),
            )
        ],
        editable=True,
    )
    qtmodeltester.check(quote)
    assert quote.index(0, COL_DRIFT).data() == "+$0.794"
    now = utcnow()
    orders = [
        _order("a", "completed", minutes_ago=6, accepted_at=now - timedelta(minutes=5)),
        _order(
            "b",
            "expired",
            minutes_ago=6,
            accepted_at=now - timedelta(minutes=4),
            updated_at=now - timedelta(minutes=2),
        ),
        _order("c", "rejected"),
    ]
    snaps = [
        WalletSnapshot("p", now - timedelta(minutes=10), 100_000),
        WalletSnapshot("p", now - timedelta(minutes=3), 100_000 - 3680),
        WalletSnapshot("p", now - timedelta(minutes=1), 100_000 - 1840 + 50_000),
    ]
    rows = movements(orders, snaps, lag=CACHE)
    kinds = sorted((m.kind, m.cents) for m in rows)
    # Two debits, one refund (expired), no debit for the rejected order; the top-up of
    # $500 is the only change the orders do not explain.
    assert ("refund", 1840) in kinds and kinds.count(("debit", -1840)) == 2
    assert [m.cents for m in rows if m.kind == "other change"] == [50_000]
    wallet = WalletMovementsModel()
    wallet.set_rows(rows)
    qtmodeltester.check(wallet)

    # A read served from SkinsNode's 30 s cache lags a debit, then catches up: that is not
    # a change of its own (it used to show as "+$18.40 other change" and its reversal).
    lagging = [
        WalletSnapshot("p", now - timedelta(minutes=10), 100_000),
        WalletSnapshot("p", now - timedelta(minutes=3), 100_000),  # cached, stale
        WalletSnapshot("p", now - timedelta(minutes=2), 100_000 - 3680 + 1840),
    ]
    assert not [m for m in movements(orders, lagging, lag=CACHE) if m.kind == "other change"]


async def _sell_cheapest(s, fate: str) -> str:
    """Sell the session's cheapest catalog item with its outcome scripted; its externalId."""
    c = s.controller
    await wait_for(lambda: c.catalog.model.rowCount() > 0, timeout=20)
    item = min(
        (c.catalog.model.item(r) for r in range(c.catalog.model.rowCount())),
        key=lambda i: i.price_cents,
    )
    external_id = s.backend.new_external_id()
    sandbox_control(s.sandbox, "/_sandbox/outcomes", {"skinsnode": {external_id: fate}})
    await s.backend.place_order(item, TRADE_URL, external_id)
    return external_id


async def test_orders_tab_details_notes_recheck_and_csv_export(ui, tmp_path):
    async with ui.session() as s:
        c = s.controller
        external_id = await _sell_cheapest(s, "failed")
        orders = c.orders
        s.window.tabs.setCurrentWidget(orders)
        await wait_for(lambda: orders.model.row_for("skinsnode", external_id) is not None)
        await wait_for(
            lambda: (
                orders.model.rows[orders.model.row_for("skinsnode", external_id)].status == "failed"
            ),
            timeout=30,
        )
        assert orders.select("skinsnode", external_id)
        details = orders.details
        assert details.chip.text() == "failed" and details.failure.isVisible()
        assert details.failure.text()
        assert details.fields["id"].text() == external_id
        details.copy_buttons["id"].click()
        from PySide6.QtWidgets import QApplication

        assert QApplication.clipboard().text() == external_id
        await wait_for(lambda: len(details.events) >= 3)
        details.note.setPlainText("Buyer asked to try again tomorrow")
        details.note_button.click()
        await wait_for(lambda: any(e.type == "note" for e in details.events), timeout=10)
        assert "tomorrow" in details.timeline.toPlainText()
        # Sentences for the operator; the HTTP call and its attempt only on demand.
        assert "POST /v1/orders" not in details.timeline.toPlainText()
        assert "[status_change" not in details.timeline.toPlainText()
        details.technical.setChecked(True)
        assert "POST /v1/orders" in details.timeline.toPlainText()
        assert "[status_change" in details.timeline.toPlainText()
        details.technical.setChecked(False)
        assert details.note.toPlainText() == ""

        orders.show_needs_attention()
        assert orders.proxy.rowCount() == 1
        orders.search.setText("no-such-order")
        orders.apply_filter()
        assert orders.proxy.rowCount() == 0
        orders.search.clear()
        orders.attention_check.setChecked(False)
        orders.apply_filter()

        target = tmp_path / "orders.csv"
        s.window.export_action.trigger()  # File → Export (the tab's button does the same)
        seen = await answer_save_dialog(target)
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        assert seen.suggested.suffix == ".csv"
        # Documents, or the home folder on an account without one (never the cwd).
        folder = Path(documents) if Path(documents).is_dir() else Path.home()
        assert seen.suggested.parent == folder == dialog_futures.documents_folder()
        await wait_for(target.exists, timeout=10)
        await wait_for(lambda: "Exported" in orders.count_label.text())
        with target.open(encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        assert [r["external_id"] for r in rows] == [external_id]
        assert rows[0]["status"] == "failed"
        assert not target.with_name("orders-deposits.csv").exists()  # no deposits in view


async def test_wallet_tab_shows_history_and_low_balance_alert(ui):
    async with ui.session() as s:
        wallet = s.controller.wallet
        s.window.tabs.setCurrentWidget(wallet)
        await wait_for(lambda: wallet.view is not None and not wallet.view.offline, timeout=20)
        sandbox_control(s.sandbox, "/_sandbox/wallet", {"balance_cents": 12_345})
        sandbox_control(s.sandbox, "/_sandbox/clock/advance", {"seconds": 60})
        wallet.refresh()
        await wait_for(lambda: wallet.view.available_cents == 12_345, timeout=20)
        await wait_for(lambda: wallet.series.count() >= 2, timeout=10)
        assert wallet.alert.isVisible() and "Low balance" in wallet.alert.text()
        assert wallet.available.text() == "$123.45"
        assert "⚠ low" in s.window.header.projected.text()
        assert any(m.kind == "other change" for m in wallet.movements.rows)


def test_reloads_while_tracking_update_rows_in_place(qapp, qtmodeltester):
    """A reload with the same rows signals only the rows that moved; new orders are
    inserted at the top. No model reset, so the view keeps its layout and selection."""
    from dataclasses import replace

    model, proxy = OrdersModel(), OrdersProxy()
    proxy.setSourceModel(model)
    orders = [_order(f"o{i}", "sent", minutes_ago=10 + i) for i in range(50)]
    deposits = [_deposit("d1", "active")]
    model.set_records(orders, deposits)
    qtmodeltester.check(model)
    resets, changed, inserted = [], [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda a, b, *_: changed.append((a.row(), b.row())))
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))

    moved = list(orders)
    moved[7] = replace(orders[7], status="completed")
    moved[8] = replace(orders[8], status="completed")
    moved[30] = replace(orders[30], status="expired")
    model.set_records(moved, deposits)
    assert not resets and not inserted
    rows = {model.rows[i].key for start, end in changed for i in range(start, end + 1)}
    assert rows == {"o7", "o8", "o30"} and len(changed) == 2  # o7-o8 adjacent: one signal
    assert model.data(model.index(model.row_for("skinsnode", "o30"), COL_STATUS)) == "expired"

    changed.clear()
    newest = _order("new-1", "draft", minutes_ago=0)
    model.set_records([newest, *moved], deposits)
    assert not resets and inserted == [(0, 0)] and not changed
    assert model.rows[0].key == "new-1" and model.row_for("skinsnode", "o30") is not None
    qtmodeltester.check(model)

    model.set_records(moved[:10], [])  # rows gone: a plain reset is right
    assert resets and model.rowCount() == 10


async def test_a_burst_of_changes_is_signalled_over_several_loop_turns(qapp, qtmodeltester):
    import asyncio
    from dataclasses import replace

    from skins_console.ui.orders_model import CHUNK

    model, proxy = OrdersModel(), OrdersProxy()
    proxy.setSourceModel(model)
    proxy.sort(COL_STATUS)
    orders = [_order(f"o{i}", "sent", minutes_ago=10 + i) for i in range(400)]
    model.set_records(orders, [])
    changed = []
    model.dataChanged.connect(lambda a, b, *_: changed.append((a.row(), b.row())))
    moved = [replace(o, status="completed") if i % 2 == 0 else o for i, o in enumerate(orders)]
    model.set_records(moved, [])  # 200 separate runs of one row each
    assert len(changed) == CHUNK  # the rest follow on the next loop turns
    await asyncio.sleep(0.1)
    assert len(changed) == 200
    assert proxy.index(0, COL_STATUS).data() == "delivered"  # the proxy re-sorted
    # A reload arriving mid-burst first signals what is still pending.
    again = [replace(o, status="expired") if i % 2 == 1 else o for i, o in enumerate(moved)]
    changed.clear()
    model.set_records(again, [])
    model.set_records(again, [])
    assert len(changed) == 200
    qtmodeltester.check(model)


def test_changed_records_repaint_only_when_what_is_shown_moved(qapp, qtmodeltester):
    """The tracker re-reads only the records the store named. A poll that only moves
    ``last_checked_at`` swaps the record (the details pane shows it) but repaints nothing;
    a status move repaints its row; a record the model lacks is handed back for a reload."""
    from dataclasses import replace

    model, proxy = OrdersModel(), OrdersProxy()
    proxy.setSourceModel(model)
    orders = [_order(f"o{i}", "sent", minutes_ago=10 + i) for i in range(20)]
    model.set_records(orders, [_deposit("d1", "active")])
    changed = []
    model.dataChanged.connect(lambda a, b, *_: changed.append((a.row(), b.row())))
    polled = utcnow()

    missing, shown = model.update_records(
        [replace(orders[5], last_checked_at=polled)],
        [replace(model.item_for("skinslink", "d1").record, last_checked_at=polled)],
    )
    assert (missing, shown, changed) == (set(), False, [])
    assert model.item_for("skinsnode", "o5").record.last_checked_at == polled
    assert model.item_for("skinslink", "d1").record.last_checked_at == polled

    missing, shown = model.update_records(
        [replace(orders[5], status="completed", updated_at=polled), _order("brand-new", "draft")],
        [],
    )
    position = model.row_for("skinsnode", "o5")
    assert shown and changed == [(position, position)]
    assert missing == {("skinsnode", "brand-new")}
    assert model.index(position, COL_STATUS).data() == "delivered"
    assert model.row_for("skinsnode", "brand-new") is None
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)


async def test_orders_tab_follows_store_changes_and_keeps_details_current(ui):
    """Watching one order: its row and the details pane move with the tracker, with no
    click and no full reload of the table."""
    async with ui.session() as s:
        c = s.controller
        external_id = await _sell_cheapest(s, "completed")
        orders = c.orders
        s.window.tabs.setCurrentWidget(orders)
        await wait_for(lambda: orders.model.row_for("skinsnode", external_id) is not None)
        assert orders.select("skinsnode", external_id)
        resets = []
        orders.model.modelReset.connect(lambda: resets.append(1))
        details = orders.details
        await wait_for(lambda: details.chip.text() == "delivered", timeout=40)
        orders.apply_theme(None)  # a theme change re-styles the chip: the same word
        assert details.chip.text() == "delivered"
        assert details.fields["checked"].text() != "not yet"
        assert orders.current_item().key == external_id
        assert not resets


async def test_the_projected_balance_follows_an_order_that_became_final(ui):
    """What open orders reserve is counted again when an order moves, against the balance
    already read: the header and the Wallet tab stop holding back a final order's price
    (it used to last until the next balance read, a minute later)."""
    from skins_console.core.models import OrderRequest
    from skins_console.services import change_bus
    from skins_console.store.orders_repository import insert_order_draft

    async with ui.session() as s:
        c, ctx = s.controller, s.ctx
        profile = ctx.profile.name
        await wait_for(lambda: c.wallet.view is not None, timeout=20)
        request = OrderRequest("cat-unsent", 12_34, "reserve-1", ctx.profile.webhook_url, TRADE_URL)
        await ctx.db.call(
            insert_order_draft, profile=profile, request=request, item_name="AK-47 | X"
        )
        c.refresh_wallet()  # a draft may be charged any moment: it is reserved
        await wait_for(lambda: c.wallet.view.reserved_cents == 12_34, timeout=20)
        read = c.wallet.view
        assert read.projected_cents == read.available_cents - 12_34
        assert s.window.header.projected.text().endswith(
            f"{format_cents(read.projected_cents)}</b>"
        )
        await ctx.orders.mark_rejected(profile, "reserve-1", code="test", message="refused")
        ctx.bus.publish(change_bus.ORDER, "reserve-1")
        await wait_for(lambda: c.wallet.view.reserved_cents == 0, timeout=20)
        assert c.wallet.view.fetched_at == read.fetched_at  # counted again, not read again
        assert c.wallet.view.available_cents == read.available_cents
        assert s.window.header.projected.text().endswith(
            f"{format_cents(read.available_cents)}</b>"
        )
        assert c.wallet.reserved.text() == "$0.00"


async def test_wallet_history_follows_order_moves_but_waits_while_hidden(ui):
    """An order's refund shows in the Wallet tab's movements; while the operator looks at
    another tab the re-read waits for the Wallet tab to be shown (polls are not re-read)."""
    async with ui.session() as s:
        c = s.controller
        wallet, orders = c.wallet, c.orders
        s.window.tabs.setCurrentWidget(orders)
        external_id = await _sell_cheapest(s, "expired")

        def status() -> str | None:
            found = orders.model.item_for("skinsnode", external_id)
            return found.status if found else None

        await wait_for(lambda: status() == "expired", timeout=40)
        await wait_for(lambda: wallet._history_stale, timeout=10)

        def refunded() -> bool:
            return any(m.kind == "refund" and "expired" in m.what for m in wallet.movements.rows)

        assert not refunded()
        s.window.tabs.setCurrentWidget(wallet)
        await wait_for(refunded, timeout=10)
        assert not wallet._history_stale


def test_a_poll_that_moved_nothing_keeps_its_row_and_takes_the_record(qapp, qtmodeltester):
    """A poll only writes last/next check times: the row keeps what it derived (nothing is
    rebuilt or repainted) and takes the new record; any other field rebuilds the row."""
    from dataclasses import replace

    model = OrdersModel()
    orders = [_order(f"o{i}", "sent", minutes_ago=10 + i, operator="ann") for i in range(5)]
    model.set_records(orders, [_deposit("d1", "active")])
    assert model.operators() == {"ann"}
    before = model.item_for("skinsnode", "o2")
    polled = replace(orders[2], last_checked_at=utcnow(), next_check_at=utcnow())
    assert model.update_records([polled], []) == (set(), False)
    after = model.item_for("skinsnode", "o2")
    assert after.record is polled and after.texts is before.texts  # not rebuilt
    # The offer id is searched (and shown in the details): the row is rebuilt.
    offered = replace(polled, steam_offer_id="offer-77")
    assert model.update_records([offered], []) == (set(), True)
    assert "offer-77" in model.item_for("skinsnode", "o2").haystack
    # A record written by another operator shows the Operator column (team mode).
    model.update_records([replace(orders[3], operator="bob", updated_at=utcnow())], [])
    assert model.operators() == {"ann", "bob"}
    qtmodeltester.check(model)


def test_changed_records_are_applied_a_slice_per_loop_turn(qapp, qtmodeltester):
    """update_records_in_slices applies ``size`` records, then yields to the loop; a full
    reload landing in between (newer records) ends it, so older records never overwrite."""
    from dataclasses import replace

    model, proxy = OrdersModel(), OrdersProxy()
    proxy.setSourceModel(model)
    orders = [_order(f"o{i}", "sent", minutes_ago=10 + i) for i in range(150)]
    model.set_records(orders, [_deposit("d1", "active")])
    moved = [replace(o, status="completed", updated_at=utcnow()) for o in orders]
    deposit = replace(model.item_for("skinslink", "d1").record, status="hold")

    def statuses() -> list[str]:
        return [model.item_for("skinsnode", o.external_id).status for o in orders]

    steps = model.update_records_in_slices(moved, [deposit], size=64)
    steps.send(None)  # the first slice, then it yields to the loop
    assert statuses().count("completed") == 64
    steps.send(None)
    assert statuses().count("completed") == 128
    try:
        while True:
            steps.send(None)
    except StopIteration as done:
        assert done.value == (set(), True)
    assert statuses() == ["completed"] * 150
    assert model.item_for("skinslink", "d1").status == "hold"
    qtmodeltester.check(proxy)

    # A reload between two slices shows newer records: the older rest is dropped.
    model.set_records(orders, [deposit])
    expired = [replace(o, status="expired", updated_at=utcnow()) for o in moved]
    steps = model.update_records_in_slices(moved, [], size=10)
    steps.send(None)
    assert statuses() == ["completed"] * 10 + ["sent"] * 140
    model.set_records(expired, [deposit])  # read after them
    try:
        steps.send(None)
    except StopIteration as done:
        assert done.value == (set(), True)
    else:
        raise AssertionError("the slices went on after a newer reload")
    assert statuses() == ["expired"] * 150
    qtmodeltester.check(model)
