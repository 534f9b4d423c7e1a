"""Skinslink routes over real loopback HTTP: envelope, validation data[], quotes, deposits."""

from __future__ import annotations

from decimal import Decimal

import httpx

from skins_console.sandbox.items_data import all_names
from skins_console.sandbox.jsonutil import dumps
from tests.sandbox.conftest import exact, unique

REDLINE = "AK-47 | Redline (Field-Tested)"
ASIIMOV = "AWP | Asiimov (Field-Tested)"


def deposit_body(quote_id: int, tx: str, names=(REDLINE,), **overrides) -> dict:
    body = {
        "id": quote_id,
        "merchant_tx_id": tx,
        "game": "csgo",
        "partner": 123456789,
        "token": "AbCdEfGh",
        "items": [{"asset_id": str(38029384123 + i), "name": n} for i, n in enumerate(names)],
    }
    body.update(overrides)
    return body


def quote(sl, names=(REDLINE, ASIIMOV), **extra) -> dict:
    response = sl.post(
        "/merchant/get-prices", json={"game": "csgo", "marketHashNames": list(names), **extra}
    )
    assert response.status_code == 200, response.text
    return exact(response)


def test_auth_messages(sandbox):
    url = sandbox.skinslink_base_url + "/merchant/get-prices"
    missing = httpx.post(url, json={})
    assert missing.status_code == 401
    assert missing.json() == {"success": False, "message": "missing authorization header"}
    wrong = httpx.post(url, json={}, headers={"X-Api-Key": "nope"})
    assert wrong.status_code == 401
    assert wrong.json() == {"success": False, "message": "invalid API key"}
    bearer = httpx.post(
        url, json={}, headers={"Authorization": f"Bearer {sandbox.config.skinslink_api_key}"}
    )
    assert bearer.status_code == 401


def test_get_prices_quote(sl):
    body = quote(sl, (REDLINE, ASIIMOV, "Not | A Real Item (Field-Tested)"))
    assert body["success"] is True and body["message"] == "Prices fetched successfully"
    data = body["data"]
    assert isinstance(data["id"], int) and data["id"] >= 1
    assert data["total"] == 2
    assert [i["name"] for i in data["items"]] == [REDLINE, ASIIMOV]
    for item in data["items"]:
        assert isinstance(item["price"], Decimal) and isinstance(item["originalPrice"], Decimal)
        assert item["price"] <= item["originalPrice"]
        assert -item["price"].as_tuple().exponent <= 3
    assert data["sum"] == sum(i["price"] for i in data["items"])


def test_price_only_quote_has_no_id(sandbox, sl):
    before = set(sandbox.truth()["skinslink"]["quotes"])
    data = quote(sl, (REDLINE,), no_deposit_intent=True)["data"]
    assert "id" not in data and data["total"] == 1
    assert set(sandbox.truth()["skinslink"]["quotes"]) == before


def test_nothing_priced(sl):
    data = quote(sl, ("Nothing | Here",))["data"]
    assert data == {"total": 0, "sum": 0, "items": None}


def test_every_catalog_name_is_priced(sl, sn):
    names = sorted({i["marketHashName"] for i in sn.get("/v1/catalog").json()["items"]})
    data = quote(sl, names, no_deposit_intent=True)["data"]
    assert data["total"] == len(names)
    known = all_names()
    assert len(known) > 2000
    big = quote(sl, known[:2000], no_deposit_intent=True)["data"]
    assert big["total"] == 2000


def test_get_prices_validation(sl):
    cases = [
        ({"marketHashNames": [REDLINE]}, "GetPricesRequest.game", "required"),
        ({"game": "cs2", "marketHashNames": [REDLINE]}, "GetPricesRequest.game", "oneof"),
        ({"game": "csgo"}, "GetPricesRequest.marketHashNames", "required"),
        ({"game": "csgo", "marketHashNames": []}, "GetPricesRequest.marketHashNames", "min"),
        (
            {"game": "csgo", "marketHashNames": ["x"] * 2001},
            "GetPricesRequest.marketHashNames",
            "max",
        ),
    ]
    for payload, field, code in cases:
        response = sl.post("/merchant/get-prices", json=payload)
        assert response.status_code == 400, payload
        body = response.json()
        assert body["success"] is False and body["message"] == "validation error"
        assert body["data"][0]["field"] == field and body["data"][0]["code"] == code
        assert body["data"][0]["message"]
    garbled = sl.post("/merchant/get-prices", content=b"{oops")
    assert garbled.status_code == 400
    assert garbled.json() == {"success": False, "message": "invalid request body"}


def test_deposit_happy_path_and_status(sandbox, sl):
    q = quote(sl)["data"]
    tx = unique("dep")
    sandbox.script_deposit(tx, "completed")
    response = sl.post(
        "/merchant/create-deposit-by-hash-name", json=deposit_body(q["id"], tx, (REDLINE, ASIIMOV))
    )
    assert response.status_code == 200, response.text
    body = exact(response)
    data = body["data"]
    assert body["success"] is True
    assert data["id"] == q["id"] and data["merchant_tx_id"] == tx
    assert data["status"] == "active"
    assert isinstance(data["amount"], Decimal) and data["amount"] > 1
    assert isinstance(data["bot_steam_id"], int) and str(data["bot_steam_id"]).startswith("7656119")
    assert data["bot_name"].startswith("Skinslink Bot")
    assert isinstance(data["trade_offer_id"], str)
    assert data["trade_offer_expiry_at"].endswith("Z")
    for params in ({"id": q["id"]}, {"merchant_tx_id": tx}):
        status = sl.get("/merchant/deposit/status", params=params)
        assert status.status_code == 200
        sdata = status.json()["data"]
        assert status.json()["message"] == "Deposit status fetched successfully"
        assert sdata["status"] == "active" and "amount" not in sdata
        assert "hold_end_date" not in sdata and "fail_reason" not in sdata


def test_deposit_status_errors(sl):
    assert sl.get("/merchant/deposit/status", params={"merchant_tx_id": unique("x")}).json() == {
        "success": False,
        "message": "not found error",
    }
    assert sl.get("/merchant/deposit/status", params={"id": 99999999}).status_code == 404
    assert sl.get("/merchant/deposit/status").status_code == 400


def test_deposit_validation(sl):
    q = quote(sl)["data"]
    bad = deposit_body(
        0, "", game="cs2", partner=0, token="short", items=[{"asset_id": "12a", "name": ""}]
    )
    response = sl.post("/merchant/create-deposit-by-hash-name", json=bad)
    assert response.status_code == 400
    data = response.json()["data"]
    codes = {d["field"]: d["code"] for d in data}
    prefix = "CreateDepositByHashNameRequest"
    assert codes[f"{prefix}.id"] == "required"
    assert codes[f"{prefix}.merchant_tx_id"] == "required"
    assert codes[f"{prefix}.game"] == "oneof"
    assert codes[f"{prefix}.partner"] == "required"
    assert codes[f"{prefix}.token"] == "len"
    assert codes[f"{prefix}.items[0].asset_id"] == "numeric"
    assert codes[f"{prefix}.items[0].name"] == "required"
    empty = sl.post(
        "/merchant/create-deposit-by-hash-name", json=deposit_body(q["id"], unique("e"), items=[])
    )
    assert empty.json()["data"][0]["code"] == "min"
    typed = sl.post(
        "/merchant/create-deposit-by-hash-name", json=deposit_body(str(q["id"]), unique("t"))
    )
    assert typed.json() == {"success": False, "message": "invalid request body"}


def test_reused_merchant_tx_id_is_409(sandbox, sl):
    tx = unique("dup")
    sandbox.script_deposit(tx, "completed")
    first = sl.post(
        "/merchant/create-deposit-by-hash-name", json=deposit_body(quote(sl)["data"]["id"], tx)
    )
    assert first.status_code == 200
    again = sl.post(
        "/merchant/create-deposit-by-hash-name", json=deposit_body(quote(sl)["data"]["id"], tx)
    )
    assert again.status_code == 409
    assert again.json() == {"success": False, "message": "already exist error"}
    record = sandbox.truth()["skinslink"]["deposits"][tx]
    assert record["posts"] == 2 and record["created"] == 1


def test_quote_expiry_is_inventory_reload(sandbox, sl):
    q = quote(sl)["data"]
    sandbox.advance(sandbox.config.quote_lock_seconds + 1)
    response = sl.post(
        "/merchant/create-deposit-by-hash-name", json=deposit_body(q["id"], unique("late"))
    )
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "validation error"
    assert body["data"][0]["code"] == "inventory_reload"


def test_unquoted_name_is_refused(sl):
    q = quote(sl, (REDLINE,))["data"]
    response = sl.post(
        "/merchant/create-deposit-by-hash-name",
        json=deposit_body(q["id"], unique("nq"), (ASIIMOV,)),
    )
    assert response.status_code == 400
    assert response.json()["data"][0]["code"] == "inventory_reload"


def test_min_price_floor(sandbox, sl):
    q = quote(sl, (REDLINE,))["data"]
    price = q["items"][0]["price"]
    body = deposit_body(q["id"], unique("floor"))
    body["items"][0]["min_price"] = price + Decimal("0.5")
    response = sl.post(
        "/merchant/create-deposit-by-hash-name",
        content=dumps(body),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"success": False, "message": "item_specified_price_not_found"}


def test_provider_failure_is_http_200(sandbox, sl):
    tx = unique("pf")
    sandbox.script_deposit(tx, "provider_failed")
    response = sl.post(
        "/merchant/create-deposit-by-hash-name", json=deposit_body(quote(sl)["data"]["id"], tx)
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "failed" and data["fail_reason"] == "provider_unavailable"
    status = sl.get("/merchant/deposit/status", params={"merchant_tx_id": tx}).json()["data"]
    assert status["status"] == "failed" and status["fail_reason"] == "provider_unavailable"


def test_a_pinned_lower_price_breaks_a_floor_at_the_quoted_price(sandbox_factory):
    from tests.sandbox.conftest import skinslink_client

    sb = sandbox_factory(speed=1)
    with skinslink_client(sb) as client:
        q = quote(client, (REDLINE,))["data"]
        floor = q["items"][0]["price"]
        body = deposit_body(q["id"], "pin-1")
        body["items"][0]["min_price"] = floor
        httpx.post(
            sb.base_url + "/_sandbox/skinslink/prices",
            json={"prices": {REDLINE: str(floor - Decimal("0.01"))}},
        )
        refused = client.post(
            "/merchant/create-deposit-by-hash-name",
            content=dumps(body),
            headers={"Content-Type": "application/json"},
        )
        assert refused.json() == {"success": False, "message": "item_specified_price_not_found"}
        httpx.post(
            sb.base_url + "/_sandbox/skinslink/prices", json={"prices": {REDLINE: str(floor + 1)}}
        )
        accepted = exact(
            client.post(
                "/merchant/create-deposit-by-hash-name",
                content=dumps(body),
                headers={"Content-Type": "application/json"},
            )
        )
        assert accepted["data"]["amount"] == floor + 1  # the live price is what is paid


def test_quote_drift_applies_to_late_commits_only(sandbox_factory):
    from tests.sandbox.conftest import skinslink_client

    sb = sandbox_factory(speed=1, quote_drift_rate=1.0)
    with skinslink_client(sb) as client:
        prompt = quote(client, (REDLINE, ASIIMOV))["data"]
        body = deposit_body(prompt["id"], "drift-now", (REDLINE, ASIIMOV))
        for item, priced in zip(body["items"], prompt["items"]):
            item["min_price"] = priced["price"]
        ok = exact(
            client.post(
                "/merchant/create-deposit-by-hash-name",
                content=dumps(body),
                headers={"Content-Type": "application/json"},
            )
        )
        assert ok["data"]["amount"] == prompt["sum"]
        late = quote(client, (REDLINE,))["data"]
        body = deposit_body(late["id"], "drift-late")
        body["items"][0]["min_price"] = late["items"][0]["price"]
        sb.advance(90)
        refused = client.post(
            "/merchant/create-deposit-by-hash-name",
            content=dumps(body),
            headers={"Content-Type": "application/json"},
        )
        assert refused.json()["message"] == "item_specified_price_not_found"
        body["items"][0]["min_price"] = late["items"][0]["price"] * Decimal("0.9")
        body["merchant_tx_id"] = "drift-late-2"
        paid = exact(
            client.post(
                "/merchant/create-deposit-by-hash-name",
                content=dumps(body),
                headers={"Content-Type": "application/json"},
            )
        )["data"]
        assert (
            late["items"][0]["price"] * Decimal("0.95")
            <= paid["amount"]
            < late["items"][0]["price"]
        )
