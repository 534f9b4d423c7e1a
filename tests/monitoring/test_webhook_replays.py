"""Replays and repeats change nothing: real listener, real sandbox, a real SQLite file.

``x-delivery-id`` is not covered by SkinsNode's signature, so a captured genuine delivery
can be replayed under any number of fresh ids; Skinslink's ``sign`` covers only the trade
id, so a captured delivery can be replayed with any body. Neither may add rows or timeline
events, move a status, reset the next poll, or cost more than one request to Skinslink.
"""

from __future__ import annotations

import asyncio
import json
import logging

from skins_console.api.webhook_signatures import skinslink_sign
from skins_console.core.models import utcnow
from skins_console.services.webhook_listener import SKINSLINK_PATH, SKINSNODE_PATH
from tests.monitoring.helpers import place_order
from tests.monitoring.webhook_support import (
    order_payload,
    place_deposit,
    post,
    quiet_listener,  # noqa: F401  (fixture)
    signed_skinsnode,
    skinslink_body,
    store_counts,
)


def _status_reads(sandbox) -> int:
    return sum(n for key, n in sandbox.requests.items() if "deposit/status" in key)


async def test_skinsnode_flood_of_replays_under_fresh_ids_changes_nothing(quiet_listener):  # noqa: F811
    sandbox, ctx, listener = quiet_listener
    external_id = await place_order(ctx, sandbox, "completed", prefix="replay")
    secret = sandbox.config.skinsnode_client_secret
    headers, raw = signed_skinsnode(
        secret, order_payload(external_id, "sent"), delivery_id="genuine-1"
    )
    first = await post(listener, SKINSNODE_PATH, headers, raw)
    assert first.status_code == 200 and first.json()["result"] == "applied"
    order = await ctx.orders.get(ctx.profile.name, external_id)
    assert order.status == "sent" and order.next_check_at is not None
    counts = await store_counts(ctx)

    # 60 replays of the captured delivery, each under a fresh id, and 20 exact repeats,
    # all at once.
    replays = [
        post(listener, SKINSNODE_PATH, {**headers, "x-delivery-id": f"fresh-{n}"}, raw)
        for n in range(60)
    ]
    repeats = [post(listener, SKINSNODE_PATH, headers, raw) for _ in range(20)]
    answers = await asyncio.gather(*replays, *repeats)
    assert {(a.status_code, a.json()["result"]) for a in answers} == {(200, "duplicate")}

    rows, dups, events = await store_counts(ctx)
    assert (rows, events) == (counts[0], counts[2])  # no row, no timeline event
    assert dups == counts[1] + 80  # each one counted on the delivery it repeats
    after = await ctx.orders.get(ctx.profile.name, external_id)
    assert after.status == "sent"
    assert after.next_check_at == order.next_check_at  # tracking not reset
    assert after.updated_at == order.updated_at
    assert listener.stats.duplicates == 80 and listener.stats.applied == 1


async def test_a_new_genuine_delivery_still_applies_after_a_replay_flood(quiet_listener):  # noqa: F811
    sandbox, ctx, listener = quiet_listener
    external_id = await place_order(ctx, sandbox, "completed", prefix="after")
    secret = sandbox.config.skinsnode_client_secret
    sent_headers, sent_raw = signed_skinsnode(
        secret, order_payload(external_id, "sent"), delivery_id="a"
    )
    answer = await post(listener, SKINSNODE_PATH, sent_headers, sent_raw)
    assert answer.json()["result"] == "applied"
    for n in range(5):
        replay = {**sent_headers, "x-delivery-id": f"r{n}"}
        answer = await post(listener, SKINSNODE_PATH, replay, sent_raw)
        assert answer.json()["result"] == "duplicate"
    # SkinsNode's next update: new content (its own timestamp, a new status).
    headers, raw = signed_skinsnode(
        secret, order_payload(external_id, "completed"), delivery_id="b"
    )
    assert (await post(listener, SKINSNODE_PATH, headers, raw)).json()["result"] == "applied"
    assert (await ctx.orders.get(ctx.profile.name, external_id)).status == "completed"
    # The captured "sent" replayed once more under a fresh id: a duplicate, nothing moves.
    replay = {**sent_headers, "x-delivery-id": "late-replay"}
    answer = await post(listener, SKINSNODE_PATH, replay, sent_raw)
    assert answer.json()["result"] == "duplicate"
    assert (await ctx.orders.get(ctx.profile.name, external_id)).status == "completed"


async def test_skinslink_replays_with_rewritten_bodies_change_nothing(quiet_listener):  # noqa: F811
    sandbox, ctx, listener = quiet_listener
    tx_id = await place_deposit(ctx, sandbox, "completed", f"rpl-{utcnow().timestamp():.6f}")
    deposit = await ctx.deposits.get(ctx.profile.name, tx_id)
    secret = sandbox.config.skinslink_webhook_secret
    first = await post(
        listener, SKINSLINK_PATH, {}, skinslink_body(secret, deposit.trade_id, status="hold")
    )
    assert first.status_code == 200 and first.json()["result"] in ("applied", "ignored")
    counts = await store_counts(ctx)
    reads = _status_reads(sandbox)
    before = await ctx.deposits.get(ctx.profile.name, tx_id)

    # sign covers only trade_id: everything else is whatever a replayer writes.
    rewritten = [
        skinslink_body(secret, deposit.trade_id, status="hold", amount=amount, offer_id=offer)
        for amount, offer in ((1, ""), (99999, "1"), ("x", None), (22.75, "7"))
    ]
    answers = await asyncio.gather(*(post(listener, SKINSLINK_PATH, {}, b) for b in rewritten))
    assert {a.json()["result"] for a in answers} == {"duplicate"}
    assert (await store_counts(ctx))[0::2] == counts[0::2]  # no row, no event
    assert _status_reads(sandbox) == reads  # and no request to Skinslink
    assert await ctx.deposits.get(ctx.profile.name, tx_id) == before

    # Statuses outside the documented set all share one slot: one new delivery, one re-read.
    made_up = [skinslink_body(secret, deposit.trade_id, status=f"made-up-{n}") for n in range(6)]
    answers = await asyncio.gather(*(post(listener, SKINSLINK_PATH, {}, b) for b in made_up))
    results = [a.json()["result"] for a in answers]
    assert results.count("duplicate") == len(made_up) - 1
    assert (await store_counts(ctx))[0] == counts[0] + 1
    assert _status_reads(sandbox) == reads + 1
    events = await ctx.events.for_record(ctx.profile.name, "deposit", tx_id)
    hooks = [e for e in events if e.type == "webhook"]
    reported = [e.details["reported_status"] for e in hooks]
    assert len(reported) == 2 and reported[0] == "hold" and reported[1].startswith("made-up-")


async def test_skinslink_purchase_delivery_is_acknowledged_and_logged_only(
    quiet_listener,  # noqa: F811
    caplog,
):
    caplog.set_level(logging.INFO, logger="skins_console")
    sandbox, ctx, listener = quiet_listener
    tx_id = await place_deposit(ctx, sandbox, "completed", f"pur-{utcnow().timestamp():.6f}")
    deposit = await ctx.deposits.get(ctx.profile.name, tx_id)
    secret = sandbox.config.skinslink_webhook_secret
    counts = await store_counts(ctx)
    # A purchase whose id equals a deposit's trade id, naming that deposit's merchant_tx_id:
    # it must still touch no deposit.
    body = {
        "purchase_id": deposit.trade_id,
        "status": "completed",
        "merchant_tx_id": tx_id,
        "sign": skinslink_sign(deposit.trade_id, secret),
    }
    answer = await post(listener, "/hooks", {}, json.dumps(body).encode())
    assert answer.status_code == 200 and answer.json()["result"] == "purchase"
    assert any(
        "purchase" in r.getMessage() and str(deposit.trade_id) in r.getMessage()
        for r in caplog.records
    )
    again = await post(listener, SKINSLINK_PATH, {}, json.dumps(body).encode())
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    rows, _dups, events = await store_counts(ctx)
    assert events == counts[2] and rows == counts[0] + 1
    assert await ctx.deposits.get(ctx.profile.name, tx_id) == deposit
    forged = dict(body, sign=skinslink_sign(deposit.trade_id, "wrong"))
    refused = await post(listener, SKINSLINK_PATH, {}, json.dumps(forged).encode())
    assert refused.status_code == 401 and refused.json()["error"] == "bad_signature"


async def test_failed_reread_promises_no_redelivery_and_notes_it_once(quiet_listener):  # noqa: F811
    sandbox, ctx, listener = quiet_listener
    tx_id = await place_deposit(ctx, sandbox, "completed", f"503-{utcnow().timestamp():.6f}")
    deposit = await ctx.deposits.get(ctx.profile.name, tx_id)
    sandbox.add_faults(
        [{"kind": "error", "status": 500, "route": "/api/v1/merchant/deposit/status"}]
    )
    body = skinslink_body(sandbox.config.skinslink_webhook_secret, deposit.trade_id)
    events_before = await ctx.events.for_record(ctx.profile.name, "deposit", tx_id)
    for _ in range(3):
        answer = await post(listener, SKINSLINK_PATH, {}, body)
        assert answer.status_code == 503
    events = await ctx.events.for_record(ctx.profile.name, "deposit", tx_id)
    new = [e.message for e in events[len(events_before) :]]
    assert len(new) == 1
    assert "next poll" in new[0] and "again" in new[0]
    assert "will deliver" not in new[0].lower()
    assert (await ctx.deposits.get(ctx.profile.name, tx_id)).status == deposit.status
