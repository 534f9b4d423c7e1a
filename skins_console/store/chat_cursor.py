"""The last timeline event forwarded to the chat channels, per profile, shared by processes.

The window and headless commands (``webhooks serve`` on a small server, ``orders sync`` from
cron) may run on the same data folder at once; each forwards new timeline events to
Telegram and Discord. A claim reads the cursor, lets the caller pick the events after it and
moves the cursor past them while holding an OS file lock, so every event is claimed by
exactly one process, once. The cursor is kept apart from the desktop notifications' cursor
(settings), so forwarding never eats the window's "while you were away" summary, and apart
from the settings file, which each process rewrites whole.

Public API::

    ChatCursor(data_dir)
        async with cursor.claim(profile) as claim:
            claim.after          # last forwarded event id, or None on the first run
            claim.advance(id)    # written when the block exits without an exception
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from skins_console.core.errors import StoreError
from skins_console.store.instance_lock import _try_lock, _unlock
from skins_console.store.paths import folder_error
from skins_console.store.settings import atomic_write

CURSOR_NAME = "chat-notifications.json"
LOCK_NAME = "chat-notifications.lock"
#: Claims are short (one indexed read); waiting longer than this means a process hung.
LOCK_TIMEOUT = 10.0


@dataclass
class Claim:
    after: int | None
    moved_to: int | None = None

    def advance(self, event_id: int) -> None:
        self.moved_to = event_id


class ChatCursor:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / CURSOR_NAME
        self.lock_path = Path(data_dir) / LOCK_NAME
        self._local = asyncio.Lock()

    @asynccontextmanager
    async def claim(self, profile: str) -> AsyncIterator[Claim]:
        async with self._local:
            fd = await asyncio.to_thread(self._lock)
            try:
                state = await asyncio.to_thread(self._read)
                claim = Claim(state.get(profile))
                yield claim
                if claim.moved_to is not None and claim.moved_to != claim.after:
                    state[profile] = claim.moved_to
                    data = (json.dumps(state, indent=2, sort_keys=True) + "\n").encode()
                    await asyncio.to_thread(atomic_write, self.path, data)
            finally:
                await asyncio.to_thread(self._unlock, fd)

    def _lock(self) -> int:
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise folder_error(self.lock_path.parent, exc) from None
        deadline = time.monotonic() + LOCK_TIMEOUT
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                os.close(fd)
                raise StoreError(
                    f"Another Skins Console process has held {self.lock_path.name} for over "
                    f"{LOCK_TIMEOUT:.0f} s; chat notifications wait until it lets go."
                )
            time.sleep(0.02)
        return fd

    @staticmethod
    def _unlock(fd: int) -> None:
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def _read(self) -> dict[str, int]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # Unreadable: start from now again (at worst a few changes are not forwarded;
            # the window's timeline still has them all).
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            str(profile): event_id
            for profile, event_id in data.items()
            if isinstance(event_id, int) and not isinstance(event_id, bool) and event_id >= 0
        }
