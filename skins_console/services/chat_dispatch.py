"""Delivering notifications to chat channels off the critical path.

``submit`` only appends to a per-channel queue and returns; one worker task per channel
sends. What piled up while a worker waited (the channel's minimum spacing, a 429's
``retry_after``, a back-off, the provider's announced bucket reset) goes out as *one*
message, so a burst of order changes costs one request, not one per change, and a rate
limit is never hammered. Failures:

* 429 → wait the provider's ``retry_after`` (capped), then send again;
* timeouts, 5xx, dropped connections → exponential back-off with jitter, up to
  ``attempts`` tries, then the message is dropped;
* a permanent refusal (token refused, chat or webhook gone) → dropped at once.

A channel that drops a message is reported **once** through ``on_problem(label, message)``
(the window's banner, the CLI's stderr), and re-armed by its next successful delivery; the
other channels and the caller carry on. A slow or dead channel never holds up another one.

Public API::

    ChatDispatcher(channels, *, on_problem=None, attempts=5, backoff=1.0,
                   max_retry_after=300.0, max_pending=200)
        .submit(notes)                     # never blocks, never raises
        await .flush(timeout) -> bool      # True when every queue is empty and idle
        .status() -> list[ChannelState]
        await .aclose()
    format_batch(notes, max_length) -> str
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from skins_console.api.chat_channels import ChatDeliveryError
from skins_console.services.notification_service import Notification

log = logging.getLogger(__name__)

ProblemCallback = Callable[[str, str], None]


class Channel(Protocol):
    kind: str
    max_length: int

    @property
    def label(self) -> str: ...

    @property
    def target(self) -> str: ...

    async def send(self, text: str) -> None: ...

    def wait_hint(self) -> float: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ChannelState:
    kind: str
    label: str
    target: str
    sent: int
    dropped: int
    pending: int
    #: the last failure's message while the channel is failing, else None
    problem: str | None


def _line(note: Notification) -> str:
    marker = "⚠️ " if note.urgent else ""
    return f"{marker}{note.title}: {note.body}"


def format_batch(notes: Sequence[Notification], max_length: int) -> str:
    """One message for ``notes`` (oldest first), never longer than ``max_length``: the
    lines that fit, then how many more there were."""
    lines = [_line(note) for note in notes]
    if len(lines) == 1:
        text = lines[0]
        return text if len(text) <= max_length else text[: max_length - 1] + "…"
    header = f"Skins Console: {len(lines)} updates"
    out = [header]
    used = len(header)
    for index, line in enumerate(lines):
        after = len(lines) - index - 1
        tail_room = len(_more(after)) + 1 if after else 0
        if used + 1 + len(line) + tail_room <= max_length:
            out.append(line)
            used += 1 + len(line)
            continue
        out.append(_more(len(lines) - index))
        break
    return "\n".join(out)[:max_length]


def _more(count: int) -> str:
    return f"… and {count} more (see the Orders tab)"


class _Lane:
    """One channel's queue, worker and counters."""

    def __init__(self, channel: Channel, max_pending: int) -> None:
        self.channel = channel
        self.pending: deque[Notification] = deque()
        self.max_pending = max_pending
        self.wake = asyncio.Event()
        self.idle = asyncio.Event()
        self.idle.set()
        self.sent = 0
        self.dropped = 0
        self.problem: str | None = None
        self.reported = False
        self.task: asyncio.Task[None] | None = None


class ChatDispatcher:
    def __init__(
        self,
        channels: Sequence[Channel],
        *,
        on_problem: ProblemCallback | None = None,
        attempts: int = 5,
        backoff: float = 1.0,
        max_retry_after: float = 300.0,
        max_pending: int = 200,
    ) -> None:
        self._lanes = [_Lane(channel, max_pending) for channel in channels]
        self._on_problem = on_problem
        self._attempts = max(1, attempts)
        self._backoff = backoff
        self._max_retry_after = max_retry_after
        self._closed = False

    @property
    def channels(self) -> list[Channel]:
        return [lane.channel for lane in self._lanes]

    def submit(self, notes: Sequence[Notification]) -> None:
        if self._closed or not notes:
            return
        for lane in self._lanes:
            lane.pending.extend(notes)
            overflow = len(lane.pending) - lane.max_pending
            if overflow > 0:
                # A channel down for hours must not grow without bound; the oldest go first
                # (the window's timeline and history still hold every one of them).
                for _ in range(overflow):
                    lane.pending.popleft()
                lane.dropped += overflow
                log.warning("%s: %d notification(s) dropped (queue full)", lane.channel, overflow)
            lane.idle.clear()
            lane.wake.set()
            if lane.task is None:
                lane.task = asyncio.get_running_loop().create_task(
                    self._run(lane), name=f"chat-{lane.channel.kind}"
                )

    async def flush(self, timeout: float) -> bool:
        """Wait (at most ``timeout`` seconds) until every channel has sent or dropped what
        was submitted; False when something is still waiting."""
        waits = [lane.idle.wait() for lane in self._lanes if not lane.idle.is_set()]
        if not waits:
            return True
        try:
            await asyncio.wait_for(asyncio.gather(*waits), timeout)
        except TimeoutError:
            return False
        return True

    def status(self) -> list[ChannelState]:
        return [
            ChannelState(
                lane.channel.kind,
                lane.channel.label,
                lane.channel.target,
                lane.sent,
                lane.dropped,
                len(lane.pending),
                lane.problem,
            )
            for lane in self._lanes
        ]

    async def aclose(self) -> None:
        self._closed = True
        for lane in self._lanes:
            if lane.task is not None:
                lane.task.cancel()
        for lane in self._lanes:
            if lane.task is not None:
                try:
                    await lane.task
                except asyncio.CancelledError:
                    pass
            try:
                await lane.channel.aclose()
            except Exception:
                log.debug("closing %r failed", lane.channel, exc_info=True)

    # --- the worker -------------------------------------------------------------------

    async def _run(self, lane: _Lane) -> None:
        while True:
            if not lane.pending:
                lane.idle.set()
                lane.wake.clear()
                await lane.wake.wait()
                continue
            # Leave the provider's announced quiet time before taking the batch, so what
            # arrives meanwhile joins it.
            hint = lane.channel.wait_hint()
            if hint > 0:
                await asyncio.sleep(min(hint, self._max_retry_after))
            batch = list(lane.pending)
            lane.pending.clear()
            try:
                await self._deliver(lane, batch)
            except Exception:
                # A bug must cost this batch, not the channel's worker.
                log.exception("delivering to %r failed unexpectedly", lane.channel)
                lane.dropped += len(batch)

    async def _deliver(self, lane: _Lane, batch: list[Notification]) -> None:
        channel = lane.channel
        failures = 0
        while True:
            # Re-read what piled up during a wait: it goes out in the same message.
            if lane.pending:
                batch.extend(lane.pending)
                lane.pending.clear()
            text = format_batch(batch, channel.max_length)
            try:
                await channel.send(text)
            except ChatDeliveryError as exc:
                if exc.retry_after is not None:
                    # 429: the provider said how long; not a failure of the channel.
                    wait = min(exc.retry_after, self._max_retry_after)
                    log.info("%r rate limited; waiting %.1f s", channel, wait)
                    await asyncio.sleep(wait)
                    continue
                failures += 1
                if exc.permanent or failures >= self._attempts:
                    self._dropped(lane, batch, exc.message)
                    return
                wait = self._backoff * (2 ** (failures - 1)) * random.uniform(0.8, 1.2)
                log.info("%r failed (%s); retrying in %.1f s", channel, exc.code, wait)
                await asyncio.sleep(wait)
                continue
            lane.sent += len(batch)
            if lane.problem is not None:
                log.info("%r delivers again", channel)
            lane.problem = None
            lane.reported = False
            return

    def _dropped(self, lane: _Lane, batch: list[Notification], message: str) -> None:
        lane.dropped += len(batch)
        lane.problem = message
        log.warning("%r: %d notification(s) not delivered: %s", lane.channel, len(batch), message)
        if lane.reported:
            return
        lane.reported = True
        if self._on_problem is not None:
            try:
                self._on_problem(
                    lane.channel.label,
                    f"{lane.channel.label} notifications are not being delivered: {message}",
                )
            except Exception:
                log.exception("reporting a chat channel problem failed")
