"""`skins-console webhooks serve` as a merchant runs it: a separate process, the CLI for
everything else, and no sync command: webhooks alone finish the order."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from skins_console.api.webhook_signatures import sign_skinsnode, skinslink_sign
from skins_console.core.models import format_time, utcnow
from tests.monitoring.helpers import free_port

TRADE_URL = "https://steamcommunity.com/tradeoffer/new/?partner=123456789&token=AbCdEfGh"


@pytest.fixture
def cli_env(tmp_path, sandbox_factory):
    sandbox = sandbox_factory(speed=120.0)
    env = dict(os.environ)
    env.update(
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        SKINSNODE_CLIENT_SECRET=sandbox.config.skinsnode_client_secret,
        SKINSLINK_API_KEY=sandbox.config.skinslink_api_key,
        SKINSLINK_WEBHOOK_SECRET=sandbox.config.skinslink_webhook_secret,
    )
    env.pop("SKINS_CONSOLE_DATA_DIR", None)
    data = tmp_path / "data"

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [sys.executable, "-m", "skins_console", "--data-dir", str(data), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check:
            assert proc.returncode == 0, proc.stderr
        return proc

    return sandbox, env, data, run


def _status(data: Path, external_id: str) -> str | None:
    with sqlite3.connect(data / "skins-console.sqlite3") as conn:
        row = conn.execute(
            "SELECT status FROM orders WHERE external_id = ?", (external_id,)
        ).fetchone()
    return row[0] if row else None


def _wait(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.1)


def test_webhooks_serve_finishes_an_order_without_sync(cli_env):
    sandbox, env, data, run = cli_env
    port = free_port()
    hook_url = f"http://127.0.0.1:{port}/webhooks/skinsnode"
    run(
        "profile",
        "add",
        "shop",
        "--skinsnode-url",
        sandbox.skinsnode_base_url,
        "--skinsnode-client-id",
        sandbox.config.skinsnode_client_id,
        "--skinslink-url",
        sandbox.skinslink_base_url,
        "--webhook-url",
        hook_url,
    )
    listener = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "skins_console",
            "--data-dir",
            str(data),
            "webhooks",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(lambda: _listening(port), timeout=20)
        item = json.loads(run("--json", "catalog", "--limit", "1").stdout)
        item_id = (item["items"] if isinstance(item, dict) else item)[0]["id"]
        sandbox.script_order("cli-wh-1", "completed")
        run(
            "order",
            "create",
            "--item",
            item_id,
            "--trade-url",
            TRADE_URL,
            "--external-id",
            "cli-wh-1",
        )
        _wait(lambda: _status(data, "cli-wh-1") == "completed")

        # A forged delivery is refused; a late, correctly signed "sent" changes nothing.
        secret = sandbox.config.skinsnode_client_secret
        body = json.dumps(
            {
                "externalId": "cli-wh-1",
                "status": "sent",
                "steamOfferId": "1",
                "amount": "1",
                "currency": "USD",
                "error": None,
                "timestamps": {},
            }
        ).encode()
        # A retry 30 minutes after its first attempt, with that attempt's x-timestamp.
        stamp = format_time(utcnow() - timedelta(minutes=30))
        headers = {
            "x-event-type": "order.updated",
            "x-delivery-id": "late-cli-1",
            "x-timestamp": stamp,
        }
        forged = httpx.post(
            hook_url,
            content=body,
            headers={**headers, "x-signature": sign_skinsnode("wrong", stamp, body)},
        )
        assert forged.status_code == 401
        late = httpx.post(
            hook_url,
            content=body,
            headers={**headers, "x-signature": sign_skinsnode(secret, stamp, body)},
        )
        assert late.status_code == 200 and late.json()["result"] == "ignored"
        assert _status(data, "cli-wh-1") == "completed"

        # The merchant webhook URL also receives Skinslink purchase deliveries.
        purchase = {
            "purchase_id": 4242,
            "status": "completed",
            "merchant_tx_id": "someone-elses-purchase",
            "sign": skinslink_sign(4242, sandbox.config.skinslink_webhook_secret),
        }
        acked = httpx.post(hook_url.replace("skinsnode", "skinslink"), json=purchase)
        assert acked.status_code == 200 and acked.json()["result"] == "purchase"
        forged_purchase = httpx.post(
            hook_url.replace("skinsnode", "skinslink"),
            json={**purchase, "sign": skinslink_sign(4242, "wrong")},
        )
        assert forged_purchase.status_code == 401
    finally:
        listener.terminate()
        out, err = listener.communicate(timeout=20)
    assert listener.returncode == 0, err
    assert "Listening for webhooks" in err
    # The listener's output never shows a secret.
    for secret in (sandbox.config.skinsnode_client_secret, sandbox.config.skinslink_api_key):
        assert secret not in out + err


def _listening(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/webhooks/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
