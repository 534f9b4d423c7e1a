"""One declaration serves the CSV export and the CLI tables of orders and deposits."""

from datetime import UTC, datetime
from decimal import Decimal

from skins_console.core.columns import cli_columns, csv_columns, headers, keys, texts, values
from skins_console.core.record_columns import DEPOSIT_COLUMNS, ORDER_COLUMNS
from skins_console.core.records import DepositRecord
from tests.fixtures.store import make_order

T0 = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)


def test_csv_headers_stay_what_bookkeeping_files_expect():
    # Merchants import these files into spreadsheets: a renamed key breaks their sheets.
    assert keys(csv_columns(ORDER_COLUMNS)) == (
        "external_id", "status", "status_text", "item_name", "catalog_item_id",
        "expected_price_usd", "charged_usd", "currency", "buyer_partner", "buyer_steamid64",
        "trade_url", "steam_offer_id", "failure_code", "failure_message", "created_at",
        "accepted_at", "sent_at", "completed_at", "settles_at", "updated_at",
        # added with the margin, at the end
        "cost_usd", "charged_amount", "charged_currency", "margin_usd", "no_margin_because",
        "shop_order",
        # added with team mode, at the end
        "operator", "sent_by",
    )  # fmt: skip
    assert keys(csv_columns(DEPOSIT_COLUMNS)) == (
        "merchant_tx_id", "trade_id", "status", "status_text", "game", "items", "asset_ids",
        "min_prices_usd", "amount_usd", "seller_partner", "trade_offer_id", "bot_name",
        "fail_reason", "created_at", "sent_at", "completed_at", "hold_end_date", "updated_at",
        "operator", "sent_by",
    )  # fmt: skip


def test_the_cli_shows_the_same_columns_as_people_read_them():
    order = make_order("sc-1", "completed", T0, amount_cents=1840)
    assert headers(cli_columns(ORDER_COLUMNS)) == (
        "Order", "Status", "Item", "Created", "Cost", "Charged", "Margin", "Operator",
    )  # fmt: skip
    shown = texts(cli_columns(ORDER_COLUMNS), order)
    assert shown[:3] == ("sc-1", "completed", "AK-47 | Redline (Field-Tested)")
    assert shown[4:] == ("$18.40", "—", "—", "")
    exact = values(csv_columns(ORDER_COLUMNS), order)
    assert exact["expected_price_usd"] == "18.40" and exact["charged_usd"] == "18.40"
    assert exact["created_at"] == "2026-10-02T09:00:00.000Z" and exact["accepted_at"] == ""
    assert exact["status_text"] == "Delivered"

    deposit = DepositRecord(
        profile="main",
        merchant_tx_id="dep-1",
        trade_id=7,
        game="csgo",
        partner=55512345,
        token="Zx9_Yw8v",
        items=({"name": "AWP | Y", "asset_id": "1", "min_price": Decimal("3.1")},),
        request_body={},
        status="hold",
        created_at=T0,
        updated_at=T0,
        amount=Decimal("22.755"),
    )
    assert headers(cli_columns(DEPOSIT_COLUMNS)) == (
        "Deposit",
        "Status",
        "Items",
        "Amount",
        "Created",
        "Operator",
    )
    assert texts(cli_columns(DEPOSIT_COLUMNS), deposit)[:4] == ("dep-1", "hold", "1", "$22.755")
    exact = values(csv_columns(DEPOSIT_COLUMNS), deposit)
    assert exact["amount_usd"] == "22.755" and exact["min_prices_usd"] == "3.1"
    assert exact["items"] == "AWP | Y" and exact["seller_partner"] == "55512345"


def test_who_did_it_is_a_column_of_both_books():
    order = make_order(
        "sc-2", "sent", T0, profile="shop", catalog_item_id="cat-2", operator="alice", sent_by="bob"
    )
    assert texts(cli_columns(ORDER_COLUMNS), order)[-1] == "alice"
    exact = values(csv_columns(ORDER_COLUMNS), order)
    assert (exact["operator"], exact["sent_by"]) == ("alice", "bob")
