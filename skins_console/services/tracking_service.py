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
import functools
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from skins_console.core.errors import (
    ApiError,
    AuthError,
    ForbiddenError,
    RateLimitedError,
    UserFacingError,
)
from skins_console.services import change_bus, lifecycle
from skins_console.services.context import AppContext
from skins_console.services.lifecycle import Lifecycle
from skins_console.services.recovery_service import LIFECYCLES, RecoveryService
from skins_console.store import leases

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 4
DUE_BATCH = 200
#: open records a first pass or a manual sync claims at once (the rest: the next pass)
EVERYTHING_BATCH = 5000

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
        jobs_for: list[tuple[Lifecycle, Any]] = []
        owner, wall = lifecycle.lease_owner(ctx), ctx.clock.now()
        until = lifecycle.lease_until(ctx, wall)
        for lc in LIFECYCLES:
            # Claimed, not just listed: consoles sharing the book each take the due records
            # no other console holds, so each record is looked at by one of them, at the
            # cadence one console would keep (next_check_at is shared).
            claim = functools.partial(
                ctx.db.call, lc.in_book(leases.claim_due), wall, owner, until, profile=profile
            )
            records = await claim(DUE_BATCH, due_at=now)
            if everything:
                records = _merge(
                    records, await claim(EVERYTHING_BATCH, everything=True), lc.book.key
                )
            jobs_for += [(lc, record) for record in records]
        try:
            return await self._check_all(jobs_for, now)
        finally:
            for lc in LIFECYCLES:
                keys = [lc.key(record) for owner_lc, record in jobs_for if owner_lc is lc]
                await lifecycle.release(lc, ctx, profile, keys)

    async def _check_all(self, jobs_for: list[tuple[Lifecycle, Any]], now: datetime) -> PassResult:
        semaphore = asyncio.Semaphore(self.concurrency)
        stop = asyncio.Event()
        changed: list[str] = []
        counts = {"checked": 0, "failed": 0}

        async def guarded(lc: Lifecycle, record: Any) -> None:
            async with semaphore:
                if stop.is_set():
                    return
                try:
                    moved = await self._check(lc, record, now)
                except _Paused as paused:
                    stop.set()
                    self._pause(paused.reason, paused.detail)
                    return
                counts["checked"] += 1
                if moved is None:
                    counts["failed"] += 1
                elif isinstance(moved, str):
                    changed.append(moved)

        await asyncio.gather(*(guarded(lc, record) for lc, record in jobs_for))
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
            for when in [await lc.repo(self.ctx).next_open_check_at(profile) for lc in LIFECYCLES]
            if when is not None
        ]
        # Completed records still watched through Trade Protection are not "open"; they are
        # due hours apart, and run_forever never sleeps longer than the idle cadence anyway.
        return min(times) if times else None

    # --- per record ----------------------------------------------------------------------

    async def _check(self, lc: Lifecycle, record: Any, now: datetime) -> str | bool | None:
        """The key when the status moved, False when it did not, None on a failure."""
        key = lc.key(record)
        flight = lc.flight(key)
        if flight in self.ctx.in_flight:
            return False
        try:
            moved = await lifecycle.check(lc, self.ctx, record)
        except ApiError as exc:
            await self._failed(lc, record, exc, now)
            return None
        self._failures.pop(flight, None)
        return key if moved else False

    async def _failed(self, lc: Lifecycle, record: Any, exc: ApiError, now: datetime) -> None:
        if isinstance(exc, AuthError):
            raise _Paused(PAUSED_CREDENTIALS, exc.message)
        if isinstance(exc, ForbiddenError):
            raise _Paused(PAUSED_IP, exc.message)
        repo, ident = lc.repo(self.ctx), lc.key(record)
        key = lc.flight(ident)
        failures = self._failures.get(key, 0) + 1
        self._failures[key] = failures
        delay = self.ctx.cadence.backoff(failures, lc.floor(self.ctx.cadence))
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            delay = max(delay, timedelta(seconds=exc.retry_after))
        await repo.schedule_check(record.profile, ident, next_check_at=now + delay)
        if failures == 1:
            # One event per run of failures, not one per retry: the timeline stays readable.
            try:
                await repo.record_event(
                    record.profile,
                    ident,
                    "api_error",
                    f"Status check failed; retrying with back-off: {exc.message}",
                )
            except UserFacingError:
                log.debug("could not record the tracking failure of %s", ident)
        log.info(
            "tracking %s %s failed (%s, %d in a row); next try in %s",
            lc.kind,
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
