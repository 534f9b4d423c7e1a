"""Watching open orders and deposits until they settle.

``run_pass`` looks once at every record that is due (``next_check_at`` has passed), with
bounded concurrency, and each record's next look is scheduled by its state (see
``schedule.py``). Polling is the console's main channel (a desktop has no public webhook
URL), so the pass is careful with the providers:

* never an order more often than SkinsNode's 30 s cache, never a deposit more than once a
  second (both scaled by ``Cadence.time_scale`` against a fast sandbox);
* a failing record backs off exponentially on its own, a 429 waits its ``Retry-After``;
* a 401 or 403 stops the pass at once and pauses tracking with a plain reason, because
  every further request would fail the same way (and may lock the account);
* statuses only move forward (the store's ``should_apply``), with an event for each move;
* a record still ``draft``/``sending`` is handed to recovery (look up by its key; adopt or
  resend the identical body), never sent under a new key.

``run_forever(stop_event)`` repeats passes on the caller's loop (plain asyncio in the CLI,
qasync in the GUI) and sleeps until the next record is due or ``wake()`` is called.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from skins_console.core.errors import (
    ApiError,
    AuthError,
    ForbiddenError,
    RateLimitedError,
    UserFacingError,
)
from skins_console.core.records import DepositRecord, OrderRecord
from skins_console.core.statuses import DEPOSIT_LOCAL, ORDER_LOCAL
from skins_console.services import change_bus, deposits_flow, orders_flow
from skins_console.services.context import AppContext
from skins_console.services.recovery_service import RecoveryService

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 4
DUE_BATCH = 200

PAUSED_CREDENTIALS = "tracking paused: credentials rejected"
PAUSED_IP = "tracking paused: IP not allowed"


@dataclass(frozen=True, slots=True)
class PassResult:
    checked: int = 0
    changed: int = 0
    failed: int = 0
    #: the reason tracking is paused (credentials rejected / IP not allowed), else None
    paused: str | None = None
    #: the earliest next_check_at of anything still watched, None when nothing is
    next_due_at: datetime | None = None
    changed_keys: tuple[str, ...] = field(default=())


class _Paused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class TrackingService:
    def __init__(self, ctx: AppContext, *, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self.ctx = ctx
        self.concurrency = max(1, concurrency)
        self.recovery = RecoveryService(ctx)
        #: why tracking is paused ("tracking paused: …"), shown by the UI and the CLI
        self.paused: str | None = None
        #: the provider's own message behind ``paused``
        self.paused_detail: str | None = None
        self.last_pass: PassResult | None = None
        self._failures: dict[tuple[str, str], int] = {}
        self._wake = asyncio.Event()
        # One pass at a time: run_forever and a manual "sync now" must not both poll the
        # same record inside its cache window.
        self._pass_lock = asyncio.Lock()

    # --- one pass ------------------------------------------------------------------------

    async def run_pass(
        self, now: datetime | None = None, *, everything: bool = False
    ) -> PassResult:
        """Check what is due; with ``everything`` (a manual "sync now") also every open
        record that is not due yet, still never inside a provider's cache window."""
        async with self._pass_lock:
            return await self._run_pass(now, everything=everything)

    async def _run_pass(self, now: datetime | None, *, everything: bool) -> PassResult:
        ctx = self.ctx
        profile = ctx.require_profile().name
        now = now or ctx.clock.now()
        orders = await ctx.orders.list_due(now, profile=profile, limit=DUE_BATCH)
        deposits = await ctx.deposits.list_due(now, profile=profile, limit=DUE_BATCH)
        if everything:
            orders = _merge(orders, await ctx.orders.list_open(profile), "external_id")
            deposits = _merge(deposits, await ctx.deposits.list_open(profile), "merchant_tx_id")
        semaphore = asyncio.Semaphore(self.concurrency)
        stop = asyncio.Event()
        changed: list[str] = []
        counts = {"checked": 0, "failed": 0}

        async def guarded(job, record) -> None:
            async with semaphore:
                if stop.is_set():
                    return
                try:
                    moved = await job(record, now)
                except _Paused as paused:
                    stop.set()
                    self._pause(paused.reason, paused.detail)
                    return
                counts["checked"] += 1
                if moved is None:
                    counts["failed"] += 1
                elif moved:
                    changed.append(moved)

        jobs = [guarded(self._check_order, o) for o in orders]
        jobs += [guarded(self._check_deposit, d) for d in deposits]
        await asyncio.gather(*jobs)
        if not stop.is_set() and counts["checked"] and counts["checked"] > counts["failed"]:
            self._resume()
        result = PassResult(
            checked=counts["checked"],
            changed=len(changed),
            failed=counts["failed"],
            paused=self.paused,
            next_due_at=await self.next_due_at(),
            changed_keys=tuple(changed),
        )
        self.last_pass = result
        return result

    async def next_due_at(self) -> datetime | None:
        profile = self.ctx.require_profile().name
        times = [
            when
            for when in (
                await self.ctx.orders.next_open_check_at(profile),
                await self.ctx.deposits.next_open_check_at(profile),
            )
            if when is not None
        ]
        # Completed records still watched through Trade Protection are not "open"; they are
        # due hours apart, and run_forever never sleeps longer than the idle cadence anyway.
        return min(times) if times else None

    # --- per record ----------------------------------------------------------------------

    async def _check_order(self, order: OrderRecord, now: datetime) -> str | bool | None:
        """The key when the status moved, False when it did not, None on a failure."""
        key = ("order", order.external_id)
        if key in self.ctx.in_flight:
            return False
        floor = self.ctx.cadence.delay(self.ctx.cadence.order_floor)
        if self._too_soon(order.last_checked_at, floor) and order.status not in ORDER_LOCAL:
            # Looked at within the cache window (an earlier pass claiming a later "now", a
            # recovery): SkinsNode would answer from its cache anyway.
            await self.ctx.orders.schedule_check(
                order.profile, order.external_id, next_check_at=order.last_checked_at + floor
            )
            return False
        try:
            if order.status in ORDER_LOCAL:
                before = order.status
                await self.recovery.reconcile_order(order)
                after = await self.ctx.orders.get(order.profile, order.external_id)
                moved = after is not None and after.status != before
            else:
                state = await (await self.ctx.skinsnode()).get_order(order.external_id)
                moved = await orders_flow.record_report(self.ctx, order.profile, state)
        except ApiError as exc:
            await self._failed(
                key,
                exc,
                now,
                lambda nxt: self.ctx.orders.schedule_check(
                    order.profile, order.external_id, next_check_at=nxt
                ),
                floor=self.ctx.cadence.order_floor,
            )
            return None
        self._failures.pop(key, None)
        return order.external_id if moved else False

    async def _check_deposit(self, deposit: DepositRecord, now: datetime) -> str | bool | None:
        key = ("deposit", deposit.merchant_tx_id)
        if key in self.ctx.in_flight:
            return False
        floor = self.ctx.cadence.delay(self.ctx.cadence.deposit_floor)
        if self._too_soon(deposit.last_checked_at, floor) and deposit.status not in DEPOSIT_LOCAL:
            await self.ctx.deposits.schedule_check(
                deposit.profile,
                deposit.merchant_tx_id,
                next_check_at=deposit.last_checked_at + floor,
            )
            return False
        try:
            if deposit.status in DEPOSIT_LOCAL:
                before = deposit.status
                await self.recovery.reconcile_deposit(deposit)
                after = await self.ctx.deposits.get(deposit.profile, deposit.merchant_tx_id)
                moved = after is not None and after.status != before
            else:
                link = await self.ctx.skinslink()
                state = await link.deposit_status(merchant_tx_id=deposit.merchant_tx_id)
                before = deposit.status
                await deposits_flow.record_report(self.ctx, deposit.profile, state)
                after = await self.ctx.deposits.get(deposit.profile, deposit.merchant_tx_id)
                moved = after is not None and after.status != before
        except ApiError as exc:
            await self._failed(
                key,
                exc,
                now,
                lambda nxt: self.ctx.deposits.schedule_check(
                    deposit.profile, deposit.merchant_tx_id, next_check_at=nxt
                ),
                floor=self.ctx.cadence.deposit_floor,
            )
            return None
        self._failures.pop(key, None)
        return deposit.merchant_tx_id if moved else False

    def _too_soon(self, last_checked_at: datetime | None, floor: timedelta) -> bool:
        # The wall clock, not the pass's "now": a pass may be asked to act as if later.
        return last_checked_at is not None and self.ctx.clock.now() - last_checked_at < floor

    async def _failed(self, key, exc: ApiError, now: datetime, reschedule, *, floor: float) -> None:
        if isinstance(exc, AuthError):
            raise _Paused(PAUSED_CREDENTIALS, exc.message)
        if isinstance(exc, ForbiddenError):
            raise _Paused(PAUSED_IP, exc.message)
        failures = self._failures.get(key, 0) + 1
        self._failures[key] = failures
        delay = self.ctx.cadence.backoff(failures, floor)
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            delay = max(delay, timedelta(seconds=exc.retry_after))
        await reschedule(now + delay)
        kind, ident = key
        if failures == 1:
            # One event per run of failures, not one per retry: the timeline stays readable.
            record = self.ctx.orders if kind == "order" else self.ctx.deposits
            try:
                await record.record_event(
                    self.ctx.require_profile().name,
                    ident,
                    "api_error",
                    f"Status check failed; retrying with back-off: {exc.message}",
                )
            except UserFacingError:
                log.debug("could not record the tracking failure of %s", ident)
        log.info(
            "tracking %s %s failed (%s, %d in a row); next try in %s",
            kind,
            ident,
            exc.code,
            failures,
            delay,
        )

    # --- pause state ---------------------------------------------------------------------

    def _pause(self, reason: str, detail: str) -> None:
        changed = self.paused != reason
        self.paused, self.paused_detail = reason, detail
        if changed:
            log.warning("%s: %s", reason, detail)
            self.ctx.bus.publish(change_bus.TRACKING, reason)

    def _resume(self) -> None:
        if self.paused is not None:
            self.paused = self.paused_detail = None
            self.ctx.bus.publish(change_bus.TRACKING, None)

    # --- forever -------------------------------------------------------------------------

    def wake(self) -> None:
        """Run the next pass now (after a checkout, a profile edit, a webhook)."""
        self._wake.set()

    async def run_forever(self, stop_event: asyncio.Event) -> None:
        """Track until ``stop_event``. The first pass finishes sends a crash left open
        (recovery: the same key, never a new one) and reconciles *every* open record, not
        only those due: the console may have been closed for days."""
        first = True
        while not stop_event.is_set():
            self._wake.clear()
            # Read each time: the operator can change the polling interval in Settings.
            cadence = self.ctx.cadence
            try:
                if first:
                    try:
                        await self.recovery.recover()
                    except UserFacingError as exc:
                        # The pass below meets the same refusal and pauses with its reason.
                        log.warning("recovery at start failed: %s", exc.message)
                result = await self.run_pass(everything=first)
                first = False
                if result.paused:
                    delay = cadence.seconds(cadence.backoff_max)
                elif result.next_due_at is None:
                    delay = cadence.seconds(cadence.idle)
                else:
                    wait = (result.next_due_at - self.ctx.clock.now()).total_seconds()
                    delay = min(max(wait, 0.0), cadence.seconds(cadence.idle))
            except UserFacingError as exc:
                log.warning("tracking pass failed: %s", exc.message)
                delay = cadence.seconds(cadence.backoff_base)
            await _wait_any(stop_event, self._wake, max(delay, 0.01))


def _merge(first: list, second: list, key: str) -> list:
    seen = {getattr(record, key) for record in first}
    return first + [record for record in second if getattr(record, key) not in seen]


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
