"""The attention queue's Buyer column names a buyer the way the Buyers tab does: the name
the operator gave them, else their SteamID64 (one rule, ``core.buyers.buyer_label``)."""

from __future__ import annotations

from datetime import UTC, datetime

from skins_console.core.attention import AttentionItem
from skins_console.core.buyer_columns import ATTENTION_COLUMNS
from skins_console.core.buyers import BuyerSummary, buyer_label
from skins_console.core.columns import cli_columns, texts
from skins_console.core.records import CustomerRecord, OrderRecord
from skins_console.core.trade_url import STEAMID64_BASE

PARTNER = 55_123_777
AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _item(name: str, partner: int | None = PARTNER) -> AttentionItem:
    order = OrderRecord(
        profile="p",
        external_id="shop-1",
        catalog_item_id="c1",
        item_name="AK-47 | Redline (Field-Tested)",
        expected_price_cents=1234,
        trade_url="https://steamcommunity.com/tradeoffer/new/?partner=55123777&token=Aa11",
        webhook_url="",
        request_body={},
        status="reversed",
        created_at=AT,
        updated_at=AT,
        buyer_partner=partner,
    )
    return AttentionItem("order", "shop-1", "reversed", order, buyer_name=name)


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
