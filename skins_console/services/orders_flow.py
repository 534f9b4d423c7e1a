"""SkinsNode orders in the shared lifecycle (``services/lifecycle.py``): the order's own
calls and words, and how a SkinsNode report is applied.

Checkout, recovery, the tracker and the webhook listener all come through here, so there is
exactly one way an order is sent (its stored body, its own externalId) and one way a
provider report is applied (forward only, scheduled by its state, Trade Protection end
recorded, the trade URL book updated, watchers told).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from skins_console.api.skinsnode_client import SkinsNodeClient
from skins_console.core.errors import ApiError
from skins_console.core.models import OrderRequest, OrderState
from skins_console.core.records import OrderRecord
from skins_console.core.statuses import statuses_where
from skins_console.services import change_bus, lifecycle
from skins_console.services.clock import Cadence
from skins_console.services.context import AppContext
from skins_console.services.debug_pause import pause_point
from skins_console.services.explain import explain_order_failure, explain_order_refusal
from skins_console.services.lifecycle import ACCEPTED, FAILED, UNKNOWN, Lifecycle, SendResult
from skins_console.services.schedule import next_order_check, protection_end
from skins_console.store.customers_repository import record_customer_use
from skins_console.store.orders_repository import (
    ORDERS,
    apply_order_accepted,
    apply_order_state,
    get_order,
    mark_order_rejected,
    set_order_settles_at,
)

log = logging.getLogger(__name__)

_FAILURES = statuses_where(ORDERS.provider, failure=True)

# FAILED and UNKNOWN are the outcomes callers of send_order compare with.
__all__ = [
    "FAILED",
    "LIFECYCLE",
    "UNKNOWN",
    "apply_report",
    "order_request",
    "record_report",
    "send_order",
]


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


def _apply(
    conn, profile: str, state: OrderState, *, source: str, now: datetime, cadence: Cadence
) -> tuple[str, bool]:
    before = get_order(conn, profile, state.external_id)
    changed = apply_order_state(conn, profile, state, source=source, now=now)
    order = get_order(conn, profile, state.external_id)
    settles_at = order.settles_at
    if order.status == "completed" and settles_at is None:
        settles_at = protection_end(cadence, order.completed_at or now)
        set_order_settles_at(conn, profile, order.external_id, settles_at)
    lifecycle.after_report(
        LIFECYCLE,
        conn,
        order,
        before=before,
        changed=changed,
        source=source,
        now=now,
        next_check_at=next_order_check(cadence, order.status, now, settles_at=settles_at),
    )
    return order.external_id, changed


def apply_report(
    conn, profile: str, state: OrderState, *, source: str, now: datetime, cadence: Cadence
) -> bool:
    """One transaction: apply ``state`` (forward only), then schedule the next look.

    Returns whether the status changed.
    """
    return _apply(conn, profile, state, source=source, now=now, cadence=cadence)[1]


async def record_report(
    ctx: AppContext, profile: str, state: OrderState, *, source: str = "poll"
) -> bool:
    return (await lifecycle.record_report(LIFECYCLE, ctx, profile, state, source=source))[1]


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
) -> bool:
    rejected = mark_order_rejected(
        conn, order.profile, order.external_id, code=code, message=message, details=details, now=now
    )
    if order.buyer_partner is not None and code in ("validation_error",):
        record_customer_use(
            conn, order.profile, order.buyer_partner, success=False, error=message, now=now
        )
    return rejected


async def send_order(ctx: AppContext, order: OrderRecord, *, confirm: bool = True) -> SendResult:
    """POST the stored body of a ``draft``/``sending`` order and record the outcome.

    With ``confirm``, an accepted order is read back once: SkinsNode accepts an order and
    fails it at once when the item is gone, the price moved or the wallet is short, and the
    operator should hear that now rather than on the next poll.
    """
    return await lifecycle.send(LIFECYCLE, ctx, order, confirm=confirm)


async def _send(
    ctx: AppContext,
    node: SkinsNodeClient,
    order: OrderRecord,
    request: OrderRequest,
    *,
    confirm: bool = True,
) -> SendResult:
    profile, key = order.profile, order.external_id
    try:
        accepted = await node.create_order(request)
    except ApiError as exc:
        return await lifecycle.send_failed(
            LIFECYCLE,
            ctx,
            order,
            exc,
            lambda exc: explain_order_refusal(
                exc, external_id=key, catalog_item_id=request.catalog_item_id
            ),
            reject=_record_rejected,
        )
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
    if order.status in _FAILURES:
        return SendResult(
            order, FAILED, explain_order_failure(order.failure_code, order.failure_message)
        )
    return SendResult(
        order,
        ACCEPTED,
        f"SkinsNode accepted order {key}; once the trade offer is sent the buyer "
        "has 10 minutes to accept it.",
    )


def _failure_text(order: Any) -> str:
    return explain_order_failure(order.failure_code or order.status, order.failure_message)


LIFECYCLE = Lifecycle(
    book=ORDERS,
    change=change_bus.ORDER,
    repo=lambda ctx: ctx.orders,
    client=AppContext.skinsnode,
    request=order_request,
    fetch=SkinsNodeClient.get_order,
    send_once=_send,
    apply_report=_apply,
    floor=lambda cadence: cadence.order_floor,
    next_check=next_order_check,
    settled="Settled: the Trade Protection window has ended.",
    partner=lambda order: order.buyer_partner,
    failure_text=_failure_text,
)
