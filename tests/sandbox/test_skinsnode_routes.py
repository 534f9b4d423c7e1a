"""SkinsNode routes over real loopback HTTP: bodies, types, errors, idempotency, money."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import httpx

from skins_console.core.cs2 import RARITY_COLORS, split_market_hash_name, wear_for_float
from skins_console.core.models import parse_time
from tests.sandbox.conftest import TRADE_URL, exact, order_body, skinsnode_client, unique

ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def test_health_needs_no_auth(sandbox):
    response = httpx.get(sandbox.base_url + "/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "skinsnode"}


def test_wallet_shape(sn, sandbox):
    body = sn.get("/v1/wallet").json()
    assert body["clientId"] == sandbox.config.skinsnode_client_id
    assert body["currency"] == "USD"
    assert isinstance(body["availableBalance"], str) and body["availableBalance"].isdigit()


def test_auth_errors(sandbox):
    with httpx.Client(base_url=sandbox.base_url) as client:
        for headers in (
            {},
            {"x-client-id": "sandbox-client"},
            {"x-client-id": "sandbox-client", "x-client-secret": "wrong"},
            {"x-client-id": "other", "x-client-secret": sandbox.config.skinsnode_client_secret},
        ):
            for method, path in (
                ("GET", "/v1/wallet"),
                ("GET", "/v1/catalog"),
                ("POST", "/v1/orders"),
                ("GET", "/v1/orders/x"),
            ):
                response = client.request(method, path, headers=headers, json={})
                assert response.status_code == 401, (headers, path)
                assert response.json()["message"]


def test_catalog_item_fields_and_types(sn, sandbox):
    items = sn.get("/v1/catalog").json()["items"]
    assert len(items) > 50
    for item in items:
        assert uuid.UUID(item["id"]).version == 4
        assert isinstance(item["price"], int) and item["price"] > 0
        assert item["currency"] == "USD"
        parts = split_market_hash_name(item["marketHashName"])
        if parts.exterior is not None:
            # a weapon, knife or glove copy: a float in its exterior's band, a pattern
            assert isinstance(item["floatValue"], str)
            assert wear_for_float(Decimal(item["floatValue"])) == parts.exterior, item
            assert isinstance(item["paintIndex"], int) and isinstance(item["paintSeed"], int)
            assert 0 <= item["paintSeed"] <= 1000
        else:
            # stickers, cases, agents, charms, vanilla knives: no wear, no pattern
            assert item["floatValue"] is None and item["paintSeed"] is None, item
        assert item["rarityColor"] in RARITY_COLORS.values()
        assert isinstance(item["classId"], str) and item["classId"].isdigit()
        assert isinstance(item["instanceId"], str) and item["instanceId"].isdigit()
        assert item["imageUrl"] == f"{sandbox.base_url}/static/items/{item['id']}.png"
        assert item["phase"] is None or isinstance(item["phase"], str)
        if parts.stattrak:
            assert not parts.souvenir
        if parts.star:
            assert item["marketHashName"].startswith("★ ")


def test_item_picture_is_png(sn, sandbox):
    item = sn.get("/v1/catalog").json()["items"][0]
    response = httpx.get(item["imageUrl"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert httpx.get(f"{sandbox.base_url}/static/items/{uuid.uuid4()}.png").status_code == 404


def test_create_order_and_read_it(sn, sandbox, take_item):
    item = take_item()
    external_id = unique("order")
    response = sn.post("/v1/orders", json=order_body(item, external_id))
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["externalId"] == external_id and accepted["status"] == "accepted"
    assert ISO_MS.fullmatch(accepted["acceptedAt"])
    order = exact(sn.get(f"/v1/orders/{external_id}"))
    assert order["externalId"] == external_id
    assert order["status"] in ("accepted", "queued", "processing", "pending", "sent")
    assert order["tradeUrl"] == TRADE_URL
    assert order["item"]["id"] == item["id"]
    assert order["pricing"] == {"amount": str(item["price"]), "currency": "USD"}
    assert order["failure"] is None
    assert order["timestamps"]["acceptedAt"] == accepted["acceptedAt"]
    assert all(ISO_MS.fullmatch(v) for v in order["timestamps"].values())
    # the sold item leaves the catalog
    ids = {i["id"] for i in sn.get("/v1/catalog").json()["items"]}
    assert item["id"] not in ids


def test_same_external_id_creates_one_order_and_debits_once(sandbox, take_item, sn):
    item = take_item()
    external_id = unique("idem")
    first = sn.post("/v1/orders", json=order_body(item, external_id))
    second = sn.post("/v1/orders", json=order_body(item, external_id))
    assert first.status_code == second.status_code == 202
    assert first.content == second.content
    truth = sandbox.truth()
    record = truth["skinsnode"]["orders"][external_id]
    assert record["posts"] == 2 and record["created"] == 1
    debits = [
        e
        for e in truth["skinsnode"]["wallet"]["ledger"]
        if e["externalId"] == external_id and e["kind"] == "debit"
    ]
    assert len(debits) == 1 and debits[0]["amount_cents"] == -item["price"]


def test_validation_names_every_bad_field(sn):
    response = sn.post(
        "/v1/orders",
        json={
            "expectedPrice": 12.5,
            "externalId": "",
            "catalogItemId": "nope",
            "webhookUrl": "ftp://x",
            "tradeUrl": "https://steamcommunity.com/tradeoffer/new/?partner=1&token=abc",
        },
    )
    assert response.status_code == 422
    body = response.json()
    fields = {d["field"] for d in body["details"]}
    assert fields == {"catalogItemId", "expectedPrice", "externalId", "webhookUrl", "tradeUrl"}
    assert "tradeUrl" in body["message"]
    token = next(d for d in body["details"] if d["field"] == "tradeUrl")
    assert "8 characters" in token["message"]


def test_missing_fields_and_bad_json(sn):
    response = sn.post("/v1/orders", json={})
    assert response.status_code == 422
    assert {d["field"] for d in response.json()["details"]} == {
        "catalogItemId",
        "expectedPrice",
        "externalId",
        "webhookUrl",
        "tradeUrl",
    }
    garbled = sn.post(
        "/v1/orders", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert garbled.status_code == 422


def test_unknown_item_and_order_are_404(sn):
    response = sn.post(
        "/v1/orders", json=order_body({"id": str(uuid.uuid4()), "price": 100}, unique("ghost"))
    )
    assert response.status_code == 404
    assert sn.get("/v1/orders/" + unique("none")).status_code == 404


def test_price_changed_is_a_failed_order_without_debit(sandbox, sn, take_item):
    item = take_item()
    external_id = unique("price")
    response = sn.post(
        "/v1/orders", json=order_body(item, external_id, expectedPrice=item["price"] + 1)
    )
    assert response.status_code == 202
    order = sn.get(f"/v1/orders/{external_id}").json()
    assert order["status"] == "failed"
    assert order["failure"]["code"] == "price_changed"
    truth = sandbox.truth()["skinsnode"]
    assert not [e for e in truth["wallet"]["ledger"] if e["externalId"] == external_id]
    # the item stays listed
    assert item["id"] in {i["id"] for i in sn.get("/v1/catalog").json()["items"]}


def test_sold_item_then_insufficient_funds(sandbox_factory):
    sb = sandbox_factory(initial_balance_cents=0, cache_seconds=0)
    with skinsnode_client(sb) as client:
        items = client.get("/v1/catalog").json()["items"]
        poor = client.post("/v1/orders", json=order_body(items[0], "poor-1"))
        assert poor.status_code == 202
        order = client.get("/v1/orders/poor-1").json()
        assert order["status"] == "failed" and order["failure"]["code"] == "insufficient_funds"
        assert client.get("/v1/wallet").json()["availableBalance"] == "0"
        sb.set_balance(10**9)
        assert client.post("/v1/orders", json=order_body(items[1], "buy-1")).status_code == 202
        second = client.post("/v1/orders", json=order_body(items[1], "buy-2"))
        assert second.status_code == 202
        order = client.get("/v1/orders/buy-2").json()
        assert order["status"] == "failed" and order["failure"]["code"] == "item_unavailable"
        wallet = int(client.get("/v1/wallet").json()["availableBalance"])
        assert wallet == 10**9 - items[1]["price"]
        assert parse_time(order["timestamps"]["failedAt"]) is not None


def test_concurrent_posts_of_one_external_id_create_one_order(sandbox, take_item):
    import threading

    item = take_item()
    external_id = unique("race")
    answers: list[bytes] = []

    def post() -> None:
        with skinsnode_client(sandbox) as client:
            answers.append(client.post("/v1/orders", json=order_body(item, external_id)).content)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8 and len(set(answers)) == 1
    truth = sandbox.truth()["skinsnode"]
    assert truth["orders"][external_id]["posts"] == 8
    assert truth["orders"][external_id]["created"] == 1
    assert len([e for e in truth["wallet"]["ledger"] if e["externalId"] == external_id]) == 1


def test_forbidden_fault_reads_like_the_provider(sandbox_factory):
    sb = sandbox_factory()
    sb.set_faults([{"kind": "error", "status": 403}])
    with skinsnode_client(sb) as client:
        response = client.get("/v1/wallet")
    assert response.status_code == 403 and response.json()["error"] == "forbidden"
    # Corrections 2: both official 403 texts occur; simple errors omit "data" (not null)
    answers = [
        httpx.post(sb.skinslink_base_url + "/merchant/get-prices", json={}) for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [403, 403]
    assert sorted(a.json()["message"] for a in answers) == [
        "IP not whitelisted: 127.0.0.1",
        "invalid IP: 127.0.0.1",
    ]
    assert all(a.json() == {"success": False, "message": a.json()["message"]} for a in answers)
