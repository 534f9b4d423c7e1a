"""Other consoles' changes on this console's change bus (team mode).

A console on a PostgreSQL book listens to the database's change feed
(``store/change_feed.py``): a new order, a status move, a note or a handled attention item
written by any console of the team is published here as the same ``Change(kind, key)``
the services publish for their own writes, so every watcher (the tabs, notifications,
``--watch``) refreshes alike, within about a second, without polling the database.

The feed also says whether the database is there: ``DATABASE`` changes carry the reason it
went away, then ``None`` when it is back, at which point everything is re-read (changes
made meanwhile were not announced). A SQLite book has no other writers: nothing starts.
"""

from __future__ import annotations

import asyncio
import logging

from skins_console.services import change_bus
from skins_console.services.context import AppContext
from skins_console.store.change_feed import ChangeFeedListener, FeedChange

log = logging.getLogger(__name__)

#: feed kinds → bus kinds (the record kinds are spelled alike)
_KINDS = {"order": change_bus.ORDER, "deposit": change_bus.DEPOSIT}


class LiveChanges:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        #: why the database is away (the driver's words), None while it is there
        self.away: str | None = None
        self._listener: ChangeFeedListener | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._was_away = False

    @property
    def running(self) -> bool:
        return self._listener is not None

    async def start(self) -> None:
        """Listen, if the book is a shared one (idempotent)."""
        if self._listener is not None or self.ctx.db.backend != "postgresql":
            return
        self._loop = asyncio.get_running_loop()
        self._listener = ChangeFeedListener(
            self.ctx.db.listen_kwargs(),
            on_change=self._from_thread_change,
            on_state=self._from_thread_state,
            where=self.ctx.db.display_url,
        )
        self._listener.start()

    async def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            await asyncio.to_thread(listener.stop)

    # --- on the listener's thread: hop to the loop ----------------------------------------

    def _from_thread_change(self, change: FeedChange) -> None:
        self._call(self._publish, change)

    def _from_thread_state(self, connected: bool, detail: str | None) -> None:
        self._call(self._state, connected, detail)

    def _call(self, fn, *args) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop closed between the check and the call
            log.debug("change feed: loop closed, change dropped")

    # --- on the loop -----------------------------------------------------------------------

    def _publish(self, change: FeedChange) -> None:
        kind = _KINDS.get(change.kind)
        profile = self.ctx.profile
        if kind is None or profile is None or change.profile not in (None, profile.name):
            return
        self.ctx.bus.publish(kind, change.key)

    def _state(self, connected: bool, detail: str | None) -> None:
        if connected:
            self.away = None
            self.ctx.bus.publish(change_bus.DATABASE, None)
            if self._was_away:
                # Nothing was announced while the feed was down: every watcher re-reads.
                self._was_away = False
                self.ctx.bus.publish(change_bus.ORDER, None)
                self.ctx.bus.publish(change_bus.DEPOSIT, None)
            return
        self._was_away = True
        self.away = detail or "connection lost"
        self.ctx.bus.publish(change_bus.DATABASE, self.away)
