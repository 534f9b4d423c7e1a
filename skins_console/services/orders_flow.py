"""The steps every path shares once an order is in SQLite: send it, and record what
SkinsNode says about it.

Checkout, recovery and the tracker all come through here, so there is exactly one way an
order is sent (its stored body, its own externalId) and one way a provider report is
applied (forward only, scheduled by its state, Trade Protection end recorded, the trade URL
book updated, watchers told).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from skins_console.core.errors import ApiError
from skins_console.core.models import OrderRequest, OrderState
from skins_console.core.records import OrderRecord
from skins_console.core.statuses import ORDER_DRAFT, ORDER_SENDING, Provider, statuses_where
from skins_console.services import change_bus
from skins_console.services.clock import Cadence
from skins_console.services.context import AppContext
from skins_console.services.debug_pause import pause_point
from skins_console.services.explain import explain_order_failure, explain_order_refusal
from skins_console.services.schedule import next_order_check, protection_end
from skins_console.store.customers_repository import record_customer_use
from skins_console.store.orders_repository import (
    apply_order_accepted,
    apply_order_state,
    get_order,
    mark_order_rejected,
    record_order_event,
    schedule_order_check,
    set_order_settles_at,
)

log = logging.getLogger(__name__)

#: ``source`` of a report pushed by the provider; every other source is a request we made,
#: which counts against the provider's cache window / rate limit.
WEBHOOK = "webhook"

ACCEPTED = "accepted"
#: Accepted, then refused at once for a business reason (item gone, price moved, funds).
FAILED = "failed"
REJECTED = "rejected"
#: Sent, outcome not settled: stays ``sending``; the tracker and recovery finish it.
UNKNOWN = "unknown"
#: Another task of this process is sending it right now.
BUSY = "busy"

_FAILED_STATUSES = statuses_where(Provider.SKINSNODE, failure=True)


@dataclass(frozen=True, slots=True)
class SendResult:
    order: OrderRecord
    outcome: str
    message: str
    error: ApiError | None = None


def order_request(order: OrderRecord) -> OrderRequest:
    """The stored body, exactly as it was first written."""
    body = order.request_body
    return OrderRequest(
        catalog_item_id=body["catalogItemId"],
        expected_price_cents=body["expectedPrice"],
        external_id=body["externalId"],
        webhook_url=body["webhookUrl"],
        trade_url=body["tradeUrl"],
    )


# --- applying a provider report --------------------------------------------------------


def apply_report(
    conn, profile: str, state: OrderState, *, source: str, now: datetime, cadence: Cadence
) -> bool:
    """One transaction: apply ``state`` (forward only), then schedule the next look.

    Returns whether the status changed.
    """
    before = get_order(conn, profile, state.external_id)
    changed = apply_order_state(conn, profile, state, source=source, now=now)
    order = get_order(conn, profile, state.external_id)
    settles_at = order.settles_at
    if order.status == "completed" and settles_at is None:
        settles_at = protection_end(cadence, order.completed_at or now)
        set_order_settles_at(conn, profile, order.external_id, settles_at)
    nxt = next_order_check(cadence, order.status, now, settles_at=settles_at)
    schedule_order_check(
        conn,
        profile,
        order.external_id,
        next_check_at=nxt,
        checked_at=None if source == WEBHOOK else now,
    )
    if (
        order.status == "completed"
        and nxt is None
        and before is not None
        and before.next_check_at is not None
    ):
        record_order_event(
            conn,
            profile,
            order.external_id,
            "note",
            "Settled: the Trade Protection window has ended.",
            now=now,
        )
    if changed:
        _note_customer(conn, order, now)
    return changed


def _note_customer(conn, order: OrderRecord, now: datetime) -> None:
    if order.buyer_partner is None:
        return
    if order.status == "completed":
        record_customer_use(conn, order.profile, order.buyer_partner, success=True, now=now)
    elif order.status in _FAILED_STATUSES:
        reason = explain_order_failure(order.failure_code or order.status, order.failure_message)
        record_customer_use(
            conn, order.profile, order.buyer_partner, success=False, error=reason, now=now
        )


async def record_report(
    ctx: AppContext, profile: str, state: OrderState, *, source: str = "poll"
) -> bool:
    now = ctx.clock.now()
    changed = await ctx.db.call(
        apply_report, profile, state, source=source, now=now, cadence=ctx.cadence
    )
    ctx.bus.publish(change_bus.ORDER, state.external_id)
    return changed


# --- sending -----------------------------------------------------------------------------


def _record_accepted(conn, profile, accepted, *, now, cadence) -> None:
    apply_order_accepted(
        conn,
        profile,
        accepted,
        now=now,
        next_check_at=next_order_check(cadence, accepted.status, now),
    )


def _record_rejected(
    conn, order: OrderRecord, *, code: str, message: str, details: dict, now: datetime
) -> None:
    mark_order_rejected(
        conn, order.profile, order.external_id, code=code, message=message, details=details, now=now
    )
    if order.buyer_partner is not None and code in ("validation_error",):
        record_customer_use(
            conn, order.profile, order.buyer_partner, success=False, error=message, now=now
        )


def _record_unknown(
    conn, order: OrderRecord, *, message: str, now: datetime, cadence: Cadence
) -> None:
    record_order_event(conn, order.profile, order.external_id, "api_error", message, now=now)
    schedule_order_check(
        conn,
        order.profile,
        order.external_id,
        next_check_at=next_order_check(cadence, ORDER_SENDING, now),
    )


async def send_order(ctx: AppContext, order: OrderRecord, *, confirm: bool = True) -> SendResult:
    """POST the stored body of a ``draft``/``sending`` order and record the outcome.

    With ``confirm``, an accepted order is read back once: SkinsNode accepts an order and
    fails it at once when the item is gone, the price moved or the wallet is short, and the
    operator should hear that now rather than on the next poll.
    """
    if order.status not in (ORDER_DRAFT, ORDER_SENDING):
        return SendResult(order, ACCEPTED, "Already known to SkinsNode.")
    flight = ("order", order.external_id)
    if flight in ctx.in_flight:
        return SendResult(order, BUSY, f"Order {order.external_id} is being sent already.")
    ctx.in_flight.add(flight)
    try:
        return await _send(ctx, order, confirm=confirm)
    finally:
        ctx.in_flight.discard(flight)
        ctx.bus.publish(change_bus.ORDER, order.external_id)


async def _send(ctx: AppContext, order: OrderRecord, *, confirm: bool) -> SendResult:
    profile, key = order.profile, order.external_id
    request = order_request(order)
    node = await ctx.skinsnode()
    order = await ctx.orders.mark_sending(profile, key, now=ctx.clock.now())
    await pause_point("order.after_sending", key)
    try:
        accepted = await node.create_order(request)
    except ApiError as exc:
        now = ctx.clock.now()
        if exc.outcome_unknown or exc.code == "rate_limited":
            await ctx.db.call(
                _record_unknown, order, message=exc.message, now=now, cadence=ctx.cadence
            )
            return SendResult(await ctx.orders.get(profile, key), UNKNOWN, exc.message, exc)
        message = explain_order_refusal(
            exc, external_id=key, catalog_item_id=request.catalog_item_id
        )
        details = {"status": exc.status, "body": exc.body}
        await ctx.db.call(
            _record_rejected, order, code=exc.code, message=message, details=details, now=now
        )
        return SendResult(await ctx.orders.get(profile, key), REJECTED, message, exc)
    await pause_point("order.after_response", key)
    await ctx.db.call(_record_accepted, profile, accepted, now=ctx.clock.now(), cadence=ctx.cadence)
    if confirm:
        try:
            await record_report(ctx, profile, await node.get_order(key), source="create")
        except ApiError as exc:
            log.info(
                "order %s: confirming read failed (%s); the tracker will look again", key, exc.code
            )
    order = await ctx.orders.get(profile, key)
    if order.status in _FAILED_STATUSES:
        return SendResult(
            order, FAILED, explain_order_failure(order.failure_code, order.failure_message)
        )
    return SendResult(
        order,
        ACCEPTED,
        f"SkinsNode accepted order {key}; once the trade offer is sent the buyer "
        "has 10 minutes to accept it.",
    )
