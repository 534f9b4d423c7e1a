"""Garbage collection on the GUI thread only.

Python's cyclic collector runs on whichever thread happens to allocate when a threshold is
crossed: in this app that can be the SQLite worker, an ``asyncio.to_thread`` call or the
in-process sandbox. Collecting a cycle that holds a Qt wrapper there deletes the C++ object
off the GUI thread, and Qt crashes later, far from the cause. Anki avoids this the same way:
automatic collection is off, and a GUI-thread timer collects each generation when Python
itself would have.

Two differences from Python's own schedule keep each collection short. The timer checks
often (every 100 ms), because a collection's cost grows with the objects allocated since
the last one: a worker parsing a 100k-item catalog allocates about a million objects a
second, and a young generation collected every 500 ms took 50 ms. And a full collection
(every object in the process) runs at most once a minute: Python itself defers those
until the long-lived objects have grown by a quarter, and without that rule a catalog
refresh triggered several full collections of 50 ms and more.

And what start-up built is frozen (``gc.freeze()``) once the console has settled: the
first full collection comes ``SETTLE_S`` after start instead of a minute, and whatever
survives it (modules, classes, the window's wrappers, whatever else is alive then) moves
to the permanent generation, which no later collection walks, so full collections walk
only what came after. (The catalog tab freezes too, when a catalog is shown; where a
cached catalog loads at start, that has already frozen most of start-up.) Frozen objects
are still freed by reference counting when dropped; only a reference cycle among them
that becomes garbage later is never collected (the books' records hold none).
"""

from __future__ import annotations

import gc
import linecache
import time
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 100
#: seconds between two full collections at least
FULL_EVERY_S = 60.0
#: seconds after start before the first full collection, which freezes its survivors
SETTLE_S = 30.0

_bulk = 0


def forget_import_sources() -> None:
    """Empty ``linecache``, where the source of every module imported since PySide6 sits.

    PySide6's import hook (for its ``__feature__`` switches) reads the source of each
    module imported after it (``inspect.getsource``), and ``linecache`` keeps every line:
    about 10 MB of text in 23 MB of Python objects once the console has loaded httpx,
    SQLAlchemy, the keyring and the rest. Nothing reads them again; a traceback being
    formatted reads its own few files anew. Called once the window is attached (start-up
    has imported nearly everything), then at each full collection for later imports."""
    linecache.clearcache()


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """No collections while long-lived data is built that the caller freezes afterwards.

    A catalog refresh allocates a few million objects in worker threads; collecting them
    young, only to find every one alive, cost collections of ~50 ms on the GUI thread.
    The catalog tab freezes them (``gc.freeze()``) once shown: they are never traversed.
    """
    global _bulk
    _bulk += 1
    try:
        yield
    finally:
        _bulk -= 1


class GuiThreadCollector(QObject):
    def __init__(
        self,
        parent: QObject | None = None,
        interval_ms: int = INTERVAL_MS,
        full_every_s: float = FULL_EVERY_S,
        settle_s: float | None = SETTLE_S,
    ) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._full_every = full_every_s
        self._last_full = time.monotonic()
        #: when start-up's survivors are frozen (None: done, or never)
        self._settle_at = None if settle_s is None else self._last_full + settle_s
        self.frozen = 0
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        if _bulk:
            return
        if self._settle_at is not None and time.monotonic() >= self._settle_at:
            self.freeze_survivors()
            return
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                if generation == 2:
                    now = time.monotonic()
                    if now - self._last_full < self._full_every:
                        continue  # a younger generation instead, if it is due
                    self._last_full = now
                    forget_import_sources()
                # Collecting a generation also collects the younger ones.
                gc.collect(generation)
                return

    def freeze_survivors(self) -> None:
        """A full collection (it counts as the turn's one), then its survivors are frozen."""
        self._settle_at = None
        forget_import_sources()
        gc.collect(2)
        self._last_full = time.monotonic()
        gc.freeze()
        self.frozen = gc.get_freeze_count()

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
