"""The team database's change feed: PostgreSQL ``LISTEN`` on its own connection and thread.

Revision ``0008_change_feed`` makes PostgreSQL ``NOTIFY`` the channel :data:`CHANNEL` with
a small JSON object (``{"kind": "order", "key": "…", "profile": "…"}``) whenever a row of
orders, deposits, events or handled attention items is written, by any console. This
listener holds one connection of its own (never one of the pool: a pooled connection is
recycled and pre-pinged, and would drop the ``LISTEN``), waits for notifications on its
own thread, and hands each one to ``on_change`` on that thread.

It reconnects by itself, with back-off, and says so through ``on_state(connected,
detail)``: ``False`` the moment the connection drops (the database stopped, the network
went away), ``True`` once it listens again. Changes made while it was away are not
replayed by PostgreSQL, so a watcher re-reads everything on ``True`` after ``False``. A
heartbeat query notices a connection that died silently.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

CHANNEL = "skins_console_changes"
#: how long one wait for notifications lasts before the stop flag and heartbeat are checked
WAIT_SECONDS = 0.5
HEARTBEAT_SECONDS = 5.0
RETRY_MIN_SECONDS = 0.25
RETRY_MAX_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 5


@dataclass(frozen=True, slots=True)
class FeedChange:
    """One notification: what moved (``kind`` "order" / "deposit"), its key and profile."""

    kind: str
    key: str | None
    profile: str | None


def parse_payload(payload: str) -> FeedChange | None:
    """A notification's payload, or None when it is not one of ours (logged, skipped)."""
    try:
        data = json.loads(payload)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        log.debug("change feed: ignored payload %.80r", payload)
        return None
    key, profile = data.get("key"), data.get("profile")
    return FeedChange(
        data["kind"],
        key if isinstance(key, str) else None,
        profile if isinstance(profile, str) else None,
    )


class ChangeFeedListener:
    """``LISTEN`` on its own thread; ``start()`` once, ``stop()`` to end it.

    ``connect_kwargs`` are psycopg's keyword arguments (host, port, dbname, user,
    password, sslmode…); they never reach a log or a message.
    """

    def __init__(
        self,
        connect_kwargs: dict[str, Any],
        *,
        on_change: Callable[[FeedChange], None],
        on_state: Callable[[bool, str | None], None],
        where: str = "the team database",
    ) -> None:
        self._kwargs = dict(connect_kwargs)
        self._on_change = on_change
        self._on_state = on_state
        self._where = where
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connected: bool | None = None
        self._conn: psycopg.Connection | None = None

    @property
    def connected(self) -> bool:
        return bool(self._connected)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="change-feed", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """End the thread (it notices within ``WAIT_SECONDS``) and close the connection."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    # --- the thread ----------------------------------------------------------------------

    def _run(self) -> None:
        # Imported here, on the feed's own thread: only a team profile listens, and psycopg
        # with its bundled libpq is 11 MB of a console that runs on SQLite.
        import psycopg

        delay = RETRY_MIN_SECONDS
        while not self._stop.is_set():
            try:
                conn = psycopg.connect(
                    **self._kwargs, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
                )
            except psycopg.Error as exc:
                self._state(False, _reason(exc))
                self._stop.wait(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                continue
            try:
                conn.execute(f"LISTEN {CHANNEL}")
                self._state(True, None)
                delay = RETRY_MIN_SECONDS
                self._listen(conn)
            except psycopg.Error as exc:
                self._state(False, _reason(exc))
            finally:
                try:
                    conn.close()
                except psycopg.Error:
                    pass
            if not self._stop.is_set():
                self._stop.wait(delay)

    def _listen(self, conn: psycopg.Connection) -> None:
        beat = time.monotonic()
        while not self._stop.is_set():
            for note in conn.notifies(timeout=WAIT_SECONDS):
                change = parse_payload(note.payload)
                if change is not None:
                    self._deliver(change)
                if self._stop.is_set():
                    return
            if time.monotonic() - beat >= HEARTBEAT_SECONDS:
                conn.execute("SELECT 1")
                beat = time.monotonic()

    def _deliver(self, change: FeedChange) -> None:
        try:
            self._on_change(change)
        except Exception:
            log.exception("change feed subscriber failed on %s", change)

    def _state(self, connected: bool, detail: str | None) -> None:
        if connected == self._connected:
            return
        self._connected = connected
        if connected:
            log.info("change feed: listening on %s", self._where)
        else:
            log.warning("change feed: %s is away (%s); reconnecting", self._where, detail)
        try:
            self._on_state(connected, detail)
        except Exception:
            log.exception("change feed state subscriber failed")


def _reason(exc: BaseException) -> str:
    """The driver's first line, which names the host and the cause but no password."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
