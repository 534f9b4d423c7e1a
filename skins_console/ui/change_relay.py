"""ChangeBus → Qt: changes are collected and delivered as one batch every 200 ms.

A tracking pass over many orders publishes a burst of changes; the tabs re-read the store
once per batch instead of once per change (the bus says what moved, never the new value).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from skins_console.services.change_bus import Change, ChangeBus

BATCH_MS = 200


class ChangeRelay(QObject):
    #: frozenset of (kind, key) pairs
    changed = Signal(object)

    def __init__(self, bus: ChangeBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: set[tuple[str, str | None]] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(BATCH_MS)
        self._timer.timeout.connect(self._flush)
        self._unsubscribe = bus.subscribe(self._on_change)
        self.destroyed.connect(lambda *_: self._unsubscribe())

    def _on_change(self, change: Change) -> None:
        self._pending.add((change.kind, change.key))
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        batch, self._pending = frozenset(self._pending), set()
        if batch:
            self.changed.emit(batch)

    def close(self) -> None:
        self._unsubscribe()
        self._timer.stop()
