"""Orders and deposits move through their lifecycles to terminal states, with money moves."""

from __future__ import annotations

from skins_console.core.statuses import DEPOSIT_TERMINAL, ORDER_FLOW, ORDER_TERMINAL
from tests.fixtures.sandbox import REALISTIC_OUTCOMES
from tests.sandbox.conftest import (
    exact,
    order_body,
    skinslink_client,
    skinsnode_client,
    wait_until,
)
from tests.sandbox.test_skinslink_routes import REDLINE, deposit_body

WEEK = 7 * 24 * 3600


def _valid_order_history(statuses: list[str]) -> bool:
    flow = [s for s in statuses if s not in ORDER_TERMINAL]
    ends = [s for s in statuses if s in ORDER_TERMINAL]
    in_order = flow == [s for s in ORDER_FLOW if s in flow] and flow[0] == "accepted"
    return in_order and ends in (
        ["completed"],
        ["failed"],
        ["cancelled"],
        ["expired"],
        ["completed", "reversed"],
    )


def test_natural_outcomes_reach_terminal_states_and_money_adds_up(sandbox_factory):
    sb = sandbox_factory(
        speed=1000,
        catalog_size=120,
        cache_seconds=0,
        initial_balance_cents=10**10,
        **REALISTIC_OUTCOMES,
    )
    with skinsnode_client(sb) as client:
        items = client.get("/v1/catalog").json()["items"][:60]
        for index, item in enumerate(items):
            assert client.post("/v1/orders", json=order_body(item, f"n-{index}")).status_code == 202
        sb.advance(WEEK + 3600)
        orders = [client.get(f"/v1/orders/n-{i}").json() for i in range(len(items))]
    statuses = [o["status"] for o in orders]
    assert set(statuses) <= ORDER_TERMINAL
    assert statuses.count("completed") > len(items) // 2
    assert len(set(statuses)) >= 3  # a realistic mix, not only successes
    truth = sb.truth()["skinsnode"]
    spent = sum(int(o["pricing"]["amount"]) for o in orders if o["status"] == "completed")
    assert truth["wallet"]["balance_cents"] == 10**10 - spent
    for key, record in truth["orders"].items():
        assert record["created"] == 1 and _valid_order_history(record["statuses"]), key
    for order in orders:
        assert (order["failure"] is None) == (order["status"] == "completed")
        if order["status"] in ("completed", "reversed", "expired", "cancelled"):
            assert order["steamOfferId"] and order["steamOfferId"].isdigit()
            assert "sentAt" in order["timestamps"] and "expiresAt" in order["timestamps"]


def test_scripted_outcomes_in_real_time(sandbox_factory):
    sb = sandbox_factory(speed=5000, catalog_size=40, cache_seconds=0)
    wanted = {
        "t-done": "completed",
        "t-exp": "expired",
        "t-can": "cancelled",
        "t-fail": "failed:item_unavailable",
        "t-rev": "reversed",
        "t-pc": "failed:price_changed",
    }
    with skinsnode_client(sb) as client:
        items = client.get("/v1/catalog").json()["items"]
        for item, (key, outcome) in zip(items, wanted.items()):
            sb.script_order(key, outcome)
            assert client.post("/v1/orders", json=order_body(item, key)).status_code == 202
        expect = {
            "t-done": "completed",
            "t-exp": "expired",
            "t-can": "cancelled",
            "t-fail": "failed",
            "t-rev": "reversed",
            "t-pc": "failed",
        }

        def reached():
            return all(
                client.get(f"/v1/orders/{k}").json()["status"] == v for k, v in expect.items()
            )

        wait_until(reached, timeout=10)
        failed = client.get("/v1/orders/t-fail").json()
        assert failed["failure"] == {
            "code": "item_unavailable",
            "message": failed["failure"]["message"],
        }
        assert client.get("/v1/orders/t-exp").json()["failure"]["code"] == "expired"
        moved = client.get("/v1/orders/t-pc").json()["failure"]
        assert moved["code"] == "price_changed" and "price" in moved["message"]
        reversed_ = client.get("/v1/orders/t-rev").json()
        assert "completedAt" in reversed_["timestamps"] and "reversedAt" in reversed_["timestamps"]
    truth = sb.truth()["skinsnode"]
    refunds = {e["externalId"] for e in truth["wallet"]["ledger"] if e["kind"] == "refund"}
    assert refunds == {"t-exp", "t-can", "t-fail", "t-rev", "t-pc"}
    assert truth["wallet"]["balance_cents"] == sb.config.initial_balance_cents - items[0]["price"]


def test_expiry_uses_the_600_second_window_and_relists_the_item(sandbox_factory):
    sb = sandbox_factory(speed=1, catalog_size=10, cache_seconds=0)
    with skinsnode_client(sb) as client:
        item = client.get("/v1/catalog").json()["items"][0]
        sb.script_order("late", "expired")
        client.post("/v1/orders", json=order_body(item, "late"))
        sb.advance(30)
        sent = client.get("/v1/orders/late").json()
        assert sent["status"] == "sent"
        sb.advance(500)
        assert client.get("/v1/orders/late").json()["status"] == "sent"
        sb.advance(120)
        done = client.get("/v1/orders/late").json()
        assert done["status"] == "expired"
        assert item["id"] in {i["id"] for i in client.get("/v1/catalog").json()["items"]}


def test_scripting_an_open_order_changes_its_fate(sandbox_factory):
    sb = sandbox_factory(speed=1, catalog_size=10, cache_seconds=0)
    with skinsnode_client(sb) as client:
        item = client.get("/v1/catalog").json()["items"][0]
        sb.script_order("turn", "completed")
        client.post("/v1/orders", json=order_body(item, "turn"))
        sb.advance(19)  # sent within 14 s; a buyer accepts 15 s after the offer at the soonest
        assert client.get("/v1/orders/turn").json()["status"] == "sent"
        sb.script_order("turn", "cancelled")
        sb.advance(2)
        assert client.get("/v1/orders/turn").json()["status"] == "cancelled"


def test_deposit_hold_then_completed(sandbox_factory):
    sb = sandbox_factory(speed=1, cache_seconds=0)
    with skinslink_client(sb) as client:
        q = exact(
            client.post("/merchant/get-prices", json={"game": "csgo", "marketHashNames": [REDLINE]})
        )["data"]
        sb.script_deposit("h-1", "completed")
        client.post("/merchant/create-deposit-by-hash-name", json=deposit_body(q["id"], "h-1"))
        sb.advance(sb.config.offer_window_seconds)
        hold = client.get("/merchant/deposit/status", params={"merchant_tx_id": "h-1"}).json()
        assert hold["data"]["status"] == "hold"
        assert hold["data"]["hold_end_date"].endswith("Z")
        sb.advance(WEEK)
        done = client.get("/merchant/deposit/status", params={"id": q["id"]}).json()["data"]
        assert done["status"] == "completed" and "hold_end_date" not in done
    statuses = sb.truth()["skinslink"]["deposits"]["h-1"]["statuses"]
    assert statuses == ["new", "active", "hold", "completed"]


def test_deposit_failure_paths(sandbox_factory):
    sb = sandbox_factory(speed=1)
    expected = {
        "f-rev": ("reverted", "user_reverted"),
        "f-dec": ("failed", "user_declined"),
        "f-exp": ("canceled", "trade_offer_expired"),
    }
    with skinslink_client(sb) as client:
        for tx, outcome in (("f-rev", "reverted"), ("f-dec", "failed"), ("f-exp", "canceled")):
            q = exact(
                client.post(
                    "/merchant/get-prices", json={"game": "csgo", "marketHashNames": [REDLINE]}
                )
            )["data"]
            sb.script_deposit(tx, outcome)
            client.post("/merchant/create-deposit-by-hash-name", json=deposit_body(q["id"], tx))
        sb.advance(WEEK + sb.config.offer_window_seconds)
        for tx, (status, reason) in expected.items():
            data = client.get("/merchant/deposit/status", params={"merchant_tx_id": tx}).json()[
                "data"
            ]
            assert data["status"] == status
            if status == "reverted":
                # Corrections 4: fail_reason only on failed / canceled, never on reverted
                assert "fail_reason" not in data
            else:
                assert data["fail_reason"] == reason
    truth = sb.truth()["skinslink"]["deposits"]
    assert truth["f-rev"]["statuses"] == ["new", "active", "hold", "reverted"]


def test_natural_deposits_all_end(sandbox_factory):
    sb = sandbox_factory(speed=1, seed=7, **REALISTIC_OUTCOMES)
    with skinslink_client(sb) as client:
        for index in range(30):
            q = exact(
                client.post(
                    "/merchant/get-prices", json={"game": "csgo", "marketHashNames": [REDLINE]}
                )
            )["data"]
            client.post(
                "/merchant/create-deposit-by-hash-name", json=deposit_body(q["id"], f"nat-{index}")
            )
        sb.advance(2 * WEEK)
        statuses = [
            client.get("/merchant/deposit/status", params={"merchant_tx_id": f"nat-{i}"}).json()[
                "data"
            ]["status"]
            for i in range(30)
        ]
    assert set(statuses) <= DEPOSIT_TERMINAL
    assert statuses.count("completed") >= 15 and len(set(statuses)) >= 2


def test_unaccepted_quote_lapses(sandbox_factory):
    sb = sandbox_factory(speed=1)
    with skinslink_client(sb) as client:
        q = exact(
            client.post("/merchant/get-prices", json={"game": "csgo", "marketHashNames": [REDLINE]})
        )["data"]
        fresh = client.get("/merchant/deposit/status", params={"id": q["id"]}).json()["data"]
        assert fresh["status"] == "new" and fresh["merchant_tx_id"].startswith("tmp-")
        sb.advance(301)
        lapsed = client.get("/merchant/deposit/status", params={"id": q["id"]}).json()["data"]
        assert lapsed["status"] == "canceled" and lapsed["fail_reason"] == "quote_expired"
