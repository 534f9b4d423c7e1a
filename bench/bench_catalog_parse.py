"""Benchmark: decoding and parsing a 100,000-item SkinsNode catalog response.

Measures what ``SkinsNodeClient.catalog()`` does after the bytes arrive: ``loads_exact``
(Decimal-exact JSON) plus ``parse_catalog`` (strict money, tolerant optional fields), for
time and for peak Python memory (tracemalloc). Not a test; run by hand:

    .venv/bin/python bench/bench_catalog_parse.py [--items 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import statistics
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skins_console.api.skinsnode_parse import parse_catalog
from skins_console.core.money import loads_exact

WEAPONS = [
    "AK-47",
    "AWP",
    "M4A4",
    "M4A1-S",
    "Desert Eagle",
    "USP-S",
    "Glock-18",
    "★ Karambit",
    "★ Butterfly Knife",
    "★ Sport Gloves",
]
FINISHES = [
    "Redline",
    "Asiimov",
    "Doppler",
    "Fade",
    "Case Hardened",
    "Hyper Beast",
    "Vulcan",
    "Printstream",
    "Slaughter",
    "Neo-Noir",
]
EXTERIORS = ["Factory New", "Minimal Wear", "Field-Tested", "Well-Worn", "Battle-Scarred"]


def make_response(count: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    items = []
    for _ in range(count):
        prefix = "StatTrak™ " if rng.random() < 0.1 else ""
        weapon = rng.choice(WEAPONS)
        items.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "marketHashName": f"{prefix}{weapon} | {rng.choice(FINISHES)} "
                f"({rng.choice(EXTERIORS)})",
                "price": rng.randint(3, 500_000),
                "currency": "USD",
                "phase": rng.choice([None, None, None, "Phase 2", "Ruby"]),
                "floatValue": f"{rng.random():.4f}",
                "paintIndex": rng.randint(1, 1200),
                "paintSeed": rng.randint(0, 1000),
                "rarityColor": "#eb4b4b",
                "classId": str(rng.randint(10**8, 10**10)),
                "instanceId": "0",
                "imageUrl": "https://community.cloudflare.steamstatic.com/economy/image/"
                + uuid.UUID(int=rng.getrandbits(128)).hex,
            }
        )
    return json.dumps({"items": items}, ensure_ascii=False).encode("utf-8")


def run_once(raw: bytes) -> tuple[float, float, float, int, float]:
    gc.collect()
    cpu_started = time.process_time()
    started = time.perf_counter()
    data = loads_exact(raw)
    decoded = time.perf_counter()
    catalog = parse_catalog(data)
    done = time.perf_counter()
    cpu = time.process_time() - cpu_started
    assert not catalog.skipped
    return decoded - started, done - decoded, done - started, len(catalog.items), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    raw = make_response(args.items)
    print(
        f"python {platform.python_version()}, {platform.machine()}; "
        f"response {len(raw) / 1e6:.1f} MB, {args.items:,} items"
    )
    timings = [run_once(raw) for _ in range(args.repeat)]
    best = min(timings, key=lambda t: t[2])
    print(
        f"time (best of {args.repeat}): decode {best[0] * 1000:.0f} ms + parse "
        f"{best[1] * 1000:.0f} ms = {best[2] * 1000:.0f} ms "
        f"({best[2] / best[3] * 1e6:.1f} µs/item); CPU time {best[4] * 1000:.0f} ms"
    )

    # The console's path (api/catalog_decode.py) against its floor, json.loads of the same
    # bytes, alternating; the body as 64 KB chunks, as it arrives.
    from skins_console.api.catalog_decode import decode_catalog

    chunks = [raw[i : i + 65536] for i in range(0, len(raw), 65536)]
    floors, sliced = [], []
    for _ in range(args.repeat):
        gc.collect()
        started = time.perf_counter()
        json.loads(raw)
        floors.append(time.perf_counter() - started)
        gc.collect()
        started = time.perf_counter()
        rows = decode_catalog(chunks)
        sliced.append(time.perf_counter() - started)
        assert len(rows.items) == args.items and not rows.skipped
    floor, mine = statistics.median(floors), statistics.median(sliced)
    print(
        f"json.loads {floor * 1000:.0f} ms; decode_catalog (msgspec, 1 MB slices, checked "
        f"rows) {mine * 1000:.0f} ms: {mine / floor:.2f}x json.loads (medians of "
        f"{args.repeat}, alternating)"
    )
    del rows
    gc.collect()
    tracemalloc.start()
    rows = decode_catalog(chunks)
    held = tracemalloc.get_traced_memory()[0] / 2**20
    print(f"memory (tracemalloc): decode_catalog rows and raw JSON {held:.0f} MiB")
    tracemalloc.stop()
    del rows

    # Memory separately: tracemalloc slows allocation several-fold, so no timing under it.
    gc.collect()
    tracemalloc.start()
    data = loads_exact(raw)
    after_decode = tracemalloc.get_traced_memory()[0]
    catalog = parse_catalog(data)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"memory (tracemalloc): decoded JSON {after_decode / 2**20:.0f} MiB, "
        f"after parsing {current / 2**20:.0f} MiB, peak {peak / 2**20:.0f} MiB "
        f"({peak / len(catalog.items):.0f} B/item; raw bytes {len(raw) / 2**20:.0f} MiB "
        f"not counted)"
    )


if __name__ == "__main__":
    main()
