"""The shared request path's pure parts: JSON out, Retry-After, error bodies, codes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from skins_console.api.http import RetryPolicy, dumps_exact, parse_retry_after
from skins_console.api.http_errors import error_detail, validation_details
from skins_console.api.skinslink_codes import (
    CODES,
    STEAM_ERRORS,
    describe_code,
    refine_skinslink_error,
    steam_error_number,
)
from skins_console.core.errors import (
    ApiValidationError,
    ProviderRefusal,
    QuoteExpiredError,
    ServerError,
)
from skins_console.core.money import loads_exact


def test_dumps_exact_writes_decimals_as_numbers():
    body = {"min_price": Decimal("22.750"), "n": [1, None, True, "★"], "x": Decimal("1E+2")}
    text = dumps_exact(body)
    assert text == '{"min_price":22.750,"n":[1,null,true,"★"],"x":100}'.encode()
    assert loads_exact(text)["min_price"] == Decimal("22.750")


def test_dumps_exact_refuses_floats_and_nan():
    with pytest.raises(TypeError):
        dumps_exact({"price": 22.75})
    with pytest.raises(ValueError):
        dumps_exact([Decimal("NaN")])
    with pytest.raises(TypeError):
        dumps_exact({"when": datetime.now()})


def test_retry_after_forms():
    now = datetime(2015, 10, 21, 7, 27, 50, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 10.0
    assert (
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=datetime(2016, 1, 1, tzinfo=UTC))
        == 0.0
    )
    for junk in (None, "", "soon", "-"):
        assert parse_retry_after(junk) is None
    assert parse_retry_after("-5") == 0.0


def test_backoff_is_bounded_and_jittered():
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=2.0)
    delays = [policy.backoff(i) for i in range(10) for _ in range(20)]
    assert all(0 < d <= 2.0 for d in delays)
    assert len({round(d, 6) for d in delays}) > 10
    assert all(0.25 <= policy.backoff(0) <= 0.5 for _ in range(50))


def test_error_detail_and_validation_details():
    assert error_detail({"message": "invalid API key"}) == "invalid API key"
    assert error_detail({"error": {"message": "nested"}}) == "nested"
    assert error_detail(b"<html>502 Bad Gateway</html>") is None
    assert error_detail(b"plain text") == "plain text"
    body = {
        "success": False,
        "message": "validation error",
        "data": [{"field": "A.game", "code": "required", "message": "game is required"}],
    }
    assert validation_details(body)[0]["code"] == "required"
    assert validation_details({"errors": {"tradeUrl": "bad"}}) == [
        {"field": "tradeUrl", "message": "bad"}
    ]


def _validation(body):
    return ApiValidationError(
        "x", details=validation_details(body), provider="Skinslink", status=400, body=body
    )


def test_refine_inventory_reload_is_quote_expired():
    body = {
        "success": False,
        "message": "validation error",
        "data": [{"field": "Trade.id", "code": "inventory_reload", "message": "reload"}],
    }
    error = refine_skinslink_error(400, body, _validation(body))
    assert isinstance(error, QuoteExpiredError)
    assert "5-minute quote expired; quote again" in error.message
    assert error.details[0]["code"] == "inventory_reload"


def test_refine_bare_message_code_and_steam_account_codes():
    body = {"success": False, "message": "item_specified_price_not_found"}
    error = refine_skinslink_error(400, body, _validation(body))
    assert type(error) is ProviderRefusal and error.code == "item_specified_price_not_found"
    assert "price fell below your minimum" in error.message
    body = {
        "success": False,
        "message": "validation error",
        "data": [{"field": "x", "code": "profile_private"}],
    }
    assert "private" in refine_skinslink_error(400, body, _validation(body)).message


def test_refine_leaves_unknown_codes_and_5xx_alone():
    body = {
        "success": False,
        "message": "validation error",
        "data": [{"field": "x", "code": "required"}],
    }
    original = _validation(body)
    assert refine_skinslink_error(400, body, original) is original
    server = ServerError(
        "x", provider="Skinslink", status=500, body={"message": "inventory_reload"}
    )
    assert refine_skinslink_error(500, server.body, server) is server


@pytest.mark.parametrize(
    "code",
    [
        "trade_link_revoked",
        "trade_link_invalid",
        "trade_banned",
        "profile_private",
        "limited_account",
        "hold",
        "permissions",
        "hold_and_permissions",
        "provider_unavailable",
        "too_many_items",
        "inventory_reload",
        "item_specified_price_not_found",
    ],
)
def test_every_required_code_has_plain_words(code):
    assert code in CODES
    assert describe_code(code) == CODES[code].text
    assert code not in describe_code(code)


@pytest.mark.parametrize("number", [15, 16, 24, 25, 26, 28, 50])
def test_steam_error_numbers(number):
    assert number in STEAM_ERRORS
    text = f"There was an error sending your trade offer. ({number})"
    assert steam_error_number(text) == number
    assert describe_code(text).endswith(f"(Steam error {number})")


def test_unknown_codes_are_shown_verbatim():
    assert describe_code("brand_new_reason") == "Skinslink reported “brand_new_reason”."
    assert describe_code(None) == "Skinslink gave no reason."
    assert steam_error_number("error 999") is None
    assert steam_error_number("EResult 15") == 15


@pytest.mark.parametrize("url", ["", "api.skinsnode.com", "ftp://x", "http://", "http://h:abc"])
def test_bad_base_urls_are_refused_with_a_clear_message(url):
    from skins_console.api.skinsnode_client import SkinsNodeClient
    from skins_console.core.errors import ValidationError

    with pytest.raises(ValidationError) as info:
        SkinsNodeClient(url, "id", "secret")
    assert info.value.field == "base_url" and "SkinsNode server address" in info.value.message


def test_base_url_trailing_slash_is_dropped():
    from skins_console.api.skinslink_client import SkinslinkClient

    assert (
        SkinslinkClient("http://127.0.0.1:1/api/v1/", "key").base_url == "http://127.0.0.1:1/api/v1"
    )
