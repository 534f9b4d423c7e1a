from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skins_console.core.money import (
    MoneyError,
    cents_to_usd,
    format_cents,
    format_usd,
    loads_exact,
    parse_cents,
    parse_cents_input,
    parse_usd,
    parse_usd_input,
    usd_to_cents,
)


@pytest.mark.parametrize(
    "value,expected",
    [(1840, 1840), ("1840", 1840), (" 0 ", 0), ("-250", -250)],
)
def test_parse_cents_accepts_integers_and_integer_strings(value, expected):
    assert parse_cents(value) == expected


@pytest.mark.parametrize(
    "value",
    [18.4, "18.40", "12.5", True, None, "", "1e3", "0x10", Decimal("1.5"), Decimal("12"), [], "١٢"],
)
def test_parse_cents_refuses_everything_else(value):
    with pytest.raises(MoneyError):
        parse_cents(value, field="availableBalance")


def test_parse_cents_message_names_the_field():
    with pytest.raises(MoneyError, match="availableBalance"):
        parse_cents("12.5", field="availableBalance")


def test_json_decimals_stay_exact():
    data = loads_exact(b'{"price": 22.75, "sum": 45.50, "n": 3, "tiny": 0.1}')
    assert data["price"] == Decimal("22.75") and isinstance(data["price"], Decimal)
    assert data["sum"] == Decimal("45.50")
    assert data["n"] == 3 and isinstance(data["n"], int)
    assert data["tiny"] + Decimal("0.2") == Decimal("0.3")


@pytest.mark.parametrize(
    "value,expected",
    [
        (Decimal("22.75"), Decimal("22.75")),
        (3, Decimal(3)),
        ("0.125", Decimal("0.125")),
        (0.1, Decimal("0.1")),
    ],
)
def test_parse_usd(value, expected):
    assert parse_usd(value) == expected


@pytest.mark.parametrize("value", ["abc", True, None, "1e5", "NaN", "Infinity"])
def test_parse_usd_refuses_junk(value):
    with pytest.raises(MoneyError):
        parse_usd(value)


def test_operator_input():
    assert parse_usd_input("$22.50") == Decimal("22.50")
    assert parse_usd_input(" 1,234.5 ") == Decimal("1234.5")
    assert parse_cents_input("1840") == 1840
    assert parse_cents_input("$18.40") == 1840
    with pytest.raises(MoneyError, match="fractions of a cent"):
        parse_cents_input("$18.405")
    with pytest.raises(MoneyError, match="negative"):
        parse_usd_input("-1")
    with pytest.raises(MoneyError, match="not a price"):
        parse_cents_input("eighteen")


def test_formatting():
    assert format_cents(1840) == "$18.40"
    assert format_cents(123456789) == "$1,234,567.89"
    assert format_cents(-5) == "-$0.05"
    assert format_cents(1840, "EUR") == "18.40 EUR"
    assert format_cents(None) == "—"
    assert format_usd(Decimal("22.75")) == "$22.75"
    assert format_usd(Decimal("0.125")) == "$0.125"
    assert format_usd(Decimal("1000")) == "$1,000.00"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_property_cents_round_trip(cents):
    assert parse_cents(str(cents)) == cents
    assert usd_to_cents(cents_to_usd(cents), exact=True) == cents
    formatted = format_cents(cents)
    digits = formatted.replace("$", "").replace(",", "").replace(".", "").replace("-", "")
    assert int(digits) == abs(cents)


@given(
    st.decimals(
        min_value=Decimal("0"),
        max_value=Decimal("1000000"),
        places=3,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_property_usd_json_round_trip_is_exact(amount):
    import json

    text = json.dumps({"price": float(0)}).replace("0.0", str(amount))
    assert loads_exact(text)["price"] == amount
    assert parse_usd(str(amount)) == amount


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_property_floats_never_become_cents(value):
    with pytest.raises(MoneyError):
        parse_cents(value)
