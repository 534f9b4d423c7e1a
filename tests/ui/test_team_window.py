"""The window of one console of a team: another console's order, its operator and its note
appear without anybody clicking; the database going away shows in the banner and goes
when it is back."""

from __future__ import annotations

import secrets

import pytest

from skins_console.services.checkout_service import CheckoutRequest, CheckoutService
from skins_console.ui.backend import Backend
from skins_console.ui.main_window import MainWindow
from skins_console.ui.orders_model import COL_OPERATOR
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.window_controller import WindowController
from tests.conftest import wait_for
from tests.fixtures.services import make_trade_url, pick_item
from tests.team.conftest import Team

pytestmark = pytest.mark.slow


async def test_another_consoles_work_shows_up_live(
    own_pg_server, sandbox, test_keyring, tmp_path, qtbot, error_presenter
):
    server = own_pg_server
    team = Team(server.url_for(server.create_database()), server.password, sandbox, tmp_path)
    runner = TaskRunner(error_presenter)
    controller = None
    try:
        alice = await team.console("alice")
        bob = await team.console("bob")
        mine = await pick_item(bob, max_price_cents=3000)
        await CheckoutService(bob).checkout(
            CheckoutRequest(catalog_item_id=mine.id, trade_url=make_trade_url())
        )
        window = MainWindow(Backend(bob), runner=runner, presenter=error_presenter)
        qtbot.addWidget(window)
        controller = WindowController(window, window.backend)
        window.resize(1024, 640)
        window.show()
        controller.start()
        orders = controller.orders
        await wait_for(lambda: orders.model.rowCount() == 1, timeout=20)
        # One operator's book: no Operator column.
        assert orders.table.isColumnHidden(COL_OPERATOR)
        await wait_for(lambda: controller.monitoring.live.running, timeout=20)

        # Alice sells on her console: Bob's table gets the row, and the column appears.
        item = await pick_item(alice, max_price_cents=3000)
        key = f"team-ui-{secrets.token_hex(4)}"
        await CheckoutService(alice).checkout(
            CheckoutRequest(catalog_item_id=item.id, trade_url=make_trade_url(), external_id=key)
        )
        await wait_for(lambda: orders.model.item_for("skinsnode", key) is not None, timeout=20)
        assert not orders.table.isColumnHidden(COL_OPERATOR)
        row = orders.model.item_for("skinsnode", key)
        assert row.texts[COL_OPERATOR] == "alice"

        # Her note reaches the timeline of the order Bob has open.
        assert orders.select("skinsnode", key)
        await wait_for(lambda: orders.details.item is not None and orders.details.events)
        assert orders.details.fields["operator"].text() == "alice"
        await alice.orders.record_event("shop", key, "note", "buyer wants it by Friday")
        await wait_for(
            lambda: "buyer wants it by Friday" in orders.details.timeline.toPlainText(),
            timeout=20,
        )
        assert "— alice" in orders.details.timeline.toPlainText()

        # The database goes away: the banner says so, and the rows stay.
        banner = window.banner
        server.stop()
        await wait_for(lambda: banner.isVisible() and banner.key == "database", timeout=30)
        assert "Nothing new is sent" in banner.label.text()
        assert server.password not in banner.label.text()
        assert orders.model.rowCount() == 2
        server.start()
        await wait_for(lambda: banner.key != "database", timeout=60)
        assert orders.model.rowCount() == 2
    finally:
        if controller is not None:
            await controller.shutdown()
        await runner.shutdown()
        await team.close()
