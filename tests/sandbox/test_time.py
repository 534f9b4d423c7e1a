"""Sandbox time: emitted deadlines are wall-clock, timestamps stay ordered across jumps,
and Skinslink prices drift slowly."""

from __future__ import annotations

from datetime import timedelta

from skins_console.core.models import parse_time, utcnow
from skins_console.sandbox.clock import SandboxClock
from tests.sandbox.conftest import exact, order_body, skinslink_client, skinsnode_client
from tests.sandbox.test_skinslink_routes import REDLINE, deposit_body


def test_deadlines_are_wall_clock_scaled_by_speed(sandbox_factory):
    sb = sandbox_factory(speed=60)
    with skinslink_client(sb) as client:
        q = exact(
            client.post("/merchant/get-prices", json={"game": "csgo", "marketHashNames": [REDLINE]})
        )["data"]
        sb.script_deposit("time-1", "completed")
        created = client.post(
            "/merchant/create-deposit-by-hash-name", json=deposit_body(q["id"], "time-1")
        ).json()["data"]
    expiry = parse_time(created["trade_offer_expiry_at"])
    # 600 sandbox seconds at ×60 are 10 wall seconds
    assert timedelta(seconds=8) < expiry - utcnow() <= timedelta(seconds=10.5)


def test_timestamps_stay_ordered_across_clock_jumps(sandbox_factory):
    sb = sandbox_factory(speed=1, cache_seconds=0)
    with skinsnode_client(sb) as client:
        item = client.get("/v1/catalog").json()["items"][0]
        sb.script_order("jump", "reversed")
        client.post("/v1/orders", json=order_body(item, "jump"))
        sb.advance(8 * 24 * 3600)
        order = client.get("/v1/orders/jump").json()
    assert order["status"] == "reversed"
    keys = [
        "acceptedAt",
        "queuedAt",
        "processingAt",
        "pendingAt",
        "sentAt",
        "completedAt",
        "reversedAt",
    ]
    stamps = [parse_time(order["timestamps"][key]) for key in keys]
    assert stamps == sorted(stamps)
    assert stamps[-1] <= utcnow() + timedelta(seconds=1)


def test_clock_maps_jumped_stretches_to_the_jump_instant():
    clock = SandboxClock(speed=10)
    before = clock.now()
    clock.advance(1000)
    inside = clock.wall_at(before + 500)
    assert abs((clock.wall_at(before) - inside).total_seconds()) < 0.5
    later = clock.wall_at(clock.now() + 100)
    assert 9 < (later - utcnow()).total_seconds() <= 10.5


def test_prices_drift_slowly(sandbox_factory):
    sb = sandbox_factory(speed=1)
    with skinslink_client(sb) as client:

        def price():
            return exact(
                client.post(
                    "/merchant/get-prices",
                    json={
                        "game": "csgo",
                        "marketHashNames": [REDLINE],
                        "no_deposit_intent": True,
                    },
                )
            )["data"]["items"][0]["price"]

        first = price()
        sb.advance(300)
        within_quote = price()
        sb.advance(6 * 3600)
        hours_later = price()
    assert abs(within_quote - first) / first < 0.002
    assert hours_later != first and abs(hours_later - first) / first < 0.07
