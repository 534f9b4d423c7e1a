"""The bounds on what a provider answer or webhook body may be, where JSON is decoded
(``core.money.loads_exact`` and the stepwise reader) and where numbers are parsed."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from skins_console.api.json_stream import loads_exact_stepwise
from skins_console.api.webhook_signatures import verify_skinslink_webhook
from skins_console.core.errors import WebhookRejected
from skins_console.core.money import (
    INT64_MAX,
    INT64_MIN,
    MAX_JSON_DEPTH,
    JsonDepthError,
    MoneyError,
    check_int64,
    check_json_depth,
    loads_exact,
    parse_cents,
    parse_usd,
)


def nested(depth: int, open_: str = "[", close: str = "]") -> str:
    return open_ * depth + close * depth


@pytest.mark.parametrize(
    "document",
    [
        nested(MAX_JSON_DEPTH),
        '{"a":' * (MAX_JSON_DEPTH - 1) + "[1]" + "}" * (MAX_JSON_DEPTH - 1),
        # brackets inside strings are text, however many, escaped quotes included
        json.dumps({"s": "[" * 5000 + '\\"{' * 100, "t": ["]" * 50]}),
        "[" + ",".join([nested(MAX_JSON_DEPTH - 1)] * 200) + "]",
    ],
)
def test_documents_up_to_the_bound_decode(document):
    assert loads_exact(document) == json.loads(document)
    assert loads_exact_stepwise(document.encode(), step=7) == json.loads(document)


@pytest.mark.parametrize(
    "document",
    [
        nested(MAX_JSON_DEPTH + 1),
        nested(1000),  # 1,000 levels in a few kB: what broke the parser
        '{"a":' * 1000 + "1" + "}" * 1000,
        "[" * 100_000,  # unclosed as well as deep
        '[{"x":[' + nested(MAX_JSON_DEPTH) + "]}]",
    ],
)
def test_deeper_documents_are_refused_before_decoding(document):
    with pytest.raises(JsonDepthError, match=f"more than {MAX_JSON_DEPTH} levels"):
        loads_exact(document)
    with pytest.raises(JsonDepthError):
        loads_exact(document.encode("utf-16"))  # bytes in any JSON encoding
    with pytest.raises(ValueError):  # JsonDepthError, or RecursionError turned into one
        loads_exact_stepwise(document.encode(), step=64)


def test_the_stepwise_reader_refuses_the_same_depth_inside_a_large_answer():
    item = {"id": "x", "pad": "y" * 200}
    # the answer object and its list are two levels: an item may nest MAX_JSON_DEPTH - 2
    deep = {"items": [item] * 500 + [json.loads(nested(MAX_JSON_DEPTH - 1))]}
    raw = json.dumps(deep).encode()
    with pytest.raises(JsonDepthError):
        loads_exact_stepwise(raw, step=4096)
    ok = {"items": [item] * 500 + [json.loads(nested(MAX_JSON_DEPTH - 2))]}
    assert loads_exact_stepwise(json.dumps(ok).encode(), step=4096) == ok


def test_unbalanced_text_is_left_for_the_decoder_to_explain():
    check_json_depth("[" * 50 + "]" * 30)  # unbalanced but shallow enough: no verdict here
    with pytest.raises(json.JSONDecodeError):
        loads_exact("[" * 30 + "}" * 30)


def test_a_webhook_body_is_bounded_too():
    with pytest.raises(WebhookRejected) as info:
        verify_skinslink_webhook(nested(1000).encode(), "secret")
    assert info.value.reason == "malformed"


def test_integers_must_fit_64_bits():
    assert check_int64(INT64_MAX, field="n") == INT64_MAX
    assert check_int64(INT64_MIN, field="n") == INT64_MIN
    for bad in (INT64_MAX + 1, INT64_MIN - 1, 10**30):
        with pytest.raises(MoneyError, match=r"n: .* does not fit in 64 bits"):
            check_int64(bad, field="n")
    with pytest.raises(MoneyError, match="64 bits"):
        parse_cents(2**63, field="price")
    with pytest.raises(MoneyError):
        parse_cents("9223372036854775808", field="price")  # 19 digits: not an integer string


@pytest.mark.parametrize("literal", ["1840.0", "1e3", "1.84E+3", "1e+300"])
def test_a_cents_value_written_as_a_decimal_is_garbled_not_rounded(literal):
    with pytest.raises(MoneyError, match="decimal number"):
        parse_cents(loads_exact(literal), field="amount")


@pytest.mark.parametrize(
    "literal, words",
    [
        ("1e+300", "out of range"),
        ("1000000000000", "out of range"),
        ("-1000000000000.5", "out of range"),
        ("0.0000001", "more than 6 decimal places"),
    ],
)
def test_usd_amounts_are_bounded(literal, words):
    with pytest.raises(MoneyError, match=words):
        parse_usd(loads_exact(literal), field="sum")


def test_usd_amounts_within_bounds_stay_exact():
    assert parse_usd(loads_exact("999999999999.999999")) == Decimal("999999999999.999999")
    assert parse_usd(loads_exact("22.750000000")) == Decimal("22.75")
    assert parse_usd(loads_exact("12.345")) == Decimal("12.345")
