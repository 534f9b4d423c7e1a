"""Timed state changes in sandbox time.

Every lifecycle step (an order being sent, a deposit leaving hold, a webhook retry) is an
event at a sandbox instant. A worker thread runs events as they fall due; request handlers
also run due events before answering, so a read never shows a state that is late, even when
the clock was just jumped forward.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any

from skins_console.sandbox.clock import SandboxClock

log = logging.getLogger(__name__)

#: how long the worker sleeps at most, in wall seconds, so clock jumps are picked up soon
MAX_IDLE = 0.25


class Scheduler:
    def __init__(self, clock: SandboxClock, lock: threading.RLock) -> None:
        self.clock = clock
        self.lock = lock
        self._cond = threading.Condition(lock)
        self._heap: list[tuple[float, int, Callable[..., Any], tuple]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def at(self, when: float, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(when, *args)`` under the state lock once sandbox time reaches ``when``."""
        with self._cond:
            heapq.heappush(self._heap, (when, next(self._seq), fn, args))
            self._cond.notify_all()

    def after(self, delay: float, fn: Callable[..., Any], *args: Any) -> None:
        self.at(self.clock.now() + delay, fn, *args)

    def run_due(self) -> int:
        """Run every due event in time order; events may schedule further due events."""
        ran = 0
        with self.lock:
            now = self.clock.now()
            while self._heap and self._heap[0][0] <= now:
                when, _seq, fn, args = heapq.heappop(self._heap)
                try:
                    fn(when, *args)
                except Exception:  # one broken event must not stop the sandbox
                    log.exception("sandbox event %r failed", fn)
                ran += 1
        return ran

    def pending(self) -> int:
        with self.lock:
            return len(self._heap)

    def clear(self) -> None:
        with self.lock:
            self._heap.clear()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="sandbox-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _loop(self) -> None:
        with self._cond:
            while not self._stopping:
                self.run_due()
                wait = MAX_IDLE
                if self._heap:
                    due_in = self.clock.wall_seconds(self._heap[0][0] - self.clock.now())
                    wait = min(MAX_IDLE, max(0.001, due_in))
                self._cond.wait(wait)
