"""Team mode: 1, 2 and 4 consoles tracking the same 500 open orders on one PostgreSQL book.

For each team size a fresh database gets 500 orders (sent to the sandbox, scripted to
stay open: their trade offers wait out the 10-minute window), then that many console
processes (each its own interpreter, as desktops are) track them for the measured window
at production cadence (time scale 1). Reported per team size:

* provider requests per order per minute (``GET /v1/orders/{id}``, counted by the
  sandbox): one console's budget is at most 2 (SkinsNode caches an order for 30 s), and
  leases keep it there however many consoles are open;
* the longest event-loop stall of any console (a 5 ms asyncio heartbeat), overall and
  once its first pass is done (the first pass imports what it first needs and reads every
  open record);
* how the looks were shared out between the consoles (the book's ``last_checked_at`` is
  shared; who looked is not recorded, so each console counts its own passes' checks).

A throwaway PostgreSQL cluster (``tests/postgres.py``: Debian's server binaries) and the
sandbox (its own process) are started and removed by the run::

    .venv/bin/python bench/bench_team_tracking.py [--seconds 120] [--orders 500] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PROFILE = "bench"
ORDER_READS = "GET /v1/orders/{externalId}"
HEARTBEAT_S = 0.005
TEAM_SIZES = (1, 2, 4)


# --- one console (a child process) ---------------------------------------------------------


async def _console(url: str, operator: str, seconds: float) -> dict:
    from skins_console.services.context import AppContext
    from skins_console.services.tracking_service import TrackingService
    from skins_console.store.database import Database
    from skins_console.store.paths import resolve_paths
    from skins_console.store.secrets import SecretStore
    from skins_console.store.settings import Settings

    password = os.environ.get("SKINS_CONSOLE_DATABASE_PASSWORD") or None
    db = await Database.open(url, password=password, operator=operator)
    ctx = AppContext(
        paths=resolve_paths(Path(tempfile.mkdtemp(prefix=f"bench-{operator}-"))),
        settings=Settings(path=None),
        db=db,
        secrets=SecretStore(),
    )
    async with ctx:
        await ctx.select_profile(PROFILE)
        # Built before the measured window, as a console does at start-up (keyring read,
        # TLS context): a one-off cost, not a tracking stall.
        await ctx.skinsnode()
        tracking = TrackingService(ctx)
        checked = [0]
        run_pass = tracking.run_pass

        async def counted(*args, **kwargs):
            result = await run_pass(*args, **kwargs)
            checked[0] += result.checked
            return result

        tracking.run_pass = counted  # type: ignore[method-assign]
        stop = asyncio.Event()
        #: the longest stall overall, and once the first pass is done (the first pass
        #: imports what it first needs and reads every open record)
        longest = {"all": 0.0, "steady": 0.0}

        async def heartbeat() -> None:
            while not stop.is_set():
                before = time.perf_counter()
                await asyncio.sleep(HEARTBEAT_S)
                gap = time.perf_counter() - before - HEARTBEAT_S
                longest["all"] = max(longest["all"], gap)
                if tracking.last_pass is not None:
                    longest["steady"] = max(longest["steady"], gap)

        beating = asyncio.ensure_future(heartbeat())
        tracker = asyncio.ensure_future(tracking.run_forever(stop))
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.gather(tracker, beating)
    return {
        "operator": operator,
        "checked": checked[0],
        "longest_stall_ms": longest["all"] * 1000,
        "steady_stall_ms": longest["steady"] * 1000,
    }


# --- the team (this process) -----------------------------------------------------------


async def _seed(url: str, password: str | None, base: str, orders: int, tag: str) -> None:
    import httpx

    from skins_console.core.models import OrderRequest
    from skins_console.core.records import ProfileRecord
    from skins_console.services.context import AppContext
    from skins_console.services.orders_flow import send_order
    from skins_console.services.profile_service import ProfileSecrets, ProfileService
    from skins_console.store.database import Database
    from skins_console.store.orders_repository import insert_order_draft
    from skins_console.store.paths import resolve_paths
    from skins_console.store.secrets import SecretStore
    from skins_console.store.settings import Settings

    db = await Database.open(url, password=password, operator="seed")
    ctx = AppContext(
        paths=resolve_paths(Path(tempfile.mkdtemp(prefix="bench-seed-"))),
        settings=Settings(path=None),
        db=db,
        secrets=SecretStore(),
    )
    async with ctx:
        await ProfileService(ctx).add(
            ProfileRecord(
                name=PROFILE,
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
        catalog = await (await ctx.skinsnode()).catalog()
        keys = [f"team-{tag}-{i:04d}" for i in range(orders)]
        async with httpx.AsyncClient() as http:
            await http.post(f"{base}/_sandbox/wallet", json={"balance_cents": 10**10})
            await http.post(
                f"{base}/_sandbox/outcomes", json={"skinsnode": {k: "expired" for k in keys}}
            )
        semaphore = asyncio.Semaphore(8)

        async def one(index: int, key: str) -> None:
            # Sold items leave the catalog: every team takes the first ones still listed.
            item = catalog.items[index]
            request = OrderRequest(
                item.id,
                item.price_cents,
                key,
                ctx.require_profile().webhook_url,
                f"https://steamcommunity.com/tradeoffer/new/?partner={10_000 + index}"
                f"&token=Bench_{index % 10}x",
            )
            async with semaphore:
                order = await ctx.db.call(
                    insert_order_draft,
                    profile=PROFILE,
                    request=request,
                    item_name=item.market_hash_name,
                )
                await send_order(ctx, order, confirm=False)

        await asyncio.gather(*(one(i, key) for i, key in enumerate(keys)))


async def _reads(base: str) -> int:
    import httpx

    async with httpx.AsyncClient() as http:
        truth = (await http.get(f"{base}/_sandbox/truth")).json()
    return int(truth["requests"].get(ORDER_READS, 0))


def _team(server, base: str, size: int, orders: int, seconds: float) -> dict:
    url = server.url_for(server.create_database())
    t0 = time.perf_counter()
    asyncio.run(_seed(url, server.password, base, orders, f"x{size}"))
    seeded = time.perf_counter() - t0
    before = asyncio.run(_reads(base))
    env = {**os.environ, "SKINS_CONSOLE_DATABASE_PASSWORD": server.password or ""}
    started = time.perf_counter()
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--console", url, f"console{n}", str(seconds)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(1, size + 1)
    ]
    results = [json.loads(child.communicate(timeout=seconds + 120)[0]) for child in children]
    window = time.perf_counter() - started
    reads = asyncio.run(_reads(base)) - before
    return {
        "consoles": size,
        "orders": orders,
        "seeded_s": round(seeded, 1),
        "window_s": round(window, 1),
        "order_reads": reads,
        # Over the tracking time (each console tracks ``seconds``; they start together).
        "reads_per_order_per_minute": round(reads / orders / (seconds / 60.0), 3),
        "longest_stall_ms": round(max(r["longest_stall_ms"] for r in results), 1),
        "longest_stall_after_first_pass_ms": round(max(r["steady_stall_ms"] for r in results), 1),
        "checks_per_console": [r["checked"] for r in results],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--json", type=Path, help="also write the result here")
    parser.add_argument("--console", nargs=3, metavar=("URL", "OPERATOR", "SECONDS"))
    args = parser.parse_args()
    if args.console:
        url, operator, seconds = args.console
        print(json.dumps(asyncio.run(_console(url, operator, float(seconds)))))
        return 0

    import bench_tracking_window
    from bench_tracking_window import _free_port, _start_sandbox

    from tests.postgres import PostgresServer

    # Its catalog is ORDERS + 200 items: enough for every team's own orders.
    bench_tracking_window.ORDERS = args.orders * len(TEAM_SIZES)

    workdir = Path(tempfile.mkdtemp(prefix="bench-team-"))
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    os.environ["XDG_DATA_HOME"] = str(workdir / "xdg")
    port = _free_port()
    sandbox = _start_sandbox(port)
    server = PostgresServer.create()
    try:
        base = f"http://127.0.0.1:{port}"
        figures = [_team(server, base, n, args.orders, args.seconds) for n in TEAM_SIZES]
    finally:
        server.destroy()
        sandbox.terminate()
        sandbox.wait(10)
    result = {"seconds": args.seconds, "teams": figures}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
