"""Kill ``order create`` and ``deposit create`` with SIGKILL at many points, restart, and prove
with the sandbox's truth that every order and deposit exists exactly once and the local store
agrees: nothing lost, nothing doubled, never a second key.

Kill points: at each named pause point (draft committed / marked sending / answer received
but not recorded), and at staggered delays after "sending" while the sandbox delays the POST
by 400 ms, so kills land before the request leaves, mid-request, and after the answer. The
figures are written to ``bench/results/crash_test.json``.
"""

from __future__ import annotations

import json
import re
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from skins_console.services.debug_pause import KEY_ENV, PAUSE_ENV, SECONDS_ENV
from tests.cli.conftest import Lines

pytestmark = pytest.mark.slow

AK = "AK-47 | Redline (Field-Tested)"
RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results" / "crash_test.json"
POINTS = ("after_draft", "after_sending", "after_response")
STAGGER_MS = (60, 160, 260, 360, 480)
LATENCY_MS = 400


def _buyer(n: int) -> str:
    return f"https://steamcommunity.com/tradeoffer/new/?partner={700000 + n}&token=Cr4sh-_{n % 10}"


def _kill_at(cli, args, point: str, key: str, delay_ms: int = 0) -> bool:
    """Start ``args``, SIGKILL it ``delay_ms`` after record ``key`` reaches ``point``; False
    when it finished first (a late stagger), which is then simply a normal run.

    The command first recovers whatever the previous kill left behind (every provider
    command does), so each run is both a restart and the next crash."""
    proc = cli.popen(
        *args, env={PAUSE_ENV: point, KEY_ENV: key, SECONDS_ENV: "0" if delay_ms else "30"}
    )
    lines = Lines(proc.stderr)
    lines.wait_for(re.escape(f"debug-pause: {point}"), timeout=20)
    if delay_ms:
        time.sleep(delay_ms / 1000)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode in (0, -signal.SIGKILL), "".join(lines.seen)
    return proc.returncode == -signal.SIGKILL


def test_sigkill_during_order_and_deposit_creation(cli_with_profile):
    cli = cli_with_profile
    box = cli.sandbox
    catalog = cli.run("--json", "catalog", "--limit", "100").json()["items"]
    items = iter(catalog)
    kills: Counter[str] = Counter()
    order_ids: list[str] = []
    deposit_ids: list[str] = []

    def order_kill(point: str, delay_ms: int = 0) -> None:
        n = len(order_ids)
        key = f"crash-o-{n}"
        item = next(items)
        killed = _kill_at(
            cli,
            (
                "order",
                "create",
                "--item",
                item["id"],
                "--trade-url",
                _buyer(n),
                "--external-id",
                key,
            ),
            f"order.{point}",
            key,
            delay_ms,
        )
        order_ids.append(key)
        label = f"order.{point}" + (f"+{delay_ms}ms" if delay_ms else "")
        kills[label if killed else f"finished-before-kill ({label})"] += 1

    def deposit_kill(point: str, delay_ms: int = 0) -> None:
        n = len(deposit_ids)
        key = f"crash-d-{n}"
        quote = cli.run("--json", "quote", AK)
        assert quote.code == 0, quote.stderr
        killed = _kill_at(
            cli,
            (
                "deposit",
                "create",
                "--quote",
                str(quote.json()["quote"]["id"]),
                "--trade-url",
                _buyer(500 + n),
                "--item",
                f"{AK}={9000 + n}",
                "--merchant-tx-id",
                key,
            ),
            f"deposit.{point}",
            key,
            delay_ms,
        )
        deposit_ids.append(key)
        label = f"deposit.{point}" + (f"+{delay_ms}ms" if delay_ms else "")
        kills[label if killed else f"finished-before-kill ({label})"] += 1

    for point in POINTS:
        order_kill(point)
        deposit_kill(point)
    box.set_faults(
        [
            {"kind": "latency", "route": "/v1/orders", "method": "POST", "latency_ms": LATENCY_MS},
            {
                "kind": "latency",
                "route": "/api/v1/merchant/create-deposit-by-hash-name",
                "method": "POST",
                "latency_ms": LATENCY_MS,
            },
        ]
    )
    for delay in STAGGER_MS:
        order_kill("after_sending", delay)
    for delay in STAGGER_MS[1:4]:
        deposit_kill("after_sending", delay)
    box.set_faults([])
    final = cli.run("--json", "orders", "sync")
    assert final.code == 0, final.stderr

    truth = box.truth()
    remote_orders = truth["skinsnode"]["orders"]
    local_orders = {
        o["external_id"]: o for o in cli.run("--json", "orders", "list").json()["orders"]
    }
    remote_deposits = truth["skinslink"]["deposits"]
    local_deposits = {
        d["merchant_tx_id"]: d for d in cli.run("--json", "deposits", "list").json()["deposits"]
    }
    problems = []
    for key in order_ids:
        local, remote = local_orders.get(key), remote_orders.get(key)
        if local is None or remote is None or remote["created"] != 1:
            problems.append(f"order {key}: local={local and local['status']} remote={remote}")
        elif (
            local["status"] in ("draft", "sending")
            or remote["catalog_item_id"] != local["catalog_item_id"]
        ):
            problems.append(f"order {key}: local {local['status']} vs remote {remote}")
    for key in deposit_ids:
        local, remote = local_deposits.get(key), remote_deposits.get(key)
        if local is None or remote is None or remote["created"] != 1:
            problems.append(f"deposit {key}: local={local and local['status']} remote={remote}")
        elif local["status"] in ("draft", "sending"):
            problems.append(f"deposit {key}: still {local['status']}")
    # A duplicate would be the same sale under a second key: the same item sold twice, or
    # a remote record the console does not know.
    per_item = Counter(o["catalog_item_id"] for o in remote_orders.values() if o["created"])
    duplicates = sum(count - 1 for count in per_item.values() if count > 1)
    duplicates += len(set(k for k, o in remote_orders.items() if o["created"]) - set(local_orders))
    duplicates += len(
        set(k for k, d in remote_deposits.items() if d["created"]) - set(local_deposits)
    )
    figures = {
        "kills": sum(n for label, n in kills.items() if not label.startswith("finished")),
        "points": dict(sorted(kills.items())),
        # every kill was recovered by the next command (the next kill's run, or the final
        # `orders sync`): one restart per kill
        "restarts": sum(n for label, n in kills.items() if not label.startswith("finished")),
        "orders": len(order_ids),
        "deposits": len(deposit_ids),
        "orders_created_remotely": sum(1 for k in order_ids if remote_orders[k]["created"]),
        "deposits_created_remotely": sum(1 for k in deposit_ids if remote_deposits[k]["created"]),
        "posts_orders": sum(remote_orders[k]["posts"] for k in order_ids),
        "posts_deposits": sum(remote_deposits[k]["posts"] for k in deposit_ids),
        "duplicates": duplicates,
        "lost_or_unfinished": len(problems),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    assert not problems, problems
    assert duplicates == 0
    assert figures["kills"] >= 12
