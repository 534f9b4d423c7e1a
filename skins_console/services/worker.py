"""The headless worker (``skins-console serve``): tracking and the webhook listener of one
profile, together, until stopped.

In team mode this is the team's one always-on poller and its one public webhook URL, next
to the database; desktops only display and sell. Nothing here is new machinery: the
tracker is ``TrackingService.run_forever`` (recovery first, then passes as records fall
due; in a team book each record is claimed with a lease) and the listener is
``webhook_listener.run_listener``. On a team book it also listens to the database's change
feed (``LiveChanges``), so an order a desktop just sent is tracked from the next moment
rather than at the next idle pass, and the log says when the database goes away and comes
back.

Stopping (``stop`` set, from SIGTERM/SIGINT): the listener stops taking deliveries, the
tracker finishes the pass it is in (a send or status check under way completes and is
recorded) for up to ``grace`` seconds; past that, or when ``stop_now`` is set (a second
signal), the pass is cancelled: a send whose answer never arrived stays "sending", under
its lease, and recovery finishes it with the same key (here at the next start, or by
another console once the lease lapses).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skins_console.core.models import format_time
from skins_console.services import change_bus
from skins_console.services.context import AppContext
from skins_console.services.live_changes import LiveChanges
from skins_console.services.tracking_service import TrackingService
from skins_console.services.webhook_listener import ListenerStats, WebhookListener, run_listener

log = logging.getLogger(__name__)

#: how long a stop waits for the pass under way (docker's stop_grace_period and systemd's
#: TimeoutStopSec in docs/ are set above it)
STOP_GRACE_SECONDS = 20.0


@dataclass(frozen=True, slots=True)
class WorkerSummary:
    host: str
    port: int
    #: order and deposit changes seen while serving (tracking and webhooks)
    changes: int
    webhooks: ListenerStats
    #: False when the pass under way had to be cancelled (its sends resume by recovery)
    finished_cleanly: bool


async def serve(
    ctx: AppContext,
    host: str,
    port: int,
    stop: asyncio.Event,
    *,
    stop_now: asyncio.Event | None = None,
    announce: Callable[[str], object] = print,
    grace: float = STOP_GRACE_SECONDS,
    tracker: TrackingService | None = None,
) -> WorkerSummary:
    """Track and listen until ``stop``; see the module docstring for how it ends."""
    profile = ctx.require_profile()
    tracker = tracker or TrackingService(ctx)
    stop_now = stop_now or asyncio.Event()
    changes = 0
    bound: list[WebhookListener] = []
    ready = asyncio.Event()

    def started(listener: WebhookListener) -> None:
        bound.append(listener)
        ready.set()

    def report(change: change_bus.Change) -> None:
        nonlocal changes
        when = format_time(ctx.clock.now())
        if change.kind in (change_bus.ORDER, change_bus.DEPOSIT):
            # A desktop's new order or deposit (the team feed) is tracked from now, not
            # from the idle cadence; the worker's own moves cost one empty pass at most.
            tracker.wake()
            if change.key:
                changes += 1
                announce(f"{when}  {change.kind} {change.key} updated")
        elif change.kind == change_bus.DATABASE:
            announce(
                f"{when}  team database away: {change.key}"
                if change.key
                else f"{when}  team database back"
            )
        elif change.kind == change_bus.TRACKING:
            if change.key:
                announce(f"{when}  {change.key}: {tracker.paused_detail or ''}".rstrip(": "))
            else:
                announce(f"{when}  tracking resumed")

    unsubscribe = ctx.bus.subscribe(report)
    live = LiveChanges(ctx)  # other consoles' writes, on a team book; nothing on SQLite
    await live.start()
    listening: asyncio.Future[ListenerStats] = asyncio.ensure_future(
        run_listener(ctx, host, port, stop, announce=announce, started=started)
    )
    tracking: asyncio.Future[None] | None = None
    try:
        # The listener binds first: a port in use ends the worker before it polls anything.
        bind: asyncio.Future[Any] = asyncio.ensure_future(ready.wait())
        try:
            first: set[asyncio.Future[Any]] = {bind, listening}
            await asyncio.wait(first, return_when=asyncio.FIRST_COMPLETED)
        finally:
            bind.cancel()
        if not bound:
            await listening  # raises the bind error
        announce(f"Tracking open orders and deposits of “{profile.name}” ({ctx.book_label}).")
        announce("Stop with SIGTERM or Ctrl+C.")
        tracking = asyncio.ensure_future(tracker.run_forever(stop))
        waiting = asyncio.ensure_future(stop.wait())
        try:
            watched: set[asyncio.Future[Any]] = {tracking, listening, waiting}
            await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
        ended: tuple[asyncio.Future[Any], ...] = (tracking, listening)
        for task in ended:
            if task.done() and not stop.is_set():
                stop.set()
                await task  # ended on its own: a bug or a store failure, raised as is
        stats = await listening
        finished = await _finish(tracking, stop_now, grace)
    except BaseException:
        stop.set()
        running: list[asyncio.Future[Any]] = [
            t for t in (tracking, listening) if t is not None and not t.done()
        ]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        raise
    finally:
        unsubscribe()
        await live.stop()
    announce("Stopped." if finished else "Stopped; an interrupted send resumes at next start.")
    return WorkerSummary(host, bound[0].port, changes, stats, finished)


async def _finish(tracking: asyncio.Future[None], stop_now: asyncio.Event, grace: float) -> bool:
    """Let the pass under way finish for up to ``grace`` seconds, or until ``stop_now``."""
    if tracking.done():
        tracking.result()
        return True
    hurry: asyncio.Future[Any] = asyncio.ensure_future(stop_now.wait())
    try:
        watched: set[asyncio.Future[Any]] = {tracking, hurry}
        await asyncio.wait(watched, timeout=grace, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hurry.cancel()
    if tracking.done():
        tracking.result()
        return True
    log.warning("stopping: the tracking pass under way is cancelled; recovery resumes it")
    tracking.cancel()
    try:
        await tracking
    except asyncio.CancelledError:
        pass
    return False
