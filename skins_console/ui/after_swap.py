"""A catalog swap's background work, one job at a time on one low-priority thread.

When the Catalog tab swaps a new catalog in, work is left for a worker thread: freeing
the replaced catalog a slice at a time, indexing the new one for search, sorting it by
every other column, compressing its raw JSON. Begun together, these kept two or three
threads busy in Python; the GIL is not handed over in turn, so the window's thread lost it
to them for 15-25 ms with < 1 ms of its own work (perf8's and perf9's ``--diagnose``).
With one busy worker, the window gets the GIL within the switch interval of asking for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from skins_console.ui.task_runner import TaskRunner

#: after a model swap, how long the window has to itself (its labels' and header's
#: repaints, a couple of event-loop turns) before the background work starts
SETTLE_S = 0.03
#: the after-swap thread's nice value: when it and the window's thread both want a CPU,
#: the kernel runs the window's first
NICE = 10

#: a job for the thread; it may return a callable for the window's thread to run once it
#: is done (a search index to install)
Job = Callable[[], Callable[[], object] | None]


class AfterSwapJobs:
    """The jobs of one tab, in the order added, none before the window has repainted what
    the swap changed. ``add`` and ``start`` on the window's thread."""

    def __init__(self, runner: TaskRunner, owner: Any) -> None:
        self._runner = runner
        self._owner = owner
        self._jobs: deque[Job] = deque()
        self._task: asyncio.Task[None] | None = None

    def add(self, job: Job) -> None:
        self._jobs.append(job)

    def start(self) -> None:
        """Run the jobs added, unless a run is under way (it takes them too)."""
        if self._task is None or self._task.done():
            self._task = self._runner.spawn(
                self._run(),
                owner=self._owner,
                key="catalog.sort_orders",
                description="sorting the catalog by every column",
                background=True,
            )

    async def finished(self) -> None:
        """Once no job is waiting or running (the offline copy is written after them)."""
        while (task := self._task) is not None and not task.done():
            await asyncio.wait((task,))

    async def _run(self) -> None:
        await asyncio.sleep(0)
        await asyncio.sleep(SETTLE_S)
        loop = asyncio.get_running_loop()
        while self._jobs:
            then = await loop.run_in_executor(_thread(), self._jobs.popleft())
            if then is not None:
                then()


@cache
def _thread() -> ThreadPoolExecutor:
    """The one thread every tab's after-swap jobs run on, made when first needed."""
    return ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="catalog-after-swap", initializer=_lower_priority
    )


def _lower_priority() -> None:
    # Only Linux gives a thread its own nice value (setpriority on its thread id); on macOS
    # the same call would name a process, so elsewhere this is a no-op.
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
