"""Response parsing and request preparation, without the network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from skins_console.api.shape import ShapeError
from skins_console.api.skinslink_client import check_deposit_request, prepare_names
from skins_console.api.skinslink_parse import parse_deposit_state, parse_quote
from skins_console.api.skinsnode_parse import (
    accepted_from_state,
    parse_catalog,
    parse_catalog_item,
    parse_order_accepted,
    parse_order_state,
    parse_wallet,
)
from skins_console.core.errors import MarketNameError, ValidationError
from skins_console.core.models import DepositItem, DepositRequest
from skins_console.core.money import loads_exact

ITEM = {
    "id": "8d15e82b-21fe-4ec1-a37f-1e2e5edeb1fd",
    "marketHashName": "★ Karambit | Doppler (Factory New)",
    "price": 1840,
    "currency": "USD",
    "phase": None,
    "floatValue": "0.0183",
    "paintIndex": 418,
    "paintSeed": 661,
    "rarityColor": "#eb4b4b",
    "classId": "123",
    "instanceId": "0",
    "imageUrl": "https://cdn.example/k.png",
}


# --- SkinsNode money -------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, cents", [('"1840"', 1840), ('"0"', 0), ("1840", 1840), ('" 25 "', 25)]
)
def test_wallet_balance_integer_strings(raw, cents):
    data = loads_exact(f'{{"clientId":"c1","currency":"USD","availableBalance":{raw}}}')
    wallet = parse_wallet(data)
    assert wallet.available_cents == cents and isinstance(wallet.available_cents, int)


@pytest.mark.parametrize(
    "raw", ['"12.5"', "12.5", "true", '"1e3"', '"12,50"', '""', "null", '{"v":1}', '"١٢"']
)
def test_wallet_balance_refuses_non_integer_cents(raw):
    data = loads_exact(f'{{"clientId":"c1","currency":"USD","availableBalance":{raw}}}')
    with pytest.raises(ShapeError) as info:
        parse_wallet(data)
    assert "availableBalance" in str(info.value)


def test_wallet_missing_balance_and_wrong_shape():
    with pytest.raises(ShapeError):
        parse_wallet({"clientId": "c1"})
    with pytest.raises(ShapeError):
        parse_wallet([1, 2])


def test_wallet_tolerates_null_currency_and_unknown_fields():
    wallet = parse_wallet({"availableBalance": "99", "currency": None, "extra": {"a": 1}})
    assert wallet.currency == "USD"
    assert wallet.raw["extra"] == {"a": 1}


# --- catalog ---------------------------------------------------------------------------


def test_catalog_item_fields():
    item = parse_catalog_item(dict(ITEM))
    assert item.price_cents == 1840
    assert item.float_value == Decimal("0.0183")
    assert item.display_phase == "Phase 1"
    assert item.paint_index == 418
    assert item.raw == ITEM


def test_catalog_item_nulls_and_missing_optionals():
    item = parse_catalog_item(
        {
            "id": "x1",
            "marketHashName": "AK-47 | Redline (Field-Tested)",
            "price": "250",
            "floatValue": None,
            "paintIndex": None,
            "future": 1,
        }
    )
    assert item.price_cents == 250
    assert item.float_value is None and item.paint_index is None and item.image_url is None


def test_catalog_bad_entries_are_skipped_with_reasons():
    good = dict(ITEM)
    entries = [
        good,
        {**ITEM, "id": "b1", "price": 12.5},
        {**ITEM, "id": "b2", "price": True},
        {**ITEM, "id": "b3", "price": "12.5"},
        {**ITEM, "id": None},
        {**ITEM, "id": "b5", "marketHashName": ""},
        "not an object",
        {**ITEM, "id": "b7", "price": -5},
        {**ITEM},  # duplicate id
        {**ITEM, "id": "ok2", "price": "99"},
    ]
    catalog = parse_catalog(loads_exact(__import__("json").dumps({"items": entries})))
    assert [item.id for item in catalog.items] == [ITEM["id"], "ok2"]
    reasons = dict(catalog.skipped)
    assert set(reasons) == {1, 2, 3, 4, 5, 6, 7, 8}
    assert "float" in reasons[1] or "12.5" in reasons[1]
    assert "boolean" in reasons[2]
    assert "'12.5'" in reasons[3]
    assert "id is missing" in reasons[4]
    assert "marketHashName" in reasons[5]
    assert "JSON object" in reasons[6]
    assert "negative" in reasons[7]
    assert "duplicate" in reasons[8]
    assert reasons[1].startswith("★ Karambit")


def test_catalog_shapes():
    assert parse_catalog({"items": None}).items == ()
    assert parse_catalog({"items": [], "next": None}).skipped == ()
    for bad in ({}, {"items": {}}, [], "x"):
        with pytest.raises(ShapeError):
            parse_catalog(bad)


# --- orders ----------------------------------------------------------------------------

ORDER = {
    "externalId": "ord_1",
    "status": "sent",
    "steamOfferId": 7193849201,
    "tradeUrl": "https://steamcommunity.com/tradeoffer/new/?partner=1&token=abcdefgh",
    "item": {"id": "x"},
    "pricing": {"amount": "1840", "currency": "USD"},
    "failure": None,
    "timestamps": {"acceptedAt": "2026-04-25T12:30:00.000Z", "sentAt": "junk"},
}


def test_order_state():
    state = parse_order_state(dict(ORDER))
    assert state.amount_cents == 1840 and state.currency == "USD"
    assert state.steam_offer_id == "7193849201"
    assert list(state.timestamps) == ["acceptedAt"]
    accepted = accepted_from_state(state)
    assert accepted.accepted_at == datetime(2026, 4, 25, 12, 30, tzinfo=UTC)
    assert accepted.status == "sent"


def test_order_state_refuses_fractional_amount_and_tolerates_nulls():
    with pytest.raises(ShapeError):
        parse_order_state({**ORDER, "pricing": {"amount": "18.40"}})
    with pytest.raises(ShapeError):
        parse_order_state({**ORDER, "status": None})
    state = parse_order_state(
        {
            "externalId": "o",
            "status": "failed",
            "pricing": None,
            "timestamps": None,
            "failure": {"code": "price_changed"},
        }
    )
    assert state.amount_cents is None and state.timestamps == {}
    assert state.failure.code == "price_changed"


def test_order_accepted_reads_the_echoed_key_and_a_provider_status():
    body = {"externalId": "ord_1", "status": "accepted", "acceptedAt": "2026-04-25T12:30:00Z"}
    accepted = parse_order_accepted(body)
    assert (accepted.external_id, accepted.status) == ("ord_1", "accepted")
    with pytest.raises(ShapeError, match="console state"):
        parse_order_accepted({**body, "status": "rejected"})


# --- Skinslink -------------------------------------------------------------------------


def test_quote_lock_and_exact_decimals():
    at = datetime(2026, 11, 22, 12, tzinfo=UTC)
    data = loads_exact(
        '{"id":742,"total":2,"sum":45.50,"items":['
        '{"name":"A","price":22.75,"originalPrice":23.10},'
        '{"name":"B","price":22.75,"originalPrice":null}]}'
    )
    quote = parse_quote(data, game="csgo", requested=("A", "B", "C"), fetched_at=at)
    assert quote.trade_id == 742
    assert quote.sum == Decimal("45.50")
    assert quote.items[0].original_price == Decimal("23.10")
    assert quote.lock_expires_at == at + timedelta(minutes=5)
    assert quote.unpriced == ("C",)
    assert quote.is_locked(at + timedelta(minutes=4, seconds=59))
    assert not quote.is_locked(at + timedelta(minutes=5))


def test_quote_without_id_or_items():
    quote = parse_quote({"total": 0, "sum": 0, "items": None}, game="csgo", requested=("A",))
    assert quote.trade_id is None and quote.lock_expires_at is None
    assert quote.items == () and quote.unpriced == ("A",)
    with pytest.raises(ShapeError):
        parse_quote(
            {"id": 1, "items": [{"name": "A", "price": "abc"}]}, game="csgo", requested=("A",)
        )
    with pytest.raises(ShapeError):
        parse_quote({"id": True, "items": []}, game="csgo", requested=("A",))


def test_deposit_state():
    state = parse_deposit_state(
        loads_exact(
            '{"id":9,"merchant_tx_id":"d1","status":"active","amount":45.5,'
            '"bot_name":"Bot #3","bot_steam_id":76561198000000002,"trade_offer_id":"6000",'
            '"trade_offer_expiry_at":"2026-11-22T12:10:00Z","hold_end_date":null,'
            '"fail_reason":null,"success_url":"https://x"}'
        )
    )
    assert state.amount == Decimal("45.5")
    assert state.bot_steam_id == 76561198000000002
    assert state.trade_offer_expiry_at.minute == 10
    assert state.raw["success_url"] == "https://x"
    with pytest.raises(ShapeError):
        parse_deposit_state({"id": 9})
    with pytest.raises(ShapeError):
        parse_deposit_state({"id": "x", "status": "active"})


def test_prepare_names_trims_dedupes_and_limits():
    names = prepare_names(
        "csgo",
        [
            " AK-47|Redline  (field-tested) ",
            "AK-47|Redline  (field-tested)",
            "StatTrak ★ Karambit | Doppler (Factory New)",
        ],
    )
    # Exact strings: only the ends are trimmed (tests/names proves it for every real name).
    assert names == (
        "AK-47|Redline  (field-tested)",
        "StatTrak ★ Karambit | Doppler (Factory New)",
    )
    assert prepare_names("rust", ["  Big   Grin  "]) == ("Big   Grin",)
    with pytest.raises(ValidationError, match="at least one"):
        prepare_names("csgo", [])
    with pytest.raises(ValidationError, match=r"at most 2000.*2001"):
        prepare_names("csgo", [f"Sticker | {i}" for i in range(2001)])
    assert len(prepare_names("csgo", [f"Sticker | {i}" for i in range(2000)])) == 2000
    with pytest.raises(MarketNameError, match="Name 2"):
        prepare_names("csgo", ["AWP | Asiimov (Field-Tested)", "   "])
    with pytest.raises(ValidationError, match="list"):
        prepare_names("csgo", "AWP | Asiimov (Field-Tested)")


def _deposit(**kw) -> DepositRequest:
    base = dict(
        trade_id=742,
        merchant_tx_id="dep_1",
        game="csgo",
        partner=123456789,
        token="AbCdEfGh",
        items=(DepositItem("38029384123", "AK-47 | Redline (Field-Tested)", Decimal("22.50")),),
    )
    base.update(kw)
    return DepositRequest(**base)


def test_check_deposit_request():
    check_deposit_request(_deposit())
    bad = [
        (dict(items=(DepositItem("abc", "AK"),)), "asset_id"),
        (dict(items=(DepositItem("12 3", "AK"),)), "asset_id"),
        (dict(items=()), "items"),
        (dict(token="short"), "trade_url"),
        (dict(trade_id=0), "trade_id"),
        (dict(merchant_tx_id=" "), "merchant_tx_id"),
        (dict(items=(DepositItem("1", "AK", Decimal("-1")),)), "min_price"),
    ]
    for change, field in bad:
        with pytest.raises(ValidationError) as info:
            check_deposit_request(_deposit(**change))
        assert info.value.field == field, change
    with pytest.raises(MarketNameError):
        check_deposit_request(_deposit(game="minecraft"))
