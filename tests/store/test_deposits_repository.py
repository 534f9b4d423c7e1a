from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from skins_console.core.errors import StoreError
from skins_console.core.models import DepositItem, DepositRequest, DepositState, Quote, QuoteItem
from skins_console.core.records import ActivityFilter
from skins_console.core.statuses import DEPOSIT_FLOW, DEPOSIT_TERMINAL, should_apply
from skins_console.store.deposits_repository import DepositsRepository
from skins_console.store.events_repository import EventsRepository
from skins_console.store.quotes_repository import QuotesRepository


@pytest.fixture
def store_db(book_target):
    """Every test here runs on both backends: SQLite and PostgreSQL."""
    return book_target


T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def request(n=1, trade_id=700):
    return DepositRequest(
        trade_id=trade_id + n,
        merchant_tx_id=f"dep-{n}",
        game="csgo",
        partner=12345,
        token="abcdefgh",
        items=(
            DepositItem("111", "AK-47 | Redline (Field-Tested)", Decimal("22.75")),
            DepositItem("222", "AWP | Asiimov (Battle-Scarred)", Decimal("0.125")),
        ),
    )


def state(n, status, **kw):
    return DepositState(
        id=700 + n,
        merchant_tx_id=kw.pop("merchant_tx_id", f"dep-{n}"),
        status=status,
        raw={"status": status},
        **kw,
    )


@pytest.fixture
def deposits(store_db, store_profile):
    return DepositsRepository(store_db)


async def test_draft_keeps_exact_body_and_decimals(deposits, store_db):
    record = await deposits.insert_draft(profile="main", request=request(), now=T0)
    assert record.status == "draft"
    assert record.request_body["items"][1]["min_price"] == Decimal("0.125")
    assert record.request_body == request().to_json()
    assert record.items[0] == {
        "asset_id": "111",
        "name": "AK-47 | Redline (Field-Tested)",
        "min_price": Decimal("22.75"),
    }
    stored = await store_db.read(
        lambda c: c.execute("SELECT request_body FROM deposits").fetchone()[0]
    )
    assert '"min_price":22.75' in stored and '"min_price":0.125' in stored
    with pytest.raises(StoreError) as info:
        await deposits.insert_draft(profile="main", request=request(), now=T0)
    assert info.value.code == "duplicate_deposit"


async def test_lifecycle_and_late_reports(deposits, store_db):
    events = EventsRepository(store_db)
    await deposits.insert_draft(profile="main", request=request(), now=T0)
    await deposits.mark_sending("main", "dep-1", now=T0)
    active = state(
        1,
        "active",
        amount=Decimal("22.875"),
        bot_name="Skinslink Bot #3",
        bot_steam_id=76561199000000001,
        trade_offer_id="9001",
        trade_offer_expiry_at=T0 + timedelta(minutes=10),
    )
    assert await deposits.apply_state("main", active, now=T0) is True
    # A Skinslink webhook authenticates only the trade id: lookup by it works too.
    hold = state(1, "hold", merchant_tx_id=None, hold_end_date=T0 + timedelta(days=7))
    assert await deposits.apply_state("main", hold, now=T0 + timedelta(minutes=2)) is True
    assert await deposits.apply_state("main", state(1, "pending"), now=T0) is False
    assert await deposits.apply_state("main", state(1, "completed"), now=T0) is True
    assert (
        await deposits.apply_state(
            "main", state(1, "reverted", fail_reason="user_reverted"), now=T0
        )
        is True
    )
    record = await deposits.get("main", "dep-1")
    assert record.status == "reverted" and record.fail_reason == "user_reverted"
    assert record.amount == Decimal("22.875") and record.bot_steam_id == 76561199000000001
    assert record.hold_end_date == T0 + timedelta(days=7)
    assert record.sent_at == T0 and record.completed_at == T0 + timedelta(minutes=2)
    assert record.next_check_at is None
    changes = [
        (e.old_status, e.new_status)
        for e in await events.for_record("main", "deposit", "dep-1")
        if e.type == "status_change"
    ]
    assert changes == [
        (None, "draft"),
        ("sending", "active"),
        ("active", "hold"),
        ("hold", "completed"),
        ("completed", "reverted"),
    ]
    assert (await deposits.find_by_trade_id(701)).merchant_tx_id == "dep-1"


@pytest.mark.parametrize("current", ["new", "pending", "active", "hold", "completed", "failed"])
@pytest.mark.parametrize("new", list(DEPOSIT_FLOW) + sorted(DEPOSIT_TERMINAL))
async def test_store_follows_should_apply(store_db, store_profile, current, new):
    deposits = DepositsRepository(store_db)
    await deposits.insert_draft(profile="main", request=request(), now=T0)
    await deposits.apply_state("main", state(1, current), now=T0)
    changed = await deposits.apply_state("main", state(1, new), now=T0)
    assert changed == should_apply("skinslink", current, new)


async def test_rejected_due_open_and_search(deposits):
    for n in (1, 2, 3):
        await deposits.insert_draft(profile="main", request=request(n), now=T0 + timedelta(hours=n))
    assert (
        await deposits.mark_rejected(
            "main", "dep-1", code="quote_expired", message="Price lock expired"
        )
        is True
    )
    await deposits.apply_state(
        "main", state(2, "active"), next_check_at=T0 + timedelta(hours=5), now=T0
    )
    assert [d.merchant_tx_id for d in await deposits.list_due(T0 + timedelta(hours=4))] == ["dep-3"]
    assert [d.merchant_tx_id for d in await deposits.list_open("main")] == ["dep-2", "dep-3"]
    flt = ActivityFilter(profile="main", text="Asiimov")
    assert len(await deposits.search(flt)) == 3
    found = await deposits.search(
        ActivityFilter(profile="main", needs_attention=True), now=T0 + timedelta(hours=3, minutes=1)
    )
    assert [d.merchant_tx_id for d in found] == ["dep-1"]
    with pytest.raises(StoreError):
        await deposits.apply_state(
            "main", DepositState(id=999, merchant_tx_id=None, status="active")
        )


async def test_quote_lock_used_once(store_db, store_profile):
    quotes = QuotesRepository(store_db)
    quote = Quote(
        trade_id=701,
        game="csgo",
        items=(QuoteItem("AK-47 | Redline (Field-Tested)", Decimal("22.75"), Decimal("23.10")),),
        total=1,
        sum=Decimal("22.75"),
        requested=("AK-47 | Redline (Field-Tested)", "Missing Item"),
        fetched_at=T0,
        lock_expires_at=T0 + timedelta(minutes=5),
    )
    saved = await quotes.save("main", quote)
    assert saved.sum == Decimal("22.75") and saved.items[0]["price"] == Decimal("22.75")
    assert saved.requested == ("AK-47 | Redline (Field-Tested)", "Missing Item")
    assert saved.lock_expires_at == T0 + timedelta(minutes=5)
    assert (await quotes.latest_for_trade("main", 701)).id == saved.id
    await quotes.mark_used(saved.id, "dep-1")
    await quotes.mark_used(saved.id, "dep-1")  # same deposit again is fine (retry)
    with pytest.raises(StoreError) as info:
        await quotes.mark_used(saved.id, "dep-2")
    assert info.value.code == "quote_used"


async def test_get_many_reads_just_the_named_deposits(deposits):
    for n in range(1, 4):
        await deposits.insert_draft(profile="main", request=request(n), now=T0)
    found = await deposits.get_many("main", {"dep-1", "dep-3", "dep-9"})
    assert sorted(d.merchant_tx_id for d in found) == ["dep-1", "dep-3"]
    assert found[0] == await deposits.get("main", found[0].merchant_tx_id)
