"""Tracking 1,000 open orders and 200 open deposits with the window open.

Measures, over a steady window of real time at production cadence (time scale 1):
* requests per order per minute and per deposit per minute (counted by the sandbox),
* CPU used by the console's process (user + system) as a share of one core,
* the event loop's longest stall: a 5 ms heartbeat QTimer records every gap.

The sandbox runs in its own process so that its threads do not share this process's GIL,
as with the real providers. Orders are scripted to expire, so they stay open (sent, in the
10-minute trade window) for the whole run; deposits go active → hold. The Orders tab is
shown, so its table is repainted as statuses move.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_tracking_window.py [--seconds 180]

``--burst-at 30`` adds the worst moment of a merchant's day: 30 s into the window every
order's trade window ends at once (the sandbox clock jumps 11 minutes), so the tracker
finds 1,000 orders expired within one order-cache window and the Orders tab, the
notifications and the wallet all follow.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ORDERS = 1000
DEPOSITS = 200
#: where an idle worker thread waits (not running Python)
_IDLE = ("in wait", "in get\n", "in select", "in serve_forever", "in accept")
NAMES = ["AK-47 | Redline (Field-Tested)", "AWP | Asiimov (Field-Tested)"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_sandbox(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "skins_console.sandbox",
            "serve",
            "--port",
            str(port),
            "--speed",
            "1",
            "--catalog-size",
            str(ORDERS + 200),
            "--skinsnode-client-id",
            "bench-client",
            "--skinsnode-client-secret",
            "bench-secret",
            "--skinslink-api-key",
            "bench-key",
            "--skinslink-webhook-secret",
            "bench-hook",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the sandbox did not start")


async def _seed(ctx, base: str) -> None:
    import httpx

    from skins_console.core.models import OrderRequest
    from skins_console.services.deposit_service import DepositInput, DepositLine, DepositService
    from skins_console.services.orders_flow import send_order
    from skins_console.store.orders_repository import insert_order_draft

    catalog = await (await ctx.skinsnode()).catalog()
    profile = ctx.profile
    ids = [f"bench-{i:04d}" for i in range(ORDERS)]
    txs = [f"bench-dep-{i:03d}" for i in range(DEPOSITS)]
    async with httpx.AsyncClient() as http:
        # Enough prepaid balance for every order: a short wallet would fail them at once.
        await http.post(f"{base}/_sandbox/wallet", json={"balance_cents": 10**10})
        await http.post(
            f"{base}/_sandbox/outcomes",
            json={
                "skinsnode": {key: "expired" for key in ids},
                "skinslink": {tx: "completed" for tx in txs},
            },
        )
    semaphore = asyncio.Semaphore(8)

    async def one(index: int, key: str) -> None:
        item = catalog.items[index]
        request = OrderRequest(
            item.id,
            item.price_cents,
            key,
            profile.webhook_url,
            f"https://steamcommunity.com/tradeoffer/new/?partner="
            f"{10_000 + index}&token=Bench_{index % 10}x",
        )
        async with semaphore:
            order = await ctx.db.call(
                insert_order_draft,
                profile=profile.name,
                request=request,
                item_name=item.market_hash_name,
            )
            await send_order(ctx, order, confirm=False)

    await asyncio.gather(*(one(i, key) for i, key in enumerate(ids)))
    deposits = DepositService(ctx)
    for i, tx in enumerate(txs):
        quote = await deposits.quote(NAMES, game="csgo")
        result = await deposits.create(
            DepositInput(
                quote_id=quote.id,
                merchant_tx_id=tx,
                trade_url=f"https://steamcommunity.com/tradeoffer/new/?partner={50_000 + i}"
                "&token=Seller_1",
                items=tuple(
                    DepositLine(name=name, asset_id=str(900_000 + 2 * i + n))
                    for n, name in enumerate(NAMES)
                ),
            )
        )
        assert result.ok, result.message


async def _requests(base: str) -> dict[str, int]:
    import httpx

    async with httpx.AsyncClient() as http:
        truth = (await http.get(f"{base}/_sandbox/truth")).json()
    return truth["requests"]


def _count(requests: dict[str, int], needle: str) -> int:
    return sum(count for route, count in requests.items() if needle in route)


async def run(
    seconds: float,
    port: int,
    workdir: Path,
    diagnose: bool = False,
    burst_at: float | None = None,
    freeze: bool = True,
) -> dict:
    from PySide6.QtCore import QTimer

    from skins_console.core.records import ProfileRecord
    from skins_console.services.context import AppContext
    from skins_console.services.profile_service import ProfileSecrets, ProfileService
    from skins_console.store.paths import resolve_paths
    from skins_console.ui.backend import Backend
    from skins_console.ui.error_presenter import ErrorPresenter
    from skins_console.ui.main_window import MainWindow
    from skins_console.ui.task_runner import TaskRunner
    from skins_console.ui.window_controller import WindowController

    base = f"http://127.0.0.1:{port}"
    ctx = await AppContext.open(resolve_paths(workdir / "data"))
    await ProfileService(ctx).add(
        ProfileRecord(
            name="bench",
            skinsnode_base_url=base,
            skinsnode_client_id="bench-client",
            skinslink_base_url=base + "/api/v1",
            webhook_url="http://127.0.0.1:9/unreachable",
            default_game="csgo",
            is_sandbox=True,
        ),
        ProfileSecrets("bench-secret", "bench-key", "bench-hook"),
        activate=True,
    )
    t0 = time.perf_counter()
    await _seed(ctx, base)
    seeded_in = time.perf_counter() - t0

    # As in the app (ui/app.py): the cyclic collector runs on the GUI thread only.
    from skins_console.ui.gc_guard import GuiThreadCollector

    # --no-freeze: start-up's survivors stay in the collected generations (before perf6).
    collector = GuiThreadCollector() if freeze else GuiThreadCollector(settle_s=None)
    collections: list[tuple[int, float]] = []
    #: (start, wall seconds) of each collection, for --diagnose's split of the long gaps
    collected_at: list[tuple[float, float]] = []
    started_gc = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started_gc[0] = time.perf_counter()
        else:
            took = time.perf_counter() - started_gc[0]
            collections.append((info["generation"], took * 1000))
            collected_at.append((started_gc[0], took))

    presenter = ErrorPresenter()
    presenter.show_dialogs = False
    runner = TaskRunner(presenter)
    backend = Backend(ctx)
    window = MainWindow(backend, runner=runner, presenter=presenter)
    controller = WindowController(window, backend)
    window.resize(1280, 820)
    window.show()
    controller.start()
    # The operator watches the Orders tab: the worst case, since its table is painted too.
    from skins_console.ui.main_window import TAB_ORDERS

    window.tabs.setCurrentIndex(TAB_ORDERS)

    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000.0)
        last[0] = now

    stacks: Counter[str] = Counter()
    others: Counter[str] = Counter()
    watching = threading.Event()
    main_thread = threading.main_thread().ident

    def watchdog() -> None:
        # Samples the GUI thread's stack whenever the heartbeat is late: what blocks the loop.
        while watching.is_set():
            time.sleep(0.02)
            if time.perf_counter() - last[0] > 0.05:
                frames = sys._current_frames()
                frame = frames.get(main_thread)
                if frame is not None:
                    lines = traceback.format_stack(frame)
                    own = [line for line in lines if "skins_console" in line][-3:]
                    stacks["".join(own or lines[-3:])] += 1
                # What other threads were running Python meanwhile (GIL holders).
                for ident, other in frames.items():
                    if ident in (main_thread, threading.get_ident()):
                        continue
                    top = traceback.format_stack(other)[-2:]
                    if not any(idle in "".join(top) for idle in _IDLE):
                        others["".join(top)] += 1

    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(beat)

    # --diagnose: every asyncio callback the loop runs is timed (a perf_counter pair, no
    # sampling thread), so a late heartbeat can be split into the callbacks that ran in
    # it (named by their task's coroutine) and the rest (Qt slots, painting, GIL waits).
    ran: list[tuple[float, float, float, str]] = []
    long_gaps: list[tuple[float, float]] = []

    def describe(handle: asyncio.Handle) -> str:
        callback = getattr(handle, "_callback", None)
        owner = getattr(callback, "__self__", None)
        if isinstance(owner, asyncio.Task):
            coro = owner.get_coro()
            return getattr(coro, "__qualname__", repr(coro))
        name = getattr(callback, "__qualname__", repr(callback))
        # A TaskRunner completion callback: named by the work's description ("loading
        # orders", "loading the buyer book"), which its closure holds.
        code, cells = getattr(callback, "__code__", None), getattr(callback, "__closure__", None)
        if code is not None and cells and "description" in code.co_freevars:
            described = cells[code.co_freevars.index("description")].cell_contents
            if described:
                name += f" ({described})"
        return name

    original_run = asyncio.Handle._run

    # --diagnose: each transaction on the store's worker thread, with the thread's own CPU
    # time in it: the most it can have held the GIL for (sqlite's C calls let it go).
    stored: list[tuple[float, float, float, str]] = []
    store_run = ctx.db._run

    def timed_store_run(fn, args, kwargs, write):
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return store_run(fn, args, kwargs, write)
        finally:
            name = getattr(fn, "__qualname__", None) or getattr(
                getattr(fn, "func", None), "__qualname__", repr(fn)
            )
            stored.append((started, time.perf_counter() - started, time.thread_time() - cpu, name))

    def timed_run(handle: asyncio.Handle) -> None:
        started, cpu = time.perf_counter(), time.thread_time()
        original_run(handle)
        took = time.perf_counter() - started
        if took > 0.0005:
            ran.append((started, took, time.thread_time() - cpu, describe(handle)))

    def beat_and_note() -> None:
        now = time.perf_counter()
        if now - last[0] > 0.016:
            long_gaps.append((last[0], now))
        beat()

    # Built before the measured window: creating an httpx client loads the CA bundle, a
    # 50 ms C call that would count as a stall of the console.
    import httpx

    control = httpx.AsyncClient()
    # Warm-up: the start-up reconcile of every open order, then steady state.
    await asyncio.sleep(40)
    before = await _requests(base)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.perf_counter()
    gaps.clear()
    gc.callbacks.append(on_gc)
    # The floor: a bare Qt process with the same heartbeat over the same window (the
    # machine's scheduler alone, under the same load at the same time).
    floor = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "heartbeat_floor.py"), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    last[0] = time.perf_counter()
    heartbeat.start()
    if diagnose:
        asyncio.Handle._run = timed_run  # type: ignore[method-assign]
        ctx.db._run = timed_store_run  # type: ignore[method-assign]
        heartbeat.timeout.disconnect(beat)
        heartbeat.timeout.connect(beat_and_note)
        if os.environ.get("BENCH_WATCHDOG"):
            watching.set()
            threading.Thread(target=watchdog, daemon=True).start()
    if burst_at is not None:
        # Every order's 10-minute trade window ends at once: the sandbox clock jumps, and
        # the tracker finds 1,000 orders expired over the next order cache window.
        await asyncio.sleep(burst_at)
        await control.post(f"{base}/_sandbox/clock/advance", json={"seconds": 660})
        await asyncio.sleep(seconds - burst_at)
    else:
        await asyncio.sleep(seconds)
    watching.clear()
    heartbeat.stop()
    asyncio.Handle._run = original_run  # type: ignore[method-assign]
    ctx.db._run = store_run  # type: ignore[method-assign]  # the bench's own reads: not timed
    gc.callbacks.remove(on_gc)
    wall = time.perf_counter() - wall0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    floor_out, _ = await asyncio.to_thread(floor.communicate)
    after = await _requests(base)
    minutes = wall / 60.0
    order_gets = _count(after, "GET /v1/orders/") - _count(before, "GET /v1/orders/")
    deposit_gets = _count(after, "deposit/status") - _count(before, "deposit/status")
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    open_orders = len(await ctx.orders.list_open(ctx.profile.name))
    open_deposits = len(await ctx.deposits.list_open(ctx.profile.name))
    stalls = sorted(gaps)
    result = {
        "orders": ORDERS,
        "deposits": DEPOSITS,
        "open_orders_at_end": open_orders,
        "open_deposits_at_end": open_deposits,
        "seed_seconds": round(seeded_in, 1),
        "measured_seconds": round(wall, 1),
        "order_requests_per_order_per_minute": round(order_gets / ORDERS / minutes, 3),
        "deposit_requests_per_deposit_per_minute": round(deposit_gets / DEPOSITS / minutes, 3),
        "cpu_share_of_one_core": round(cpu / wall, 3),
        "heartbeat_beats": len(gaps),
        "longest_stall_ms": round(stalls[-1], 1) if stalls else None,
        "p99_gap_ms": round(stalls[int(len(stalls) * 0.99)], 1) if stalls else None,
        "median_gap_ms": round(statistics.median(stalls), 1) if stalls else None,
        "gaps_over_50ms": sum(1 for g in stalls if g > 50),
        "gaps_over_16ms": sum(1 for g in stalls if g > 16),
        "floor_bare_heartbeat": json.loads(floor_out) if floor_out.strip() else None,
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "orders_moved_by_burst": ORDERS - open_orders if burst_at is not None else None,
        "bugs_reported": len(getattr(presenter, "bugs", []) or []),
        "gc_collections_by_generation": [
            sum(1 for g, _ in collections if g == gen) for gen in (0, 1, 2)
        ],
        "gc_longest_ms": round(max((ms for _, ms in collections), default=0.0), 1),
        "gc_longest_ms_by_generation": [
            round(max((ms for g, ms in collections if g == gen), default=0.0), 1)
            for gen in (0, 1, 2)
        ],
        "gc_frozen_objects": gc.get_freeze_count(),
    }
    if diagnose:
        result["stall_samples"] = [
            {"samples": count, "stack": stack} for stack, count in stacks.most_common(6)
        ]
        result["other_threads_during_stalls"] = [
            {"samples": count, "stack": stack} for stack, count in others.most_common(6)
        ]
        result["split_of_gaps_over_16ms"] = [
            _split_gap(start, end, ran, stored, collected_at) for start, end in long_gaps
        ]
        result["store_transactions"] = _store_summary(stored)
    await control.aclose()
    await controller.shutdown()
    await runner.shutdown()
    window.close()
    await ctx.close()
    collector.stop()
    return result


def _split_gap(
    start: float,
    end: float,
    ran: list[tuple[float, float, float, str]],
    stored: list[tuple[float, float, float, str]],
    collected_at: list[tuple[float, float]],
) -> dict:
    """A late heartbeat: how long, the asyncio callbacks inside it (wall time and the GUI
    thread's own CPU time in them: the difference is waiting for the GIL or a CPU), what
    is left, the store worker's CPU time in transactions overlapping it (the most the
    worker can have held the GIL for in the gap) and the cyclic collector's time in it."""
    inside = [(took, name) for at, took, _cpu, name in ran if start <= at < end]
    cpu_ms = sum(cpu for at, _took, cpu, _name in ran if start <= at < end) * 1000.0
    by_name: Counter[str] = Counter()
    for took, name in inside:
        by_name[name] += took * 1000.0
    in_callbacks = sum(took for took, _ in inside) * 1000.0
    overlapping = [(cpu, name) for at, took, cpu, name in stored if at < end and at + took > start]
    return {
        "gap_ms": round((end - start) * 1000.0, 1),
        "callbacks_ms": round(in_callbacks, 1),
        "callbacks_cpu_ms": round(cpu_ms, 1),
        "callbacks": len(inside),
        "longest_callback_ms": round(max((t for t, _ in inside), default=0.0) * 1000.0, 1),
        "rest_ms": round((end - start) * 1000.0 - in_callbacks, 1),
        "top": [[name, round(ms, 1)] for name, ms in by_name.most_common(4)],
        "store_cpu_ms": round(sum(cpu for cpu, _ in overlapping) * 1000.0, 1),
        "store_calls": sorted({name for _, name in overlapping}),
        "gc_ms": round(sum(took for at, took in collected_at if start <= at < end) * 1000.0, 1),
    }


def _store_summary(stored: list[tuple[float, float, float, str]]) -> dict:
    """The store worker's transactions over the measured window: how many, and their CPU
    time on the worker (p50, p99, longest, and which function took the longest)."""
    if not stored:
        return {"count": 0}
    cpus = sorted(cpu * 1000.0 for _at, _took, cpu, _name in stored)
    longest = max(stored, key=lambda entry: entry[2])
    return {
        "count": len(stored),
        "cpu_ms_p50": round(cpus[len(cpus) // 2], 2),
        "cpu_ms_p99": round(cpus[int(len(cpus) * 0.99)], 2),
        "cpu_ms_longest": round(cpus[-1], 2),
        "longest": longest[3],
        "cpu_share_of_one_core": round(
            sum(cpus) / 1000.0 / max(stored[-1][0] - stored[0][0], 1e-9), 3
        ),
        # The five functions with the most worker CPU in all, and the attention queue's
        # re-read: count, median, longest.
        "by_function": [
            {
                "name": name,
                "count": len(own),
                "cpu_ms_total": round(sum(own), 1),
                "cpu_ms_p50": round(sorted(own)[len(own) // 2], 2),
                "cpu_ms_longest": round(max(own), 2),
            }
            for rank, (name, own) in enumerate(
                sorted(_cpu_by_name(stored).items(), key=lambda item: -sum(item[1]))
            )
            if rank < 5 or name == "attention_items"
        ],
    }


def _cpu_by_name(stored: list[tuple[float, float, float, str]]) -> dict[str, list[float]]:
    by_name: dict[str, list[float]] = {}
    for _at, _took, cpu, name in stored:
        by_name.setdefault(name, []).append(cpu * 1000.0)
    return by_name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--json", type=Path, help="also write the result here")
    parser.add_argument(
        "--burst-at",
        type=float,
        default=None,
        metavar="S",
        help="S seconds into the measured window, end every order's trade "
        "window at once (1,000 status changes within 30 s)",
    )
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="sample the GUI thread's stack during stalls (slows it a little)",
    )
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="do not freeze start-up's survivors (ui/gc_guard.py's SETTLE_S), to compare",
    )
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_API", "pyside6")
    workdir = Path(tempfile.mkdtemp(prefix="bench-tracking-"))
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    os.environ["XDG_DATA_HOME"] = str(workdir / "xdg")
    import qasync
    from PySide6.QtWidgets import QApplication

    port = _free_port()
    sandbox = _start_sandbox(port)
    try:
        from skins_console.ui.launch import GIL_SWITCH_S, limit_malloc_arenas

        limit_malloc_arenas()  # as run_gui does
        sys.setswitchinterval(GIL_SWITCH_S)
        app = QApplication.instance() or QApplication([])
        # Closing the window at the end must not stop the loop before run() returns.
        app.setQuitOnLastWindowClosed(False)
        result = qasync.run(
            run(args.seconds, port, workdir, args.diagnose, args.burst_at, not args.no_freeze)
        )
    finally:
        sandbox.terminate()
        sandbox.wait(10)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
