"""`skins-console webhooks serve` as a merchant runs it: a separate process, the CLI for
everything else, and no sync command: webhooks alone finish the order."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import httpx

from skins_console.api.webhook_signatures import sign_skinsnode, skinslink_sign
from skins_console.core.models import format_time, utcnow
from tests.cli.conftest import CliEnv
from tests.monitoring.helpers import free_port
from tests.monitoring.webhook_support import order_payload

TRADE_URL = "https://steamcommunity.com/tradeoffer/new/?partner=123456789&token=AbCdEfGh"


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


def test_webhooks_serve_finishes_an_order_without_sync(tmp_path, sandbox_factory):
    cli = CliEnv(tmp_path, sandbox_factory(speed=120.0))
    sandbox, data = cli.sandbox, cli.data_dir
    port = free_port()
    hook_url = f"http://127.0.0.1:{port}/webhooks/skinsnode"
    cli.add_profile("shop", webhook_url=hook_url, tolerance=None)
    listener = cli.popen("webhooks", "serve", "--port", str(port))
    try:
        _wait(lambda: _listening(port), timeout=20)
        catalog = cli.run("--json", "catalog", "--limit", "1")
        assert catalog.code == 0, catalog.stderr
        item = catalog.json()
        item_id = (item["items"] if isinstance(item, dict) else item)[0]["id"]
        sandbox.script_order("cli-wh-1", "completed")
        created = cli.run(
            "order",
            "create",
            "--item",
            item_id,
            "--trade-url",
            TRADE_URL,
            "--external-id",
            "cli-wh-1",
        )
        assert created.code == 0, created.stderr
        _wait(lambda: _status(data, "cli-wh-1") == "completed")

        # A forged delivery is refused; a late, correctly signed "sent" changes nothing.
        secret = sandbox.config.skinsnode_client_secret
        body = json.dumps(order_payload("cli-wh-1", "sent", offer="1", amount="1")).encode()
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
