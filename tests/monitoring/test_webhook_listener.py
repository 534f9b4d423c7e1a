"""The webhook listener against the sandbox: real HTTP both ways, a real SQLite file.

No tracking pass runs in these tests: only webhooks (and, for Skinslink, the listener's own
re-read of the deposit) move the store.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import pytest

from skins_console.api.webhook_signatures import (
    FUTURE_SKEW,
    SKINSNODE_WINDOW,
    skinslink_sign,
)
from skins_console.core.models import utcnow
from skins_console.services.webhook_listener import (
    HEALTH_PATH,
    SKINSLINK_PATH,
    SKINSNODE_PATH,
    WebhookListener,
)
from tests.monitoring.helpers import free_port, place_order
from tests.monitoring.webhook_support import order_payload, place_deposit, post, signed_skinsnode

SPEED = 120.0


@pytest.fixture
async def hooked(sandbox_factory, services_ctx_factory):
    """A sandbox and a context whose profile's webhook URL is a running listener."""
    sandbox = sandbox_factory(speed=SPEED)
    port = free_port()
    ctx = await services_ctx_factory(sandbox, webhook_url=f"http://127.0.0.1:{port}/hooks")
    listener = WebhookListener(ctx, "127.0.0.1", port)
    await listener.start()
    try:
        yield sandbox, ctx, listener
    finally:
        await listener.stop()


async def _until(fetch, predicate, timeout: float = 20.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    value = await fetch()
    while not predicate(value):
        if loop.time() > deadline:
            raise AssertionError(f"not reached in {timeout} s; last value: {value!r}")
        await asyncio.sleep(0.05)
        value = await fetch()
    return value


def _order_status(ctx, external_id):
    async def fetch():
        return (await ctx.orders.get(ctx.profile.name, external_id)).status

    return fetch


async def test_webhooks_alone_bring_an_order_to_its_terminal_status(hooked):
    sandbox, ctx, listener = hooked
    external_id = await place_order(ctx, sandbox, "completed")
    await _until(_order_status(ctx, external_id), lambda s: s == "completed")
    events = await ctx.events.for_record(ctx.profile.name, "order", external_id)
    webhook_events = [e for e in events if e.type == "webhook"]
    delivered = [
        d
        for d in sandbox.truth()["webhooks"]
        if d["key"] == external_id and d["state"] == "delivered"
    ]
    assert delivered and len(webhook_events) >= len(delivered) - 1
    assert listener.stats.applied >= 1 and listener.stats.rejected == 0


async def test_forged_stale_duplicate_and_late_deliveries(hooked):
    sandbox, ctx, listener = hooked
    external_id = await place_order(ctx, sandbox, "completed")
    await _until(_order_status(ctx, external_id), lambda s: s == "completed")
    secret = sandbox.config.skinsnode_client_secret
    before = await ctx.events.for_record(ctx.profile.name, "order", external_id)

    # Forged: signed with the wrong secret → 401, nothing written.
    headers, raw = signed_skinsnode(
        "not-the-secret", order_payload(external_id, "reversed"), delivery_id="forged-1"
    )
    response = await post(listener, SKINSNODE_PATH, headers, raw)
    assert response.status_code == 401 and response.json()["error"] == "bad_signature"
    # Tampered: a valid signature over a different body.
    headers, raw = signed_skinsnode(
        secret, order_payload(external_id, "completed"), delivery_id="tamper-1"
    )
    response = await post(listener, SKINSNODE_PATH, headers, raw.replace(b"completed", b"reversed"))
    assert response.status_code == 401
    # Stale: correctly signed, but older than the whole retry horizon.
    headers, raw = signed_skinsnode(
        secret,
        order_payload(external_id, "reversed"),
        delivery_id="old-1",
        at=utcnow() - timedelta(seconds=SKINSNODE_WINDOW + 3600),
    )
    response = await post(listener, SKINSNODE_PATH, headers, raw)
    assert response.status_code == 401 and response.json()["error"] == "stale"
    # Dated in the future beyond clock skew.
    headers, raw = signed_skinsnode(
        secret,
        order_payload(external_id, "reversed"),
        delivery_id="future-1",
        at=utcnow() + timedelta(seconds=FUTURE_SKEW + 120),
    )
    response = await post(listener, SKINSNODE_PATH, headers, raw)
    assert response.status_code == 401 and response.json()["error"] == "future"
    assert (await _order_status(ctx, external_id)()) == "completed"
    assert await ctx.events.for_record(ctx.profile.name, "order", external_id) == before
    assert listener.stats.rejected == 4

    # Late (a retry 30 minutes after its first attempt, same x-timestamp), correctly
    # signed, an older non-terminal status: accepted, recorded, not applied.
    headers, raw = signed_skinsnode(
        secret,
        order_payload(external_id, "sent"),
        delivery_id="late-1",
        at=utcnow() - timedelta(minutes=30),
    )
    response = await post(listener, SKINSNODE_PATH, headers, raw)
    assert response.status_code == 200 and response.json()["result"] == "ignored"
    assert (await _order_status(ctx, external_id)()) == "completed"
    # The same delivery again: a duplicate, counted on its row, not a new timeline event.
    response = await post(listener, SKINSNODE_PATH, headers, raw)
    assert response.status_code == 200 and response.json()["result"] == "duplicate"
    after = await ctx.events.for_record(ctx.profile.name, "order", external_id)
    new = [e.message for e in after[len(before) :]]
    assert len(new) == 1 and "kept “completed”" in new[0]
    assert listener.stats.duplicates == 1
    row = await ctx.db.read(
        lambda c: c.execute(
            "SELECT duplicates FROM webhook_deliveries WHERE delivery_id = 'late-1'"
        ).fetchone()
    )
    assert row[0] == 1


async def test_unknown_order_and_routes(hooked):
    sandbox, _ctx, listener = hooked
    headers, raw = signed_skinsnode(
        sandbox.config.skinsnode_client_secret,
        order_payload("never-created", "completed"),
        delivery_id="u-1",
    )
    response = await post(listener, SKINSNODE_PATH, headers, raw)
    assert response.status_code == 202
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(listener.url + HEALTH_PATH)).json()["ok"] is True
        assert (await http.get(listener.url + SKINSNODE_PATH)).status_code == 405
        missing = await http.post(listener.url + SKINSNODE_PATH, content=b"{}")
        assert missing.status_code == 401 and missing.json()["error"] == "missing_header"
        huge = await http.post(listener.url + SKINSLINK_PATH, content=b"x" * (600 * 1024))
        assert huge.status_code == 413


def _deposit_status(ctx, tx_id):
    async def fetch():
        return (await ctx.deposits.get(ctx.profile.name, tx_id)).status

    return fetch


async def test_skinslink_webhooks_alone_reach_completed(hooked):
    sandbox, ctx, _listener = hooked
    tx_id = await place_deposit(ctx, sandbox, "completed", f"dep-{utcnow().timestamp():.6f}")
    # result_url is the profile's webhook URL (any path: told apart by the body's sign).
    await _until(_deposit_status(ctx, tx_id), lambda s: s == "hold")
    sandbox.advance(8 * 86400)  # past Steam's 7-day hold
    await _until(_deposit_status(ctx, tx_id), lambda s: s == "completed")
    events = await ctx.events.for_record(ctx.profile.name, "deposit", tx_id)
    assert any(e.type == "webhook" and "re-read" in e.message for e in events)


async def test_skinslink_sign_checked_and_body_status_not_trusted(hooked):
    sandbox, ctx, listener = hooked
    tx_id = await place_deposit(ctx, sandbox, "completed", f"dep-{utcnow().timestamp():.6f}")
    deposit = await ctx.deposits.get(ctx.profile.name, tx_id)
    body = {
        "status": "completed",
        "trade_id": deposit.trade_id,
        "merchant_tx_id": tx_id,
        "amount": 22.75,
        "amount_currency": "usd",
        "steam_id": "76561198000000001",
        "offer_id": "",
    }
    forged = dict(body, sign=skinslink_sign(deposit.trade_id, "wrong-secret"))
    response = await post(listener, SKINSLINK_PATH, {}, json.dumps(forged).encode())
    assert response.status_code == 401
    # Correctly signed, but the body claims "completed" while Skinslink says otherwise:
    # the listener re-reads the status and stores what Skinslink says.
    signed = dict(
        body, sign=skinslink_sign(deposit.trade_id, sandbox.config.skinslink_webhook_secret)
    )
    remote_before = sandbox.truth()["skinslink"]["deposits"][tx_id]["status"]
    assert remote_before in ("active", "hold")  # just created: nowhere near completed
    response = await post(listener, SKINSLINK_PATH, {}, json.dumps(signed).encode())
    assert response.status_code == 200
    stored = await ctx.deposits.get(ctx.profile.name, tx_id)
    remote_after = sandbox.truth()["skinslink"]["deposits"][tx_id]["status"]
    assert stored.status in (remote_before, remote_after) and stored.status != "completed"
    events = await ctx.events.for_record(ctx.profile.name, "deposit", tx_id)
    last = [e for e in events if e.type == "webhook"][-1]
    assert last.details["reported_status"] == "completed"
    assert last.details["status_now"] == stored.status
