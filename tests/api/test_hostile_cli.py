"""The #15 cases end to end through the real CLI (subprocesses, a real SQLite file, the
keyring file backend), with a hostile stand-in in front of a sandbox: no hang past the
deadline, no crash (never exit 1 "internal error"), no wrong value stored, and a clear
one-line message for every refusal."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.api.standin import DEEP_JSON, Canned, StandIn
from tests.cli.conftest import CliEnv, order_create

AK = "AK-47 | Redline (Field-Tested)"
BUYER = "https://steamcommunity.com/tradeoffer/new/?partner=4242424&token=Ab12-_xY"
SELLER = "https://steamcommunity.com/tradeoffer/new/?partner=5151515&token=Zz98-_aB"
DEADLINE = 2  # seconds (the provider_deadline_seconds setting, at its minimum)
PAD = "x" * 400


@pytest.fixture
def hostile(sandbox_factory, tmp_path):
    box = sandbox_factory(speed=60.0, quote_lock_seconds=3600.0)
    proxy = StandIn(upstream=box.base_url)
    cli = CliEnv(tmp_path, box)
    settings = cli.data_dir / "config" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"format": 1, "provider_deadline_seconds": DEADLINE}))
    cli.add_profile("main", skinsnode_url=proxy.url, skinslink_url=proxy.url + "/api/v1")
    yield cli, proxy, box
    proxy.close()


def refused(run, *needles: str) -> str:
    """A provider refusal: exit 4, one ``error:`` line naming the problem, no crash."""
    assert run.code == 4, (run.code, run.stderr)
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, run.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def rows(cli: CliEnv, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(cli.data_dir / "skins-console.sqlite3") as conn:
        return conn.execute(sql, args).fetchall()


def test_wallet_refuses_trickling_deep_and_out_of_range_answers(hostile):
    cli, proxy, box = hostile
    proxy.script("GET", "/v1/wallet", drip=0.2, rewrite=lambda d: {**d, "pad": PAD})
    refused(cli.run("wallet"), f"did not finish answering within {DEADLINE} s")
    proxy.clear()

    proxy.script("GET", "/v1/wallet", reply=Canned(200, DEEP_JSON))
    refused(cli.run("wallet"), "nested more than 32 levels")
    for balance, words in [
        (b"9223372036854775808", "does not fit in 64 bits"),
        (b"1e+300", "decimal number"),
        (b"1840.0", "decimal number"),
        (b'"-1840"', "negative"),
    ]:
        proxy.clear()
        body = b'{"clientId":"c","currency":"USD","availableBalance":' + balance + b"}"
        proxy.script("GET", "/v1/wallet", reply=Canned(200, body))
        refused(cli.run("wallet"), "availableBalance", words)
    assert rows(cli, "SELECT available_cents FROM wallet_snapshots") == []

    proxy.clear()
    ok = cli.run("--json", "wallet")
    assert ok.code == 0, ok.stderr
    assert rows(cli, "SELECT available_cents FROM wallet_snapshots") == [
        (box.config.initial_balance_cents,)
    ]


def test_order_create_believes_only_answers_about_its_own_order(hostile):
    cli, proxy, box = hostile
    catalog = cli.run("--json", "catalog", "--limit", "5")
    assert catalog.code == 0, catalog.stderr
    items = catalog.json()["items"]

    def create(item, key):
        return cli.run(*order_create(item, BUYER, "--external-id", key))

    # The answer names another order: reconciled with the order's own key, stored right.
    proxy.script("POST", "/v1/orders", count=1, rewrite=lambda d: {**d, "externalId": "other"})
    first = create(items[0], "shop-1")
    assert first.code == 0, first.stderr
    assert rows(cli, "SELECT external_id FROM orders") == [("shop-1",)]
    assert rows(cli, "SELECT status FROM orders")[0][0] not in ("draft", "sending", "rejected")

    # The answer trickles in: cut off at the deadline, then found by its key; sent once.
    proxy.script("POST", "/v1/orders", count=1, drip=0.2, rewrite=lambda d: {**d, "pad": PAD})
    third = create(items[2], "shop-3")
    assert third.code == 0, third.stderr
    assert len(proxy.requests("POST", "/v1/orders")) == 2

    # Every answer says "rejected" (a local state): the order stays "sending", pending.
    proxy.script("POST", "/v1/orders", rewrite=lambda d: {**d, "status": "rejected"})
    proxy.script("GET", "/v1/orders/", rewrite=lambda d: {**d, "status": "rejected"})
    second = create(items[1], "shop-2")
    assert second.code == 7, (second.code, second.stderr)
    assert "Traceback" not in second.stderr and "“rejected”" not in second.stdout
    assert "console state" in second.stderr
    status = dict(rows(cli, "SELECT external_id, status FROM orders"))
    assert status["shop-2"] == "sending"

    # Tracking meets the same garbled answers: counted as failed checks, nothing moves.
    synced = cli.run("orders", "sync")
    assert synced.code == 0, synced.stderr
    assert "failed" in synced.stdout
    assert dict(rows(cli, "SELECT external_id, status FROM orders")) == status

    # Once SkinsNode answers properly the order settles as what it is, and exists once.
    proxy.clear()
    assert cli.run("orders", "sync").code == 0
    after = dict(rows(cli, "SELECT external_id, status FROM orders"))
    assert after["shop-2"] not in ("sending", "rejected")
    truth = box.truth()["skinsnode"]["orders"]
    assert all(truth[key]["created"] == 1 for key in ("shop-1", "shop-2", "shop-3"))
    assert "other" not in truth


def test_deposit_answer_about_an_older_deposit_is_not_written_onto_it(hostile):
    cli, proxy, box = hostile

    def deposit(key):
        quote = cli.run("--json", "quote", AK)
        assert quote.code == 0, quote.stderr
        return cli.run(
            "deposit",
            "create",
            "--quote",
            str(quote.json()["quote"]["id"]),
            "--trade-url",
            SELLER,
            "--item",
            f"{AK}=123456789",
            "--merchant-tx-id",
            key,
        )

    assert deposit("buy-1").code == 0
    older = rows(cli, "SELECT status, trade_id FROM deposits WHERE merchant_tx_id = 'buy-1'")

    def about_older(d):
        data = {**d["data"], "merchant_tx_id": "buy-1", "status": "failed"}
        return {**d, "data": {**data, "fail_reason": "user_declined"}}

    proxy.script("POST", "/api/v1/merchant/create-deposit-by-hash-name", rewrite=about_older)
    newer = deposit("buy-2")
    # Not believed; looked up by its own merchant_tx_id instead, which settles it.
    assert newer.code == 0, (newer.code, newer.stderr)
    assert rows(cli, "SELECT status, trade_id FROM deposits WHERE merchant_tx_id = 'buy-1'") == (
        older
    )
    assert dict(rows(cli, "SELECT merchant_tx_id, status FROM deposits")) == {
        "buy-1": older[0][0],
        "buy-2": "active",
    }
    assert len(proxy.requests("POST", "/api/v1/merchant/create-deposit-by-hash-name")) == 2
    assert len(proxy.requests("GET", "/api/v1/merchant/deposit/status?merchant_tx_id=buy-2")) == 1
    assert box.truth()["skinslink"]["deposits"]["buy-2"]["status"] != "failed"

    # A status answer naming another deposit is refused by tracking as well.
    status_of_buy_2 = "/api/v1/merchant/deposit/status?merchant_tx_id=buy-2"
    proxy.script("GET", status_of_buy_2, rewrite=about_older)
    synced = cli.run("orders", "sync")
    assert synced.code == 0 and "failed" in synced.stdout, synced.stderr
    # buy-1 follows only its own answers (the sandbox moves it on in its own time).
    ((status, trade_id, reason),) = rows(
        cli, "SELECT status, trade_id, fail_reason FROM deposits WHERE merchant_tx_id = 'buy-1'"
    )
    assert (trade_id, reason) == (older[0][1], None) and status != "failed"
    assert dict(rows(cli, "SELECT merchant_tx_id, status FROM deposits"))["buy-2"] != "failed"
    assert proxy.requests("GET", status_of_buy_2)[-1].scripted
