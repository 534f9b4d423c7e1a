"""Shared test set-up.

* Fixture modules live in ``tests/fixtures/``; every module there is loaded as a pytest
  plugin, so each area (sandbox, store, keyring, ui) owns its own fixture file.
* Async tests under ``tests/ui`` (and any test marked ``qt_loop``) run on a
  ``qasync.QEventLoop`` through pytest-asyncio's loop-factory hook; every other async test
  runs on a plain asyncio loop, which proves the Qt-free layers really are Qt-free.
* Every test gets its own data folder through ``SKINS_CONSOLE_DATA_DIR`` so nothing touches
  the developer's real profile.
"""

from __future__ import annotations

import asyncio
import gc
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

_FIXTURES = Path(__file__).parent / "fixtures"
pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}" for path in _FIXTURES.glob("*.py") if path.stem != "__init__"
)


def _wants_qt_loop(item: pytest.Item) -> bool:
    path = Path(str(item.path))
    return "ui" in path.relative_to(Path(__file__).parent).parts or bool(
        item.get_closest_marker("qt_loop")
    )


def _qasync_loop_factory():
    # Imported lazily: the Qt-free test modules must not need a QApplication.
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    return qasync.QEventLoop(app)


def pytest_asyncio_loop_factories(config, item):
    if _wants_qt_loop(item):
        return {"qasync": _qasync_loop_factory}
    return {"asyncio": asyncio.new_event_loop}


def pytest_configure(config):
    config.addinivalue_line("markers", "qt_loop: run this async test on the qasync loop")
    # Python's cyclic GC runs on whichever thread allocates when a threshold is crossed: the
    # SQLite worker, a sandbox thread, asyncio.to_thread. Collecting a Qt wrapper there
    # deletes its C++ object off the GUI thread, and Qt crashes later in processEvents. As
    # the app does (ui/gc_guard.py), collect only on the main thread, between tests.
    gc.disable()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    gc.collect()


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    monkeypatch.setenv("SKINS_CONSOLE_DATA_DIR", str(data_dir))
    return data_dir


async def wait_for(predicate, timeout: float = 10.0, interval: float = 0.02):
    """asyncio-side polling; never use qtbot.waitUntil inside an async test (it nests loops)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(interval)


def interruptible() -> None:
    """``preexec_fn`` for a child a test stops with SIGINT: a run started in the background
    (nohup, ``cmd &`` without job control) inherits SIGINT ignored, and a Python child then
    never sees Ctrl-C, as Unix intends. The test is about our handling of Ctrl-C, so the
    child gets the terminal's default back."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
