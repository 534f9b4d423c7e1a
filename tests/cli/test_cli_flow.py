"""The whole headless flow through real subprocesses, a real SQLite file and the sandbox,
ending with a scan proving no secret reached any file in the data folder (logs at debug
level included)."""

from __future__ import annotations

import csv
import sqlite3

from tests.cli.conftest import ROOT, order_create

AK = "AK-47 | Redline (Field-Tested)"
BUYER = "https://steamcommunity.com/tradeoffer/new/?partner=4242424&token=Ab12-_xY"
SELLER = "https://steamcommunity.com/tradeoffer/new/?partner=5151515&token=Zz98-_aB"


def test_full_flow_and_no_secret_on_disk(cli, tmp_path):
    box = cli.sandbox
    v = "-v"
    added = cli.add_profile()
    assert "keyring" in added.stdout

    wallet = cli.run(v, "--json", "wallet")
    assert wallet.code == 0, wallet.stderr
    assert wallet.json()["wallet"]["available_cents"] == box.config.initial_balance_cents

    catalog = cli.run(v, "--json", "catalog", "--limit", "5")
    assert catalog.code == 0, catalog.stderr
    item = catalog.json()["items"][0]
    text = cli.run(v, "catalog", "--search", item["market_hash_name"].split(" |")[0])
    assert text.code == 0 and item["id"] in text.stdout

    bad = cli.run(
        v,
        "order",
        "create",
        "--item",
        item["id"],
        "--trade-url",
        "https://steamcommunity.com/tradeoffer/new/?partner=42&tok=1",
    )
    assert bad.code == 3
    assert bad.stderr.strip().startswith("error: ") and "token" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    assert cli.run("--json", "orders", "list").json()["orders"] == []

    key = "shop-1001"
    box.script_order(key, "completed")
    created = cli.run(v, "--json", *order_create(item, BUYER, "--external-id", key))
    assert created.code == 0, created.stderr
    assert created.json()["outcome"] == "accepted"

    box.advance(400)  # the buyer accepts within the 10-minute window, without the wait
    synced = cli.run(v, "orders", "sync", "--until-terminal", "--timeout", "30")
    assert synced.code == 0, synced.stderr
    assert f"order {key}: completed" in synced.stdout

    shown = cli.run(v, "--json", "order", "show", key)
    order = shown.json()["order"]
    assert order["status"] == "completed" and order["settles_at"]
    moves = [e["new_status"] for e in shown.json()["timeline"] if e["new_status"]]
    assert moves[:3] == ["draft", "sending", "accepted"] and moves[-1] == "completed"
    text = cli.run("order", "show", key).stdout
    assert "Timeline" in text
    # The provider's status, then the sentence that explains it (not "completed: Delivered").
    assert "completed — Delivered" in text

    quote = cli.run(v, "--json", "quote", AK)
    assert quote.code == 0, quote.stderr
    quote_id = str(quote.json()["quote"]["id"])
    deposit = cli.run(
        v,
        "--json",
        "deposit",
        "create",
        "--quote",
        quote_id,
        "--trade-url",
        SELLER,
        "--item",
        f"{AK}=123456789",
        "--merchant-tx-id",
        "buy-77",
    )
    assert deposit.code == 0, deposit.stderr
    assert deposit.json()["deposit"]["status"] == "active"
    dshow = cli.run(v, "--json", "deposit", "show", "buy-77")
    assert dshow.json()["deposit"]["trade_offer_id"]
    assert "active — Trade offer sent" in cli.run("deposit", "show", "buy-77").stdout
    assert cli.run("--json", "deposits", "list").json()["deposits"][0]["merchant_tx_id"] == "buy-77"

    orders_csv, deposits_csv = tmp_path / "orders.csv", tmp_path / "deposits.csv"
    assert cli.run(v, "export", "orders", "--csv", str(orders_csv)).code == 0
    assert cli.run(v, "export", "deposits", "--csv", str(deposits_csv)).code == 0
    rows = list(csv.DictReader(orders_csv.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["external_id"] for r in rows] == [key]
    assert rows[0]["expected_price_usd"] == f"{item['price_cents'] / 100:.2f}"
    drows = list(csv.DictReader(deposits_csv.read_text(encoding="utf-8-sig").splitlines()))
    assert drows[0]["merchant_tx_id"] == "buy-77" and drows[0]["amount_usd"]

    # --csv -: exactly the same rows on standard output (no BOM for the pipe), the count on
    # stderr, and no file of that name
    for what, written in (("orders", orders_csv), ("deposits", deposits_csv)):
        piped = cli.run("export", what, "--csv", "-")
        assert piped.code == 0, piped.stderr
        assert not piped.stdout.startswith("\ufeff")
        assert piped.stdout.splitlines() == written.read_text(encoding="utf-8-sig").splitlines()
        assert f"Wrote 1 {what[:-1]} to standard output" in piped.stderr
    assert not (ROOT / "-").exists()
    refused = cli.run("--json", "export", "orders", "--csv", "-")
    assert refused.code != 0 and "--json" in refused.stderr

    with sqlite3.connect(cli.data_dir / "skins-console.sqlite3") as conn:
        stored = conn.execute(
            "SELECT status, request_body FROM orders WHERE external_id = ?", (key,)
        ).fetchone()
    assert stored[0] == "completed" and key in stored[1]
    truth = box.truth()["skinsnode"]["orders"][key]
    assert truth["created"] == 1 and truth["posts"] == 1

    logs = list((cli.data_dir / "logs").glob("*.log*"))
    assert logs and "DEBUG" in logs[0].read_text(encoding="utf-8")
    secrets = [
        box.config.skinsnode_client_secret,
        box.config.skinslink_api_key,
        box.config.skinslink_webhook_secret,
    ]
    scanned = 0
    for path in cli.data_dir.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            scanned += 1
            for secret in secrets:
                assert secret.encode() not in blob, f"a secret leaked into {path}"
    assert scanned >= 3
