"""Benchmark: what SkinsNodeClient adds on top of raw httpx, against the same sandbox.

The sandbox runs in its own process (``python -m skins_console.sandbox serve``) so that its
request handling does not share our GIL. Each way makes N sequential GETs of the wallet and
of one order over one keep-alive connection: raw ``httpx.AsyncClient`` + ``json.loads``
versus the client (``loads_exact``, strict parsing into models, error mapping, debug log
call). Not a test; run by hand:

    .venv/bin/python bench/bench_client_overhead.py [--n 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from skins_console.api.skinsnode_client import SkinsNodeClient  # noqa: E402
from skins_console.api.skinsnode_parse import parse_order_state, parse_wallet  # noqa: E402
from skins_console.core.models import OrderRequest  # noqa: E402
from skins_console.core.money import loads_exact  # noqa: E402
from skins_console.sandbox.config import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET  # noqa: E402

TRADE_URL = "https://steamcommunity.com/tradeoffer/new/?partner=123456789&token=AbCdEfGh"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sandbox(port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "skins_console.sandbox",
            "serve",
            "--port",
            str(port),
            "--catalog-size",
            "200",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("the sandbox did not start")


def cpu_per_call(ours, plain) -> tuple[float, float]:
    def best(call) -> float:
        return min(timeit.repeat(call, number=2000, repeat=5)) / 2000

    return best(ours), best(plain)


async def compare(n: int, raw_call, client_call) -> tuple[float, float]:
    """Median µs per request each way. The two alternate in blocks of 25, so load from
    other processes on the shared machine falls on both alike."""
    for _ in range(20):  # warm-up: connection, caches
        await raw_call()
        await client_call()
    samples: dict[str, list[float]] = {"raw": [], "client": []}
    done = 0
    while done < n:
        block = min(25, n - done)
        for label, call in (("raw", raw_call), ("client", client_call)):
            for _ in range(block):
                started = time.perf_counter()
                await call()
                samples[label].append(time.perf_counter() - started)
        done += block
    return statistics.median(samples["raw"]), statistics.median(samples["client"])


async def run(base_url: str, n: int) -> None:
    headers = {"x-client-id": DEMO_CLIENT_ID, "x-client-secret": DEMO_CLIENT_SECRET}
    client = SkinsNodeClient(base_url, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    raw = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10.0)
    try:
        item = (await client.catalog()).items[0]
        external_id = f"bench-{time.time_ns()}"
        await client.create_order(
            OrderRequest(
                item.id, item.price_cents, external_id, "https://merchant.example/hooks", TRADE_URL
            )
        )
        order_path = f"/v1/orders/{external_id}"

        async def raw_wallet():
            response = await raw.get("/v1/wallet")
            response.raise_for_status()
            return json.loads(response.content)

        async def raw_order():
            response = await raw.get(order_path)
            response.raise_for_status()
            return json.loads(response.content)

        # The client's own CPU per answer, without I/O: steadier than the wall-clock medians
        # on a machine shared with other work.
        order_bytes = (await raw.get(order_path)).content
        wallet_bytes = (await raw.get("/v1/wallet")).content
        cpu = {
            "GET /v1/wallet": cpu_per_call(
                lambda: parse_wallet(loads_exact(wallet_bytes)), lambda: json.loads(wallet_bytes)
            ),
            "GET /v1/orders/{id}": cpu_per_call(
                lambda: parse_order_state(loads_exact(order_bytes)), lambda: json.loads(order_bytes)
            ),
        }
        rows = [
            ("GET /v1/wallet", *await compare(n, raw_wallet, client.wallet)),
            (
                "GET /v1/orders/{id}",
                *await compare(n, raw_order, lambda: client.get_order(external_id)),
            ),
        ]
    finally:
        await client.aclose()
        await raw.aclose()
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cores; N={n} sequential "
        f"requests each way (medians), sandbox in a separate process"
    )
    for label, raw_s, client_s in rows:
        print(
            f"{label:22} raw httpx {raw_s * 1e6:7.0f} µs/req   client {client_s * 1e6:7.0f} "
            f"µs/req   ratio {client_s / raw_s:.2f}   overhead "
            f"{(client_s - raw_s) * 1e6:+.0f} µs/req"
        )
    for label, (ours, plain) in cpu.items():
        print(
            f"{label:22} decode+parse {ours * 1e6:5.1f} µs vs json.loads {plain * 1e6:5.1f} µs "
            f"(no I/O, best of 5 x 2000)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    port = free_port()
    process = start_sandbox(port)
    try:
        asyncio.run(run(f"http://127.0.0.1:{port}", args.n))
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
