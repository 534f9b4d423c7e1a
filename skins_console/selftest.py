"""``skins-console --selftest``: does this installed (or frozen) copy actually work here?

The classic failures of a packaged Qt app are all environmental: a keyring backend the
freezer did not collect ("No recommended backend was available"), a missing CA bundle, a Qt
platform plugin that does not load, a sqlite3 without WAL. Each step below exercises one of
them through the same code the app uses, in a throwaway folder, and prints one line::

    keyring          ok       41 ms  keyring.backends.SecretService.Keyring (round-trip)
    database         FAIL      3 ms  DiskFullError: Cannot write … the disk is full …

Exit status 0 when every step passed, 1 otherwise. Nothing real is touched: the data folder
is a temporary one, the keyring entry is a random throwaway that is deleted again, and the
provider APIs are the local sandbox on 127.0.0.1. Messages never contain the throwaway
credentials (they are redacted as a second line of defence), and tracebacks are printed only
with ``--verbose``.

The step name is printed *before* the step runs and the result after it, so a hard crash
(Qt aborts the process when a platform plugin cannot load) still shows which step died.

Options (from the CLI's namespace, or parsed here for ``python -m skins_console.selftest``):
``--verbose`` tracebacks; ``--display`` use the real display instead of ``offscreen``;
``--keep`` keep the temporary folder (the window screenshot is in it). The environment
variable ``SKINS_CONSOLE_SELFTEST_DIR`` names a folder to use (and keep) instead, which is how
CI collects the screenshot.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import skins_console

SELFTEST_DIR_ENV = "SKINS_CONSOLE_SELFTEST_DIR"
SCREENSHOT_NAME = "selftest-main-window.png"
#: Upper bound for any single step; a keyring waiting on an invisible unlock prompt is the
#: realistic way to hang, and the report must still come out.
STEP_TIMEOUT = 30.0


class StepError(Exception):
    """A step failed for a reason already phrased for the reader (no type name prefix)."""


@dataclass
class Options:
    verbose: bool = False
    display: bool = False
    keep: bool = False


@dataclass
class StepResult:
    name: str
    status: str  # "ok", "FAIL", "skip"
    seconds: float
    detail: str


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skins-console --selftest",
        description="Check that this copy of Skins Console works on this machine.",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="print tracebacks")
    parser.add_argument(
        "--display",
        action="store_true",
        help="render on the real display instead of Qt's offscreen platform",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser


def parse_options(args: Any = None) -> Options:
    """Accept the CLI's argparse namespace, an argv list, or nothing."""
    if args is None:
        return Options()
    if isinstance(args, (list, tuple)):
        ns = build_parser().parse_args([a for a in args if a != "--selftest"])
        return Options(verbose=ns.verbose, display=ns.display, keep=ns.keep)
    return Options(
        verbose=bool(getattr(args, "verbose", False)),
        display=bool(getattr(args, "display", False)),
        keep=bool(getattr(args, "keep", False)),
    )


def run_selftest(args: Any = None) -> int:
    options = parse_options(args)
    out, close_out = _output_stream()
    try:
        return SelfTest(options, out).run()
    finally:
        if close_out:
            out.close()


def _output_stream() -> tuple[TextIO, bool]:
    # A windowed (no console) Windows build has no stdout; the report then goes to a file.
    if sys.stdout is not None:
        return sys.stdout, False
    path = Path(tempfile.gettempdir()) / "skins-console-selftest.txt"
    return open(path, "w", encoding="utf-8"), True


class SelfTest:
    def __init__(self, options: Options, out: TextIO) -> None:
        self.options = options
        self.out = out
        self.results: list[StepResult] = []
        self._redact: set[str] = set()
        self.workdir: Path | None = None
        self._keep_workdir = options.keep
        self.app = None  # QApplication once the qt-platform step passed
        self.sandbox = None
        self.base_url: str | None = None
        self.skinslink_url: str | None = None
        self.credentials: dict[str, str] = {}

    # --- driver ---------------------------------------------------------------------------

    def run(self) -> int:
        started = time.perf_counter()
        frozen = bool(getattr(sys, "frozen", False))
        self._line(
            f"Skins Console {skins_console.__version__} selftest "
            f"({'frozen' if frozen else 'from source'}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.machine()})"
        )
        saved_env = {k: os.environ.get(k) for k in ("SKINS_CONSOLE_DATA_DIR", "QT_QPA_PLATFORM")}
        try:
            self.workdir = self._make_workdir()
            # Everything the app would write (settings, database, logs) lands in the
            # throwaway folder, never in the operator's real profile.
            os.environ["SKINS_CONSOLE_DATA_DIR"] = str(self.workdir / "data")
            self.step("certifi", self.check_certifi)
            self.step("qt-platform", self.check_qt_platform)
            loop = self._make_loop()
            try:
                loop.run_until_complete(self._async_steps())
            finally:
                self._stop_sandbox()
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()
                asyncio.set_event_loop(None)
        except KeyboardInterrupt:
            self._line("selftest interrupted")
            return 130
        finally:
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            self._cleanup_workdir()
        return self._summary(time.perf_counter() - started)

    async def _async_steps(self) -> None:
        await self.astep("event-loop", self.check_event_loop, needs=("qt-platform",))
        await self.astep("keyring-backends", self.check_keyring_backends)
        await self.astep("keyring", self.check_keyring)
        await self.astep("database", self.check_database)
        await self.astep("sandbox", self.start_sandbox)
        await self.astep("skinsnode-api", self.check_skinsnode, needs=("sandbox",))
        await self.astep("skinslink-api", self.check_skinslink, needs=("sandbox",))
        await self.astep("webhook-listener", self.check_webhook_listener, needs=("event-loop",))
        await self.astep("app-icon", self.check_app_icon, needs=("qt-platform",))
        await self.astep("market-names", self.check_market_names)
        await self.astep("main-window", self.check_main_window, needs=("qt-platform", "event-loop"))

    def _make_loop(self) -> asyncio.AbstractEventLoop:
        if self.app is not None:
            import qasync

            loop = qasync.QEventLoop(self.app)
        else:
            # Qt is unusable: keep going on a plain loop so the other steps still report.
            loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        return loop

    # --- step bookkeeping -----------------------------------------------------------------

    def step(self, name: str, fn: Callable[[], str], needs: Sequence[str] = ()) -> None:
        if self._skip_for(name, needs):
            return
        self._begin(name)
        t0 = time.perf_counter()
        try:
            detail = fn()
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            self._end(name, "FAIL", time.perf_counter() - t0, self._describe(exc), exc)
        else:
            self._end(name, "ok", time.perf_counter() - t0, detail)

    async def astep(
        self, name: str, fn: Callable[[], Awaitable[str]], needs: Sequence[str] = ()
    ) -> None:
        if self._skip_for(name, needs):
            return
        self._begin(name)
        t0 = time.perf_counter()
        try:
            detail = await asyncio.wait_for(fn(), STEP_TIMEOUT)
        except TimeoutError as exc:
            message = f"did not finish within {STEP_TIMEOUT:.0f} s"
            self._end(name, "FAIL", time.perf_counter() - t0, message, exc)
        except Exception as exc:
            self._end(name, "FAIL", time.perf_counter() - t0, self._describe(exc), exc)
        else:
            self._end(name, "ok", time.perf_counter() - t0, detail)

    def _skip_for(self, name: str, needs: Sequence[str]) -> bool:
        passed = {r.name for r in self.results if r.status == "ok"}
        missing = [n for n in needs if n not in passed]
        if not missing:
            return False
        self._begin(name)
        self._end(name, "skip", 0.0, f"needs {', '.join(missing)}")
        return True

    def _begin(self, name: str) -> None:
        self.out.write(f"  {name:<17}")
        self.out.flush()

    def _end(
        self, name: str, status: str, seconds: float, detail: str, exc: BaseException | None = None
    ) -> None:
        detail = self._scrub(detail)
        self.results.append(StepResult(name, status, seconds, detail))
        self.out.write(f"{status:<5}{seconds * 1000:>7.0f} ms  {detail}\n")
        if exc is not None and self.options.verbose:
            text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            for line in self._scrub(text).rstrip().splitlines():
                self.out.write(f"      {line}\n")
        self.out.flush()

    def _describe(self, exc: BaseException) -> str:
        if isinstance(exc, StepError):
            return str(exc)
        message = getattr(exc, "message", None) or str(exc) or "(no message)"
        return f"{type(exc).__name__}: {message}"

    def _scrub(self, text: str) -> str:
        for secret in sorted(self._redact, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "[redacted]")
        return text

    def _line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _summary(self, seconds: float) -> int:
        failed = [r.name for r in self.results if r.status != "ok"]
        if not failed:
            self._line(f"selftest passed: {len(self.results)} steps in {seconds:.2f} s")
            return 0
        hard = [r.name for r in self.results if r.status == "FAIL"]
        self._line(
            f"selftest FAILED: {', '.join(hard or failed)} "
            f"({len(failed)} of {len(self.results)} steps not ok, {seconds:.2f} s)"
        )
        return 1

    def _make_workdir(self) -> Path:
        chosen = os.environ.get(SELFTEST_DIR_ENV)
        if chosen:
            path = Path(chosen).expanduser().resolve()
            path.mkdir(parents=True, exist_ok=True)
            self._keep_workdir = True
            return path
        return Path(tempfile.mkdtemp(prefix="skins-console-selftest-"))

    def _cleanup_workdir(self) -> None:
        if self.workdir is None:
            return
        if self._keep_workdir:
            self._line(f"files kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # --- steps ----------------------------------------------------------------------------

    def check_certifi(self) -> str:
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

    def check_qt_platform(self) -> str:
        if not self.options.display and not os.environ.get("QT_QPA_PLATFORM"):
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
                _plugin_name(f)
                for d in folders
                if (d / "platforms").is_dir()
                for f in (d / "platforms").iterdir()
                if _plugin_name(f)
            }
        )
        if wanted not in plugins:
            searched = ", ".join(str(d) for d in dict.fromkeys(folders)) or "(no plugin folders)"
            found = ", ".join(plugins) or "none"
            raise StepError(
                f"the Qt platform plugin '{wanted}' is not there (found: {found}; "
                f"searched: {searched})"
            )
        from PySide6.QtWidgets import QApplication

        # If the plugin is present but cannot load (missing system libraries), Qt aborts
        # the process right here; the step name printed before this is the diagnosis.
        app = QApplication.instance() or QApplication(
            [sys.argv[0] if sys.argv else "skins-console"]
        )
        # Closing the test window must not end the loop the remaining steps run on.
        app.setQuitOnLastWindowClosed(False)
        self.app = app
        return f"{app.platformName()} (Qt {pyside_version}; plugins: {', '.join(plugins)})"

    async def check_event_loop(self) -> str:
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

    async def check_keyring_backends(self) -> str:
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

    async def check_keyring(self) -> str:
        from skins_console.store.secrets import SecretKind, SecretStore, keyring_diagnostics

        diag = await _in_daemon_thread(keyring_diagnostics)
        if not diag.usable:
            raise StepError(f"backend {diag.backend}: {diag.message}")
        store = SecretStore()
        profile = f"selftest-{secrets.token_hex(4)}"
        value = secrets.token_urlsafe(24)
        self._redact.add(value)
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

        await _in_daemon_thread(round_trip)
        return f"{diag.backend} (priority {diag.priority:g}): set, read, deleted"

    async def check_database(self) -> str:
        from skins_console.store.database import Database
        from skins_console.store.migrations import LATEST_VERSION

        assert self.workdir is not None
        folder = self.workdir / "database"
        db = await Database.open(folder / "selftest.sqlite3", backups_dir=folder / "backups")
        try:
            if db.schema_version != LATEST_VERSION:
                raise StepError(
                    f"migrated to schema {db.schema_version}, expected {LATEST_VERSION}"
                )

            def inspect(conn) -> tuple[int, str]:
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
            f"schema v{LATEST_VERSION}, {tables} tables, journal {mode} "
            f"(SQLite {sqlite3.sqlite_version})"
        )

    async def start_sandbox(self) -> str:
        from skins_console.sandbox import Sandbox, SandboxConfig

        self.credentials = {
            "skinsnode_client_id": f"selftest-{secrets.token_hex(4)}",
            "skinsnode_client_secret": secrets.token_urlsafe(24),
            "skinslink_api_key": secrets.token_urlsafe(24),
            "skinslink_webhook_secret": secrets.token_urlsafe(24),
        }
        self._redact.update(v for k, v in self.credentials.items() if k != "skinsnode_client_id")
        # A small catalog: the step checks the plumbing, not the sandbox's scale.
        config = SandboxConfig(host="127.0.0.1", port=0, catalog_size=50, **self.credentials)
        sandbox = Sandbox(config)
        await asyncio.to_thread(sandbox.start)
        self.sandbox = sandbox
        self.base_url = sandbox.skinsnode_base_url
        self.skinslink_url = sandbox.skinslink_base_url
        return f"listening on {self.base_url}"

    async def check_skinsnode(self) -> str:
        from skins_console.api.skinsnode_client import SkinsNodeClient
        from skins_console.core.money import format_cents

        assert self.base_url is not None
        async with SkinsNodeClient(
            self.base_url,
            self.credentials["skinsnode_client_id"],
            self.credentials["skinsnode_client_secret"],
            max_get_retries=0,
        ) as client:
            health = await client.health()
            if not health.ok:
                raise StepError("health answered, but not ok")
            wallet = await client.wallet()
        return f"health ok, wallet {format_cents(wallet.available_cents, wallet.currency)}"

    async def check_skinslink(self) -> str:
        from skins_console.api.skinslink_client import SkinslinkClient
        from skins_console.core.money import format_usd

        assert self.skinslink_url is not None
        name = "AK-47 | Redline (Field-Tested)"
        async with SkinslinkClient(
            self.skinslink_url, self.credentials["skinslink_api_key"], max_get_retries=0
        ) as client:
            quote = await client.get_prices("csgo", [name], no_deposit_intent=True)
        return f"get-prices: {len(quote.items)} item(s), total {format_usd(quote.sum)}"

    async def check_webhook_listener(self) -> str:
        """The listener's HTTP server (aiohttp, imported lazily, so a freezer may miss it) on
        this loop: a signed delivery is accepted and a forged one refused."""
        import aiohttp
        import aiohttp.http_parser
        import httpx

        from skins_console.api.webhook_signatures import sign_skinsnode, verify_skinsnode_webhook
        from skins_console.core.errors import WebhookRejected
        from skins_console.core.models import format_time, utcnow
        from skins_console.services.webhook_http import Request, Response, WebhookHttpServer

        secret = secrets.token_urlsafe(24)
        self._redact.add(secret)

        async def handle(request: Request) -> Response:
            try:
                delivery = verify_skinsnode_webhook(request.headers, request.body, secret)
            except WebhookRejected as exc:
                return Response(401, {"error": exc.reason})
            return Response(200, {"status": delivery.order.status})

        body = b'{"externalId":"selftest-1","status":"completed","amount":"1","currency":"USD"}'
        stamp = format_time(utcnow())
        headers = {"x-event-type": "order.updated", "x-delivery-id": "selftest-1"}
        server = WebhookHttpServer(handle, "127.0.0.1", 0)
        await server.start()
        try:
            async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
                signed = await http.post(
                    server.url,
                    content=body,
                    headers={
                        **headers,
                        "x-timestamp": stamp,
                        "x-signature": sign_skinsnode(secret, stamp, body),
                    },
                )
                forged = await http.post(
                    server.url,
                    content=body,
                    headers={**headers, "x-timestamp": stamp, "x-signature": "0" * 64},
                )
        finally:
            await server.stop()
        if signed.status_code != 200 or forged.status_code != 401:
            raise StepError(
                f"a signed delivery got HTTP {signed.status_code} (expected 200), a forged one "
                f"HTTP {forged.status_code} (expected 401)"
            )
        parser = aiohttp.http_parser.HttpRequestParser.__module__
        kind = "C parser" if parser.endswith("_http_parser") else "pure-Python parser"
        return f"aiohttp {aiohttp.__version__} ({kind}): signed accepted, forged refused"

    async def check_app_icon(self) -> str:
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

    async def check_market_names(self) -> str:
        """The real market names behind the Quote tab's suggestions are package data too."""
        from skins_console.services.name_book import NameBook

        index = await NameBook().index()
        typed = "ak-47 | redline (field tested)"
        found = index.suggest(typed)
        if len(index) < 20_000 or not found:
            raise StepError(f"the shipped market names are incomplete ({len(index)} names)")
        return f"{len(index):,} names; “{typed}” → “{found[0].name}”"

    async def check_main_window(self) -> str:
        from skins_console.ui.main_window import MainWindow

        assert self.app is not None and self.workdir is not None
        window = MainWindow()
        try:
            window.resize(1200, 800)
            window.show()
            for _ in range(3):
                self.app.processEvents()
                await asyncio.sleep(0.02)
            pixmap = window.grab()
            target = self.workdir / SCREENSHOT_NAME
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
            self.app.processEvents()

    def _stop_sandbox(self) -> None:
        if self.sandbox is not None:
            try:
                self.sandbox.stop()
            except Exception as exc:
                self._line(f"  (sandbox did not stop cleanly: {self._describe(exc)})")
            self.sandbox = None


# --- helpers --------------------------------------------------------------------------------


async def _in_daemon_thread(fn: Callable[[], Any]) -> Any:
    """Run blocking ``fn`` in a daemon thread.

    Keyring calls can block indefinitely (an unlock prompt nobody sees); a pool thread would
    then keep the process alive at exit, a daemon thread does not.
    """
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def target() -> None:
        try:
            result = fn()
        except BaseException as exc:
            loop.call_soon_threadsafe(_settle, future, None, exc)
        else:
            loop.call_soon_threadsafe(_settle, future, result, None)

    threading.Thread(target=target, name="selftest-blocking", daemon=True).start()
    return await future


def _settle(future: asyncio.Future, result: Any, exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


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
    return bool(bundle) and str(path.resolve()).startswith(str(Path(bundle).resolve()))


def main(argv: Sequence[str] | None = None) -> int:
    return run_selftest(list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
