"""The only way the UI starts asynchronous work.

``spawn`` keeps a strong reference to every task (the loop holds tasks weakly), ties each
task to an owner widget (the task is cancelled when the owner is destroyed, so no coroutine
touches a deleted widget), gives keyed work "latest wins" semantics (a new search cancels
the previous one) and routes failures to the :class:`ErrorPresenter` unless the caller
handles them. ``busy_changed`` drives the window's busy indicator; ``is_idle`` lets tests
wait for quiet.

Once ``shutdown`` has begun the runner refuses: ``spawn`` starts nothing (it closes the
coroutine and returns ``None``), and a task that still finishes (one that completed just
before, or swallowed its cancellation) has no ``on_success``/``on_error`` called; the window
behind those callbacks is closing. Both are said in the log at debug level, so callers need
no guard of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal

from skins_console.ui.error_presenter import ErrorPresenter, is_silent

if TYPE_CHECKING:  # the window's runner exists before asyncio is loaded (ui/launch.py)
    import asyncio

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskRunner(QObject):
    busy_changed = Signal(bool)
    #: emitted when the last running task finished
    idle = Signal()

    def __init__(self, presenter: ErrorPresenter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._presenter = presenter
        self._tasks: set[asyncio.Task] = set()
        self._background: set[asyncio.Task] = set()
        self._keyed: dict[str, asyncio.Task] = {}
        self._by_owner: dict[int, set[asyncio.Task]] = {}
        self._closed = False

    def spawn(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        owner: QObject,
        key: str | None = None,
        on_success: Callable[[T], object] | None = None,
        on_error: Callable[[BaseException], object] | None = None,
        description: str | None = None,
        background: bool = False,
    ) -> asyncio.Task[T] | None:
        """Run ``coro`` on the loop; ``None`` (nothing started) once ``shutdown`` has begun.

        ``on_success(result)`` and ``on_error(exc)`` run on the GUI thread, and only while
        ``owner`` still exists and the runner is not shut down; what they return is
        ignored. ``on_error`` never sees cancellation; without it, failures go to the error
        presenter (a banner for ``UserFacingError``, the bug box otherwise).
        """
        if self._closed:
            coro.close()  # never awaited, and never warned about as such
            log.debug("task runner shut down: not starting %s", description or _name(coro))
            return None
        if key is not None:
            previous = self._keyed.get(key)
            if previous is not None and not previous.done():
                previous.cancel()
        import asyncio  # a no-op after the first call (see TYPE_CHECKING above)

        task = asyncio.get_running_loop().create_task(coro)
        was_idle = not self._tasks
        if background:
            self._background.add(task)
        else:
            self._tasks.add(task)
        if key is not None:
            self._keyed[key] = task
        owner_id = id(owner)
        owned = self._by_owner.get(owner_id)
        if owned is None:
            owned = self._by_owner[owner_id] = set()
            owner.destroyed.connect(lambda *_: self._on_owner_destroyed(owner_id))
        owned.add(task)
        task.add_done_callback(
            lambda t: self._on_done(t, owner, owner_id, key, on_success, on_error, description)
        )
        if was_idle and not background:
            self.busy_changed.emit(True)
        return task

    def _on_owner_destroyed(self, owner_id: int) -> None:
        for task in self._by_owner.pop(owner_id, ()):
            task.cancel()

    def _on_done(
        self,
        task: asyncio.Task,
        owner: QObject,
        owner_id: int,
        key: str | None,
        on_success: Callable | None,
        on_error: Callable | None,
        description: str | None,
    ) -> None:
        was_busy = task in self._tasks
        self._tasks.discard(task)
        self._background.discard(task)
        owned = self._by_owner.get(owner_id)
        if owned is not None:
            owned.discard(task)
        if key is not None and self._keyed.get(key) is task:
            del self._keyed[key]
        try:
            self._deliver(task, owner, on_success, on_error, description)
        finally:
            if was_busy and not self._tasks and shiboken6.isValid(self):
                self.busy_changed.emit(False)
                self.idle.emit()

    def _deliver(
        self,
        task: asyncio.Task,
        owner: QObject,
        on_success: Callable | None,
        on_error: Callable | None,
        description: str | None,
    ) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if self._closed:
            self._drop_after_shutdown(task, exc, on_error, description)
            return
        alive = shiboken6.isValid(owner)
        try:
            if exc is None:
                if on_success is not None and alive:
                    on_success(task.result())
                return
            if is_silent(exc):
                return
            if on_error is not None and alive:
                on_error(exc)
                return
            self._presenter.report(exc, context=description)
        except Exception as callback_exc:
            self._presenter.report(callback_exc, context=description)

    def _drop_after_shutdown(
        self,
        task: asyncio.Task,
        exc: BaseException | None,
        on_error: Callable | None,
        description: str | None,
    ) -> None:
        what = description or task.get_name()
        if exc is None:
            log.debug("task runner shut down: dropping the result of %s", what)
        elif on_error is not None or is_silent(exc):
            log.debug(
                "task runner shut down: dropping the failure of %s (%s)", what, type(exc).__name__
            )
        else:
            # nobody handles it and the window is closing: no banner or bug box, but a bug
            # while unwinding must not vanish either
            log.warning("%s failed while the window was closing", what, exc_info=exc)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def presenter(self) -> ErrorPresenter:
        return self._presenter

    # --- state ---------------------------------------------------------------------------

    def is_idle(self) -> bool:
        return not self._tasks

    def running(self, key: str) -> bool:
        task = self._keyed.get(key)
        return task is not None and not task.done()

    def cancel(self, key: str) -> None:
        task = self._keyed.get(key)
        if task is not None:
            task.cancel()

    async def shutdown(self, timeout: float = 5.0) -> None:
        """Refuse new work, cancel everything and wait (bounded) for the tasks to unwind."""
        self._closed = True
        tasks = list(self._tasks | self._background)
        for task in tasks:
            task.cancel()
        if tasks:
            import asyncio

            _done, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                log.warning("task %r did not stop within %.1f s", task, timeout)


def _name(coro: Coroutine[Any, Any, object]) -> str:
    return getattr(coro, "__qualname__", None) or type(coro).__name__
