"""Benchmark: the Catalog tab with 100,000 sandbox items, and the event loop while it works.

Measures, on the real window pieces (CatalogTab over the services, qasync loop):

* refresh → rows visible: from ``CatalogTab.refresh()`` to the model holding every row
  (HTTP from the sandbox process, decode, column build off-thread, swap-in), and the part
  of it after the response was received (the HTTP time comes from the client's own debug
  log line); each against its floor, ``json.loads`` of the same bytes, timed in the same
  run, alternating with the refreshes (``--runs``, medians);
* sorting by each column, both directions (a header click), once the orders are built;
* the console process's peak RSS (``getrusage``) holding the catalog and
  ``--stored-orders`` orders in the store, the Orders tab showing what it loads of them;
* per-keystroke filter latency: typing search text one character at a time (each keystroke
  timed through ``apply_filter``, the debounced slot), median and p95;
* the longest event-loop stall during the refresh and during a tracking pass over many open
  orders, measured by a 5 ms heartbeat ``QTimer`` (the gap between two ticks minus 5 ms).

``--diagnose`` splits each refresh's (and each offline copy's) worst gap into the callbacks
and collections in it, the GUI thread's CPU, its wait for a CPU (schedstat) and the rest
(the GIL or a lock), where the other busy threads were when it ended, and which steps of
the refresh (decode, column build, row order, model swap, sort orders, compaction, the
copy's write, the frees) overlapped it.

The sandbox runs in its own process (``python -m skins_console.sandbox serve``), as a real
provider would: in-process, its own threads serialising 100k items would compete with the
GUI thread for the GIL and the figures would measure the sandbox, not the console.

Not a test; run by hand (offscreen is fine):

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_ui_catalog.py [--items 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gc
import logging
import os
import platform
import re
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_API", "pyside6")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qasync
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

KEYSTROKES = ["karambit doppler", "ak-47 redline field", "stattrak awp"]
HEARTBEAT_MS = 5


class Heartbeat:
    """Records the largest gap between 5 ms timer ticks (how long the loop was blocked)."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)
        self.worst = 0.0
        self.last = None
        #: (start, end) of the worst gap, and the GUI thread's CPU time in it (--diagnose):
        #: a gap the thread spent waiting (for the GIL or a CPU) used little of it
        self.worst_at: tuple[float, float] = (0.0, 0.0)
        self.worst_cpu = 0.0
        self.last_cpu = 0.0
        #: --diagnose: the GUI thread's time waiting on the kernel's run queue (for a CPU)
        #: in the worst gap, from /proc/thread-self/schedstat; the rest of the gap not
        #: spent on the CPU was a wait for the GIL (or a lock)
        self.schedstat: Any = None
        self.worst_queued = 0.0
        self.last_queued = 0.0
        #: --diagnose: where the other threads were when the worst gap ended (the one that
        #: had the GIL has just let it go there)
        self.worst_others = ""

    def _queued(self) -> float:
        if self.schedstat is None:
            return 0.0
        self.schedstat.seek(0)
        return int(self.schedstat.read().split()[1]) / 1e9

    def _tick(self) -> None:
        now, cpu, queued = time.perf_counter(), time.thread_time(), self._queued()
        if self.last is not None and now - self.last - HEARTBEAT_MS / 1000 > self.worst:
            self.worst = now - self.last - HEARTBEAT_MS / 1000
            self.worst_at = (self.last, now)
            self.worst_cpu = cpu - self.last_cpu
            self.worst_queued = queued - self.last_queued
            if self.schedstat is not None:
                self.worst_others = _other_threads_at()
        self.last, self.last_cpu, self.last_queued = now, cpu, queued

    def split(self) -> str:
        """The worst gap's wall time as the GUI thread's CPU, its wait for a CPU, and the
        rest (waiting for the GIL or a lock)."""
        wall = self.worst_at[1] - self.worst_at[0]
        return (
            f", GUI thread CPU {self.worst_cpu * 1000:.1f} ms, waiting for a CPU "
            f"{self.worst_queued * 1000:.1f} ms, for the GIL or a lock "
            f"{(wall - HEARTBEAT_MS / 1000 - self.worst_cpu - self.worst_queued) * 1000:.1f} ms"
            f"; other threads then: {self.worst_others or 'idle'}"
        )

    def start(self) -> None:
        self.worst, self.last = 0.0, None
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.worst * 1000


_IDLE_FILES = ("threading.py", "queue.py", "selectors.py", "thread.py", "qasync")


def _other_threads_at() -> str:
    """The busy threads' innermost frames but the GUI thread's (idle ones left out)."""
    import threading

    here = threading.get_ident()
    busy = []
    for ident, frame in sys._current_frames().items():
        if ident == here or frame is None:
            continue
        if any(part in frame.f_code.co_filename for part in _IDLE_FILES):
            continue
        names = []
        while frame is not None and len(names) < 3:
            names.append(f"{frame.f_code.co_name}:{frame.f_lineno}")
            frame = frame.f_back
        busy.append(" < ".join(names))
    return " | ".join(busy)


def _suspended_at(task: object) -> str:
    """Where a task's innermost coroutine waits (function:line), to name a step of it."""
    if not isinstance(task, asyncio.Task):
        return ""
    coro: Any = task.get_coro()
    where = "?"
    while coro is not None and getattr(coro, "cr_frame", None) is not None:
        where = f"{coro.cr_code.co_name}:{coro.cr_frame.f_lineno}"
        coro = coro.cr_await
    return where


class CallbackClock:
    """--diagnose: times every asyncio callback (wall and the GUI thread's CPU time) and
    every collection, so the worst gap of a refresh can be split into what ran in it."""

    def __init__(self) -> None:
        self.ran: list[tuple[float, float, float, str]] = []
        self._original = asyncio.Handle._run

    def install(self) -> None:
        original, ran = self._original, self.ran

        def timed_run(handle: asyncio.Handle) -> None:
            callback = getattr(handle, "_callback", None)
            owner = getattr(callback, "__self__", None)
            before = _suspended_at(owner)
            started, cpu = time.perf_counter(), time.thread_time()
            original(handle)
            took = time.perf_counter() - started
            if took > 0.001:
                name = (
                    f"{getattr(owner.get_coro(), '__qualname__', '?')} "
                    f"{before}->{_suspended_at(owner)}"
                    if isinstance(owner, asyncio.Task)
                    else getattr(callback, "__qualname__", repr(callback))
                )
                ran.append((started, took, time.thread_time() - cpu, name))

        asyncio.Handle._run = timed_run  # type: ignore[method-assign]

    def split(
        self, start: float, end: float, collections: list[tuple[float, float, int, int]]
    ) -> str:
        inside = [(took, cpu, name) for at, took, cpu, name in self.ran if start <= at < end]
        gcs = [ms for at, ms, _gen, _young in collections if start <= at < end]
        generations = ", ".join(
            f"gen {gen} {ms:.1f} ms, {young:,} new objects"
            for at, ms, gen, young in collections
            if start <= at < end
        )
        parts = [
            f"{took * 1000:.1f} ms (cpu {cpu * 1000:.1f}) {name}" for took, cpu, name in inside
        ]
        return (
            f"gap {(end - start) * 1000:.1f} ms: callbacks "
            f"{sum(t for t, _, _ in inside) * 1000:.1f} ms [{'; '.join(parts[:4])}], "
            f"collections {sum(gcs):.1f} ms" + (f" ({generations})" if generations else "")
        )


class PhaseClock:
    """--diagnose: when each step of a refresh ran (wall and its thread's CPU), so a long
    gap can be laid against what the worker threads were doing then."""

    def __init__(self) -> None:
        self.ran: list[tuple[float, float, float, str]] = []

    def wrap(self, owner: object, attribute: str, label: str | None = None) -> None:
        original = getattr(owner, attribute)
        ran, name = self.ran, label or attribute

        def timed(*args, **kwargs):
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                ran.append((started, time.perf_counter(), time.thread_time() - cpu, name))

        setattr(owner, attribute, timed)

    def install(self) -> None:
        from skins_console.api import catalog_decode
        from skins_console.core.catalog_rows import CatalogRows
        from skins_console.services import catalog_service
        from skins_console.store import catalog_cache_repository
        from skins_console.ui import catalog_columns, catalog_tab
        from skins_console.ui.catalog_model import CatalogModel

        self.wrap(catalog_decode, "decode_catalog")
        self.wrap(catalog_columns.CatalogColumns, "build", "CatalogColumns.build")
        self.wrap(catalog_tab, "prepare_order")
        self.wrap(catalog_columns.CatalogColumns, "_compute_orders", "compute_orders")
        self.wrap(CatalogRows, "compact", "CatalogRows.compact")
        self.wrap(catalog_columns, "return_freed_memory")
        self.wrap(catalog_columns, "release_in_steps")
        self.wrap(catalog_tab, "release_in_steps", "release_in_steps(tab)")
        self.wrap(catalog_cache_repository, "replace_catalog")
        self.wrap(catalog_service, "empty_in_slices", "empty_in_slices(offline copy)")
        self.wrap(CatalogModel, "set_columns", "CatalogModel.set_columns (GUI)")

    def overlapping(self, start: float, end: float) -> str:
        parts = [
            f"{name} {(max(a, start) - start) * 1000:+.0f}..{(min(b, end) - start) * 1000:+.0f}"
            f" ms (of {(b - a) * 1000:.0f}, cpu {cpu * 1000:.0f})"
            for a, b, cpu, name in self.ran
            if a < end and b > start
        ]
        return "; ".join(parts) or "none"


class RssTrace:
    """--rss-trace: the process's resident set every 5 ms (a thread reading /proc/self/statm),
    and the benchmark's phases, so the peak (``ru_maxrss``) can be put in its phase and laid
    against the refresh's steps (PhaseClock) running then."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        #: (time, C heap in use, C heap free but kept) in MB: glibc's mallinfo2, every 50 ms
        self.heap: list[tuple[float, float, float]] = []
        self.marks: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-trace", daemon=True)

    def _run(self) -> None:
        mallinfo = _mallinfo2()
        count = 0
        while not self._stop.wait(0.005):
            self.samples.append((time.perf_counter(), _rss_mb()))
            count += 1
            if mallinfo is not None and count % 10 == 0:
                info = mallinfo()
                self.heap.append(
                    (
                        time.perf_counter(),
                        (info.uordblks + info.hblkhd) / 2**20,
                        info.fordblks / 2**20,
                    )
                )

    def start(self) -> None:
        self.mark("start-up")
        self._thread.start()

    def mark(self, phase: str) -> None:
        self.marks.append((time.perf_counter(), phase))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def at(self, when: float) -> float:
        """The RSS sampled last before ``when``."""
        index = bisect.bisect_right(self.samples, (when, float("inf"))) - 1
        return self.samples[max(index, 0)][1]

    def peak(self, start: float, end: float) -> tuple[float, float]:
        inside = [s for s in self.samples if start <= s[0] < end] or [(start, self.at(start))]
        return max(inside, key=lambda s: s[1])

    def _heap_near(self, when: float) -> str:
        near = min(self.heap, key=lambda h: abs(h[0] - when), default=None)
        if near is None:
            return ""
        return (
            f" (C heap {near[1]:.0f} in use, {near[2]:.0f} free but kept,"
            f" {(near[0] - when) * 1000:+.0f} ms from the peak)"
        )

    def report(self, phases: PhaseClock) -> dict:
        result: dict = {}
        ends = [when for when, _ in self.marks[1:]] + [time.perf_counter()]
        for (start, phase), end in zip(self.marks, ends, strict=True):
            when, mb = self.peak(start, end)
            result[f"rss {phase}"] = (
                f"{self.at(start):.0f} -> peak {mb:.0f} at +{(when - start) * 1000:.0f} ms"
                f" -> {self.at(end):.0f} MB" + self._heap_near(when)
            )
        when, mb = max(self.samples, key=lambda s: s[1])
        result["rss_trace_peak"] = (
            f"{mb:.0f} MB{self._heap_near(when)}; steps running: "
            + phases.overlapping(when, when + 0.001)
        )
        for started, ended, _cpu, name in phases.ran:
            result[f"rss step {started - self.marks[0][0]:7.2f}s {name}"] = (
                f"{self.at(started):.0f} -> peak {self.peak(started, ended)[1]:.0f}"
                f" -> {self.at(ended):.0f} MB"
            )
        return result


def _mallinfo2() -> Any:
    """glibc's ``mallinfo2`` through ctypes, or None elsewhere."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [
            (name, ctypes.c_size_t)
            for name in (
                "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                "uordblks", "fordblks", "keepcost",
            )
        ]  # fmt: skip

    try:
        function = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return None
    function.restype = MallInfo2
    function.argtypes = ()
    return function


async def _until(predicate, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.005)


def _start_sandbox_process(items: int):
    import subprocess

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "skins_console.sandbox",
            "serve",
            "--port",
            "0",
            "--speed",
            "60",
            "--catalog-size",
            str(items),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    line = process.stdout.readline()
    base_url = line.strip().rsplit(" ", 1)[-1]
    if not base_url.startswith("http"):
        process.terminate()
        raise RuntimeError(f"the sandbox did not start: {line!r}")
    return _sandbox_at(base_url, process)


def _sandbox_at(base_url: str, process=None):
    from types import SimpleNamespace

    from skins_console.sandbox import SandboxConfig

    return SimpleNamespace(
        process=process,
        config=SandboxConfig(),
        base_url=base_url,
        skinsnode_base_url=base_url,
        skinslink_base_url=base_url + "/api/v1",
    )


def _use_bench_keyring(temp: Path) -> None:
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    store = PlaintextKeyring()
    store.file_path = str(temp / "keyring.cfg")
    keyring.set_keyring(store)


async def _prepare_data_folder(temp: Path, base_url: str) -> None:
    """The previous launch: create and migrate the book, set up the sandbox profile."""
    from skins_console.services.context import AppContext
    from skins_console.store.paths import resolve_paths
    from skins_console.ui.demo_run import ensure_sandbox_profile

    _use_bench_keyring(temp)
    ctx = await AppContext.open(resolve_paths(temp / "data"), time_scale=1 / 60)
    try:
        await ensure_sandbox_profile(ctx, _sandbox_at(base_url))
    finally:
        await ctx.close()


def _prepare_in_child(temp: Path, base_url: str) -> None:
    """Run ``_prepare_data_folder`` in its own process, as a merchant's earlier launch did.

    Creating a book migrates it through Alembic (alembic, mako and the psycopg dialect are
    imported, ~27 MB of RSS) once in its life; a console opening its current book does not
    (``tests/ui/test_current_book_imports.py``), so that one-off cost is not measured.
    """
    import subprocess

    subprocess.run(
        [sys.executable, __file__, "--prepare-data", str(temp), "--sandbox-url", base_url],
        check=True,
        cwd=Path(__file__).resolve().parents[1],
        timeout=300,
    )


class _HttpTimes(logging.Handler):
    """The client's own debug line per request ("GET /v1/catalog -> 200 in 812 ms")."""

    PATTERN = re.compile(r"GET /v1/catalog -> 200 in (\d+) ms")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.catalog_ms: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        match = self.PATTERN.search(record.getMessage())
        if match:
            self.catalog_ms.append(float(match.group(1)))


def _json_loads_seconds(path: Path) -> float:
    """``json.loads`` of the file's bytes, timed inside a fresh interpreter."""
    import subprocess

    code = (
        "import json, sys, time; body = open(sys.argv[1], 'rb').read(); "
        "t = time.perf_counter(); json.loads(body); print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _insert_orders(conn, profile: str, webhook_url: str, count: int) -> None:
    from skins_console.core.models import OrderRequest
    from skins_console.store.orders_repository import insert_order_draft

    trade = "https://steamcommunity.com/tradeoffer/new/?partner={}&token=Ab3dE_9x"
    for n in range(count):
        request = OrderRequest(
            f"stored-item-{n}", 100 + n % 5000, f"stored-{n:06d}", webhook_url, trade.format(n)
        )
        insert_order_draft(
            conn, profile=profile, request=request, item_name="AK-47 | Redline (Field-Tested)"
        )


async def bench(
    items: int,
    orders: int,
    runs: int,
    stored_orders: int,
    diagnose: bool = False,
    gc_settle_s: float | None = None,
    rss_trace: bool = False,
) -> dict:
    import httpx

    trace = RssTrace()
    if rss_trace:
        trace.start()

    from skins_console.services.context import AppContext
    from skins_console.store.paths import resolve_paths
    from skins_console.ui.backend import Backend
    from skins_console.ui.catalog_model import HEADERS, CatalogFilter
    from skins_console.ui.catalog_tab import CatalogTab
    from skins_console.ui.demo_run import ensure_sandbox_profile
    from skins_console.ui.error_presenter import ErrorPresenter
    from skins_console.ui.gc_guard import forget_import_sources
    from skins_console.ui.orders_tab import OrdersTab
    from skins_console.ui.task_runner import TaskRunner

    temp = Path(tempfile.mkdtemp(prefix="skins-console-bench-"))
    sandbox = _start_sandbox_process(items)
    _prepare_in_child(temp, sandbox.base_url)
    _use_bench_keyring(temp)
    ctx = await AppContext.open(resolve_paths(temp / "data"), time_scale=1 / 60)
    await ensure_sandbox_profile(ctx, sandbox)
    http_times = _HttpTimes()
    http_logger = logging.getLogger("skins_console.api.http")
    http_logger.addHandler(http_times)
    http_logger.setLevel(logging.DEBUG)
    # As in the app (ui/app.py): the cyclic collector runs on the GUI thread only. Each
    # collection's duration is recorded: a long one is a stall of its own.
    from skins_console.ui.gc_guard import GuiThreadCollector

    # --gc-settle: when start-up's survivors are frozen (the console's SETTLE_S by default,
    # later than this benchmark ends; a few seconds puts the freeze among the refreshes).
    collector = (
        GuiThreadCollector() if gc_settle_s is None else GuiThreadCollector(settle_s=gc_settle_s)
    )
    collections: list[float] = []
    collected_at: list[tuple[float, float, int, int]] = []  # (start, ms, generation, new)
    gc_started = [0.0]
    young = [0]  # objects allocated (net) since the last collection, when one starts
    clock = CallbackClock()
    phases = PhaseClock()
    if diagnose:
        clock.install()
    if diagnose or rss_trace:
        phases.install()

    explicit = [False]  # the benchmark's own gc.collect() calls are not the app's

    def on_gc(phase: str, info: dict) -> None:
        if explicit[0]:
            return
        if phase == "start":
            gc_started[0] = time.perf_counter()
            young[0] = gc.get_count()[0]
        else:
            collections.append((time.perf_counter() - gc_started[0]) * 1000)
            collected_at.append((gc_started[0], collections[-1], info["generation"], young[0]))

    gc.callbacks.append(on_gc)
    presenter = ErrorPresenter()
    presenter.show_dialogs = False
    failures = []
    presenter.bug_reported.connect(failures.append)
    presenter.user_error.connect(failures.append)
    runner = TaskRunner(presenter)
    backend = Backend(ctx)
    # As ui/app.py's main() once the window is attached: start-up's imports are done.
    forget_import_sources()
    tab = CatalogTab(
        runner,
        load_cached=backend.cached_catalog,
        fetch=backend.fetch_catalog,
        store=backend.store_catalog,
    )
    tab.resize(1300, 800)
    tab.show()
    beat = Heartbeat()
    if diagnose and os.path.exists("/proc/thread-self/schedstat"):
        beat.schedstat = open("/proc/thread-self/schedstat")  # noqa: SIM115 - the run's
    result: dict = {"items": items}
    try:
        # The app builds the shared TLS context in a worker thread at start-up (ui/app.py);
        # the first request then builds the client (keyring read): measured on its own so
        # the refresh figure is the steady state.
        from skins_console.api.http import tls_context

        await asyncio.to_thread(tls_context)
        beat.start()
        t0 = time.perf_counter()
        await backend.health()
        result["first_request_s"] = time.perf_counter() - t0
        result["first_request_worst_stall_ms"] = beat.stop()

        # The floor: json.loads of the very bytes the console receives.
        trace.mark("the benchmark's own copy of the body")
        cfg = sandbox.config
        async with httpx.AsyncClient(timeout=120) as client:
            answer = await client.get(
                sandbox.skinsnode_base_url + "/v1/catalog",
                headers={
                    "x-client-id": cfg.skinsnode_client_id,
                    "x-client-secret": cfg.skinsnode_client_secret,
                },
            )
        body_file = temp / "catalog.json"
        body_file.write_bytes(answer.content)
        result["body_mb"] = len(answer.content) / 1e6
        del answer

        # 1. refresh → rows visible, alternating with json.loads of the same body
        floors, totals, after_response, stalls, store_stalls = [], [], [], [], []
        for _run in range(runs):
            # The floor runs in a child process: decoding 37 MB into dicts takes ~300 MB,
            # which would otherwise count in this process's peak RSS.
            floors.append(_json_loads_seconds(body_file))
            explicit[0] = True
            gc.collect()
            explicit[0] = False
            await _until(lambda: not runner.running("catalog.store"), timeout=120)
            await asyncio.sleep(0.2)
            trace.mark(f"refresh {_run + 1}: response to rows")
            beat.start()
            started = time.perf_counter()
            tab.refresh()
            await _until(
                lambda: tab.model.rowCount() == items and not runner.running("catalog.refresh")
            )
            totals.append(time.perf_counter() - started)
            after_response.append(totals[-1] - http_times.catalog_ms[-1] / 1000)
            await asyncio.sleep(0.05)
            stalls.append(beat.stop())
            if diagnose:
                result[f"refresh_{_run + 1}_worst_gap"] = (
                    clock.split(*beat.worst_at, collected_at) + beat.split()
                )
                result[f"refresh_{_run + 1}_gap_phases"] = (
                    f"at +{(beat.worst_at[0] - started) * 1000:.0f} ms: "
                    + phases.overlapping(*beat.worst_at)
                )
                result[f"refresh_{_run + 1}_phases"] = phases.overlapping(
                    started, time.perf_counter()
                )
            # The offline copy is written after the rows show, on the store's worker thread:
            # the window must stay smooth through that write too (the merchant is browsing).
            trace.mark(f"refresh {_run + 1}: sort orders, offline copy")
            beat.start()
            await _until(lambda: not runner.running("catalog.store"), timeout=120)
            store_stalls.append(beat.stop())
            if diagnose:
                result[f"store_{_run + 1}_worst_gap"] = (
                    clock.split(*beat.worst_at, collected_at) + beat.split()
                )
                result[f"store_{_run + 1}_gap_phases"] = phases.overlapping(*beat.worst_at)
        floor = statistics.median(floors)
        result["json_loads_floor_s"] = floor
        result["refresh_to_rows_s"] = statistics.median(totals)
        result["refresh_http_s"] = statistics.median(http_times.catalog_ms[-runs:]) / 1000
        result["response_to_rows_s"] = statistics.median(after_response)
        result["response_to_rows_ratio"] = result["response_to_rows_s"] / floor
        result["refresh_to_rows_ratio"] = result["refresh_to_rows_s"] / floor
        result["refresh_worst_stall_ms"] = max(stalls)
        result["refresh_stalls_ms"] = " ".join(f"{v:.1f}" for v in stalls)
        result["store_worst_stall_ms"] = max(store_stalls)
        result["store_stalls_ms"] = " ".join(f"{v:.1f}" for v in store_stalls)

        # The search index (joined keys) and the other sort orders: worker threads.
        t0 = time.perf_counter()
        await _until(
            lambda: tab.proxy.has_blob and not runner.running("catalog.sort_orders"), timeout=60
        )
        await _until(lambda: not runner.running("catalog.store"), timeout=120)
        result["index_and_orders_ready_after_s"] = time.perf_counter() - t0

        trace.mark("keystrokes, sort clicks")
        # 2. keystrokes
        # "filter": computing the visible rows (CatalogProxy.set_filter, what a keystroke
        # costs the model); "keystroke": the whole debounced slot, including the table
        # view's reset of 100k rows, the count label and keeping the selection.
        filtering, keystrokes = [], []
        for text in KEYSTROKES:
            tab.search.clear()
            tab.apply_filter()
            typed = ""
            for ch in text:
                typed += ch
                tab.search.setText(typed)
                flt = tab.current_filter()
                t0 = time.perf_counter()
                tab.proxy.set_filter(flt)
                filtering.append((time.perf_counter() - t0) * 1000)
                tab.proxy.set_filter(CatalogFilter())  # undo, then the full slot
                tab.proxy.set_filter(CatalogFilter(text=typed[:-1]))
                t0 = time.perf_counter()
                tab.apply_filter()
                keystrokes.append((time.perf_counter() - t0) * 1000)
                await asyncio.sleep(0)
        for name, values in (("filter", filtering), ("keystroke", keystrokes)):
            values.sort()
            result[f"{name}_median_ms"] = statistics.median(values)
            result[f"{name}_p95_ms"] = values[int(len(values) * 0.95) - 1]
            result[f"{name}_max_ms"] = values[-1]
        result["keystrokes"] = len(keystrokes)

        # 3. a header click on every column, each way, at all rows (the whole click: the
        # proxy's new order and the view's relayout, up to the next event-loop turn)
        tab.search.clear()
        tab.apply_filter()
        await asyncio.sleep(0.1)
        header = tab.table.horizontalHeader()
        sorts, click_stalls = {}, {}
        for column in range(1, len(HEADERS)):
            for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
                await asyncio.sleep(0.05)
                beat.start()
                await asyncio.sleep(0.02)
                t0 = time.perf_counter()
                header.setSortIndicator(column, order)  # what a click on the header does
                sorts[(column, order)] = (time.perf_counter() - t0) * 1000
                await asyncio.sleep(0.1)  # the view's relayout and repaint: in the stall
                click_stalls[(column, order)] = beat.stop()
        worst = max(sorts, key=sorts.__getitem__)
        result["sort_call_median_ms"] = statistics.median(sorts.values())
        result["sort_call_max_ms"] = sorts[worst]
        result["sort_call_max_column"] = f"{HEADERS[worst[0]]} {worst[1].name}"
        worst = max(click_stalls, key=click_stalls.__getitem__)
        result["sort_click_worst_stall_ms"] = click_stalls[worst]
        result["sort_click_worst_column"] = f"{HEADERS[worst[0]]} {worst[1].name}"

        trace.mark("tracking pass")
        # 4. tracking pass over many open orders
        trade = "https://steamcommunity.com/tradeoffer/new/?partner={}&token=Ab3dE_9x"
        columns = tab.model.columns
        cheap_rows = sorted(range(len(columns)), key=columns.prices.__getitem__)[:orders]
        from skins_console.core.models import OrderRequest
        from skins_console.services.orders_flow import send_order

        for n, row in enumerate(cheap_rows):
            item = tab.model.item(row)
            request = OrderRequest(
                item.id,
                item.price_cents,
                backend.new_external_id(),
                ctx.profile.webhook_url,
                trade.format(10_000_000 + n),
            )
            order = await ctx.orders.insert_draft(
                profile=ctx.profile.name, request=request, item_name=item.market_hash_name
            )
            await send_order(ctx, order)
        await asyncio.sleep(1.0)
        for order in await ctx.orders.list_open(ctx.profile.name):
            await ctx.orders.schedule_check(
                order.profile, order.external_id, next_check_at=ctx.clock.now()
            )
        beat.start()
        t0 = time.perf_counter()
        passed = await backend.tracking.run_pass()
        result["tracking_pass_s"] = time.perf_counter() - t0
        result["tracking_checked"] = passed.checked
        result["tracking_worst_stall_ms"] = beat.stop()

        trace.mark("stored orders into the Orders tab")
        # 5. memory: the catalog shown, and stored orders loaded into the Orders tab
        if stored_orders:
            await ctx.db.call(
                _insert_orders, ctx.profile.name, ctx.profile.webhook_url, stored_orders
            )
            orders_tab = OrdersTab(runner, backend)
            orders_tab.reload()
            await _until(lambda: orders_tab.model.rowCount() > 0, timeout=60)
            result["orders_tab_rows"] = orders_tab.model.rowCount()
        result["stored_orders"] = stored_orders
        result["rss_now_mb"] = _rss_mb()
        result["migration_modules_loaded"] = sorted(
            name for name in ("alembic", "mako", "psycopg") if name in sys.modules
        )
        result["rss_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if rss_trace:
            trace.stop()
            result.update(trace.report(phases))
        result["errors"] = [getattr(f, "summary", str(f)) for f in failures]
        result["gc_collections"] = len(collections)
        result["gc_longest_ms"] = max(collections, default=0.0)
        # objects frozen by the collector's settle (0: it had not come yet)
        result["gc_settle_frozen"] = collector.frozen
    finally:
        http_logger.removeHandler(http_times)
        gc.callbacks.remove(on_gc)
        collector.stop()
        await runner.shutdown()
        await ctx.close()
        sandbox.process.terminate()
        sandbox.process.wait(10)
        tab.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3, help="refreshes (and floors), alternating")
    parser.add_argument("--stored-orders", type=int, default=10_000)
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="split each refresh's worst gap into the callbacks and collections in it",
    )
    parser.add_argument(
        "--rss-trace",
        action="store_true",
        help="sample the RSS every 5 ms: each phase's and each refresh step's peak",
    )
    parser.add_argument(
        "--malloc-arenas",
        type=int,
        default=None,
        metavar="N",
        help="glibc malloc arenas (default: the console's, ui/launch.MALLOC_ARENAS; "
        "0: glibc's own default, to compare)",
    )
    parser.add_argument(
        "--gc-settle",
        type=float,
        default=None,
        metavar="S",
        help="freeze start-up's survivors S seconds in (default: ui/gc_guard.SETTLE_S)",
    )
    parser.add_argument("--prepare-data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sandbox-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare_data is not None:
        asyncio.run(_prepare_data_folder(args.prepare_data, args.sandbox_url))
        return
    import skins_console.ui  # noqa: F401 - applies the PySide6 workaround
    from skins_console.ui.launch import GIL_SWITCH_S, MALLOC_ARENAS, limit_malloc_arenas

    arenas = MALLOC_ARENAS if args.malloc_arenas is None else args.malloc_arenas
    # As run_gui does, before any thread starts.
    arenas_limited = arenas > 0 and limit_malloc_arenas(arenas)
    sys.setswitchinterval(GIL_SWITCH_S)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        result = runner.run(
            bench(
                args.items,
                args.orders,
                args.runs,
                args.stored_orders,
                args.diagnose,
                args.gc_settle,
                args.rss_trace,
            )
        )
    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    result["malloc_arenas"] = arenas if arenas_limited else "glibc default"
    for key, value in result.items():
        print(f"{key:>26}: {value:.1f}" if isinstance(value, float) else f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
