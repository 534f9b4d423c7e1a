"""The cadence rules and the change bus, without a provider."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from skins_console.services.change_bus import ORDER, Change, ChangeBus
from skins_console.services.clock import Cadence
from skins_console.services.explain import explain_order_failure
from skins_console.services.schedule import next_deposit_check, next_order_check

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_orders_are_never_due_inside_the_30_second_cache():
    cadence = Cadence()
    for status in ("draft", "sending", "accepted", "queued", "pending", "sent", "mystery"):
        assert next_order_check(cadence, status, NOW) - NOW >= timedelta(seconds=30), status


def test_orders_stop_when_final_and_completed_ones_when_settled():
    cadence = Cadence()
    for status in ("failed", "cancelled", "expired", "reversed", "rejected"):
        assert next_order_check(cadence, status, NOW) is None
    settles = NOW + timedelta(days=7)
    slow = next_order_check(cadence, "completed", NOW, settles_at=settles)
    assert timedelta(hours=1) <= slow - NOW <= timedelta(days=1)
    near = next_order_check(
        cadence, "completed", settles - timedelta(minutes=5), settles_at=settles
    )
    assert near == settles
    assert next_order_check(cadence, "completed", settles, settles_at=settles) is None


def test_deposit_cadence_by_state():
    cadence = Cadence()
    expiry = NOW + timedelta(seconds=5)
    active = next_deposit_check(cadence, "active", NOW, offer_expires_at=expiry)
    assert timedelta(seconds=1) <= active - NOW <= timedelta(seconds=6)
    hold_end = NOW + timedelta(days=7)
    hold = next_deposit_check(cadence, "hold", NOW, hold_ends_at=hold_end)
    assert hold - NOW == timedelta(minutes=30)
    assert (
        next_deposit_check(cadence, "hold", hold_end - timedelta(seconds=10), hold_ends_at=hold_end)
        == hold_end
    )
    assert next_deposit_check(cadence, "canceled", NOW) is None


def test_time_scale_shrinks_every_interval_alike():
    fast = Cadence(time_scale=1 / 60)
    assert next_order_check(fast, "sent", NOW) - NOW == timedelta(seconds=0.5)
    assert fast.backoff(3, fast.order_floor) == timedelta(seconds=120 / 60)
    assert Cadence().backoff(20, 30) == timedelta(hours=1)


def test_unknown_failure_codes_are_shown_verbatim():
    assert "Top up" in explain_order_failure("insufficient_funds")
    text = explain_order_failure("bot_on_fire", "The bot caught fire")
    assert "bot_on_fire" in text and "The bot caught fire" in text


async def test_change_bus_fans_out_and_survives_a_broken_subscriber():
    bus = ChangeBus()
    seen: list[Change] = []

    def broken(change):
        raise RuntimeError("watcher bug")

    bus.subscribe(broken)
    unsubscribe = bus.subscribe(seen.append)
    with bus.queue(frozenset({ORDER})) as changes:
        bus.publish(ORDER, "sc-1")
        bus.publish("wallet", "main")
        assert await asyncio.wait_for(changes.get(), 1) == Change(ORDER, "sc-1")
        assert changes.drain() == []
    unsubscribe()
    bus.publish(ORDER, "sc-2")
    assert seen == [Change(ORDER, "sc-1"), Change("wallet", "main")]


def test_every_create_refusal_says_the_order_was_not_created_and_what_to_do():
    from skins_console.core.errors import (
        ApiValidationError,
        AuthError,
        ForbiddenError,
        NotFoundError,
    )
    from skins_console.services.explain import explain_order_refusal

    cases = {
        AuthError("401", provider="SkinsNode", status=401): "client ID or secret",
        ForbiddenError("403", provider="SkinsNode", status=403): "IP address",
        NotFoundError("404", provider="SkinsNode", status=404): "Refresh the catalog",
        ApiValidationError(
            "422",
            provider="SkinsNode",
            status=422,
            details=[{"field": "tradeUrl", "message": "is required"}],
        ): "tradeUrl: is required",
    }
    for error, advice in cases.items():
        text = explain_order_refusal(error, external_id="sc-1", catalog_item_id="item-9")
        assert text.startswith("Order sc-1 was not created.") and advice in text, text
