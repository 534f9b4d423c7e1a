"""Finishing writes a crash, a kill or a lost connection left unfinished.

An order or deposit still ``draft`` or ``sending`` may or may not exist at the provider.
Each is looked up by its own idempotency key: if the provider has it, its status is
adopted; if not (404), the identical stored body is sent again with the same key. A record
is never re-sent under a new key, so an interrupted sale can neither be lost nor doubled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from skins_console.core.records import DepositRecord, OrderRecord
from skins_console.core.statuses import DRAFT, SENDING
from skins_console.services import deposits_flow, lifecycle, orders_flow
from skins_console.services.context import AppContext
from skins_console.services.lifecycle import ADOPTED, RESENT, SKIPPED, STILL_UNKNOWN, Lifecycle

log = logging.getLogger(__name__)

__all__ = ["ADOPTED", "RESENT", "SKIPPED", "STILL_UNKNOWN", "RecoveryResult", "RecoveryService"]

#: orders first: a sale waiting on a crash matters more than a purchase
LIFECYCLES: tuple[Lifecycle, ...] = (orders_flow.LIFECYCLE, deposits_flow.LIFECYCLE)


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

    def tally(self, key: str, outcome: str) -> None:
        bucket = {
            ADOPTED: self.adopted,
            RESENT: self.resent,
            lifecycle.REJECTED: self.rejected,
            STILL_UNKNOWN: self.still_unknown,
        }.get(outcome)
        if bucket is not None:
            bucket.append(key)


class RecoveryService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def unfinished(self, lc: Lifecycle) -> list:
        profile = self.ctx.require_profile().name
        return [
            r for r in await lc.repo(self.ctx).list_open(profile) if r.status in (DRAFT, SENDING)
        ]

    async def pending(self) -> tuple[list[OrderRecord], list[DepositRecord]]:
        orders, deposits = [await self.unfinished(lc) for lc in LIFECYCLES]
        return orders, deposits

    async def recover(self) -> RecoveryResult:
        """Reconcile every unfinished order and deposit of the selected profile.

        Rejected credentials (401/403) are raised: nothing can be reconciled without them.
        Any other failure leaves that record for the next attempt.
        """
        result = RecoveryResult()
        for lc in LIFECYCLES:
            for record in await self.unfinished(lc):
                result.tally(lc.key(record), await lifecycle.reconcile(lc, self.ctx, record))
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
        return await lifecycle.reconcile(orders_flow.LIFECYCLE, self.ctx, order)
