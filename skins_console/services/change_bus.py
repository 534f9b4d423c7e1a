"""In-process change notifications from the services to their watchers.

Services publish a ``Change(kind, key)`` after each committed store write; the UI turns
them into Qt signals (batched with a timer), the tray turns some into notifications and the
CLI's ``--watch`` redraws on them. A change says *what* moved, never the new value: a
watcher re-reads the store, so a missed or coalesced change can never show stale data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Kinds, one per kind of record a watcher may show.
ORDER = "order"
DEPOSIT = "deposit"
WALLET = "wallet"
CATALOG = "catalog"
PROFILE = "profile"
QUOTE = "quote"
CUSTOMER = "customer"
#: The tracker's own state (running, paused on rejected credentials, backing off).
TRACKING = "tracking"
#: The team database went away (key: why) or is back (key None); see ``live_changes.py``.
DATABASE = "database"


@dataclass(frozen=True, slots=True)
class Change:
    kind: str
    #: The record's key (externalId, merchant_tx_id, profile name…); None for "all of them".
    key: str | None = None


Subscriber = Callable[[Change], None]


class ChangeBus:
    """Synchronous fan-out on the publishing thread (the services' event loop).

    A failing subscriber is logged and skipped: a broken watcher must never abort the
    checkout or tracking pass that published the change.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Register ``callback``; returns a function that unsubscribes it."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            try:
                self._subscribers.remove(callback)
            except ValueError:
                pass

        return unsubscribe

    def publish(self, kind: str, key: str | None = None) -> None:
        change = Change(kind, key)
        for callback in tuple(self._subscribers):
            try:
                callback(change)
            except Exception:
                log.exception("change subscriber %r failed on %s", callback, change)

    def queue(self, kinds: frozenset[str] | None = None) -> ChangeQueue:
        """An asyncio queue of changes (optionally only ``kinds``), for ``async for`` use."""
        return ChangeQueue(self, kinds)


class ChangeQueue:
    """Changes delivered to an ``asyncio.Queue``; close it (or use ``with``) when done."""

    def __init__(self, bus: ChangeBus, kinds: frozenset[str] | None) -> None:
        self._queue: asyncio.Queue[Change] = asyncio.Queue()
        self._kinds = kinds
        self._unsubscribe = bus.subscribe(self._put)

    def _put(self, change: Change) -> None:
        if self._kinds is None or change.kind in self._kinds:
            self._queue.put_nowait(change)

    async def get(self) -> Change:
        return await self._queue.get()

    def drain(self) -> list[Change]:
        items = []
        while not self._queue.empty():
            items.append(self._queue.get_nowait())
        return items

    def close(self) -> None:
        self._unsubscribe()

    def __enter__(self) -> ChangeQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
