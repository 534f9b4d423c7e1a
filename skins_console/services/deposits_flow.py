"""The steps every path shares once a deposit is in SQLite: send it with its stored body and
merchant_tx_id, and record what Skinslink says about it (forward only, scheduled by state,
settlement noted, the seller's trade URL book entry updated, watchers told)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from skins_console.core.errors import ApiError, DepositFailedError, NotFoundError
from skins_console.core.models import DepositItem, DepositRequest, DepositState
from skins_console.core.records import DepositRecord
from skins_console.core.statuses import DEPOSIT_DRAFT, DEPOSIT_SENDING, Provider, statuses_where
from skins_console.services import change_bus
from skins_console.services.clock import Cadence
from skins_console.services.context import AppContext
from skins_console.services.debug_pause import pause_point
from skins_console.services.explain import explain_deposit_failure
from skins_console.services.orders_flow import ACCEPTED, BUSY, FAILED, REJECTED, UNKNOWN
from skins_console.services.schedule import next_deposit_check, protection_end
from skins_console.store.customers_repository import record_customer_use
from skins_console.store.deposits_repository import (
    apply_deposit_state,
    get_deposit,
    get_deposit_by_trade_id,
    record_deposit_event,
    schedule_deposit_check,
)

log = logging.getLogger(__name__)

#: ``source`` of a report pushed by the provider; every other source is a request we made,
#: which counts against the provider's cache window / rate limit.
WEBHOOK = "webhook"

__all__ = [
    "ACCEPTED",
    "BUSY",
    "FAILED",
    "REJECTED",
    "UNKNOWN",
    "DepositSendResult",
    "deposit_request",
    "deposit_settles_at",
    "record_report",
    "send_deposit",
]

_FAILED = statuses_where(Provider.SKINSLINK, failure=True)


@dataclass(frozen=True, slots=True)
class DepositSendResult:
    deposit: DepositRecord
    outcome: str
    message: str
    error: ApiError | None = None


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


def apply_report(
    conn, profile: str, state: DepositState, *, source: str, now: datetime, cadence: Cadence
) -> str:
    """One transaction: apply ``state`` forward-only and schedule the next look; returns
    the merchant_tx_id of the local deposit it applied to."""
    before = get_deposit(conn, profile, state.merchant_tx_id) if state.merchant_tx_id else None
    changed = apply_deposit_state(conn, profile, state, source=source, now=now)
    key = before.merchant_tx_id if before else state.merchant_tx_id
    deposit = get_deposit(conn, profile, key) if key else None
    if deposit is None:
        deposit = get_deposit_by_trade_id(conn, profile, state.id)
    settles_at = deposit_settles_at(deposit, cadence)
    nxt = next_deposit_check(
        cadence,
        deposit.status,
        now,
        offer_expires_at=deposit.trade_offer_expiry_at,
        hold_ends_at=deposit.hold_end_date,
        settles_at=settles_at,
    )
    schedule_deposit_check(
        conn,
        profile,
        deposit.merchant_tx_id,
        next_check_at=nxt,
        checked_at=None if source == WEBHOOK else now,
    )
    if (
        deposit.status == "completed"
        and nxt is None
        and (before is None or before.next_check_at is not None)
    ):
        record_deposit_event(
            conn,
            profile,
            deposit.merchant_tx_id,
            "note",
            "Settled: the Steam hold / Trade Protection window has ended.",
            now=now,
        )
    if changed:
        if deposit.status in ("hold", "completed"):
            record_customer_use(conn, profile, deposit.partner, success=True, now=now)
        elif deposit.status in _FAILED:
            record_customer_use(
                conn,
                profile,
                deposit.partner,
                success=False,
                error=explain_deposit_failure(deposit.fail_reason),
                now=now,
            )
    return deposit.merchant_tx_id


async def record_report(
    ctx: AppContext, profile: str, state: DepositState, *, source: str = "poll"
) -> str:
    key = await ctx.db.call(
        apply_report, profile, state, source=source, now=ctx.clock.now(), cadence=ctx.cadence
    )
    ctx.bus.publish(change_bus.DEPOSIT, key)
    return key


def _record_unknown(
    conn, deposit: DepositRecord, *, message: str, now: datetime, cadence: Cadence
) -> None:
    record_deposit_event(
        conn, deposit.profile, deposit.merchant_tx_id, "api_error", message, now=now
    )
    schedule_deposit_check(
        conn,
        deposit.profile,
        deposit.merchant_tx_id,
        next_check_at=next_deposit_check(cadence, DEPOSIT_SENDING, now),
    )


def explain_refusal(exc: ApiError, deposit: DepositRecord) -> str:
    not_created = f"Deposit {deposit.merchant_tx_id} was not created."
    if isinstance(exc, NotFoundError):
        return (
            f"{not_created} Skinslink does not know quote (trade) {deposit.trade_id}; quote again."
        )
    return f"{not_created} {exc.message}"


async def send_deposit(ctx: AppContext, deposit: DepositRecord) -> DepositSendResult:
    if deposit.status not in (DEPOSIT_DRAFT, DEPOSIT_SENDING):
        return DepositSendResult(deposit, ACCEPTED, "Already known to Skinslink.")
    flight = ("deposit", deposit.merchant_tx_id)
    if flight in ctx.in_flight:
        return DepositSendResult(
            deposit, BUSY, f"Deposit {deposit.merchant_tx_id} is being sent already."
        )
    ctx.in_flight.add(flight)
    try:
        return await _send(ctx, deposit)
    finally:
        ctx.in_flight.discard(flight)
        ctx.bus.publish(change_bus.DEPOSIT, deposit.merchant_tx_id)


async def _send(ctx: AppContext, deposit: DepositRecord) -> DepositSendResult:
    profile, key = deposit.profile, deposit.merchant_tx_id
    request = deposit_request(deposit)
    link = await ctx.skinslink()
    deposit = await ctx.deposits.mark_sending(profile, key, now=ctx.clock.now())
    await pause_point("deposit.after_sending", key)
    try:
        state = await link.create_deposit_by_hash_name(request)
    except DepositFailedError as exc:
        await pause_point("deposit.after_response", key)
        await record_report(ctx, profile, exc.state, source="create")
        return DepositSendResult(
            await ctx.deposits.get(profile, key),
            FAILED,
            explain_deposit_failure(exc.state.fail_reason),
            exc,
        )
    except ApiError as exc:
        now = ctx.clock.now()
        if exc.outcome_unknown or exc.code == "rate_limited":
            await ctx.db.call(
                _record_unknown, deposit, message=exc.message, now=now, cadence=ctx.cadence
            )
            return DepositSendResult(
                await ctx.deposits.get(profile, key), UNKNOWN, exc.message, exc
            )
        message = explain_refusal(exc, deposit)
        await ctx.deposits.mark_rejected(
            profile,
            key,
            code=exc.code,
            message=message,
            details={"status": exc.status, "body": exc.body},
            now=now,
        )
        return DepositSendResult(await ctx.deposits.get(profile, key), REJECTED, message, exc)
    await pause_point("deposit.after_response", key)
    await record_report(ctx, profile, state, source="create")
    deposit = await ctx.deposits.get(profile, key)
    offer = f" Trade offer {deposit.trade_offer_id}" if deposit.trade_offer_id else ""
    bot = f" from {deposit.bot_name}" if deposit.bot_name else ""
    return DepositSendResult(
        deposit,
        ACCEPTED,
        f"Skinslink created deposit {key} ({deposit.status}).{offer}{bot} is waiting for the "
        "seller to accept it.",
    )
