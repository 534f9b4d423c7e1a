"""A console SIGKILLed mid-send: its lease keeps the other console off the order until it
lapses; then the other finishes it with the same key and body, and the sandbox has it
exactly once."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from skins_console.core.statuses import DRAFT, SENDING
from skins_console.services.debug_pause import KEY_ENV, PAUSE_ENV, SECONDS_ENV
from skins_console.services.lifecycle import SKIPPED
from skins_console.services.recovery_service import RecoveryService
from tests.fixtures.services import make_trade_url, pick_item

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
#: the killed console's lease (its provider deadline is 2 s: the lease is at least 7 s)
LEASE_SECONDS = 8


def _start_child(team, box, *, item_id: str, key: str, keyring_file: str, pause_seconds: str):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        PAUSE_ENV: "order.after_sending",
        KEY_ENV: key,
        SECONDS_ENV: pause_seconds,
        "SKINS_CONSOLE_DATABASE_PASSWORD": team.password or "",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.team.console_child",
            team.url,
            "alice",
            str(team.root / "alice"),
            keyring_file,
            str(1 / box.config.speed),
            str(LEASE_SECONDS),
            item_id,
            make_trade_url(),
            key,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def _wait_for_line(proc, text: str) -> list[str]:
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"the console never reached {text!r}: {''.join(seen)}")


@pytest.mark.parametrize("moment", ["before_the_post", "during_the_post"])
async def test_a_killed_console_is_finished_exactly_once_by_the_other(
    team, sandbox_factory, test_keyring, moment
):
    box = sandbox_factory()
    bob = await team.console("bob", sandbox=box, lease_seconds=2, provider_deadline_seconds=2)
    item = await pick_item(bob, max_price_cents=3000)
    key = f"team-kill-{secrets.token_hex(4)}"
    during = moment == "during_the_post"
    if during:
        # The POST reaches the sandbox and is still being answered when the console dies.
        box.set_faults(
            [{"kind": "latency", "route": "/v1/orders", "method": "POST", "latency_ms": 1500}]
        )
    proc = _start_child(
        team,
        box,
        item_id=item.id,
        key=key,
        keyring_file=test_keyring.file_path,
        pause_seconds="0" if during else "60",
    )
    try:
        await asyncio.to_thread(_wait_for_line, proc, "debug-pause: order.after_sending")
        if during:
            await asyncio.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(proc.wait, 10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    box.set_faults([])

    left = await bob.orders.get("shop", key)
    assert left is not None and left.status == SENDING
    assert (left.operator, left.sent_by) == ("alice", "alice")
    # Alice's lease still runs: Bob leaves the order alone (she might be sending it).
    assert await RecoveryService(bob).reconcile_order(left) == SKIPPED
    if not during:
        assert box.truth()["skinsnode"]["orders"].get(key) is None

    loop = asyncio.get_running_loop()
    deadline = loop.time() + LEASE_SECONDS * 4
    outcome = SKIPPED
    while outcome == SKIPPED and loop.time() < deadline:
        await asyncio.sleep(0.25)
        outcome = await RecoveryService(bob).reconcile_order(left)
    assert outcome != SKIPPED, "the lease never lapsed"

    finished = await bob.orders.get("shop", key)
    assert finished.status not in (DRAFT, SENDING)
    assert finished.request_body == left.request_body  # the same body, the same key
    remote = box.truth()["skinsnode"]["orders"][key]
    assert remote["created"] == 1 and remote["catalog_item_id"] == item.id
    # Before the POST: Bob's resend is the only one. During it: Alice's POST, then Bob
    # adopts what the sandbox made of it (or resends it under the same key: still one).
    assert remote["posts"] == 1 if not during else remote["posts"] in (1, 2)
    events = await bob.events.for_record("shop", "order", key)
    assert any(e.type == "recovery" and e.operator == "bob" for e in events)
