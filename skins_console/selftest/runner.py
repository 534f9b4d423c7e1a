"""The selftest's driver: runs each step in order, prints one line per step, sums up."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import skins_console
from skins_console.selftest import local_steps, network_steps
from skins_console.selftest.common import SELFTEST_DIR_ENV, StepError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from skins_console.sandbox import Sandbox

#: Upper bound for any single step; a keyring waiting on an invisible unlock prompt is the
#: realistic way to hang, and the report must still come out.
STEP_TIMEOUT = 30.0


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
        self.app: QApplication | None = None  # once the qt-platform step passed
        self.sandbox: Sandbox | None = None
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
            self.step("certifi", lambda: local_steps.check_certifi(self))
            self.step("qt-platform", lambda: local_steps.check_qt_platform(self))
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
        for name, check, needs in ASYNC_STEPS:
            await self.astep(name, partial(check, self), needs=needs)

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

    def redact(self, *secrets: str) -> None:
        """Replace these throwaway secrets with ``[redacted]`` wherever a result shows them."""
        self._redact.update(secrets)

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

    def _stop_sandbox(self) -> None:
        if self.sandbox is not None:
            try:
                self.sandbox.stop()
            except Exception as exc:
                self._line(f"  (sandbox did not stop cleanly: {self._describe(exc)})")
            self.sandbox = None


#: the steps that run on the event loop, in order: name, check, the steps it needs passed
ASYNC_STEPS: tuple[tuple[str, Callable[[SelfTest], Awaitable[str]], tuple[str, ...]], ...] = (
    ("event-loop", local_steps.check_event_loop, ("qt-platform",)),
    ("keyring-backends", local_steps.check_keyring_backends, ()),
    ("keyring", local_steps.check_keyring, ()),
    ("database", local_steps.check_database, ()),
    ("sandbox", network_steps.start_sandbox, ()),
    ("skinsnode-api", network_steps.check_skinsnode, ("sandbox",)),
    ("skinslink-api", network_steps.check_skinslink, ("sandbox",)),
    ("webhook-listener", network_steps.check_webhook_listener, ("event-loop",)),
    ("app-icon", local_steps.check_app_icon, ("qt-platform",)),
    ("market-names", local_steps.check_market_names, ()),
    ("main-window", local_steps.check_main_window, ("qt-platform", "event-loop")),
)


def main(argv: Sequence[str] | None = None) -> int:
    return run_selftest(list(sys.argv[1:] if argv is None else argv))
