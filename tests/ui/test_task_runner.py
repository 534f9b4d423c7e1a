import asyncio
import inspect
import logging

from PySide6.QtWidgets import QWidget

from skins_console.core.errors import ApiConnectionError
from skins_console.ui.task_runner import TaskRunner
from tests.conftest import wait_for


async def test_latest_wins_cancels_the_previous_task_with_the_same_key(error_presenter):
    runner = TaskRunner(error_presenter)
    owner = QWidget()
    first_cancelled = asyncio.Event()
    results = []

    async def slow():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            first_cancelled.set()
            raise

    async def quick():
        return "second"

    first = runner.spawn(slow(), owner=owner, key="search", on_success=results.append)
    await asyncio.sleep(0.01)  # let it start, as a search does before the next keystroke
    runner.spawn(quick(), owner=owner, key="search", on_success=results.append)
    await asyncio.wait_for(first_cancelled.wait(), 2)
    await wait_for(runner.is_idle)
    assert results == ["second"] and first.cancelled()


async def test_destroying_the_owner_cancels_its_tasks(error_presenter):
    runner = TaskRunner(error_presenter)
    owner = QWidget()
    cancelled = asyncio.Event()

    async def work():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    runner.spawn(work(), owner=owner, on_success=lambda _r: None)
    await asyncio.sleep(0.01)
    owner.deleteLater()
    await asyncio.wait_for(cancelled.wait(), 2)
    await wait_for(runner.is_idle)


async def test_failures_go_to_the_presenter_unless_handled(error_presenter):
    runner = TaskRunner(error_presenter)
    owner = QWidget()
    handled = []

    async def offline():
        raise ApiConnectionError("SkinsNode cannot be reached.", provider="SkinsNode")

    runner.spawn(offline(), owner=owner, on_error=handled.append)
    await wait_for(runner.is_idle)
    assert len(handled) == 1 and not error_presenter.user_errors
    runner.spawn(offline(), owner=owner)
    await wait_for(runner.is_idle)
    assert [type(e) for e in error_presenter.user_errors] == [ApiConnectionError]


async def test_bugs_are_reported_and_busy_state_follows_the_tasks(error_presenter):
    runner = TaskRunner(error_presenter)
    owner = QWidget()
    busy = []
    runner.busy_changed.connect(busy.append)

    async def broken():
        await asyncio.sleep(0)
        raise KeyError("boom")

    runner.spawn(broken(), owner=owner, description="testing")
    await wait_for(runner.is_idle)
    assert busy == [True, False]
    assert len(error_presenter.bugs) == 1 and "KeyError" in error_presenter.bugs[0].summary
    error_presenter.bugs.clear()  # expected here; the fixture fails on unexpected ones


async def test_background_tasks_do_not_count_as_busy_and_shutdown_cancels_all(error_presenter):
    runner = TaskRunner(error_presenter)
    owner = QWidget()
    busy = []
    runner.busy_changed.connect(busy.append)
    stop = asyncio.Event()
    runner.spawn(stop.wait(), owner=owner, background=True)
    assert runner.is_idle() and busy == []
    await runner.shutdown(timeout=2)
    assert runner.closed


async def test_spawn_after_shutdown_starts_nothing_and_says_so(error_presenter, caplog):
    runner = TaskRunner(error_presenter)
    owner = QWidget()
    await runner.shutdown(timeout=2)
    ran = []

    async def late_refresh():
        ran.append("ran")

    coro = late_refresh()
    with caplog.at_level(logging.DEBUG, logger="skins_console.ui.task_runner"):
        task = runner.spawn(coro, owner=owner, description="a late refresh")
    await asyncio.sleep(0.01)
    assert task is None and ran == []
    assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED  # no "never awaited"
    assert runner.is_idle()
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.DEBUG, "task runner shut down: not starting a late refresh")
    ]


async def test_no_callback_runs_once_shutdown_has_begun(error_presenter, caplog):
    runner = TaskRunner(error_presenter)
    owner = QWidget()
    delivered = []
    started = asyncio.Event()

    async def finishes_anyway(result):
        started.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            return result  # a coroutine that swallows its cancellation still finishes

    async def fails_anyway(exc):
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            raise exc from None

    async def already_done():
        return "finished just before"

    runner.spawn(
        finishes_anyway("late"),
        owner=owner,
        on_success=delivered.append,
        description="a swallowed cancel",
    )
    runner.spawn(
        fails_anyway(ApiConnectionError("SkinsNode cannot be reached.", provider="SkinsNode")),
        owner=owner,
        on_success=delivered.append,
        on_error=delivered.append,
        description="checking SkinsNode",
    )
    runner.spawn(fails_anyway(KeyError("unwinding")), owner=owner, description="a sloppy task")
    await asyncio.wait_for(started.wait(), 2)
    done = runner.spawn(
        already_done(), owner=owner, on_success=delivered.append, description="a quick read"
    )
    await asyncio.sleep(0)  # the task ran to its end; the runner's delivery is still queued
    assert done is not None and done.done() and delivered == []
    with caplog.at_level(logging.DEBUG, logger="skins_console.ui.task_runner"):
        await runner.shutdown(timeout=2)
        await wait_for(runner.is_idle)
    assert delivered == []
    assert not error_presenter.bugs and not error_presenter.user_errors
    assert sorted((r.levelname, r.getMessage()) for r in caplog.records) == [
        (
            "DEBUG",
            "task runner shut down: dropping the failure of checking SkinsNode "
            "(ApiConnectionError)",
        ),
        ("DEBUG", "task runner shut down: dropping the result of a quick read"),
        ("DEBUG", "task runner shut down: dropping the result of a swallowed cancel"),
        ("WARNING", "a sloppy task failed while the window was closing"),
    ]
