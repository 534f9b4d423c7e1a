from datetime import UTC, datetime, timedelta

import pytest

from skins_console.core.errors import StoreError
from skins_console.core.models import Failure, OrderAccepted, OrderRequest, OrderState
from skins_console.core.records import ActivityFilter
from skins_console.core.statuses import ORDER_FLOW, ORDER_TERMINAL, should_apply
from skins_console.store.events_repository import EventsRepository
from skins_console.store.orders_repository import (
    OrdersRepository,
    get_order,
    insert_order_draft,
)


@pytest.fixture
def store_db(book_target):
    """Every test here runs on both backends: SQLite and PostgreSQL."""
    return book_target


T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TRADE = "https://steamcommunity.com/tradeoffer/new/?partner=12345&token=abcdefgh"


def request(n=1, price=1840):
    return OrderRequest(
        catalog_item_id=f"cat-{n}",
        expected_price_cents=price,
        external_id=f"ord-{n}",
        webhook_url="http://127.0.0.1:9/wh",
        trade_url=TRADE,
    )


def state(external_id, status, **kw):
    return OrderState(
        external_id=external_id,
        status=status,
        steam_offer_id=kw.get("steam_offer_id"),
        trade_url=TRADE,
        amount_cents=kw.get("amount_cents"),
        currency="USD",
        failure=kw.get("failure"),
        timestamps=kw.get("timestamps", {}),
        raw=kw.get("raw", {"status": status}),
    )


@pytest.fixture
def orders(store_db, store_profile):
    return OrdersRepository(store_db)


@pytest.fixture
def events(store_db):
    return EventsRepository(store_db)


async def draft(orders, n=1, price=1840, now=T0):
    return await orders.insert_draft(
        profile="main",
        request=request(n, price),
        item_name=f"Item {n}",
        item_snapshot={"price": price},
        buyer_partner=12345,
        now=now,
    )


async def test_draft_stores_exact_body_with_first_event(orders, events):
    order = await draft(orders)
    assert order.status == "draft" and order.attempts == 0
    assert order.request_body == request().to_json()
    assert order.next_check_at == T0  # recovery sees it at once
    timeline = await events.for_record("main", "order", "ord-1")
    assert [(e.type, e.new_status) for e in timeline] == [("status_change", "draft")]
    assert timeline[0].details["request"]["externalId"] == "ord-1"


async def test_draft_is_never_duplicated(orders):
    await draft(orders)
    with pytest.raises(StoreError) as info:
        await draft(orders)
    assert info.value.code == "duplicate_order"


async def test_draft_and_event_are_atomic(store_db, store_profile, events):
    with pytest.raises(StoreError):
        # A failure later in the same transaction: nothing at all may remain.
        def both(conn):
            insert_order_draft(conn, profile="main", request=request(5), item_name="x", now=T0)
            raise StoreError("simulated failure after the insert")

        await store_db.call(both)
    assert await store_db.read(get_order, "main", "ord-5") is None
    assert await events.for_record("main", "order", "ord-5") == []


async def test_sending_then_accepted_then_forward_only(orders, events):
    await draft(orders)
    sending = await orders.mark_sending("main", "ord-1", now=T0)
    assert sending.status == "sending" and sending.attempts == 1
    again = await orders.mark_sending("main", "ord-1", now=T0)  # retry, same key
    assert again.attempts == 2 and again.request_body == request().to_json()
    accepted = OrderAccepted("ord-1", "accepted", T0 + timedelta(seconds=1))
    assert await orders.apply_accepted("main", accepted, now=T0) is True
    assert (
        await orders.apply_state(
            "main", state("ord-1", "sent", steam_offer_id="555"), now=T0 + timedelta(seconds=5)
        )
        is True
    )
    # A late webhook carrying an older status changes nothing.
    assert (
        await orders.apply_state(
            "main", state("ord-1", "processing"), source="webhook", now=T0 + timedelta(seconds=6)
        )
        is False
    )
    order = await orders.get("main", "ord-1")
    assert order.status == "sent" and order.steam_offer_id == "555"
    assert order.accepted_at == T0 + timedelta(seconds=1)
    assert order.sent_at == T0 + timedelta(seconds=5)
    done = state(
        "ord-1",
        "completed",
        amount_cents=1840,
        timestamps={"completedAt": T0 + timedelta(minutes=3)},
    )
    assert await orders.apply_state("main", done, now=T0 + timedelta(minutes=4)) is True
    assert await orders.apply_state("main", state("ord-1", "sent"), now=T0) is False
    assert await orders.apply_state("main", state("ord-1", "reversed"), now=T0) is True
    assert await orders.apply_state("main", state("ord-1", "completed"), now=T0) is False
    order = await orders.get("main", "ord-1")
    assert order.status == "reversed" and order.amount_cents == 1840
    assert order.completed_at == T0 + timedelta(minutes=3)
    changes = [
        (e.old_status, e.new_status)
        for e in await events.for_record("main", "order", "ord-1")
        if e.type == "status_change"
    ]
    assert changes == [
        (None, "draft"),
        ("sending", "accepted"),
        ("accepted", "sent"),
        ("sent", "completed"),
        ("completed", "reversed"),
    ]


@pytest.mark.parametrize(
    "current",
    ["accepted", "processing", "sent", "completed", "failed", "expired", "reversed", "cancelled"],
)
@pytest.mark.parametrize("new", list(ORDER_FLOW) + sorted(ORDER_TERMINAL) + ["mystery"])
async def test_store_follows_should_apply(store_db, store_profile, current, new):
    orders = OrdersRepository(store_db)
    await draft(orders)
    await orders.apply_state("main", state("ord-1", current), now=T0)
    changed = await orders.apply_state("main", state("ord-1", new), now=T0)
    assert changed == should_apply("skinsnode", current, new)
    assert (await orders.get("main", "ord-1")).status == (new if changed else current)


async def test_failure_is_recorded_and_stops_checks(orders, events):
    await draft(orders)
    failed = state("ord-1", "failed", failure=Failure("price_changed", "Price moved"))
    assert await orders.apply_state("main", failed, now=T0) is True
    order = await orders.get("main", "ord-1")
    assert (order.failure_code, order.failure_message) == ("price_changed", "Price moved")
    assert order.next_check_at is None
    assert await orders.list_due(T0 + timedelta(days=1)) == []
    last = (await events.for_record("main", "order", "ord-1"))[-1]
    assert last.details["failure"]["code"] == "price_changed"


async def test_rejected_only_from_local_states(orders):
    await draft(orders, 1)
    await orders.mark_sending("main", "ord-1")
    assert (
        await orders.mark_rejected(
            "main", "ord-1", code="validation_error", message="Trade URL refused"
        )
        is True
    )
    order = await orders.get("main", "ord-1")
    assert order.status == "rejected" and order.failure_code == "validation_error"
    await draft(orders, 2)
    await orders.apply_state("main", state("ord-2", "accepted"))
    assert await orders.mark_rejected("main", "ord-2", code="x", message="y") is False
    assert (await orders.get("main", "ord-2")).status == "accepted"


async def test_due_checks_and_scheduling(orders):
    await draft(orders, 1, now=T0)
    await draft(orders, 2, now=T0)
    await orders.schedule_check(
        "main", "ord-2", next_check_at=T0 + timedelta(minutes=10), checked_at=T0
    )
    due = await orders.list_due(T0 + timedelta(minutes=1))
    assert [o.external_id for o in due] == ["ord-1"]
    due = await orders.list_due(T0 + timedelta(minutes=10))
    assert [o.external_id for o in due] == ["ord-1", "ord-2"]
    # Completed with an explicit next check stays due (a reversal is still possible).
    await orders.apply_state(
        "main", state("ord-1", "completed"), next_check_at=T0 + timedelta(hours=1)
    )
    assert (await orders.get("main", "ord-1")).next_check_at == T0 + timedelta(hours=1)
    with pytest.raises(StoreError) as info:
        await orders.schedule_check("main", "nope", next_check_at=T0)
    assert info.value.code == "unknown_order"


async def test_reserved_amount_counts_open_orders_only(orders):
    await draft(orders, 1, price=1000)  # draft
    await draft(orders, 2, price=250)
    await orders.mark_sending("main", "ord-2")  # sending
    await draft(orders, 3, price=4000)
    await orders.apply_state("main", state("ord-3", "sent"))  # remote, open
    await draft(orders, 4, price=7000)
    await orders.apply_state("main", state("ord-4", "completed"))  # done
    await draft(orders, 5, price=9000)
    await orders.mark_rejected("main", "ord-5", code="x", message="refused")
    assert await orders.reserved_cents("main", accepted_since=T0) == 1000 + 250 + 4000
    assert [o.external_id for o in await orders.list_open("main")] == ["ord-1", "ord-2", "ord-3"]


async def test_search_filters(orders):
    await draft(orders, 1, now=T0)
    await draft(orders, 2, now=T0 + timedelta(days=1))
    await draft(orders, 3, now=T0 + timedelta(days=2))
    await orders.apply_state("main", state("ord-2", "failed"))
    await orders.apply_state("main", state("ord-3", "sent", steam_offer_id="offer_%_9"))

    async def keys(**kw):
        return [
            o.external_id
            for o in await orders.search(
                ActivityFilter(profile="main", **kw), now=T0 + timedelta(days=2)
            )
        ]

    assert await keys() == ["ord-3", "ord-2", "ord-1"]
    assert await keys(statuses=("failed",)) == ["ord-2"]
    assert await keys(text="Item 1") == ["ord-1"]
    assert await keys(text="offer_%") == ["ord-3"]  # LIKE wildcards are literal
    assert await keys(since=T0 + timedelta(hours=1), until=T0 + timedelta(days=2)) == ["ord-2"]
    # Failed, plus the draft left unsent for two days.
    assert await keys(needs_attention=True) == ["ord-2", "ord-1"]
    assert await keys(limit=1, offset=1) == ["ord-2"]


async def test_unknown_order_update_is_a_clear_error(orders):
    with pytest.raises(StoreError) as info:
        await orders.apply_state("main", state("ghost", "sent"))
    assert info.value.code == "unknown_order"


async def test_survives_reopen(book_opener, store_db, store_profile, orders):
    await draft(orders)
    await orders.mark_sending("main", "ord-1")
    await store_db.close()
    db = await book_opener.open()
    try:
        order = await OrdersRepository(db).get("main", "ord-1")
        assert order.status == "sending" and order.request_body == request().to_json()
    finally:
        await db.close()


async def test_webhook_applied_once_and_atomically(orders, events, store_db):
    from skins_console.core.models import WebhookDelivery

    await draft(orders)

    def hook(delivery_id, status):
        return WebhookDelivery(
            delivery_id=delivery_id,
            event_type="order.updated",
            timestamp=T0,
            order=state("ord-1", status),
        )

    assert await orders.apply_webhook("main", hook("d-1", "sent"), now=T0) == (True, True)
    assert await orders.apply_webhook("main", hook("d-1", "sent"), now=T0) == (False, False)
    assert await orders.apply_webhook("main", hook("d-2", "completed"), now=T0) == (True, True)
    assert await orders.apply_webhook("main", hook("d-0", "accepted"), now=T0) == (True, False)
    timeline = await events.for_record("main", "order", "ord-1")
    assert timeline[-1].type == "webhook" and "out-of-order" in timeline[-1].message
    assert [e.details.get("source") for e in timeline if e.type == "status_change"][1:] == [
        "webhook",
        "webhook",
    ]
    # A webhook for an order we do not know leaves no trace, so it can be retried later.
    ghost = WebhookDelivery("d-9", "order.updated", T0, state("ghost", "sent"))
    with pytest.raises(StoreError):
        await orders.apply_webhook("main", ghost)
    from skins_console.store.webhook_deliveries_repository import delivery_seen

    assert await store_db.read(delivery_seen, "skinsnode", "d-9") is False


async def test_settles_at_and_notes(orders, events):
    await draft(orders)
    await orders.set_settles_at("main", "ord-1", T0 + timedelta(days=7))
    assert (await orders.get("main", "ord-1")).settles_at == T0 + timedelta(days=7)
    note = await orders.record_event(
        "main", "ord-1", "note", "Buyer asked for a refund", details={"by": "operator"}, now=T0
    )
    assert note.id is not None
    assert (await events.for_record("main", "order", "ord-1"))[
        -1
    ].message == "Buyer asked for a refund"
    with pytest.raises(StoreError):
        await orders.set_settles_at("main", "ghost", None)


async def test_get_many_reads_just_the_named_orders_of_the_profile(orders, monkeypatch):
    from skins_console.store import codec

    for n in range(1, 8):
        await draft(orders, n)
    monkeypatch.setattr(codec, "KEYS_PER_QUERY", 3)  # several IN (...) queries
    found = await orders.get_many(
        "main", ["ord-2", "ord-5", "ord-7", "ord-2", "ord-6", "no-such", "ord-1"]
    )
    assert sorted(o.external_id for o in found) == ["ord-1", "ord-2", "ord-5", "ord-6", "ord-7"]
    assert found[0] == await orders.get("main", found[0].external_id)
    assert await orders.get_many("other-profile", ["ord-1"]) == []
    assert await orders.get_many("main", []) == []


async def test_next_open_check_is_the_earliest_of_the_open_orders(orders):
    assert await orders.next_open_check_at("main") is None
    for n in (1, 2, 3):
        await draft(orders, n)
    await orders.schedule_check("main", "ord-1", next_check_at=T0 + timedelta(minutes=5))
    await orders.schedule_check("main", "ord-2", next_check_at=T0 + timedelta(minutes=2))
    await orders.schedule_check("main", "ord-3", next_check_at=T0 + timedelta(minutes=1))
    await orders.mark_rejected("main", "ord-3", code="validation_error", message="no")
    open_times = [o.next_check_at for o in await orders.list_open("main") if o.next_check_at]
    assert await orders.next_open_check_at("main") == min(open_times) == T0 + timedelta(minutes=2)
    assert await orders.next_open_check_at("other") is None
