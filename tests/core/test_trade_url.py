import pytest
from hypothesis import given
from hypothesis import strategies as st

from skins_console.core.errors import TradeUrlError
from skins_console.core.trade_url import (
    MAX_ACCOUNT_ID,
    STEAMID64_BASE,
    TradeUrl,
    parse_trade_url,
    steamid64_to_account_id,
)

GOOD = "https://steamcommunity.com/tradeoffer/new/?partner=123456789&token=AbCdEfGh"

VALID = [
    (GOOD, 123456789, "AbCdEfGh"),
    ("  " + GOOD + "\n", 123456789, "AbCdEfGh"),
    ("https://steamcommunity.com/tradeoffer/new/?token=LYadzet-&partner=1", 1, "LYadzet-"),
    ("https://steamcommunity.com/tradeoffer/new/?partner=42&amp;token=K9F2DR-E", 42, "K9F2DR-E"),
    ("https://steamcommunity.com/tradeoffer/new?partner=42&token=K9F2DR_E", 42, "K9F2DR_E"),
    ("https://STEAMCOMMUNITY.com/tradeoffer/new/?partner=42&token=abcdefgh", 42, "abcdefgh"),
    (
        f"https://steamcommunity.com/tradeoffer/new/?partner={MAX_ACCOUNT_ID}&token=abcdefgh",
        MAX_ACCOUNT_ID,
        "abcdefgh",
    ),
    ("<" + GOOD + ">", 123456789, "AbCdEfGh"),
    ('"' + GOOD + '"', 123456789, "AbCdEfGh"),
    ("\u200b" + GOOD, 123456789, "AbCdEfGh"),
    (GOOD + "&utm_source=chat", 123456789, "AbCdEfGh"),
]

INVALID = [
    ("", "Paste the buyer's Steam trade URL"),
    ("   ", "Paste the buyer's Steam trade URL"),
    (GOOD.replace("https", "http"), "https://, not http://"),
    (GOOD.replace("https://", ""), "must start with https://"),
    (GOOD.replace("steamcommunity.com", "steamcommunity.co"), "phishing"),
    (GOOD.replace("steamcommunity.com", "steamcommunnity.com"), "phishing"),
    (GOOD.replace("steamcommunity.com", "steamcommunity.com.evil.io"), "phishing"),
    (GOOD.replace("steamcommunity.com", "www.steamcommunity.com"), "must be exactly"),
    (GOOD.replace("steamcommunity.com", "steamcommunity.com:8443"), "port"),
    (GOOD.replace("/tradeoffer/new/", "/profiles/76561198000000000/"), "not a trade URL"),
    ("https://steamcommunity.com/tradeoffer/new/?token=AbCdEfGh", "no partner"),
    ("https://steamcommunity.com/tradeoffer/new/?partner=123", "no token"),
    (GOOD.replace("partner=123456789", "partner=abc"), "is not a number"),
    (GOOD.replace("partner=123456789", "partner=0"), "outside the range"),
    (GOOD.replace("partner=123456789", "partner=-5"), "is not a number"),
    (GOOD.replace("partner=123456789", f"partner={MAX_ACCOUNT_ID + 1}"), "outside the range"),
    (GOOD.replace("partner=123456789", "partner=76561198000000000"), "SteamID64"),
    (GOOD.replace("AbCdEfGh", "AbCdEfG"), "exactly 8 characters; this one has 7"),
    (GOOD.replace("AbCdEfGh", "AbCdEfGhi"), "exactly 8 characters; this one has 9"),
    (GOOD.replace("AbCdEfGh", "AbCd$fGh"), "letters, digits"),
    (GOOD + "&partner=999", "repeats"),
    (GOOD + " " + GOOD, "several links"),
    (GOOD.replace("&token", " &token"), "spaces"),
    ("not a url at all", "not a Steam trade URL"),
]


@pytest.mark.parametrize("text,partner,token", VALID)
def test_valid_trade_urls(text, partner, token):
    parsed = parse_trade_url(text)
    assert (parsed.partner, parsed.token) == (partner, token)
    assert parsed.url == (
        f"https://steamcommunity.com/tradeoffer/new/?partner={partner}&token={token}"
    )


@pytest.mark.parametrize("text,fragment", INVALID)
def test_invalid_trade_urls_say_what_is_wrong(text, fragment):
    with pytest.raises(TradeUrlError) as info:
        parse_trade_url(text)
    assert fragment in info.value.message
    assert info.value.field == "trade_url"


def test_derived_steam_ids():
    parsed = parse_trade_url(GOOD)
    assert parsed.steamid64 == 76561197960265728 + 123456789
    assert str(parsed.steamid64).startswith("7656119") and len(str(parsed.steamid64)) == 17
    assert parsed.profile_url == f"https://steamcommunity.com/profiles/{parsed.steamid64}"
    assert parsed.steam3 == "[U:1:123456789]"
    assert parsed.steam2 == "STEAM_0:1:61728394"
    assert steamid64_to_account_id(parsed.steamid64) == 123456789


TOKENS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
    min_size=8,
    max_size=8,
)
PARTNERS = st.integers(min_value=1, max_value=MAX_ACCOUNT_ID)


@given(partner=PARTNERS, token=TOKENS, swap=st.booleans(), pad=st.sampled_from(["", " ", "\n\t"]))
def test_property_round_trip(partner, token, swap, pad):
    query = f"token={token}&partner={partner}" if swap else f"partner={partner}&token={token}"
    text = f"{pad}https://steamcommunity.com/tradeoffer/new/?{query}{pad}"
    parsed = parse_trade_url(text)
    assert parsed == TradeUrl(partner, token)
    assert parse_trade_url(parsed.url) == parsed  # normalised form is a fixed point
    assert parsed.steamid64 - STEAMID64_BASE == partner


@given(st.text(max_size=120))
def test_property_arbitrary_text_never_crashes(text):
    try:
        parsed = parse_trade_url(text)
    except TradeUrlError as exc:
        assert exc.message  # always a specific, non-empty message
    else:
        assert 1 <= parsed.partner <= MAX_ACCOUNT_ID and len(parsed.token) == 8


@given(
    partner=PARTNERS,
    token=st.text(min_size=1, max_size=12).filter(
        lambda t: not (len(t) == 8 and all(c.isascii() and (c.isalnum() or c in "-_") for c in t))
    ),
)
def test_property_bad_tokens_rejected(partner, token):
    from urllib.parse import quote

    url = f"https://steamcommunity.com/tradeoffer/new/?partner={partner}&token={quote(token)}"
    with pytest.raises(TradeUrlError):
        parse_trade_url(url)
