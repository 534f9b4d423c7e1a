"""Run an action at most once per interval, trailing calls folded into one.

A tracking pass over a thousand orders publishes changes every batch (200 ms); re-reading
and re-showing the whole Orders table that often costs a full CPU core and loop stalls
(bench/bench_tracking_window.py). The table only needs to be at most a second behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Throttle(QObject):
    def __init__(
        self, action: Callable[[], None], interval_ms: int, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._action = action
        self._interval = interval_ms / 1000.0
        self._last = float("-inf")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run)

    def __call__(self) -> None:
        wait = self._last + self._interval - time.monotonic()
        if wait <= 0:
            self._run()
        elif not self._timer.isActive():
            self._timer.start(max(1, int(wait * 1000)))

    def _run(self) -> None:
        self._last = time.monotonic()
        self._action()

    def cancel(self) -> None:
        """Drop a pending trailing call (the owner is shutting down)."""
        self._timer.stop()
