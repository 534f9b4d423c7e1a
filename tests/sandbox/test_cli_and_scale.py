"""The standalone ``serve`` command, and a catalog of 100,000 items."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from skins_console.core.cs2 import split_market_hash_name
from skins_console.sandbox import Sandbox, SandboxConfig
from skins_console.sandbox.config import MAX_CATALOG
from tests.conftest import interruptible
from tests.sandbox.conftest import skinsnode_client

ROOT = Path(__file__).resolve().parents[2]


def test_serve_starts_answers_and_stops_on_ctrl_c():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "skins_console.sandbox",
            "serve",
            "--port",
            "0",
            "--speed",
            "30",
            "--catalog-size",
            "50",
            "--skinsnode-client-id",
            "cli-id",
            "--skinsnode-client-secret",
            "cli-secret",
            "--fault-latency-ms",
            "5",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=interruptible,
    )
    try:
        first = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in first, process.stderr.read()
        banner = [first]
        while banner[-1] and "Ctrl+C" not in banner[-1]:
            banner.append(process.stdout.readline())
        # communicate() reads the pipe directly, so the banner must be read here
        base_url = first.rsplit(" ", 1)[1].strip()
        assert httpx.get(base_url + "/v1/health").json()["service"] == "skinsnode"
        wallet = httpx.get(
            base_url + "/v1/wallet",
            headers={"x-client-id": "cli-id", "x-client-secret": "cli-secret"},
        )
        assert wallet.status_code == 200
        assert (
            len(
                httpx.get(
                    base_url + "/v1/catalog",
                    headers={"x-client-id": "cli-id", "x-client-secret": "cli-secret"},
                ).json()["items"]
            )
            == 50
        )
        assert httpx.get(base_url + "/_sandbox/truth").json()["faults"][0]["kind"] == "latency"
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "sandbox stopped" in out
    printed = "".join(banner) + out
    assert "cli-secret" not in printed  # only the public demo values are printed
    assert "sandbox-api-key-" in printed


def test_serve_refuses_bad_settings():
    result = subprocess.run(
        [sys.executable, "-m", "skins_console.sandbox", "serve", "--catalog-size", "100001"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert "catalog_size" in result.stderr


def test_hundred_thousand_items():
    with Sandbox(SandboxConfig(catalog_size=MAX_CATALOG, speed=60)) as sb:
        with skinsnode_client(sb) as client:
            response = client.get("/v1/catalog", timeout=30)
        assert response.status_code == 200
        items = response.json()["items"]
    assert len(items) == MAX_CATALOG
    assert len({item["id"] for item in items}) == MAX_CATALOG
    kinds = {split_market_hash_name(item["marketHashName"]).kind for item in items[:5000]}
    assert {"Weapon", "Knife", "Gloves"} <= kinds
