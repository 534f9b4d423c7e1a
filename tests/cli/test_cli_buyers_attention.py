"""From outside, through real subprocesses against the sandbox: a buyer reverses a trade,
is named, is found by name, is warned about before the next sale (``--yes`` goes ahead),
and the reversal leaves the attention queue once resolved, with the note in the timeline."""

from __future__ import annotations

from skins_console.core.trade_url import STEAMID64_BASE
from tests.cli.conftest import order_create

PARTNER = 7_771_234
BUYER = f"https://steamcommunity.com/tradeoffer/new/?partner={PARTNER}&token=Aa11-_bb"
BUYER_NEW_TOKEN = f"https://steamcommunity.com/tradeoffer/new/?partner={PARTNER}&token=Cc22-_dd"
STEAMID = str(STEAMID64_BASE + PARTNER)


def _create(cli, item, url, key, *extra):
    return cli.run("--json", *order_create(item, url, "--external-id", key, *extra))


def test_buyer_reversal_warning_and_attention_queue(cli):
    box = cli.sandbox
    assert cli.add_profile().code == 0
    items = cli.run("--json", "catalog", "--limit", "5").json()["items"]
    item, other = items[1], items[2]

    key = "shop-rev-1"
    box.script_order(key, "reversed")
    created = _create(cli, item, BUYER, key)
    assert created.code == 0, created.stderr
    # The console was closed while the buyer accepted and then reversed the trade.
    box.advance(400)
    box.advance(3700)
    synced = cli.run("orders", "sync", "--until-terminal", "--timeout", "30")
    assert synced.code == 0, synced.stderr
    assert f"order {key}: reversed" in synced.stdout

    listed = cli.run("--json", "buyers", "list").json()["buyers"]
    [buyer] = [b for b in listed if b["steamid64"] == STEAMID]
    assert buyer["reversals"] == 1 and buyer["orders"] == 1 and buyer["name"] == ""
    # Unnamed, the buyer is their SteamID64 in the queue (as in the Buyers tab), not a blank.
    assert STEAMID in cli.run("attention", "list").stdout
    queued = cli.run("--json", "attention", "list").json()["items"]
    [unnamed] = [i for i in queued if i["key"] == key]
    assert unnamed["buyer_name"] == "" and unnamed["buyer"] == STEAMID

    named = cli.run("buyer", "name", STEAMID, "Dana", "--note", "reversed once already")
    assert named.code == 0, named.stderr
    assert f"{STEAMID} named “Dana”." in named.stdout
    shown = cli.run("--json", "buyer", "show", "dana")
    assert shown.code == 0, shown.stderr
    document = shown.json()
    assert document["buyer"]["note"] == "reversed once already"
    assert document["reversed_recently"] is True and document["orders"] == [key]
    assert [u["trade_url"] for u in document["trade_urls"]] == [BUYER]
    text = cli.run("buyer", "show", STEAMID).stdout
    assert "Warning" in text and "Dana" in text and BUYER in text
    unknown = cli.run("buyer", "show", "Dnaa")
    assert unknown.code == 3 and "Did you mean Dana?" in unknown.stderr
    assert "`skins-console buyers list`" in unknown.stderr

    # Orders by buyer name: the text search and the buyer filter.
    searched = cli.run("--json", "orders", "list", "--search", "dana").json()["orders"]
    assert [o["external_id"] for o in searched] == [key]
    by_buyer = cli.run("--json", "orders", "list", "--buyer", "Dana").json()["orders"]
    assert [o["external_id"] for o in by_buyer] == [key]

    # Selling to them again (their new trade URL): warned, nothing ordered without --yes.
    again = "shop-rev-2"
    box.script_order(again, "completed")
    warned = _create(cli, other, BUYER_NEW_TOKEN, again)
    assert warned.code == 3
    assert "Dana" in warned.stderr and "reversed a trade" in warned.stderr
    assert "--yes" in warned.stderr
    orders = cli.run("--json", "orders", "list").json()["orders"]
    assert [o["external_id"] for o in orders] == [key]
    confirmed = _create(cli, other, BUYER_NEW_TOKEN, again, "--yes")
    assert confirmed.code == 0, confirmed.stderr
    trade_urls = cli.run("--json", "buyer", "show", STEAMID).json()["trade_urls"]
    assert {u["trade_url"] for u in trade_urls} == {BUYER, BUYER_NEW_TOKEN}

    # The reversal waits in the attention queue until resolved, then is gone.
    queue = cli.run("--json", "attention", "list").json()
    [entry] = [i for i in queue["items"] if i["key"] == key]
    assert entry["reason"] == "reversed" and entry["buyer_name"] == "Dana"
    assert entry["buyer"] == "Dana"
    assert "reversed after delivery" in cli.run("attention", "list").stdout
    resolved = cli.run("attention", "resolve", key, "--note", "asked support")
    assert resolved.code == 0, resolved.stderr
    assert f"order {key}: handled (reversed)" in resolved.stdout
    after = cli.run("--json", "attention", "list").json()
    assert key not in {i["key"] for i in after["items"]}
    assert after["count"] == queue["count"] - 1
    timeline = cli.run("--json", "order", "show", key).json()["timeline"]
    assert timeline[-1]["type"] == "note"
    assert timeline[-1]["message"].startswith("Marked handled by ")
    assert timeline[-1]["message"].endswith("(reversed): asked support")
    twice = cli.run("attention", "resolve", key)
    assert twice.code == 3 and "already marked it handled" in twice.stderr
    mixed = cli.run("--json", "attention", "resolve", "no-such-order", key)
    assert mixed.code == 3 and mixed.json()["error"]["code"] == "unknown_attention_item"
    assert "no such order" in mixed.stderr and "already marked it handled" in mixed.stderr
    assert cli.run("attention", "resolve").code == 3  # neither KEY nor --all
    everything = cli.run("--json", "attention", "resolve", "--all", "--note", "weekly sweep")
    assert everything.code == 0, everything.stderr
    assert everything.json()["remaining"] == 0
    assert cli.run("--json", "attention", "list").json()["count"] == 0
