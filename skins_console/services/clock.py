"""Time for the services: a clock to read and sleep on, and the tracker's cadence table.

Every interval the tracker uses is a *nominal* duration in provider time (SkinsNode's 30 s
order cache, Skinslink's 1 request per second per deposit, the 7-day Trade Protection
window). ``Cadence.time_scale`` multiplies them all, so a run against the sandbox at
``--speed 60`` uses ``time_scale = 1/60`` and a 10-minute acceptance window passes in ten
seconds, with the 30 s floor shrunk the same way; in production the scale is 1.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from skins_console.core.models import utcnow

PROTECTION_WINDOW = timedelta(days=7)


class Clock:
    """Wall-clock time; tests substitute a subclass instead of patching ``datetime``."""

    def now(self) -> datetime:
        return utcnow()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


@dataclass(frozen=True, slots=True)
class Cadence:
    """Nominal polling intervals in seconds; read through :meth:`delay`, which scales them."""

    time_scale: float = 1.0
    #: SkinsNode caches an order lookup for up to 30 s: polling faster gains nothing.
    order_floor: float = 30.0
    #: accepted / queued / processing / pending: the order is moving on its own.
    order_moving: float = 30.0
    #: sent: the buyer has 10 minutes; watch closely to tell the operator when it lands.
    order_sent: float = 30.0
    #: completed, inside Trade Protection: a reversal is rare; check a few times a day.
    order_protection: float = 6 * 3600.0
    #: Skinslink asks for at most one status request per second per deposit.
    deposit_floor: float = 1.0
    deposit_pending: float = 10.0
    deposit_active: float = 15.0
    #: hold lasts about 7 days; the 3P integration polls every 30 minutes.
    deposit_hold: float = 30 * 60.0
    deposit_protection: float = 6 * 3600.0
    #: local states (draft/sending) are recovery's job, but a pass still retries them.
    unknown_outcome: float = 30.0
    backoff_base: float = 30.0
    backoff_max: float = 3600.0
    #: how long run_forever sleeps when nothing is due (woken early by new work).
    idle: float = 30.0
    protection_window: float = PROTECTION_WINDOW.total_seconds()

    def delay(self, nominal_seconds: float) -> timedelta:
        return timedelta(seconds=nominal_seconds * self.time_scale)

    def seconds(self, nominal_seconds: float) -> float:
        return nominal_seconds * self.time_scale

    def backoff(self, failures: int, floor: float) -> timedelta:
        """Exponential back-off after ``failures`` consecutive failures, never below ``floor``."""
        nominal = min(self.backoff_max, self.backoff_base * (2 ** max(0, failures - 1)))
        return self.delay(max(nominal, floor))

    def scaled(self, time_scale: float) -> Cadence:
        return replace(self, time_scale=time_scale)

    def with_order_interval(self, seconds: float) -> Cadence:
        """The operator's interval for moving and sent orders, never under the cache floor."""
        interval = max(self.order_floor, float(seconds))
        return replace(self, order_moving=interval, order_sent=interval)
