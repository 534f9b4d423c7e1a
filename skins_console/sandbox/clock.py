"""Sandbox time: runs ``speed`` times faster than the wall clock and can be jumped forward.

Durations inside the sandbox (the 600 s trade window, the 5-minute quote lock, the 30 s
read caches, Trade Protection holds, webhook back-off) are measured in sandbox seconds.
Timestamps the sandbox *emits* are wall-clock instants, because clients compare deadlines
such as ``trade_offer_expiry_at`` with their own clock: a deadline ``d`` sandbox seconds
away is emitted as ``wall_now + d / speed``.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from skins_console.sandbox.facts import iso_ms


class SandboxClock:
    def __init__(self, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self.speed = float(speed)
        self._lock = threading.Lock()
        self._mono0 = time.monotonic()
        self._origin = time.time()
        self._offset = 0.0
        #: (sandbox instant where a jump started, seconds jumped): keeps wall_at() monotonic
        self._jumps: list[tuple[float, float]] = []

    def now(self) -> float:
        """Sandbox seconds since the Unix epoch (equal to wall time at start-up)."""
        with self._lock:
            offset = self._offset
        return self._origin + (time.monotonic() - self._mono0) * self.speed + offset

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        start = self.now()
        with self._lock:
            self._offset += seconds
            self._jumps.append((start, float(seconds)))
        return self.now()

    @property
    def advanced(self) -> float:
        with self._lock:
            return self._offset

    def wall_seconds(self, sandbox_seconds: float) -> float:
        return sandbox_seconds / self.speed

    def wall_at(self, sandbox_t: float) -> datetime:
        """The wall-clock instant at which sandbox time ``sandbox_t`` is (or was) reached.

        Everything inside a jumped-over stretch happened at the wall instant of the jump, so
        emitted timestamps stay in order across ``advance()``.
        """
        with self._lock:
            jumps = list(self._jumps)
        elapsed = sandbox_t - self._origin
        for start, amount in jumps:
            if start < sandbox_t:
                elapsed -= min(amount, sandbox_t - start)
        return datetime.fromtimestamp(self._origin + elapsed / self.speed, UTC)

    def iso_wall(self, sandbox_t: float) -> str:
        return iso_ms(self.wall_at(sandbox_t))

    def iso_sandbox(self, sandbox_t: float | None = None) -> str:
        t = self.now() if sandbox_t is None else sandbox_t
        return iso_ms(datetime.fromtimestamp(t, UTC))
