"""Runs a window and reports its first paint: for bench_startup.py and the start-up test.

    python bench/first_paint_probe.py bare              a bare PySide6 QMainWindow
    python bench/first_paint_probe.py console ARGS...   ``skins-console ARGS...``

When a ``QMainWindow`` receives its first paint event, one line is printed to stdout:
``painted <seconds since this interpreter started>`` followed, with ``--modules`` before the
mode, by one line of JSON: the names in ``sys.modules`` at that moment. Then the process
ends at once (``os._exit``): what happens after the first paint is not measured, and the
data folder is the caller's temporary one.

Both modes do the same before the window exists (the interpreter, ``PySide6.QtWidgets``,
one ``QApplication`` and this event filter), so the difference between them is what the
console adds before its window can paint. The filter watches the whole application only
until the main window's first event, then that window alone: an application-wide Python
filter would make every object of the console's window call into Python (tens of ms that
the real app, which has no such filter, never pays).
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("QT_API", "pyside6")

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow

_PAINT = QEvent.Type.Paint


class _FirstPaint(QObject):
    def __init__(self, report_modules: bool) -> None:
        super().__init__()
        self.report_modules = report_modules
        self.watching_app = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, QMainWindow):
            return False
        if self.watching_app:
            # The window's first event (it arrives while the window is being constructed):
            # from now on only the window's own events are watched. An application-wide
            # Python filter is called for every event of every object, and wraps each
            # object for Python; in a window of hundreds of widgets that cost the console
            # tens of milliseconds that neither it nor the bare window pays without a probe.
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
            watched.installEventFilter(self)
            self.watching_app = False
        if event.type() == _PAINT:
            print(f"painted {_since_start():.4f}", flush=True)
            if self.report_modules:
                print(json.dumps(sorted(sys.modules)), flush=True)
            os._exit(0)
        return False


def _since_start() -> float:
    # The interpreter's own start is not visible from inside; the caller measures wall
    # time from before it spawned this process. This figure is the in-process part.
    return time.perf_counter() - _STARTED


_STARTED = time.perf_counter()


def main(argv: list[str]) -> int:
    report_modules = False
    if argv and argv[0] == "--modules":
        report_modules, argv = True, argv[1:]
    mode, rest = argv[0], argv[1:]
    app = QApplication.instance() or QApplication(sys.argv[:1])
    probe = _FirstPaint(report_modules)
    app.installEventFilter(probe)
    if mode == "bare":
        window = QMainWindow()
        window.setWindowTitle("bare")
        window.resize(1024, 640)
        window.show()
        return app.exec()
    if mode == "console":
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        from skins_console.cli import main as console_main

        return console_main(rest)
    raise SystemExit(f"unknown mode {mode!r}: bare or console")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
