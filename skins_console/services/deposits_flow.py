"""Skinslink deposits in the shared lifecycle (``services/lifecycle.py``): the deposit's own
calls and words, and how a Skinslink report is applied (forward only, scheduled by state,
settlement noted, the seller's trade URL book entry updated, watchers told)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from skins_console.api.skinslink_client import SkinslinkClient
from skins_console.core.errors import ApiError, DepositFailedError, NotFoundError, StoreError
from skins_console.core.models import DepositItem, DepositRequest, DepositState
from skins_console.core.records import DepositRecord
from skins_console.services import change_bus, lifecycle
from skins_console.services.clock import Cadence
from skins_console.services.context import AppContext
from skins_console.services.debug_pause import pause_point
from skins_console.services.explain import explain_deposit_failure
from skins_console.services.lifecycle import ACCEPTED, FAILED, Lifecycle, SendResult
from skins_console.services.schedule import next_deposit_check, protection_end
from skins_console.store.deposits_repository import (
    DEPOSITS,
    apply_deposit_state,
    get_deposit,
    get_deposit_by_trade_id,
)

__all__ = [
    "LIFECYCLE",
    "apply_report",
    "deposit_request",
    "deposit_settles_at",
    "record_report",
    "send_deposit",
]


def deposit_request(deposit: DepositRecord) -> DepositRequest:
    body = deposit.request_body
    return DepositRequest(
        trade_id=body["id"],
        merchant_tx_id=body["merchant_tx_id"],
        game=body["game"],
        partner=body["partner"],
        token=body["token"],
        items=tuple(
            DepositItem(
                asset_id=item["asset_id"],
                name=item["name"],
                min_price=Decimal(item["min_price"]) if "min_price" in item else None,
            )
            for item in body["items"]
        ),
        result_url=body.get("result_url"),
    )


def deposit_settles_at(deposit: DepositRecord, cadence: Cadence) -> datetime | None:
    """A held deposit settles when Steam's hold ends (Skinslink completes it then, so a
    completed held deposit has settled); one never held, 7 days after receipt."""
    if deposit.hold_end_date is not None:
        if deposit.status == "completed":
            return min(deposit.hold_end_date, deposit.updated_at)
        return deposit.hold_end_date
    if deposit.completed_at is not None:
        return protection_end(cadence, deposit.completed_at)
    return None


def _apply(
    conn, profile: str, state: DepositState, *, source: str, now: datetime, cadence: Cadence
) -> tuple[str, bool]:
    before = get_deposit(conn, profile, state.merchant_tx_id) if state.merchant_tx_id else None
    changed = apply_deposit_state(conn, profile, state, source=source, now=now)
    key = before.merchant_tx_id if before else state.merchant_tx_id
    deposit = get_deposit(conn, profile, key) if key else None
    if deposit is None:
        deposit = get_deposit_by_trade_id(conn, profile, state.id)
    if deposit is None:  # apply_deposit_state found it; a rename in between is a bug
        raise StoreError(f"Deposit {state.merchant_tx_id or state.id} vanished.", code="internal")
    lifecycle.after_report(
        LIFECYCLE,
        conn,
        deposit,
        before=before,
        changed=changed,
        source=source,
        now=now,
        next_check_at=next_deposit_check(
            cadence,
            deposit.status,
            now,
            offer_expires_at=deposit.trade_offer_expiry_at,
            hold_ends_at=deposit.hold_end_date,
            settles_at=deposit_settles_at(deposit, cadence),
        ),
    )
    return deposit.merchant_tx_id, changed


def apply_report(
    conn, profile: str, state: DepositState, *, source: str, now: datetime, cadence: Cadence
) -> str:
    """One transaction: apply ``state`` forward-only and schedule the next look; returns
    the merchant_tx_id of the local deposit it applied to."""
    return _apply(conn, profile, state, source=source, now=now, cadence=cadence)[0]


async def record_report(
    ctx: AppContext, profile: str, state: DepositState, *, source: str = "poll"
) -> str:
    return (await lifecycle.record_report(LIFECYCLE, ctx, profile, state, source=source))[0]


def explain_refusal(exc: ApiError, deposit: DepositRecord) -> str:
    not_created = f"Deposit {deposit.merchant_tx_id} was not created."
    if isinstance(exc, NotFoundError):
        return (
            f"{not_created} Skinslink does not know quote (trade) {deposit.trade_id}; quote again."
        )
    return f"{not_created} {exc.message}"


async def send_deposit(ctx: AppContext, deposit: DepositRecord) -> SendResult:
    return await lifecycle.send(LIFECYCLE, ctx, deposit)


async def _send(
    ctx: AppContext, link: SkinslinkClient, deposit: DepositRecord, request: DepositRequest
) -> SendResult:
    profile, key = deposit.profile, deposit.merchant_tx_id
    try:
        state = await link.create_deposit_by_hash_name(request)
    except DepositFailedError as exc:
        await pause_point("deposit.after_response", key)
        failed = cast(DepositState, exc.state)
        await record_report(ctx, profile, failed, source="create")
        return SendResult(
            await ctx.deposits.get(profile, key),
            FAILED,
            explain_deposit_failure(failed.fail_reason),
            exc,
        )
    except ApiError as exc:
        return await lifecycle.send_failed(
            LIFECYCLE, ctx, deposit, exc, lambda exc: explain_refusal(exc, deposit)
        )
    await pause_point("deposit.after_response", key)
    await record_report(ctx, profile, state, source="create")
    deposit = await ctx.deposits.get(profile, key)
    offer = f" Trade offer {deposit.trade_offer_id}" if deposit.trade_offer_id else ""
    bot = f" from {deposit.bot_name}" if deposit.bot_name else ""
    return SendResult(
        deposit,
        ACCEPTED,
        f"Skinslink created deposit {key} ({deposit.status}).{offer}{bot} is waiting for the "
        "seller to accept it.",
    )


async def _fetch(link: SkinslinkClient, merchant_tx_id: str) -> DepositState:
    return await link.deposit_status(merchant_tx_id=merchant_tx_id)


def _partner(deposit: Any) -> int | None:
    return deposit.partner


LIFECYCLE = Lifecycle(
    book=DEPOSITS,
    change=change_bus.DEPOSIT,
    repo=lambda ctx: ctx.deposits,
    client=AppContext.skinslink,
    request=deposit_request,
    fetch=_fetch,
    send_once=_send,
    apply_report=_apply,
    floor=lambda cadence: cadence.deposit_floor,
    next_check=next_deposit_check,
    settled="Settled: the Steam hold / Trade Protection window has ended.",
    partner=_partner,
    failure_text=lambda deposit: explain_deposit_failure(deposit.fail_reason),
)
