"""The GUI session after the first paint: one qasync loop, ordered shutdown.

``ui/launch.py``'s ``run_gui(args)`` (what ``skins-console`` runs without a subcommand;
``args`` has ``data_dir``, ``profile``, ``sandbox`` and optionally ``speed``) comes first:

1. ``QT_API=pyside6`` and ``PySide6.QtWidgets`` imported before qasync (it would otherwise
   pick whatever binding it finds first);
2. the error presenter's hooks (``sys``/``threading`` excepthooks) before the QApplication;
3. the QApplication, never quitting by itself when its last window closes (the first-run
   dialog comes before any main window, and a quit would stop the loop mid-shutdown);
4. the data folder, the settings, the instance lock and the empty window, painted
   (``launch.open_first_frame``), before asyncio and qasync are even imported;
5. here, ``run_session``: ``main()`` on a ``qasync.QEventLoop`` through ``asyncio.Runner``:
   it awaits the application's ``aboutToQuit`` and then shuts down in order: tasks,
   tracker, HTTP clients, database, sandbox, instance lock.

The keyring and its backends, httpx and TLS, the database, the services, the sandbox, the
catalog cache and the thumbnails come after the paint, imported in a worker thread where
they are plain Python, so the painted window keeps answering while they load
(``tests/ui/test_startup_imports.py`` checks this by module name; ``bench/bench_startup.py``
times it against a bare ``QMainWindow``).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_API", "pyside6")

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import qasync
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from skins_console.core.errors import SecretStoreError, UserFacingError, ValidationError
from skins_console.ui.demo_menu import DemoMenu
from skins_console.ui.demo_run import (
    DEMO_SPEED,
    demo_run_paths,
    demo_secret_store,
    ensure_sandbox_profile,
    start_sandbox,
)
from skins_console.ui.dialog_futures import open_dialog
from skins_console.ui.error_presenter import ErrorPresenter
from skins_console.ui.gc_guard import forget_import_sources
from skins_console.ui.launch import (
    FIRST_PAINT_WAIT,
    GIL_SWITCH_S,
    FirstFrame,
    PaintWatch,
    open_first_frame,
)
from skins_console.ui.main_window import MainWindow

if TYPE_CHECKING:
    from skins_console.core.records import ProfileRecord
    from skins_console.services.context import AppContext
    from skins_console.store.instance_lock import InstanceLock
    from skins_console.store.paths import AppPaths
    from skins_console.store.settings import Settings

__all__ = ["GIL_SWITCH_S", "GuiSession", "main", "run_session"]

log = logging.getLogger(__name__)

#: Plain-Python modules the session needs after the first paint, imported in a worker
#: thread (about 0.5 s: httpx alone pulls in its command line's click, rich and pygments).
#: Qt modules are never imported off the GUI thread.
_AFTER_PAINT = (
    "skins_console.api.http",
    "skins_console.services.context",
    "skins_console.services.logs",
    "skins_console.services.profile_service",
    "skins_console.services.catalog_service",
    "skins_console.services.checkout_service",
    "skins_console.services.deposit_service",
    "skins_console.services.export_service",
    "skins_console.services.tracking_service",
    "skins_console.services.wallet_service",
    "skins_console.services.notification_service",
    "skins_console.store.secrets",
)


async def first_paint(widget: QWidget, *, timeout: float) -> None:
    """Return once ``widget`` has had a paint event, or after ``timeout`` seconds."""
    done: asyncio.Future = asyncio.get_running_loop().create_future()

    def painted() -> None:
        if not done.done():
            done.set_result(None)

    watch = PaintWatch(painted)
    widget.installEventFilter(watch)
    try:
        await asyncio.wait_for(done, timeout)
    except TimeoutError:
        log.info("the window did not paint within %.1f s; loading on", timeout)
    finally:
        widget.removeEventFilter(watch)
        # The paint that resolved the future is still being handled: let it finish first.
        await asyncio.sleep(0)


class GuiSession:
    """Everything one GUI run owns, closed in reverse order by :meth:`shutdown`."""

    def __init__(self, app: QApplication, presenter: ErrorPresenter, frame: FirstFrame) -> None:
        self.app = app
        self.presenter = presenter
        self.runner = frame.runner
        self.lock: InstanceLock | None = frame.lock
        self.paths: AppPaths | None = frame.paths
        self.settings: Settings | None = frame.settings
        self.ctx: AppContext | None = None
        self.sandbox: Any = None
        self.window: MainWindow | None = frame.window
        self.controller: Any = None
        self.demo_menu: DemoMenu | None = None
        self.quit_event = asyncio.Event()
        #: demo mode on a machine without a usable OS keyring (see SessionKeyring)
        self.in_memory_secrets = False
        self._time_scale: float | None = None
        self._shutdown_started = False
        app.aboutToQuit.connect(self._on_about_to_quit)
        if self.window is not None:
            # Closing the window ends the session through main(), which shuts down in order
            # and then returns; QApplication.quit() here would stop the loop mid-shutdown.
            self.window.closing.connect(self.request_quit)
            if not self.window.isVisible():  # closed between its first paint and now
                self.quit_event.set()

    def request_quit(self) -> None:
        self.quit_event.set()

    def _on_about_to_quit(self) -> None:
        # The app never quits itself (see request_quit), so this is Qt quitting on its own
        # (the OS ending the session). The event loop stops with exec(): nothing async will
        # run again, so what must not be left open is closed synchronously here. It can
        # fire twice; the second time finds everything closed.
        self.quit_event.set()
        if self._shutdown_started:
            return
        self._shutdown_started = True
        log.info("Qt is quitting on its own; closing the database and the sandbox now")
        if self.ctx is not None:
            self.ctx.db.close_sync()
        if self.sandbox is not None:
            self.sandbox.stop()
        if self.lock is not None:
            self.lock.release()

    async def open(self, args, *, painted: bool = False) -> bool:
        # Everything below the window (httpx, the keyring, the services; the sandbox in
        # demo mode) loads in a worker thread while the painted window stays responsive.
        # It starts once the window has painted: imports hold the GIL in long C calls
        # (unmarshalling, extension set-up), which would otherwise delay that paint.
        if self.window is not None and not painted:
            await first_paint(self.window, timeout=FIRST_PAINT_WAIT)
        sandbox = bool(getattr(args, "sandbox", False))
        await asyncio.to_thread(_load_after_paint, sandbox)
        from skins_console.api.http import tls_context
        from skins_console.services.context import AppContext
        from skins_console.services.logs import configure_file_logging

        assert self.paths is not None  # a frame without a data folder stops in main()
        # The provider clients share one TLS context; loading its CA bundle takes 0.1-0.4 s,
        # so it is built here in a worker thread rather than on the first request.
        await asyncio.to_thread(tls_context)
        paths = self.paths
        configure_file_logging(paths.log_file, verbose=bool(getattr(args, "verbose", False)))
        speed = float(getattr(args, "speed", None) or DEMO_SPEED)
        if not speed > 0:
            raise ValidationError("--speed must be greater than zero.", field="speed")
        time_scale = getattr(args, "time_scale", None)
        self._time_scale = time_scale
        profile = getattr(args, "profile", None)
        if sandbox:
            await self._open_demo(speed, time_scale=time_scale)
        else:
            ctx = await _open_waiting_for_team_book(
                lambda: AppContext.open(
                    paths, self.settings, profile=profile, time_scale=time_scale
                ),
                self.window,
            )
            if ctx is None:  # the operator quit while the team database was away
                return False
            self.ctx = ctx
        assert self.ctx is not None  # set by both branches above
        return not (self.ctx.profile is None and not await self._first_run())

    async def _open_demo(self, speed: float, *, time_scale: float | None = None) -> None:
        self.sandbox = await asyncio.to_thread(start_sandbox, speed)
        await self._open_demo_run(self.sandbox, time_scale=time_scale)

    def _on_demo_restart_requested(self, speed: float, *, confirmed: bool = False) -> None:
        assert self.window is not None
        self.runner.spawn(
            self.restart_demo(speed, confirmed=confirmed),
            owner=self.window,
            key="demo.restart",
            description="starting a new demo run",
        )

    async def restart_demo(self, speed: float, *, confirmed: bool = False) -> bool:
        """A new demo run in the same window, at ``speed`` (the Demo menu): the old run's
        work stops, its records and sandbox world are dropped, a new sandbox starts and the
        console re-learns its clock rate. The window keeps its size and place. Returns
        whether it restarted (the operator may cancel).

        A restart that fails partway (the new sandbox does not start, the demo folder cannot
        be cleared, the book does not open) leaves the previous run going, or if even that
        cannot be reopened, a window that says so and offers to try again; never a window
        without its tabs."""
        from skins_console.ui.demo_menu import confirm_demo_restart

        window, old_sandbox = self.window, self.sandbox
        if window is None or old_sandbox is None or self._shutdown_started:
            return False
        current = float(old_sandbox.config.speed)
        if not confirmed and not await confirm_demo_restart(window, current, speed):
            return False
        geometry = window.geometry()
        tab = window.tabs.currentIndex()
        window.tabs.setEnabled(False)
        window.banner.show_message("Starting a new demo run…", tone="info", key="demo")
        try:
            # Started before the old run stops: if it cannot start, nothing was lost.
            new_sandbox = await asyncio.to_thread(start_sandbox, speed)
        except Exception as exc:
            log.warning("the new demo sandbox did not start", exc_info=True)
            window.tabs.setEnabled(True)
            self._demo_failed(exc, speed, kept=True)
            return False
        old_paths = self.ctx.paths if self.ctx is not None else None
        await self._close_session()
        try:
            await self._open_demo_run(new_sandbox)
        except Exception as exc:
            log.warning("the new demo run did not open", exc_info=True)
            await asyncio.to_thread(new_sandbox.stop)
            kept = old_paths is not None and await self._reopen_demo_run(old_sandbox, old_paths)
            self._show_demo_run(geometry, tab)
            self._demo_failed(exc, speed, kept=kept)
            return False
        await asyncio.to_thread(old_sandbox.stop)
        self._show_demo_run(geometry, tab)
        window.banner.clear("demo")
        return True

    async def _close_session(self) -> None:
        """Close the window's controller and its context (the window itself stays)."""
        if self.controller is not None:
            # Saves the window state and the Quote tab's names, as closing does.
            self.controller._on_window_closing()
            await self.controller.shutdown()
            self.controller.dispose()
            self.controller = None
        if self.ctx is not None:
            await self.ctx.close()
            self.ctx = None

    async def _open_demo_run(
        self, sandbox: Any, paths: AppPaths | None = None, *, time_scale: float | None = None
    ) -> None:
        """This run's book (``paths``: the run's own, kept; else a fresh one) on ``sandbox``."""
        from skins_console.services.context import AppContext
        from skins_console.store.secrets import SessionKeyring

        assert self.paths is not None
        # The sandbox's world is new each run: so are the demo records, kept apart from
        # the merchant's own, so nothing retries against orders the sandbox never saw.
        book = paths if paths is not None else await asyncio.to_thread(demo_run_paths, self.paths)
        secrets = await demo_secret_store()
        # time_scale None: the context asks the sandbox how fast its clock runs.
        ctx = await AppContext.open(book, self.settings, secrets=secrets, time_scale=time_scale)
        try:
            await ensure_sandbox_profile(ctx, sandbox)
        except BaseException:
            await ctx.close()
            raise
        self.in_memory_secrets = isinstance(secrets._backend, SessionKeyring)
        self.ctx, self.sandbox = ctx, sandbox

    async def _reopen_demo_run(self, sandbox: Any, paths: AppPaths) -> bool:
        """After a failed restart: the previous run again, on its still running sandbox."""
        try:
            await self._open_demo_run(sandbox, paths)
        except Exception:
            log.warning("the previous demo run could not be reopened either", exc_info=True)
            return False
        return True

    def _show_demo_run(self, geometry: QRect, tab: int) -> None:
        """The opened run in the window (or, with none, the message of why not), at the
        size and place it had, whatever was saved."""
        window = self.window
        assert window is not None
        window.tabs.setEnabled(True)
        if self.ctx is not None:
            self.attach_window()
        else:
            window.show_without_session(
                "The demo is stopped: its records could not be opened. The message below "
                "says why; Demo → Reset demo data… tries again."
            )
        self._restore_place(geometry, tab)

    def _restore_place(self, geometry: QRect, tab: int) -> None:
        """The window back at the size and place, and on the tab, it had before a switch."""
        window = self.window
        assert window is not None
        window.setGeometry(geometry)
        if 0 <= tab < window.tabs.count():
            window.tabs.setCurrentIndex(tab)

    def _demo_failed(self, exc: BaseException, speed: float, *, kept: bool) -> None:
        """Say on the window why the new run did not start, and offer to try again."""
        assert self.window is not None
        if isinstance(exc, UserFacingError):
            reason = exc.message
        elif isinstance(exc, OSError):
            reason = f"{exc.strerror or exc}."
        else:  # a bug: the window is whole again, and the bug box has the details
            reason = "an unexpected error (the details are in the log)."
            self.presenter.report(exc, context="starting a new demo run")
        outcome = "The previous run goes on." if kept else "No demo run is open."
        self.window.banner.show_message(
            f"Could not start a new demo run: {reason} {outcome}",
            tone="bad",
            key="demo",
            actions=[("Try again", lambda: self._on_demo_restart_requested(speed, confirmed=True))],
        )
        if self.demo_menu is not None and self.sandbox is not None:
            self.demo_menu.show_for(float(self.sandbox.config.speed))

    def _on_other_book_requested(self, name: str) -> None:
        assert self.window is not None
        self.runner.spawn(
            self.open_other_book(name),
            owner=self.window,
            key="profile.book",
            description=f"opening the profile {name}",
        )

    async def open_other_book(self, name: str) -> None:
        """Switch the window to ``name``, a profile kept in another book (a team database,
        or this computer's file while a team book is open): the new context opens first,
        so a book out of reach leaves the window on the current one with the error."""
        from skins_console.services.context import AppContext

        assert self.window is not None and self.paths is not None and self.settings is not None
        window = self.window
        new = await AppContext.open(
            self.paths, self.settings, profile=name, time_scale=self._time_scale
        )
        try:
            await _remember_active(new, name)
        except BaseException:
            await new.close()
            raise
        geometry, tab = window.geometry(), window.tabs.currentIndex()
        await self._close_session()
        self.ctx = new
        self.attach_window()
        self._restore_place(geometry, tab)

    async def _first_run(self) -> bool:
        from skins_console.services.context import AppContext
        from skins_console.ui.backend import Backend
        from skins_console.ui.profile_dialog import ProfileDialog

        assert self.ctx is not None  # opened by open(), which calls this
        backend = Backend(self.ctx)
        dialog = ProfileDialog(self.runner, backend)
        saved: list[ProfileRecord] = []
        dialog.saved.connect(saved.append)
        await open_dialog(dialog)
        dialog.deleteLater()
        if not saved:
            return False
        if backend.in_other_book(saved[0].name):  # a team profile: its book is opened
            assert self.paths is not None
            team = await AppContext.open(
                self.paths, self.settings, profile=saved[0].name, time_scale=self._time_scale
            )
            await self.ctx.close()
            self.ctx = team
        elif self.ctx.profile is None:
            await self.ctx.select_profile(saved[0].name)
        return True

    def attach_window(self) -> None:
        """Wire the shown window to the opened context and start its work."""
        from skins_console.store.secrets import install_hint
        from skins_console.ui.backend import Backend
        from skins_console.ui.window_controller import WindowController

        assert self.window is not None and self.ctx is not None
        backend = Backend(self.ctx)
        self.window.backend = backend
        self.controller = WindowController(self.window, backend)
        if self.sandbox is None:
            self.controller.open_other_book = self._on_other_book_requested
        self.controller.start()
        if self.sandbox is not None:
            if self.demo_menu is None:
                self.demo_menu = DemoMenu(self.window)
                self.demo_menu.restart_requested.connect(self._on_demo_restart_requested)
            self.demo_menu.show_for(float(self.sandbox.config.speed))
        if self.in_memory_secrets:
            # Demo mode needs no keyring: one short line; how to install one goes to the log
            # (a real profile's dialog says it when it is needed).
            log.info("no OS keyring for demo mode; real profiles need one: %s", install_hint())
            self.window.banner.show_message(
                "Demo credentials are kept in memory for this run only (no system keyring).",
                tone="info",
                key="keyring",
            )

    async def shutdown(self) -> None:
        if self._shutdown_started:
            return
        self._shutdown_started = True
        if self.controller is not None:
            await self.controller.shutdown()
        await self.runner.shutdown()
        if self.ctx is not None:
            await self.ctx.close()
        if self.sandbox is not None:
            await asyncio.to_thread(self.sandbox.stop)
        if self.lock is not None:
            self.lock.release()


async def _remember_active(ctx: AppContext, name: str) -> None:
    """Make ``name`` the profile the next start opens (the book ``ctx`` has open)."""
    from skins_console.services.profile_service import ProfileService
    from skins_console.services.team_setup import use_team_profile

    if ctx.team is not None:
        use_team_profile(ctx.paths, ctx.settings, name)
    else:
        await ProfileService(ctx).use(name)


def _load_after_paint(sandbox: bool) -> None:
    """Worker thread: import what the session needs next (see ``_AFTER_PAINT``)."""
    for name in _AFTER_PAINT + (("skins_console.sandbox",) if sandbox else ()):
        importlib.import_module(name)


#: how long start-up waits before trying an unreachable team database again
TEAM_BOOK_RETRY_SECONDS = 10.0


async def _open_waiting_for_team_book(
    open_book: Callable[[], Awaitable[AppContext]], parent: QWidget | None
) -> AppContext | None:
    """The opened book; while its team database is away, a message says so and the book is
    tried again every ``TEAM_BOOK_RETRY_SECONDS`` (or at once on "Try again") until it
    answers, or ``None`` when the operator quits. Nothing is sent meanwhile: nothing runs."""
    from PySide6.QtCore import QTimer

    from skins_console.core.errors import DatabaseUnavailableError

    while True:
        try:
            return await open_book()
        except DatabaseUnavailableError as exc:
            log.warning("team database away at start: %s", exc.message)
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Skins Console: team database away",
                f"The team database at {exc.where} cannot be reached, so the orders cannot "
                f"be shown and nothing can be sent. Trying again every "
                f"{TEAM_BOOK_RETRY_SECONDS:.0f} seconds…",
                parent=parent,
            )
            box.setDetailedText(exc.message)
            retry = box.addButton("Try again now", QMessageBox.ButtonRole.AcceptRole)
            quit_button = box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
            box.setDefaultButton(retry)
            again = QTimer(box)
            again.setSingleShot(True)
            again.timeout.connect(lambda box=box: box.done(QMessageBox.StandardButton.Retry))
            again.start(int(TEAM_BOOK_RETRY_SECONDS * 1000))
            await open_dialog(box)
            again.stop()
            quit_chosen = box.clickedButton() is quit_button
            box.deleteLater()
            if quit_chosen:
                return None


async def _show_fatal(message: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, "Skins Console", message)
    await open_dialog(box)


async def main(
    args, app: QApplication, presenter: ErrorPresenter, frame: FirstFrame | None = None
) -> int:
    """The session on the running loop. ``frame``: the window ``run_gui`` has already shown
    and painted; without one (a caller already on a loop) it is opened here and paints
    once the loop runs."""
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(presenter.loop_exception_handler)
    painted = frame is not None
    if frame is None:
        frame = open_first_frame(args, app, presenter)
    session = GuiSession(app, presenter, frame)
    try:
        if frame.failure is not None:  # an unusable data folder, a console already open
            await _show_fatal(frame.failure.message)
            return 1
        try:
            if not await session.open(args, painted=painted):
                return 0
        except (SecretStoreError, UserFacingError) as exc:
            await _show_fatal(exc.message)
            return 1
        if session.quit_event.is_set():  # closed while it was opening
            return 0
        session.attach_window()
        forget_import_sources()
        # Quitting is always explicit (window closed, Quit, OS session end): the last window
        # closing must not stop the loop before the ordered shutdown below has run.
        await session.quit_event.wait()
        return 0
    finally:
        await session.shutdown()


def run_session(args, app: QApplication, presenter: ErrorPresenter, frame: FirstFrame) -> int:
    """``main()`` on a qasync loop, once ``run_gui`` has painted ``frame``."""
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        try:
            return runner.run(main(args, app, presenter, frame))
        except RuntimeError as exc:
            # Qt quit on its own (the OS ended the session) while main() was running; the
            # session closed the database and the sandbox in aboutToQuit.
            if "stopped before" not in str(exc):
                raise
            log.info("the event loop was stopped from outside")
            return 0
