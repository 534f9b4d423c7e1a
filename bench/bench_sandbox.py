"""Benchmark: the sandbox's start-up with a 100,000-item catalog, serving that catalog, and
request latency over a keep-alive loopback connection. Not a test; run by hand:

    .venv/bin/python bench/bench_sandbox.py [--items 100000] [--requests 500]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from skins_console.sandbox import Sandbox, SandboxConfig
from skins_console.sandbox.catalog import Catalog

TRADE_URL = "https://steamcommunity.com/tradeoffer/new/?partner=123456789&token=AbCd-_12"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def bench_generation(items: int) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    catalog = Catalog(items, 1, "http://127.0.0.1:8765")
    body = catalog.body()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"generate + serialise {items:,} items: {wall:.2f} s wall, {cpu:.2f} s CPU, "
        f"body {len(body) / 1e6:.1f} MB"
    )
    del catalog, body
    # Memory separately: tracemalloc slows allocation-heavy code several times over.
    tracemalloc.start()
    catalog = Catalog(items, 1, "http://127.0.0.1:8765")
    catalog.body()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak Python memory while generating: {peak / 1e6:.0f} MB")


def bench_requests(items: int, count: int) -> None:
    with Sandbox(
        SandboxConfig(catalog_size=items, speed=60, cache_seconds=0, initial_balance_cents=10**12)
    ) as sb:
        headers = {
            "x-client-id": sb.config.skinsnode_client_id,
            "x-client-secret": sb.config.skinsnode_client_secret,
        }
        with httpx.Client(base_url=sb.base_url, headers=headers, timeout=60) as client:
            started = time.perf_counter()
            catalog = client.get("/v1/catalog")
            print(
                f"GET /v1/catalog ({items:,} items, {len(catalog.content) / 1e6:.1f} MB): "
                f"{time.perf_counter() - started:.2f} s"
            )
            listed = catalog.json()["items"]
            for label, send in (
                ("GET /v1/wallet", lambda i: client.get("/v1/wallet")),
                (
                    "POST /v1/orders",
                    lambda i: client.post(
                        "/v1/orders",
                        json={
                            "catalogItemId": listed[i]["id"],
                            "expectedPrice": listed[i]["price"],
                            "externalId": f"bench-{i}",
                            "webhookUrl": "https://merchant.example/h",
                            "tradeUrl": TRADE_URL,
                        },
                    ),
                ),
                ("GET /v1/orders/{id}", lambda i: client.get(f"/v1/orders/bench-{i}")),
            ):
                latencies = []
                for index in range(min(count, len(listed))):
                    began = time.perf_counter()
                    response = send(index)
                    latencies.append((time.perf_counter() - began) * 1000)
                    assert response.status_code < 300, response.text
                print(
                    f"{label:<22} n={len(latencies)} p50 {statistics.median(latencies):.2f} ms"
                    f"  p95 {percentile(latencies, 0.95):.2f} ms"
                )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()}")
    bench_generation(args.items)
    bench_requests(args.items, args.requests)


if __name__ == "__main__":
    main()
