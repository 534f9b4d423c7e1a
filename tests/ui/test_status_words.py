"""One word per state: for every status of both providers, the Orders table's chip, the
details pane and the banner a notification puts up say the same merchant word (the one in
``core/statuses.py``), never the provider's own spelling where it differs."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QMainWindow

from skins_console.core.models import (
    DepositItem,
    DepositRequest,
    DepositState,
    OrderRequest,
    OrderState,
)
from skins_console.core.statuses import DRAFT, REJECTED, SENDING, STATUS_TABLE, Provider, word
from skins_console.services.notification_service import NotificationService
from skins_console.ui.banner import Banner
from skins_console.ui.order_details import OrderDetails
from skins_console.ui.orders_model import COL_STATUS, OrdersModel
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.tray import TrayNotifier
from tests.fixtures.services import make_trade_url

#: a status a provider added since: shown verbatim, the same everywhere
NEW_STATUS = "teleported"


def _statuses(provider: Provider) -> list[str]:
    return [*STATUS_TABLE[provider], NEW_STATUS]


async def _book_every_status(ctx) -> None:
    """One real record per status in the SQLite book, moved there as the console moves it:
    ``sending`` and ``rejected`` by the send, the rest by provider reports applied with the
    repository's forward-only rule (each move writes its timeline event)."""
    profile = ctx.profile.name
    for n, status in enumerate(_statuses(Provider.SKINSNODE)):
        key = f"o-{status}"
        request = OrderRequest(f"cat-{n}", 1840, key, "https://hook", make_trade_url())
        await ctx.orders.insert_draft(
            profile=profile, request=request, item_name="AK-47 | Redline (Field-Tested)"
        )
        for step in _steps(status):
            if not await _local_move(ctx.orders, profile, key, step):
                report = OrderState(key, step, None, None, None, None, None, {})
                assert await ctx.orders.apply_state(profile, report), (key, step)
    for n, status in enumerate(_statuses(Provider.SKINSLINK)):
        key = f"d-{status}"
        deposit = DepositRequest(
            trade_id=900 + n,
            merchant_tx_id=key,
            game="csgo",
            partner=55512345,
            token="Zx9_Yw8v",
            items=(DepositItem("111", "AWP | Asiimov (Field-Tested)", Decimal("22.75")),),
        )
        await ctx.deposits.insert_draft(profile=profile, request=deposit)
        for step in _steps(status):
            if not await _local_move(ctx.deposits, profile, key, step):
                report = DepositState(900 + n, key, step)
                assert await ctx.deposits.apply_state(profile, report), (key, step)


def _steps(status: str) -> list[str]:
    if status == DRAFT:
        return []
    # A late move (reversed after delivered, reverted after hold) needs the state before it.
    before = {"reversed": "completed", "reverted": "hold"}.get(status)
    return [before, status] if before else [status]


async def _local_move(repository, profile: str, key: str, status: str) -> bool:
    if status == SENDING:
        await repository.mark_sending(profile, key)
    elif status == REJECTED:
        await repository.mark_rejected(profile, key, code="bad_request", message="Refused")
    else:
        return False
    return True


async def test_table_details_and_banner_say_the_same_word_for_every_status(
    qapp, sandbox_factory, services_ctx_factory, error_presenter
):
    ctx = await services_ctx_factory(sandbox_factory())
    notes = NotificationService(ctx)
    await notes.start()  # from now on: every status change is told once
    await _book_every_status(ctx)
    profile = ctx.profile.name
    orders = [await ctx.orders.get(profile, f"o-{s}") for s in _statuses(Provider.SKINSNODE)]
    deposits = [await ctx.deposits.get(profile, f"d-{s}") for s in _statuses(Provider.SKINSLINK)]
    model = OrdersModel()
    model.set_records(orders, deposits)
    runner = TaskRunner(error_presenter)

    async def no_events(_item):
        return []

    async def no_note(_item, _text):
        return None

    details = OrderDetails(runner, load_events=no_events, add_note=no_note)
    window = QMainWindow()
    window.banner = Banner(window)  # type: ignore[attr-defined]
    tray = TrayNotifier(window, use_tray=False)
    told = {(n.record_kind, n.key): n for n in await notes.collect()}
    banners = 0
    try:
        for provider, prefix, kind in (
            (Provider.SKINSNODE, "o", "order"),
            (Provider.SKINSLINK, "d", "deposit"),
        ):
            for status in _statuses(provider):
                said = word(provider, status)
                key = f"{prefix}-{status}"
                row = model.row_for(provider.value, key)
                assert row is not None, key
                table = model.index(row, COL_STATUS).data()
                details.show_item(model.rows[row])
                assert (table, details.chip.text()) == (said, said), (provider, status)
                # The provider's spelling appears only where it is also the word.
                if status not in said:
                    explanation = details.status_text.text().lower()
                    assert status not in explanation, (provider, status, explanation)
                note = told.get((kind, key))
                if note is None:
                    continue
                tray.notify([note])
                shown = window.banner.label.text()  # type: ignore[attr-defined]
                assert said in shown.lower(), (provider, status, shown)
                if status not in said:
                    assert status not in shown.lower(), (provider, status, shown)
                banners += 1
        # Every status the table marks for a notification put one up.
        expected = sum(
            1 for table in STATUS_TABLE.values() for e in table.values() if e.notification
        )
        assert banners == expected
    finally:
        details.deleteLater()
        window.deleteLater()
