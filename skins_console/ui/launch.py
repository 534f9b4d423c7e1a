"""GUI start-up up to the window's first paint, before asyncio and qasync are loaded.

``run_gui(args)`` is what ``skins-console`` runs without a command. The window the merchant
waits for needs Qt, the window's own modules, the data folder, the settings file (theme
and geometry) and the instance lock; nothing else is imported or started before it
paints. asyncio (with ssl, sockets and subprocesses, about 40 ms) and qasync are not needed
for that paint either, so the window is shown and painted by a short Qt loop of its own
first (nothing async can run yet: no asyncio loop exists), and ``ui/app.py``'s session
takes over on the qasync loop. ``tests/ui/test_startup_imports.py`` checks by module name
what is loaded at the first paint; ``bench/bench_startup.py`` times it.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_API", "pyside6")

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from skins_console.core.errors import UserFacingError
from skins_console.ui.error_presenter import ErrorPresenter
from skins_console.ui.gc_guard import GuiThreadCollector
from skins_console.ui.main_window import MainWindow
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import ThemeManager
from skins_console.ui.tray import app_icon

if TYPE_CHECKING:
    from skins_console.store.instance_lock import InstanceLock
    from skins_console.store.paths import AppPaths
    from skins_console.store.settings import Settings

#: seconds the start waits for the window's first paint before loading on regardless
#: (a window that is never exposed, e.g. opened minimised, must not stall the start)
FIRST_PAINT_WAIT = 1.0
#: seconds a thread running Python may keep the GIL while another waits for it. Worker
#: threads (catalog decode, columns, search index, the store) run Python for seconds; the
#: GUI thread lets go of the GIL around each Qt call and must win it back each time, so
#: with Python's default 5 ms a paint of a few hundred cells waited up to 5 ms per cell
#: batch. 1 ms keeps every frame short at a small cost in the workers' throughput.
GIL_SWITCH_S = 0.001
#: glibc malloc arenas for the whole process. glibc gives each new thread an arena of its
#: own (up to 8 per core); the worker threads (catalog decode, column build, the store)
#: each leave theirs holding freed pages the allocator does not return. With two, the
#: 100,000-item catalog and 10,000 orders were held in ~3 MB less RSS (median of 12 runs)
#: with a narrower peak, at the same refresh speed (docs/PERFORMANCE.md, "Fifth pass").
MALLOC_ARENAS = 2
#: ``mallopt``'s parameter number for the arena limit (glibc's malloc.h)
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas; whether it was applied (only on glibc, a no-op
    elsewhere). Called first thing, before any thread starts: an arena a thread already
    has stays. ctypes costs ~2 ms before the first paint; no thread may start first."""
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):  # not a POSIX system, or no such name
        return False
    if not libc.startswith("glibc"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))


@dataclass
class FirstFrame:
    """The window shown before anything else loads, and what it needed."""

    themes: ThemeManager
    runner: TaskRunner
    paths: AppPaths | None = None
    settings: Settings | None = None
    lock: InstanceLock | None = None
    window: MainWindow | None = None
    #: why no window was shown (an unusable data folder, a console already open)
    failure: UserFacingError | None = None


def open_first_frame(args, app: QApplication, presenter: ErrorPresenter) -> FirstFrame:
    """The data folder, the settings and the instance lock, then the window, empty, shown.

    A second console on the same folder stops before its window (``failure``)."""
    from skins_console.store.instance_lock import InstanceLock
    from skins_console.store.paths import resolve_paths
    from skins_console.store.settings import Settings

    themes = ThemeManager(app, "system")
    frame = FirstFrame(themes=themes, runner=TaskRunner(presenter))
    try:
        frame.paths = resolve_paths(getattr(args, "data_dir", None))
        frame.settings = Settings.load(frame.paths.settings_file)
        frame.lock = InstanceLock(frame.paths.lock_file)
        frame.lock.acquire()
    except UserFacingError as exc:
        frame.failure = exc
        return frame
    themes.set_mode(frame.settings.theme)
    window = frame.window = MainWindow(runner=frame.runner, presenter=presenter, themes=themes)
    window.restore_state(frame.settings.window_state)
    window.empty_label.setText("Opening the console…")
    presenter.attach(window)
    window.show()
    return frame


class PaintWatch(QObject):
    """Calls ``on_paint`` at the watched widget's first paint event."""

    def __init__(self, on_paint: Callable[[], object]) -> None:
        super().__init__()
        self.on_paint = on_paint
        self.painted = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.painted:
            self.painted = True
            self.on_paint()
        return False


def paint_before_the_loop(window: QWidget, timeout: float = FIRST_PAINT_WAIT) -> bool:
    """Let Qt paint ``window`` before the asyncio loop exists; whether it painted.

    A local ``QEventLoop`` that quits at the first paint (or after ``timeout`` seconds):
    it runs before any asyncio loop, so it nests in nothing and no coroutine can run in it.
    Called inside a running asyncio loop it refuses (``RuntimeError``).
    """
    asyncio = sys.modules.get("asyncio")  # not imported here: it loads after the paint
    if asyncio is not None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("paint_before_the_loop would nest in the running event loop")
    loop = QEventLoop()
    watch = PaintWatch(loop.quit)
    window.installEventFilter(watch)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(int(timeout * 1000))
    try:
        if not watch.painted:
            loop.exec()
    finally:
        timer.stop()
        window.removeEventFilter(watch)
    return watch.painted


def run_gui(args) -> int:
    limit_malloc_arenas()
    sys.setswitchinterval(GIL_SWITCH_S)
    presenter = ErrorPresenter()
    presenter.install_hooks()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Skins Console")
    app.setOrganizationName("Skins Console")
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)
    GuiThreadCollector(app)
    frame = open_first_frame(args, app, presenter)
    if frame.window is not None:
        paint_before_the_loop(frame.window)
    # After the paint: asyncio, qasync and the session (ui/app.py).
    from skins_console.ui.app import run_session

    return run_session(args, app, presenter, frame)
