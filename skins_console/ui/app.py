"""GUI start-up: one qasync loop, hooks first, ordered shutdown.

``run_gui(args)`` is what ``skins-console`` runs without a subcommand (``args`` has
``data_dir``, ``profile``, ``sandbox`` and optionally ``speed``). Order matters:

1. ``QT_API=pyside6`` and ``PySide6.QtWidgets`` imported before qasync (it would otherwise
   pick whatever binding it finds first);
2. the error presenter's hooks (``sys``/``threading`` excepthooks) before the QApplication;
3. the QApplication, never quitting by itself when its last window closes (the first-run
   dialog comes before any main window, and a quit would stop the loop mid-shutdown);
4. ``main()`` on a ``qasync.QEventLoop`` through ``asyncio.Runner``: it awaits the
   application's ``aboutToQuit`` and then shuts down in order: tasks, tracker, HTTP clients,
   database, sandbox, instance lock.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_API", "pyside6")

import asyncio
import logging
import sys

import qasync
from PySide6.QtWidgets import QApplication, QMessageBox

from skins_console.core.errors import SecretStoreError, UserFacingError, ValidationError
from skins_console.core.records import ProfileRecord
from skins_console.store.secrets import (
    SecretStore,
    SessionKeyring,
    install_hint,
)
from skins_console.ui.dialog_futures import open_dialog
from skins_console.ui.error_presenter import ErrorPresenter
from skins_console.ui.gc_guard import GuiThreadCollector
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import ThemeManager
from skins_console.ui.tray import app_icon

log = logging.getLogger(__name__)

SANDBOX_PROFILE = "sandbox"
#: demo mode runs at real time: the quote's 5-minute lock lasts five minutes
DEMO_SPEED = 1.0


class GuiSession:
    """Everything one GUI run owns, closed in reverse order by :meth:`shutdown`."""

    def __init__(self, app: QApplication, presenter: ErrorPresenter) -> None:
        self.app = app
        self.presenter = presenter
        self.runner = TaskRunner(presenter)
        self.lock = None
        self.ctx = None
        self.sandbox = None
        self.window = None
        self.controller = None
        self.quit_event = asyncio.Event()
        #: demo mode on a machine without a usable OS keyring (see SessionKeyring)
        self.in_memory_secrets = False
        self._shutdown_started = False
        app.aboutToQuit.connect(self._on_about_to_quit)

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

    async def open(self, args) -> bool:
        from skins_console.api.http import tls_context
        from skins_console.services.context import AppContext
        from skins_console.services.logs import configure_file_logging
        from skins_console.store.instance_lock import InstanceLock
        from skins_console.store.paths import resolve_paths

        # The provider clients share one TLS context; loading its CA bundle takes 0.1-0.4 s,
        # so it is built here in a worker thread rather than on the first request.
        await asyncio.to_thread(tls_context)
        paths = resolve_paths(getattr(args, "data_dir", None))
        configure_file_logging(paths.log_file, verbose=bool(getattr(args, "verbose", False)))
        self.lock = InstanceLock(paths.lock_file)
        self.lock.acquire()
        speed = float(getattr(args, "speed", None) or DEMO_SPEED)
        if not speed > 0:
            raise ValidationError("--speed must be greater than zero.", field="speed")
        time_scale = getattr(args, "time_scale", None)
        profile = getattr(args, "profile", None)
        if getattr(args, "sandbox", False):
            self.sandbox = await asyncio.to_thread(_start_sandbox, speed)
            # The sandbox's world is new each run: so are the demo records, kept apart from
            # the merchant's own, so nothing retries against orders the sandbox never saw.
            paths = await asyncio.to_thread(demo_run_paths, paths)
            secrets = await demo_secret_store()
            self.in_memory_secrets = isinstance(secrets._backend, SessionKeyring)
            # time_scale None: the context asks the sandbox how fast its clock runs.
            self.ctx = await AppContext.open(paths, secrets=secrets, time_scale=time_scale)
            await ensure_sandbox_profile(self.ctx, self.sandbox)
        else:
            self.ctx = await AppContext.open(paths, profile=profile, time_scale=time_scale)
        return not (self.ctx.profile is None and not await self._first_run())

    async def _first_run(self) -> bool:
        from skins_console.ui.backend import Backend
        from skins_console.ui.profile_dialog import ProfileDialog

        backend = Backend(self.ctx)
        dialog = ProfileDialog(self.runner, save=backend.save_profile, test=backend.test_profile)
        saved: list[ProfileRecord] = []
        dialog.saved.connect(saved.append)
        await open_dialog(dialog)
        dialog.deleteLater()
        if not saved:
            return False
        if self.ctx.profile is None:
            await self.ctx.select_profile(saved[0].name)
        return True

    def show_window(self, themes: ThemeManager) -> None:
        from skins_console.ui.backend import Backend
        from skins_console.ui.main_window import MainWindow
        from skins_console.ui.window_controller import WindowController

        backend = Backend(self.ctx)
        self.window = MainWindow(
            backend, runner=self.runner, presenter=self.presenter, themes=themes
        )
        self.presenter.attach(self.window)
        self.controller = WindowController(self.window, backend)
        # Closing the window ends the session through main(), which shuts down in order and
        # then returns; QApplication.quit() here would stop the loop mid-shutdown.
        self.window.closing.connect(self.request_quit)
        self.window.show()
        self.controller.start()
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


async def demo_secret_store() -> SecretStore:
    """The OS keyring when it is usable; else the sandbox's demo credentials in memory."""
    secrets = SecretStore()
    try:
        await asyncio.to_thread(secrets.check)
    except SecretStoreError:
        log.info("no usable OS keyring; keeping the sandbox's demo credentials in memory")
        return SecretStore(backend=SessionKeyring(frozenset({SANDBOX_PROFILE})))
    return secrets


DEMO_FOLDER = "demo"


def demo_run_paths(paths):
    """The demo's own folder under the data folder, its records cleared for a new run
    (its settings, such as the theme and window geometry, are kept)."""
    from skins_console.store.paths import DATABASE_NAME, resolve_paths

    demo = resolve_paths(paths.data_dir / DEMO_FOLDER)
    for suffix in ("", "-wal", "-shm", "-journal"):
        (demo.data_dir / (DATABASE_NAME + suffix)).unlink(missing_ok=True)
    return demo


def _start_sandbox(speed: float):
    from skins_console.sandbox import Sandbox, SandboxConfig

    return Sandbox(SandboxConfig(speed=speed)).start()


async def ensure_sandbox_profile(ctx, sandbox) -> ProfileRecord:
    """Create (or point at this run's port) the sandbox profile with its demo credentials."""
    from skins_console.services.profile_service import ProfileSecrets, ProfileService

    cfg = sandbox.config
    secrets = ProfileSecrets(
        cfg.skinsnode_client_secret, cfg.skinslink_api_key, cfg.skinslink_webhook_secret
    )
    service = ProfileService(ctx)
    existing = await ctx.profiles.get(SANDBOX_PROFILE)
    endpoints = dict(
        skinsnode_base_url=sandbox.skinsnode_base_url,
        skinslink_base_url=sandbox.skinslink_base_url,
        skinsnode_client_id=cfg.skinsnode_client_id,
        # The sandbox delivers webhooks here; the console polls, so nothing must listen.
        webhook_url=f"{sandbox.base_url}/_sandbox/discard",
    )
    # Demo mode selects the sandbox profile for this run only: the stored active profile
    # (the merchant's real one) stays what the next normal start opens.
    if existing is None:
        record = ProfileRecord(
            name=SANDBOX_PROFILE,
            is_sandbox=True,
            min_price_tolerance_pct=_decimal("2"),
            low_balance_threshold_cents=50_000,
            **endpoints,
        )
        await service.add(record, secrets, activate=False)
    else:
        await ctx.profiles.update(SANDBOX_PROFILE, **endpoints)
        await ctx.secrets.acheck()
        for kind, value in secrets.items():
            await ctx.secrets.aset(SANDBOX_PROFILE, kind, value)
    return await ctx.select_profile(SANDBOX_PROFILE)


def _decimal(text: str):
    from decimal import Decimal

    return Decimal(text)


async def _show_fatal(message: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, "Skins Console", message)
    await open_dialog(box)


async def main(args, app: QApplication, presenter: ErrorPresenter) -> int:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(presenter.loop_exception_handler)
    themes = ThemeManager(app, "system")
    session = GuiSession(app, presenter)
    try:
        try:
            if not await session.open(args):
                return 0
        except (SecretStoreError, UserFacingError) as exc:
            await _show_fatal(exc.message)
            return 1
        themes.set_mode(session.ctx.settings.theme)
        session.show_window(themes)
        # Quitting is always explicit (window closed, Quit, OS session end): the last window
        # closing must not stop the loop before the ordered shutdown below has run.
        await session.quit_event.wait()
        return 0
    finally:
        await session.shutdown()


def run_gui(args) -> int:
    presenter = ErrorPresenter()
    presenter.install_hooks()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Skins Console")
    app.setOrganizationName("Skins Console")
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)
    GuiThreadCollector(app)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        try:
            return runner.run(main(args, app, presenter))
        except RuntimeError as exc:
            # Qt quit on its own (the OS ended the session) while main() was running; the
            # session closed the database and the sandbox in aboutToQuit.
            if "stopped before" not in str(exc):
                raise
            log.info("the event loop was stopped from outside")
            return 0
