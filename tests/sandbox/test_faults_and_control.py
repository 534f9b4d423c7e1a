"""Fault injection, control routes, read caches and connection handling."""

from __future__ import annotations

import http.client
import json
import time
from decimal import Decimal

import httpx
import pytest

from tests.sandbox.conftest import exact, order_body, skinslink_client, skinsnode_client
from tests.sandbox.test_skinslink_routes import REDLINE, deposit_body


def control(sb, path: str, body: dict | None = None) -> httpx.Response:
    if body is None:
        return httpx.get(f"{sb.base_url}/_sandbox/{path}")
    return httpx.post(f"{sb.base_url}/_sandbox/{path}", json=body)


def test_error_and_rate_limit_rules(sandbox_factory):
    sb = sandbox_factory()
    control(
        sb,
        "faults",
        {
            "rules": [
                {"kind": "error", "route": "/v1/wallet", "count": 1},
                {
                    "kind": "rate_limit",
                    "route": "/api/v1/merchant/get-prices",
                    "retry_after": 7,
                    "count": 1,
                },
            ]
        },
    ).raise_for_status()
    with skinsnode_client(sb) as sn, skinslink_client(sb) as sl:
        assert sn.get("/v1/wallet").status_code == 503
        assert sn.get("/v1/wallet").status_code == 200
        limited = sl.post(
            "/merchant/get-prices", json={"game": "csgo", "marketHashNames": [REDLINE]}
        )
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
        assert (
            sl.post(
                "/merchant/get-prices", json={"game": "csgo", "marketHashNames": [REDLINE]}
            ).status_code
            == 200
        )
    assert control(sb, "faults").json()["rules"] == []


def test_rules_scoped_by_method_and_rate(sandbox_factory):
    sb = sandbox_factory()
    sb.set_faults([{"kind": "error", "route": "/v1/orders", "method": "POST", "status": 502}])
    with skinsnode_client(sb) as sn:
        assert sn.get("/v1/orders/none").status_code == 404
        assert sn.post("/v1/orders", json={}).status_code == 502
        sb.set_faults([{"kind": "error", "rate": 0.5}])
        codes = [sn.get("/v1/health").status_code for _ in range(60)]
    assert 10 < codes.count(503) < 50 and codes.count(200) == 60 - codes.count(503)


def test_dropped_connection_before_processing_creates_nothing(sandbox_factory):
    sb = sandbox_factory()
    sb.set_faults([{"kind": "drop", "route": "/v1/orders", "method": "POST", "count": 1}])
    with skinsnode_client(sb) as sn:
        item = sn.get("/v1/catalog").json()["items"][0]
        with pytest.raises(httpx.RemoteProtocolError):
            sn.post("/v1/orders", json=order_body(item, "drop-0"))
        assert sn.get("/v1/orders/drop-0").status_code == 404
    assert "drop-0" not in sb.truth()["skinsnode"]["orders"]


def test_drop_after_commit_then_reconcile_and_resend(sandbox_factory):
    sb = sandbox_factory(cache_seconds=0)
    control(
        sb,
        "faults",
        {
            "rules": [
                {
                    "kind": "drop",
                    "route": "/v1/orders",
                    "method": "POST",
                    "count": 2,
                    "commit": True,
                }
            ]
        },
    )
    with skinsnode_client(sb) as sn:
        items = sn.get("/v1/catalog").json()["items"]
        for index in range(2):
            with pytest.raises(httpx.RemoteProtocolError):
                sn.post("/v1/orders", json=order_body(items[index], f"lost-{index}"))
        assert sn.get("/v1/orders/lost-0").json()["status"] in ("accepted", "queued")
        again = sn.post("/v1/orders", json=order_body(items[0], "lost-0"))
        assert again.status_code == 202
    orders = sb.truth()["skinsnode"]["orders"]
    assert orders["lost-0"] == {**orders["lost-0"], "posts": 2, "created": 1}
    assert orders["lost-1"]["created"] == 1
    debits = [e for e in sb.truth()["skinsnode"]["wallet"]["ledger"] if e["kind"] == "debit"]
    assert sorted(e["externalId"] for e in debits) == ["lost-0", "lost-1"]


def test_deposit_dropped_after_commit_then_409(sandbox_factory):
    sb = sandbox_factory()
    sb.set_faults(
        [
            {
                "kind": "drop",
                "route": "/api/v1/merchant/create-deposit-by-hash-name",
                "count": 1,
                "commit": True,
            }
        ]
    )
    with skinslink_client(sb) as sl:
        q = exact(
            sl.post("/merchant/get-prices", json={"game": "csgo", "marketHashNames": [REDLINE]})
        )["data"]
        body = deposit_body(q["id"], "lost-dep")
        with pytest.raises(httpx.RemoteProtocolError):
            sl.post("/merchant/create-deposit-by-hash-name", json=body)
        assert sl.post("/merchant/create-deposit-by-hash-name", json=body).status_code == 409
        status = sl.get("/merchant/deposit/status", params={"merchant_tx_id": "lost-dep"})
        assert status.json()["data"]["id"] == q["id"]
    assert sb.truth()["skinslink"]["deposits"]["lost-dep"]["created"] == 1


def test_malformed_json_and_latency(sandbox_factory):
    sb = sandbox_factory()
    sb.set_faults(
        [
            {"kind": "malformed", "route": "/v1/wallet", "count": 1},
            {"kind": "latency", "route": "/v1/health", "latency_ms": 300, "count": 1},
        ]
    )
    with skinsnode_client(sb) as sn:
        garbled = sn.get("/v1/wallet")
        assert garbled.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(garbled.content)
        started = time.monotonic()
        assert sn.get("/v1/health").status_code == 200
        assert time.monotonic() - started >= 0.3


def test_faults_from_config_and_bad_rules(sandbox_factory):
    sb = sandbox_factory(faults=[{"kind": "error", "route": "/v1/health", "status": 500}])
    assert httpx.get(sb.base_url + "/v1/health").status_code == 500
    assert httpx.get(sb.base_url + "/_sandbox/truth").status_code == 200  # never faulted
    for rule in (
        {"kind": "explode"},
        {"kind": "error", "rate": 2},
        {"kind": "latency"},
        {"kind": "error", "route": "v1"},
        {"kind": "drop", "count": 0},
        {"kind": "error", "colour": "red"},
    ):
        response = control(sb, "faults", {"rules": [rule]})
        assert response.status_code == 400 and response.json()["message"], rule


def test_control_routes(sandbox_factory):
    sb = sandbox_factory(cache_seconds=0)
    with skinsnode_client(sb) as sn, skinslink_client(sb) as sl:
        item = sn.get("/v1/catalog").json()["items"][0]
        assert control(sb, "wallet", {"balance_cents": 1234}).status_code == 200
        assert sn.get("/v1/wallet").json()["availableBalance"] == "1234"
        changed = control(sb, f"catalog/items/{item['id']}", {"price": 999}).json()
        assert changed["item"]["price"] == 999
        listed = {i["id"]: i for i in sn.get("/v1/catalog").json()["items"]}
        assert listed[item["id"]]["price"] == 999
        control(sb, f"catalog/items/{item['id']}", {"listed": False})
        assert item["id"] not in {i["id"] for i in sn.get("/v1/catalog").json()["items"]}
        control(
            sb, "skinslink/prices", {"prices": {REDLINE: "12.345", "My | Own (Field-Tested)": "2"}}
        )
        data = exact(
            sl.post(
                "/merchant/get-prices",
                json={"game": "csgo", "marketHashNames": [REDLINE, "My | Own (Field-Tested)"]},
            )
        )["data"]
        assert [i["price"] for i in data["items"]] == [Decimal("12.345"), Decimal(2)]
        outcome = control(
            sb,
            "outcomes",
            {"skinsnode": {"x-1": "failed:price_changed"}, "skinslink": {"t-1": "reverted"}},
        )
        assert outcome.status_code == 200
        assert control(sb, "outcomes", {"skinsnode": {"x-2": "exploded"}}).status_code == 400
        before = sb.clock.now()
        advanced = control(sb, "clock/advance", {"seconds": 3600}).json()
        assert advanced["advanced_seconds"] >= 3600 and sb.clock.now() - before >= 3600
        truth = control(sb, "truth").json()
        assert truth["skinsnode"]["scripted_pending"] == {"x-1": "failed:price_changed"}
        assert truth["skinslink"]["scripted_pending"] == {"t-1": "reverted"}
        assert truth["requests"]["GET /v1/catalog"] == 3
        assert control(sb, "reset", {}).status_code == 200
        after = control(sb, "truth").json()
        assert after["skinsnode"]["wallet"]["balance_cents"] == sb.config.initial_balance_cents
        assert after["skinsnode"]["orders"] == {} and after["requests"] == {}
        assert control(sb, "nothing", {}).status_code == 404


def test_reads_are_cached_for_30_sandbox_seconds(sandbox_factory):
    sb = sandbox_factory(speed=1, cache_seconds=30)
    with skinsnode_client(sb) as sn:
        first = sn.get("/v1/wallet")
        sb.set_balance(42)
        cached = sn.get("/v1/wallet")
        assert cached.json() == first.json() and cached.headers["X-Sandbox-Cache"] == "hit"
        sb.advance(31)
        assert sn.get("/v1/wallet").json()["availableBalance"] == "42"
        item = sn.get("/v1/catalog").json()["items"][0]
        sb.set_balance(10**8)
        sn.post("/v1/orders", json=order_body(item, "cache-1"))
        assert sn.get("/v1/orders/cache-1").json()["status"] == "accepted"
        sb.advance(20)
        assert sn.get("/v1/orders/cache-1").json()["status"] == "accepted"
        assert sb.truth()["skinsnode"]["orders"]["cache-1"]["status"] != "accepted"
        sb.advance(11)
        assert sn.get("/v1/orders/cache-1").json()["status"] != "accepted"


def test_keep_alive_and_stop_closes_connections(sandbox_factory):
    sb = sandbox_factory()
    connection = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
    connection.request("GET", "/v1/health")
    first = connection.getresponse()
    assert first.version == 11 and first.read()
    sock = connection.sock
    connection.request("GET", "/v1/health")
    assert connection.getresponse().read() and connection.sock is sock
    sb.stop()
    with pytest.raises((http.client.HTTPException, OSError)):
        connection.request("GET", "/v1/health")
        connection.getresponse().read()
    connection.close()


def test_unknown_routes_and_methods(sandbox):
    assert httpx.get(sandbox.base_url + "/v1/nothing").status_code == 404
    assert httpx.delete(sandbox.base_url + "/v1/wallet").status_code == 405
    missing = httpx.get(sandbox.base_url + "/api/v1/merchant/nothing")
    assert missing.status_code == 404 and missing.json()["success"] is False


def test_unavailable_with_retry_after(sandbox_factory):
    sb = sandbox_factory()
    sb.set_faults(
        [
            {"kind": "error", "route": "/api/", "status": 503, "retry_after": 4, "count": 1},
            {"kind": "error", "route": "/v1/wallet", "count": 1},
        ]
    )
    with skinslink_client(sb) as sl, skinsnode_client(sb) as sn:
        busy = sl.get("/merchant/deposit/status", params={"id": 1})
        plain = sn.get("/v1/wallet")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "4"
    assert busy.json() == {"success": False, "message": "internal error"}
    assert plain.status_code == 503 and "Retry-After" not in plain.headers
