"""The attention queue's Buyer column names a buyer the way the Buyers tab does: the name
the operator gave them, else their SteamID64 (one rule, ``core.buyers.buyer_label``)."""

from __future__ import annotations

from dataclasses import replace

from skins_console.core.attention import AttentionItem
from skins_console.core.buyer_columns import ATTENTION_COLUMNS
from skins_console.core.buyers import BuyerSummary, buyer_label
from skins_console.core.columns import cli_columns, texts
from skins_console.core.records import CustomerRecord
from skins_console.core.trade_url import STEAMID64_BASE
from tests.core.test_margin import ORDER

PARTNER = 55_123_777


def _item(name: str, partner: int | None = PARTNER) -> AttentionItem:
    order = replace(ORDER, status="reversed", buyer_partner=partner)
    return AttentionItem("order", order.external_id, "reversed", order, buyer_name=name)


def _buyer_cell(item: AttentionItem) -> str:
    [column] = [c for c in ATTENTION_COLUMNS if c.header == "Buyer"]
    return column.cell(item)


def test_an_unnamed_buyer_is_their_steamid64_in_table_csv_and_cli():
    item = _item("")
    steamid = str(STEAMID64_BASE + PARTNER)
    [column] = [c for c in ATTENTION_COLUMNS if c.header == "Buyer"]
    assert column.cell(item) == steamid
    assert column.exact(item) == steamid  # CSV / JSON value
    assert steamid in texts(cli_columns(ATTENTION_COLUMNS), item)


def test_a_named_buyer_keeps_their_name_and_the_rule_is_the_buyers_tabs():
    assert _buyer_cell(_item("Dana")) == "Dana"
    customer = CustomerRecord(profile="p", partner=PARTNER, token="Aa11", trade_url="", label="")
    assert BuyerSummary(customer).display_name == _buyer_cell(_item(""))
    assert buyer_label("", None) == ""
    assert _buyer_cell(_item("", partner=None)) == ""
