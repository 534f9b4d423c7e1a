"""Garbage collection on the GUI thread only.

Python's cyclic collector runs on whichever thread happens to allocate when a threshold is
crossed: in this app that can be the SQLite worker, an ``asyncio.to_thread`` call or the
in-process sandbox. Collecting a cycle that holds a Qt wrapper there deletes the C++ object
off the GUI thread, and Qt crashes later, far from the cause. Anki avoids this the same way:
automatic collection is off, and a GUI-thread timer collects each generation when Python
itself would have.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                # Collecting a generation also collects the younger ones.
                gc.collect(generation)
                return

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
