"""Finishing writes a crash, a kill or a lost connection left unfinished.

An order or deposit still ``draft`` or ``sending`` may or may not exist at the provider.
Each is looked up by its own idempotency key: if the provider has it, its status is
adopted; if not (404), the identical stored body is sent again with the same key. A record
is never re-sent under a new key, so an interrupted sale can neither be lost nor doubled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from skins_console.core.errors import ApiError, AuthError, ForbiddenError, NotFoundError
from skins_console.core.records import DepositRecord, OrderRecord
from skins_console.core.statuses import (
    DEPOSIT_DRAFT,
    DEPOSIT_SENDING,
    ORDER_DRAFT,
    ORDER_SENDING,
    Provider,
    describe,
)
from skins_console.services import deposits_flow, orders_flow
from skins_console.services.context import AppContext

log = logging.getLogger(__name__)

ADOPTED = "adopted"
RESENT = "resent"
STILL_UNKNOWN = "unknown"
SKIPPED = "skipped"


@dataclass
class RecoveryResult:
    adopted: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)
    still_unknown: list[str] = field(default_factory=list)
    #: the provider refused a resent record (e.g. an expired quote); it is now ``rejected``
    rejected: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.adopted) + len(self.resent) + len(self.still_unknown) + len(self.rejected)


class RecoveryService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def pending(self) -> tuple[list[OrderRecord], list[DepositRecord]]:
        profile = self.ctx.require_profile().name
        orders = [
            o
            for o in await self.ctx.orders.list_open(profile)
            if o.status in (ORDER_DRAFT, ORDER_SENDING)
        ]
        deposits = [
            d
            for d in await self.ctx.deposits.list_open(profile)
            if d.status in (DEPOSIT_DRAFT, DEPOSIT_SENDING)
        ]
        return orders, deposits

    async def recover(self) -> RecoveryResult:
        """Reconcile every unfinished order and deposit of the selected profile.

        Rejected credentials (401/403) are raised: nothing can be reconciled without them.
        Any other failure leaves that record for the next attempt.
        """
        result = RecoveryResult()
        orders, deposits = await self.pending()
        for order in orders:
            outcome = await self.reconcile_order(order)
            _tally(result, order.external_id, outcome)
        for deposit in deposits:
            outcome = await self.reconcile_deposit(deposit)
            _tally(result, deposit.merchant_tx_id, outcome)
        if result.total:
            log.info(
                "recovery: %d adopted, %d resent, %d unknown, %d rejected",
                len(result.adopted),
                len(result.resent),
                len(result.still_unknown),
                len(result.rejected),
            )
        return result

    async def reconcile_order(self, order: OrderRecord) -> str:
        ctx = self.ctx
        if ("order", order.external_id) in ctx.in_flight:
            return SKIPPED
        node = await ctx.skinsnode()
        try:
            state = await node.get_order(order.external_id)
        except NotFoundError:
            await ctx.orders.record_event(
                order.profile,
                order.external_id,
                "recovery",
                "SkinsNode has no such order (the send was interrupted before it arrived); "
                "sending the identical request again with the same externalId.",
            )
            sent = await orders_flow.send_order(ctx, order)
            return {
                orders_flow.REJECTED: orders_flow.REJECTED,
                orders_flow.UNKNOWN: STILL_UNKNOWN,
                orders_flow.BUSY: SKIPPED,
            }.get(sent.outcome, RESENT)
        except (AuthError, ForbiddenError):
            raise
        except ApiError as exc:
            log.info("recovery of order %s postponed: %s", order.external_id, exc.code)
            return STILL_UNKNOWN
        await ctx.orders.record_event(
            order.profile,
            order.external_id,
            "recovery",
            f"SkinsNode already has this order ({describe(Provider.SKINSNODE, state.status)}); "
            "adopted its status.",
        )
        await orders_flow.record_report(ctx, order.profile, state, source="recovery")
        return ADOPTED

    async def reconcile_deposit(self, deposit: DepositRecord) -> str:
        ctx = self.ctx
        if ("deposit", deposit.merchant_tx_id) in ctx.in_flight:
            return SKIPPED
        link = await ctx.skinslink()
        try:
            state = await link.deposit_status(merchant_tx_id=deposit.merchant_tx_id)
        except NotFoundError:
            await ctx.deposits.record_event(
                deposit.profile,
                deposit.merchant_tx_id,
                "recovery",
                "Skinslink has no such deposit (the send was interrupted before it arrived); "
                "sending the identical request again with the same merchant_tx_id.",
            )
            sent = await deposits_flow.send_deposit(ctx, deposit)
            return {
                deposits_flow.REJECTED: deposits_flow.REJECTED,
                deposits_flow.UNKNOWN: STILL_UNKNOWN,
                deposits_flow.BUSY: SKIPPED,
            }.get(sent.outcome, RESENT)
        except (AuthError, ForbiddenError):
            raise
        except ApiError as exc:
            log.info("recovery of deposit %s postponed: %s", deposit.merchant_tx_id, exc.code)
            return STILL_UNKNOWN
        await ctx.deposits.record_event(
            deposit.profile,
            deposit.merchant_tx_id,
            "recovery",
            f"Skinslink already has this deposit "
            f"({describe(Provider.SKINSLINK, state.status)}); adopted its status.",
        )
        await deposits_flow.record_report(ctx, deposit.profile, state, source="recovery")
        return ADOPTED


def _tally(result: RecoveryResult, key: str, outcome: str) -> None:
    if outcome == ADOPTED:
        result.adopted.append(key)
    elif outcome == RESENT:
        result.resent.append(key)
    elif outcome == orders_flow.REJECTED:
        result.rejected.append(key)
    elif outcome == STILL_UNKNOWN:
        result.still_unknown.append(key)
