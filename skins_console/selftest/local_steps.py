"""The selftest's steps on this machine alone: CA bundle, Qt platform and loop, keyring,
database, package data (icon, market names) and the main window."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from skins_console.selftest.common import SCREENSHOT_NAME, StepError, in_daemon_thread

if TYPE_CHECKING:
    from skins_console.selftest.runner import SelfTest


def check_certifi(st: SelfTest) -> str:
    import ssl

    import certifi

    path = Path(certifi.where())
    if not path.is_file() or path.stat().st_size == 0:
        raise StepError(f"the CA bundle {path} is missing or empty; HTTPS would fail")
    context = ssl.create_default_context(cafile=str(path))
    count = context.cert_store_stats().get("x509_ca", 0)
    if count < 10:
        raise StepError(f"the CA bundle {path} holds only {count} certificates")
    where = "bundled" if _inside_bundle(path) else "installed"
    return f"{count} CA certificates ({where}: {path})"


def check_qt_platform(st: SelfTest) -> str:
    if not st.options.display and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    wanted = (os.environ.get("QT_QPA_PLATFORM") or _default_platform()).split(":")[0]
    if wanted in ("xcb", "wayland") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        # Qt would abort the whole process here; say it in words instead.
        raise StepError(
            f"platform '{wanted}' needs a display, but neither DISPLAY nor "
            "WAYLAND_DISPLAY is set (run without --display to render offscreen)"
        )
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import QCoreApplication, QLibraryInfo

    folders = [Path(p) for p in QCoreApplication.libraryPaths()]
    folders.append(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)))
    folders += [Path(p) for p in os.environ.get("QT_PLUGIN_PATH", "").split(os.pathsep) if p]
    plugins = sorted(
        {
            name
            for d in folders
            if (d / "platforms").is_dir()
            for f in (d / "platforms").iterdir()
            if (name := _plugin_name(f))
        }
    )
    if wanted not in plugins:
        searched = ", ".join(str(d) for d in dict.fromkeys(folders)) or "(no plugin folders)"
        found = ", ".join(plugins) or "none"
        raise StepError(
            f"the Qt platform plugin '{wanted}' is not there (found: {found}; searched: {searched})"
        )
    from PySide6.QtWidgets import QApplication

    # If the plugin is present but cannot load (missing system libraries), Qt aborts
    # the process right here; the step name printed before this is the diagnosis.
    existing = QApplication.instance()
    if existing is not None and not isinstance(existing, QApplication):
        raise StepError(f"a {type(existing).__name__} already runs; widgets need a QApplication")
    app = existing or QApplication([sys.argv[0] if sys.argv else "skins-console"])
    # Closing the test window must not end the loop the remaining steps run on.
    app.setQuitOnLastWindowClosed(False)
    st.app = app
    return f"{app.platformName()} (Qt {pyside_version}; plugins: {', '.join(plugins)})"


async def check_event_loop(st: SelfTest) -> str:
    import qasync
    from PySide6.QtCore import QTimer

    loop = asyncio.get_running_loop()
    if not isinstance(loop, qasync.QEventLoop):
        raise StepError(f"the running loop is {type(loop).__name__}, not qasync's")
    # A Qt timer resolving an asyncio future proves both event systems are one loop;
    # a worker-thread hop proves call_soon_threadsafe wakes the Qt side.
    fired = loop.create_future()
    QTimer.singleShot(0, lambda: fired.done() or fired.set_result(True))
    await asyncio.wait_for(fired, 5)
    await asyncio.sleep(0.01)
    thread_value = await asyncio.to_thread(lambda: threading.get_ident())
    if thread_value == threading.get_ident():
        raise StepError("to_thread ran on the GUI thread")
    return f"{type(loop).__module__}.{type(loop).__name__}: Qt timers and threads wake it"


async def check_keyring_backends(st: SelfTest) -> str:
    """The freezer must ship keyring's entry points *and* this OS's backend module."""
    from importlib import import_module
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="keyring.backends")}
    native = _native_backend_module()
    if not names:
        raise StepError(
            "keyring's backend entry points are missing (its package metadata was not "
            "bundled); only the fail backend would be found"
        )
    if native not in names.values():
        raise StepError(f"{native} is not registered (found: {', '.join(sorted(names))})")
    module = import_module(native)
    if not hasattr(module, "Keyring"):
        raise StepError(f"{native} has no Keyring class")
    return f"{len(names)} registered, native {native}"


async def check_keyring(st: SelfTest) -> str:
    from skins_console.store.secrets import SecretKind, SecretStore, keyring_diagnostics

    diag = await in_daemon_thread(keyring_diagnostics)
    if not diag.usable:
        raise StepError(f"backend {diag.backend}: {diag.message}")
    store = SecretStore()
    profile = f"selftest-{secrets.token_hex(4)}"
    value = secrets.token_urlsafe(24)
    st.redact(value)
    kind = SecretKind.SKINSLINK_WEBHOOK_SECRET

    def round_trip() -> None:
        store.set(profile, kind, value)
        try:
            if store.get(profile, kind) != value:
                raise StepError(f"backend {diag.backend}: read back a different value")
        finally:
            store.delete(profile, kind)
        if store.get(profile, kind) is not None:
            raise StepError(f"backend {diag.backend}: the entry survived its deletion")

    await in_daemon_thread(round_trip)
    return f"{diag.backend} (priority {diag.priority:g}): set, read, deleted"


async def check_database(st: SelfTest) -> str:
    from skins_console.store.connection import StoreConnection
    from skins_console.store.database import Database
    from skins_console.store.schema_upgrade import HEAD_VERSION

    assert st.workdir is not None
    folder = st.workdir / "database"
    db = await Database.open(folder / "selftest.sqlite3", backups_dir=folder / "backups")
    try:
        # The migration scripts are files Alembic loads by path: a bundle without them fails.
        if db.schema_version != HEAD_VERSION:
            raise StepError(f"migrated to schema {db.schema_version}, expected {HEAD_VERSION}")

        def inspect(conn: StoreConnection) -> tuple[int, str]:
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            return tables, mode

        tables, mode = await db.read(inspect)
    finally:
        await db.close()
    import sqlite3

    return (
        f"schema v{HEAD_VERSION}, {tables} tables, journal {mode} (SQLite {sqlite3.sqlite_version})"
    )


async def check_app_icon(st: SelfTest) -> str:
    """The icon PNGs are package data: a freezer that forgot them shows a blank icon."""
    from PySide6.QtGui import QIcon, QImage

    from skins_console.resources import ICON_SIZES, app_icon_paths

    paths = app_icon_paths()
    missing = sorted(set(ICON_SIZES) - {size for size, _ in paths})
    if missing:
        raise StepError(f"app icon sizes missing from the package data: {missing}")
    icon = QIcon()
    for size, path in paths:
        image = QImage(str(path))
        if image.isNull() or (image.width(), image.height()) != (size, size):
            raise StepError(f"{path.name} does not load as a {size}x{size} image")
        icon.addFile(str(path))
    if icon.isNull():
        raise StepError("Qt could not build an icon from the PNGs")
    return f"{len(paths)} sizes from {paths[0][1].parent}"


async def check_market_names(st: SelfTest) -> str:
    """The real market names behind the Quote tab's suggestions are package data too."""
    from skins_console.services.name_book import NameBook

    index = await NameBook().index()
    typed = "ak-47 | redline (field tested)"
    found = index.suggest(typed)
    if len(index) < 20_000 or not found:
        raise StepError(f"the shipped market names are incomplete ({len(index)} names)")
    return f"{len(index):,} names; “{typed}” → “{found[0].name}”"


async def check_main_window(st: SelfTest) -> str:
    from skins_console.ui.main_window import MainWindow

    assert st.app is not None and st.workdir is not None
    window = MainWindow()
    try:
        window.resize(1200, 800)
        window.show()
        for _ in range(3):
            st.app.processEvents()
            await asyncio.sleep(0.02)
        pixmap = window.grab()
        target = st.workdir / SCREENSHOT_NAME
        if pixmap.isNull() or not pixmap.save(str(target), "PNG"):
            raise StepError("the window could not be grabbed to an image")
        image = pixmap.toImage()
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 37)
            for y in range(0, image.height(), 37)
        }
        if len(colours) < 3:
            raise StepError("the window rendered blank")
        return f"{image.width()}x{image.height()} grabbed to {target.name}"
    finally:
        window.close()
        window.deleteLater()
        st.app.processEvents()


# --- helpers ---


def _native_backend_module() -> str:
    if sys.platform == "win32":
        return "keyring.backends.Windows"
    if sys.platform == "darwin":
        return "keyring.backends.macOS"
    return "keyring.backends.SecretService"


def _default_platform() -> str:
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "cocoa"
    return "wayland" if os.environ.get("WAYLAND_DISPLAY") else "xcb"


def _plugin_name(path: Path) -> str | None:
    # libqoffscreen.so / qoffscreen.dll / libqoffscreen.dylib -> "offscreen"
    name = path.name
    for suffix in (".so", ".dll", ".dylib"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            stem = stem[3:] if stem.startswith("lib") else stem
            return stem[1:] if stem.startswith("q") else stem
    return None


def _inside_bundle(path: Path) -> bool:
    bundle = getattr(sys, "_MEIPASS", None)
    if not bundle:
        return False
    return str(path.resolve()).startswith(str(Path(bundle).resolve()))
