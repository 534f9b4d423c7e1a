"""Charged amounts, shop order numbers, margins and the period report, through the real CLI
against the sandbox: a second sale of one shop order is refused with nothing sent (the
sandbox's own count of POSTs says so), and ``report --json`` adds up to the orders."""

from __future__ import annotations

import csv
from decimal import Decimal

from tests.cli.conftest import order_create

BUYER = "https://steamcommunity.com/tradeoffer/new/?partner=4242424&token=Ab12-_xY"


def _create(cli, item, *extra):
    return cli.run("--json", *order_create(item, BUYER, *extra))


def _posts(box, key):
    entry = box.truth()["skinsnode"]["orders"].get(key)
    return 0 if entry is None else entry["posts"]


def test_shop_orders_charged_amounts_margins_and_the_day_report(cli_with_profile, tmp_path):
    cli, box = cli_with_profile, cli_with_profile.sandbox
    items = cli.run("--json", "catalog", "--limit", "4").json()["items"]
    sold, eur, failed = items[0], items[1], items[2]
    for key, outcome in (("WEB-1001", "completed"), ("WEB-1002", "completed")):
        box.script_order(key, outcome)
    box.script_order("WEB-1003", "failed")

    first = _create(cli, sold, "--shop-order", "WEB-1001", "--charged", "$1,234.5")
    assert first.code == 0, first.stderr
    order = first.json()["order"]
    assert order["external_id"] == "WEB-1001" and order["shop_order"] == "WEB-1001"
    assert order["charged_amount"] == "1234.5" and order["charged_currency"] == "USD"
    assert _posts(box, "WEB-1001") == 1

    # The same shop order again, even for another item: refused before anything is sent.
    again = _create(cli, items[3], "--shop-order", "WEB-1001", "--charged", "10")
    assert again.code == 3
    assert "Shop order WEB-1001 already has an order" in again.stderr
    assert "Nothing was sent" in again.stderr
    assert _posts(box, "WEB-1001") == 1
    assert box.truth()["skinsnode"]["orders"]["WEB-1001"]["catalog_item_id"] == sold["id"]

    second = _create(
        cli, eur, "--shop-order", "WEB-1002", "--charged", "25.00", "--currency", "eur"
    )
    assert second.code == 0, second.stderr
    third = _create(cli, failed, "--shop-order", "WEB-1003", "--charged", "99.99")
    assert third.code in (0, 4), third.stderr
    plain = _create(cli, items[3])
    assert plain.code == 0, plain.stderr

    box.advance(400)
    synced = cli.run("orders", "sync", "--until-terminal", "--timeout", "30")
    assert synced.code == 0, synced.stderr

    listed = {o["external_id"]: o for o in cli.run("--json", "orders", "list").json()["orders"]}
    one, two, three = listed["WEB-1001"], listed["WEB-1002"], listed["WEB-1003"]
    assert one["status"] == "completed"
    assert Decimal(one["margin_usd"]) == Decimal("1234.5") - Decimal(one["cost_usd"])
    assert two["charged_amount"] == "25.00" and two["charged_currency"] == "EUR"
    assert two["margin_usd"] is None and "EUR" in two["no_margin_because"]
    assert three["status"] == "failed" and three["margin_usd"] is None
    assert three["refunded_cents"] == three["cost_cents"] > 0
    assert listed[plain.json()["order"]["external_id"]]["no_margin_because"] == (
        "no charged amount entered"
    )
    shown = cli.run("order", "show", "WEB-1002").stdout
    assert "Shop order" in shown and "25.00 EUR" in shown and "— (charged in EUR" in shown
    assert "(refunded)" in cli.run("order", "show", "WEB-1003").stdout
    text = cli.run("orders", "list")
    assert "Cost" in text.stdout and "Charged" in text.stdout and "Margin" in text.stdout
    assert "$1,234.50" in text.stdout and "25.00 EUR" in text.stdout

    report = cli.run("--json", "report", "--period", "day")
    assert report.code == 0, report.stderr
    data = report.json()
    assert data["period"] == "day" and data["time_zone"]
    totals = data["totals"]
    orders = list(listed.values())
    assert totals["orders"] == len(orders) == 4
    assert Decimal(totals["spend_usd"]) == sum(Decimal(o["cost_usd"]) for o in orders)
    assert Decimal(totals["margin_usd"]) == sum(
        Decimal(o["margin_usd"]) for o in orders if o["margin_usd"] is not None
    )
    assert Decimal(totals["revenue_usd"]) == Decimal("1234.5")
    assert totals["refunds"] == 1 and Decimal(totals["refunded_usd"]) == Decimal(three["cost_usd"])
    assert totals["charged_other"] == {"EUR": "25.00"}
    # The periods add up to the totals; the orders all fall on today's row.
    assert sum(p["orders"] for p in data["periods"]) == 4
    assert [p["orders"] for p in data["periods"]][-1] == 4

    shown = cli.run("report", "--period", "week", "--csv", str(tmp_path / "weeks.csv"))
    assert shown.code == 0, shown.stderr
    assert "Time zone" in shown.stdout and "Margin" in shown.stdout
    with open(tmp_path / "weeks.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[-1]["period"] == "total" and rows[-1]["orders"] == "4"
    assert Decimal(rows[-1]["margin_usd"]) == Decimal(totals["margin_usd"])


def test_bad_shop_order_or_charged_amount_is_refused_before_anything_is_sent(cli_with_profile):
    cli, box = cli_with_profile, cli_with_profile.sandbox
    item = cli.run("--json", "catalog", "--limit", "1").json()["items"][0]
    bad_id = _create(cli, item, "--shop-order", "order #7")
    assert bad_id.code == 3 and "shop order number 'order #7'" in bad_id.stderr
    too_long = _create(cli, item, "--shop-order", "9" * 101)
    assert too_long.code == 3
    for amount, words in (("abc", "not an amount"), ("-5", "not an amount"), ("1,5", "")):
        run = _create(cli, item, "--shop-order", "WEB-9", "--charged", amount)
        assert run.code == 3, (amount, run.stderr)
        assert words in run.stderr
    mixed = _create(cli, item, "--charged", "12 EUR", "--currency", "USD")
    assert mixed.code == 3 and "EUR" in mixed.stderr
    assert box.truth()["skinsnode"]["orders"] == {}
    assert cli.run("--json", "orders", "list").json()["orders"] == []
    range_ = cli.run("report", "--from", "2026-11-30", "--to", "2026-11-01")
    assert range_.code == 3 and "before" in range_.stderr
    assert cli.run("report", "--from", "30.11.2026").code == 2
