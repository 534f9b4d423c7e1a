"""Random sequences of orders, replays, scripts and clock jumps keep the sandbox's books
straight: one order per externalId, money = initial − what is still charged, sold items
unlisted, histories legal."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skins_console.core.statuses import ORDER_TERMINAL
from skins_console.sandbox import Sandbox, SandboxConfig
from tests.sandbox.conftest import order_body, skinsnode_client

CHARGED = {"accepted", "queued", "processing", "pending", "sent", "completed"}

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("order"), st.integers(0, 7), st.integers(0, 5), st.sampled_from([0, 0, 0, 1])
        ),
        st.tuples(st.just("advance"), st.sampled_from([1, 15, 300, 700, 7200, 8 * 24 * 3600])),
        st.tuples(
            st.just("script"),
            st.integers(0, 5),
            st.sampled_from(
                ["completed", "expired", "cancelled", "failed", "reversed", "failed:price_changed"]
            ),
        ),
        st.tuples(st.just("balance"), st.sampled_from([0, 10**7])),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(operations)
def test_books_stay_straight(ops):
    config = SandboxConfig(speed=1, catalog_size=8, cache_seconds=0, initial_balance_cents=10**7)
    with Sandbox(config) as sb, skinsnode_client(sb) as client:
        items = client.get("/v1/catalog").json()["items"]
        bodies: dict[str, dict] = {}
        for op in ops:
            if op[0] == "order":
                _kind, item_index, key_index, delta = op
                key = f"k{key_index}"
                item = items[item_index]
                body = bodies.setdefault(
                    key, order_body(item, key, expectedPrice=item["price"] + delta)
                )
                assert client.post("/v1/orders", json=body).status_code == 202
            elif op[0] == "advance":
                sb.advance(op[1])
            elif op[0] == "script":
                try:
                    sb.script_order(f"k{op[1]}", op[2])
                except ValueError:
                    pass  # scripting a finished order is refused, by design
            else:
                sb.set_balance(op[1])
        truth = sb.truth()["skinsnode"]
        listed = {i["id"] for i in client.get("/v1/catalog").json()["items"]}

    orders = truth["orders"]
    ledger = truth["wallet"]["ledger"]
    balance = truth["wallet"]["balance_cents"]
    # money: the last "set" (or the start) minus what was debited since and not refunded
    start, since = config.initial_balance_cents, ledger
    sets = [i for i, e in enumerate(ledger) if e["kind"] == "set"]
    if sets:
        start, since = ledger[sets[-1]]["balance_cents"], ledger[sets[-1] + 1 :]
    assert balance == start + sum(e["amount_cents"] for e in since)
    if not sets:
        still_charged = sum(
            r["amount_cents"] for r in orders.values() if r["debited"] and r["status"] in CHARGED
        )
        assert balance == config.initial_balance_cents - still_charged
    for key, record in orders.items():
        assert record["created"] <= 1 and record["posts"] >= record["created"]
        debits = [e for e in ledger if e["externalId"] == key and e["kind"] == "debit"]
        refunds = [e for e in ledger if e["externalId"] == key and e["kind"] == "refund"]
        assert len(debits) <= 1 and len(refunds) <= len(debits)
        if record["status"] in CHARGED and record["debited"]:
            assert not refunds and record["catalog_item_id"] not in listed
        if record["status"] in ORDER_TERMINAL - {"completed"} and record["debited"]:
            assert len(refunds) == 1
            assert refunds[0]["amount_cents"] == -debits[0]["amount_cents"]
        statuses = record["statuses"]
        assert statuses[0] == "accepted"
        assert all(s not in ORDER_TERMINAL for s in statuses[:-1]) or statuses[-2:] == [
            "completed",
            "reversed",
        ]
