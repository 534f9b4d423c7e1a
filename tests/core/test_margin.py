"""Charged amounts as typed, and each order's cost, refund, charged and margin."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from skins_console.core.errors import ValidationError
from skins_console.core.margin import Charged, format_amount, order_figures, parse_charged
from tests.fixtures.store import make_order

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ORDER = make_order(
    "WEB-1", "completed", T0, charged_amount=Decimal("24.90"), charged_currency="USD"
)


@pytest.mark.parametrize(
    "text, currency, expected",
    [
        ("25", None, Charged(Decimal("25"), "USD")),
        ("25.50", None, Charged(Decimal("25.50"), "USD")),
        ("$1,234.5", None, Charged(Decimal("1234.5"), "USD")),
        ("1,250 eur", None, Charged(Decimal("1250"), "EUR")),
        ("EUR 12.30", "eur", Charged(Decimal("12.30"), "EUR")),
        ("€12", None, Charged(Decimal("12"), "EUR")),
        ("0.00012345", "btc", Charged(Decimal("0.00012345"), "BTC")),
        (" 19.99 ", "USDT", Charged(Decimal("19.99"), "USDT")),
    ],
)
def test_charged_amounts_are_read_exactly(text, currency, expected):
    assert parse_charged(text, currency) == expected


@pytest.mark.parametrize(
    "text, currency, words",
    [
        ("", None, "not an amount"),
        ("abc", None, "not an amount"),
        ("-5", None, "not an amount"),
        ("0", None, "more than 0"),
        ("1,5", None, "not an amount"),  # a decimal comma: refused, never guessed
        ("12.5.1", None, "not an amount"),
        ("1e3", None, "not an amount"),
        ("NaN", None, "not an amount"),
        ("1000000000000", None, "less than 10^12"),
        ("0.000000001", None, "more than 8 decimal places"),
        ("12 EUR", "USD", "is in EUR but the currency says USD"),
        ("12", "E", "not a currency code"),
        ("12", "<script>", "not a currency code"),
    ],
)
def test_bad_charged_amounts_say_what_is_wrong(text, currency, words):
    with pytest.raises(ValidationError) as caught:
        parse_charged(text, currency)
    assert words in caught.value.message


def test_format_keeps_every_decimal_and_groups_thousands():
    assert format_amount(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_amount(Decimal("-0.125"), "USD") == "-$0.125"
    assert format_amount(Decimal("25"), "EUR") == "25.00 EUR"


def test_a_delivered_usd_order_has_its_margin():
    figures = order_figures(ORDER)
    assert figures.cost_cents == 1840 and figures.refunded_cents == 0
    assert figures.margin == Decimal("6.50") and figures.note == "" and figures.sold
    # The reported price, once there, is the cost.
    assert order_figures(replace(ORDER, amount_cents=1790)).margin == Decimal("7.00")
    # A sale below cost is a negative margin, not hidden.
    cheap = replace(ORDER, charged_amount=Decimal("10"))
    assert order_figures(cheap).margin == Decimal("-8.40")


@pytest.mark.parametrize(
    "status, refunded, reversed_, note",
    [
        ("failed", 1840, False, "no sale: failed, SkinsNode refunded the price"),
        ("expired", 1840, False, "no sale: expired, SkinsNode refunded the price"),
        ("cancelled", 1840, False, "no sale: cancelled, SkinsNode refunded the price"),
        ("reversed", 0, True, "no sale: reversed after delivery"),
    ],
)
def test_refunded_and_reversed_orders_have_no_margin(status, refunded, reversed_, note):
    figures = order_figures(replace(ORDER, status=status))
    assert figures.cost_cents == 1840 and figures.refunded_cents == refunded
    assert figures.reversed is reversed_ and figures.margin is None and figures.note == note
    assert not figures.sold


@pytest.mark.parametrize("status", ["draft", "sending", "rejected"])
def test_orders_skinsnode_never_confirmed_cost_nothing_yet(status):
    figures = order_figures(replace(ORDER, status=status))
    assert figures.cost_cents is None and figures.margin is None and not figures.placed
    assert figures.note.startswith("not placed at SkinsNode")


def test_other_currencies_show_the_charge_but_never_a_converted_margin():
    figures = order_figures(replace(ORDER, charged_currency="EUR"))
    assert figures.charged == Charged(Decimal("24.90"), "EUR") and figures.margin is None
    assert "charged in EUR" in figures.note and "no exchange rate is guessed" in figures.note
    assert order_figures(replace(ORDER, charged_amount=None)).note == "no charged amount entered"
    # Still open: the margin is shown (the status column says it is not final).
    assert order_figures(replace(ORDER, status="sent")).margin == Decimal("6.50")
