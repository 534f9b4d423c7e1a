"""``skins-console serve``: a real subprocess tracks an open order and takes webhooks until
SIGTERM, then ends with exit code 0 and its summary."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime

from skins_console.api.webhook_signatures import sign_skinsnode
from skins_console.core.models import format_time
from tests.cli.conftest import order_create, terminated

BUYER = "https://steamcommunity.com/tradeoffer/new/?partner=4242424&token=Ab12-_xY"


def create_open_order(cli, key: str) -> None:
    item = cli.run("--json", "catalog", "--limit", "1").json()["items"][0]
    cli.sandbox.script_order(key, "completed")
    created = cli.run("--json", *order_create(item, BUYER, "--external-id", key))
    assert created.code == 0, created.stderr
    assert created.json()["order"]["status"] not in ("completed",)


def post_signed(url: str, secret: str, body: bytes, delivery: str) -> int:
    stamp = format_time(datetime.now(UTC))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "content-type": "application/json",
            "x-event-type": "order.updated",
            "x-delivery-id": delivery,
            "x-timestamp": stamp,
            "x-signature": sign_skinsnode(secret, stamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_serve_tracks_and_listens_until_sigterm_then_exits_0(cli_with_profile):
    cli = cli_with_profile
    box = cli.sandbox
    key = "serve-1"
    create_open_order(cli, key)
    box.advance(400)  # the buyer accepted: the next look finds it completed

    serve = ("--json", "serve", "--webhooks-host", "127.0.0.1", "--webhooks-port", "0")
    with cli.running(*serve) as (proc, lines):
        url = lines.wait_for(r"Listening for webhooks of profile “main” on (\S+)").group(1)
        lines.wait_for("Tracking open orders and deposits")
        lines.wait_for(rf"order {key} updated")

        with urllib.request.urlopen(f"{url}/webhooks/health", timeout=10) as health:
            assert json.loads(health.read())["profile"] == "main"
        body = json.dumps({"externalId": key, "status": "completed"}).encode()
        secret = box.config.skinsnode_client_secret
        assert post_signed(f"{url}/webhooks/skinsnode", secret, body, "d-serve-1") == 200
        assert post_signed(f"{url}/webhooks/skinsnode", "forged", body, "d-forged") == 401
        lines.wait_for(r"rejected\s+received 2")

        assert terminated(proc) == 0, "".join(lines.seen)
        lines.wait_for("Stopped.")
        document = json.loads(proc.stdout.read())
    assert document["ok"] is True and document["stopped"] is True
    assert document["finished_cleanly"] is True
    assert document["changes"] >= 1
    assert document["webhooks"]["received"] == 2 and document["webhooks"]["rejected"] == 1

    shown = cli.run("--json", "order", "show", key).json()["order"]
    assert shown["status"] == "completed"


def test_serve_on_a_port_in_use_fails_at_once_with_a_clear_message(cli_with_profile):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        run = cli_with_profile.run("serve", "--webhooks-port", str(port), timeout=60)
    assert run.code != 0
    assert str(port) in run.stderr and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("error: ")
