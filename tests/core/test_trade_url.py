from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skins_console.core.errors import TradeUrlError, TradeUrlPhishingError
from skins_console.core.trade_url import (
    MAX_ACCOUNT_ID,
    STEAMID64_BASE,
    TradeUrl,
    parse_trade_url,
)

GOOD = "https://steamcommunity.com/tradeoffer/new/?partner=123456789&token=AbCdEfGh"
CANONICAL = GOOD
REAL_URLS = [
    line.split("\t")
    for line in (Path(__file__).parent / "data" / "trade-urls.tsv")
    .read_text(encoding="utf-8")
    .splitlines()
    if line and not line.startswith("#")
]


def test_the_real_data_file_holds_the_16_published_urls():
    assert len(REAL_URLS) == 16
    assert all(len(row) == 2 and row[1].startswith("https://") for row in REAL_URLS)


@pytest.mark.parametrize("url,where", REAL_URLS)
def test_real_published_trade_urls_are_accepted_in_every_pasted_form(url, where):
    parsed = parse_trade_url(url)
    assert parsed.url == url  # they are canonical already
    assert parsed.steamid64 == STEAMID64_BASE + parsed.partner
    bare = url.removeprefix("https://")
    for pasted in (
        url.replace("https://", "http://"),
        url.replace("https://", "https://www."),
        url.replace("https://", "http://www."),
        bare,
        "www." + bare,
        f"  {url}\n",
        f"here is my trade link: {url} thanks!",
        f"<{url}>",
        f"[trade]({url})",
        f"{url}.",
        url.replace("&", "&amp;"),
        url + "&utm_source=discord",
        url.replace("/?", "?"),
        f"{url}\n{url}",  # the same one twice is fine
        "\u200b" + url + "\u200e",
    ):
        assert parse_trade_url(pasted) == parsed, pasted


VALID = [
    ("https://steamcommunity.com/tradeoffer/new/?token=LYadzet-&partner=1", 1, "LYadzet-"),
    ("https://STEAMCOMMUNITY.com/tradeoffer/new/?partner=42&token=abcdefgh", 42, "abcdefgh"),
    ("https://steamcommunity.com./tradeoffer/new/?partner=42&token=abcdefgh", 42, "abcdefgh"),
    ("https://steamcommunity.com:443/tradeoffer/new/?partner=42&token=_bcdefg-", 42, "_bcdefg-"),
    ("https://steamcommunity.com/tradeoffer/new/?partner=0042&token=abcdefgh#x", 42, "abcdefgh"),
    (
        f"https://steamcommunity.com/tradeoffer/new/?partner={MAX_ACCOUNT_ID}&token=abcdefgh",
        MAX_ACCOUNT_ID,
        "abcdefgh",
    ),
    ('"' + GOOD + '"', 123456789, "AbCdEfGh"),
    (quote(GOOD, safe=""), 123456789, "AbCdEfGh"),  # %-encoded whole, as in a redirect
    (
        "buyer: Bob\ntrade url -> " + GOOD + "\nprofile https://steamcommunity.com/id/bob",
        123456789,
        "AbCdEfGh",
    ),
]


@pytest.mark.parametrize("text,partner,token", VALID)
def test_valid_trade_urls_are_stored_canonical(text, partner, token):
    parsed = parse_trade_url(text)
    assert (parsed.partner, parsed.token) == (partner, token)
    assert parsed.url == (
        f"https://steamcommunity.com/tradeoffer/new/?partner={partner}&token={token}"
    )


PHISHING = [
    GOOD.replace("steamcommunity.com", "steamcommunlty.com"),
    GOOD.replace("steamcommunity.com", "steamcomnunity.com"),
    GOOD.replace("steamcommunity.com", "steamcommunnity.com"),
    GOOD.replace("steamcommunity.com", "stearncommunity.com"),
    GOOD.replace("steamcommunity.com", "steamcommunity.co"),
    GOOD.replace("steamcommunity.com", "steamcommunity.com.evil.ru"),
    GOOD.replace("steamcommunity.com", "steamcommunity-trade.ru"),
    GOOD.replace("steamcommunity.com", "steamcommunіty.com"),  # Cyrillic і
    GOOD.replace("steamcommunity.com", "ѕteamcommunity.com"),  # Cyrillic ѕ
    GOOD.replace("steamcommunity.com", "steamcοmmunity.com"),  # Greek ο
    GOOD.replace("steamcommunity.com", "xn--steamcommunty-eil.com"),  # punycode of the і one
    GOOD.replace("steamcommunity.com", "steamcommunity%2ecom"),
    GOOD.replace("steamcommunity.com", "steamcommunity.com@evil.ru"),
    "https://evil.ru\\@steamcommunity.com/tradeoffer/new/?partner=1&token=abcdefgh",
    "https://trade-offers.example/tradeoffer/new/?partner=1&token=abcdefgh",
    # the host is judged first: these get the phishing warning, not a scheme complaint
    GOOD.replace("https://steamcommunity.com", "htps://steamcommunlty.com"),
    GOOD.replace("https://steamcommunity.com", "steamcommunlty.com"),
    GOOD.replace("https://steamcommunity.com", "ftp://steamcommunity.com.evil.ru:99999"),
    # a real URL next to a phishing copy: the text as a whole is suspicious
    f"{GOOD} or {GOOD.replace('steamcommunity', 'steamcommunlty')}",
]


@pytest.mark.parametrize("text", PHISHING)
def test_look_alike_hosts_get_a_phishing_warning(text):
    with pytest.raises(TradeUrlPhishingError) as info:
        parse_trade_url(text)
    message = info.value.message
    assert message.startswith("Phishing warning") and "Do not open it" in message
    assert info.value.field == "trade_url" and info.value.code == "phishing_trade_url"


def test_the_warning_shows_what_the_disguised_host_really_is():
    with pytest.raises(TradeUrlPhishingError) as info:
        parse_trade_url(GOOD.replace("steamcommunity.com", "steamcommunіty.com"))
    assert "xn--" in info.value.message and "non-Latin" in info.value.message


INVALID = [
    ("", "Paste a Steam trade URL"),
    ("   ", "Paste a Steam trade URL"),
    ("not a url at all", "not a Steam trade URL"),
    ("hello", "not a Steam trade URL"),
    ("https://google.com/", "goes to “google.com”"),
    ("https://store.steampowered.com/app/730", "not store.steampowered.com"),
    ("https://help.steamcommunity.com/tradeoffer/new/?partner=1&token=abcdefgh", "not help."),
    (GOOD.replace("https", "ftp"), "not ftp://"),
    (GOOD.replace("https", "javascript"), "not javascript://"),
    (GOOD.replace("steamcommunity.com", "steamcommunity.com:8443"), "port (“:8443”)"),
    (GOOD.replace("steamcommunity.com", "steamcommunity.com:99999"), "port (“:99999”)"),
    (GOOD.replace("steamcommunity.com", "steamcommunity.com:abc"), "port (“:abc”)"),
    (GOOD.replace("steamcommunity.com", "steamcommunity.com:-1"), "port (“:-1”)"),
    (GOOD.replace("steamcommunity.com", "steamcommunity.com:" + "9" * 5000), "port"),
    (GOOD.replace("steamcommunity.com", "bob@steamcommunity.com"), "“bob@”"),
    (GOOD.replace("/tradeoffer/new/", "/profiles/76561198000000000/"), "profile link"),
    (GOOD.replace("/tradeoffer/new/", "/market/"), "its path is “/market/”"),
    (GOOD.replace("/tradeoffer/new/", "/tradeoffer\\new/"), "backslash"),
    ("https://steamcommunity.com/tradeoffer/new/?token=AbCdEfGh", "no partner"),
    ("https://steamcommunity.com/tradeoffer/new/?partner=123", "no token"),
    (GOOD.replace("partner=123456789", "partner="), "partner= is empty"),
    (GOOD.replace("partner=123456789", "partner=abc"), "partner=“abc” is not a number"),
    (GOOD.replace("partner=123456789", "partner=-5"), "not a number"),
    (GOOD.replace("partner=123456789", "partner=١٢٣"), "not a number"),  # Arabic digits
    (GOOD.replace("partner=123456789", "partner=²"), "not a number"),
    (GOOD.replace("partner=123456789", "partner=0"), "outside the range"),
    (GOOD.replace("partner=123456789", f"partner={MAX_ACCOUNT_ID + 1}"), "outside the range"),
    (GOOD.replace("partner=123456789", "partner=76561198000000000"), "SteamID64"),
    (GOOD.replace("partner=123456789", "partner=" + "7" * 5000), "5,000 digits long"),
    (GOOD.replace("partner=123456789", "partner=" + "1" * 11), "11 digits long"),
    (GOOD.replace("AbCdEfGh", "AbCdEfG"), "token=“AbCdEfG” has 7 characters"),
    (GOOD.replace("AbCdEfGh", "AbCdEfGhi"), "token=“AbCdEfGhi” has 9 characters"),
    (GOOD.replace("AbCdEfGh", "AbCd$fGh"), "token=“AbCd$fGh” contains “$”"),
    (GOOD.replace("AbCdEfGh", "AbCd%00fGh"), "token=“AbCd\\u0000fGh” contains"),
    (GOOD.replace("AbCdEfGh", "x" * 3000), "has 3,000 characters"),
    (GOOD + "&partner=999", "repeats partner= with different values (“123456789” and “999”)"),
    (GOOD + "&token=zzzzzzzz", "repeats token="),
    (GOOD + " " + GOOD.replace("123456789", "987654321"), "2 different trade URLs"),
    (GOOD.replace("&token", " &token"), "broken by a space"),
    (GOOD.replace("&token", "\n&token"), "broken by a space"),
    ("x" * 20_001, "20,001 characters long"),
]


@pytest.mark.parametrize("text,fragment", INVALID)
def test_invalid_trade_urls_say_what_is_wrong(text, fragment):
    with pytest.raises(TradeUrlError) as info:
        parse_trade_url(text)
    assert not isinstance(info.value, TradeUrlPhishingError)
    assert fragment in info.value.message
    assert info.value.field == "trade_url"
    assert "\n" not in info.value.message and len(info.value.message) < 400


def test_two_different_urls_are_both_named():
    other = GOOD.replace("123456789", "987654321")
    with pytest.raises(TradeUrlError) as info:
        parse_trade_url(f"old: {GOOD}\nnew: {other}")
    assert GOOD in info.value.message and other in info.value.message


def test_derived_steam_ids():
    parsed = parse_trade_url(GOOD)
    assert parsed.steamid64 == 76561197960265728 + 123456789
    assert str(parsed.steamid64).startswith("7656119") and len(str(parsed.steamid64)) == 17
    assert parsed.profile_url == f"https://steamcommunity.com/profiles/{parsed.steamid64}"
    assert parsed.steam3 == "[U:1:123456789]"
    assert parsed.steam2 == "STEAM_0:1:61728394"


TOKENS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
    min_size=8,
    max_size=8,
)
PARTNERS = st.integers(min_value=1, max_value=MAX_ACCOUNT_ID)
PREFIXES = st.sampled_from(
    ["https://", "http://", "https://www.", "http://www.", "", "www.", "HTTPS://WWW."]
)


@given(
    partner=PARTNERS,
    token=TOKENS,
    swap=st.booleans(),
    prefix=PREFIXES,
    pad=st.sampled_from(["", " ", "\n\t", " see: "]),
)
def test_property_round_trip(partner, token, swap, prefix, pad):
    query = f"token={token}&partner={partner}" if swap else f"partner={partner}&token={token}"
    text = f"{pad}{prefix}steamcommunity.com/tradeoffer/new/?{query}{pad}"
    parsed = parse_trade_url(text)
    assert parsed == TradeUrl(partner, token)
    assert parse_trade_url(parsed.url) == parsed  # the canonical form is a fixed point
    assert parsed.steamid64 - STEAMID64_BASE == partner


def _parser_only_accepts_or_refuses(text: str) -> None:
    try:
        parsed = parse_trade_url(text)
    except TradeUrlError as exc:
        assert exc.message and exc.field == "trade_url"
        assert "\n" not in exc.message
    else:
        assert 1 <= parsed.partner <= MAX_ACCOUNT_ID and len(parsed.token) == 8
        assert parsed.url.startswith("https://steamcommunity.com/tradeoffer/new/?partner=")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_property_arbitrary_text_is_accepted_or_refused(text):
    _parser_only_accepts_or_refuses(text)


URL_PARTS = st.one_of(
    st.sampled_from(
        [
            "https://", "http://", "://", "steamcommunity.com", "www.", ":", "@", "/", "\\",
            "?", "#", "&", "&amp;", "=", "%", "%00", "[", "]", ".", "xn--", "partner=",
            "token=", "/tradeoffer/new/", ":99999", ":-1", ":abc", "7656119", "і", "ｓ", " ",
        ]
    ),
    st.from_regex(r"[0-9]{1,400}", fullmatch=True),
    st.text(max_size=12),
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(URL_PARTS, max_size=14).map("".join))
def test_property_url_shaped_junk_is_accepted_or_refused(text):
    _parser_only_accepts_or_refuses(text)


@settings(max_examples=300, deadline=None)
@given(
    partner=st.one_of(PARTNERS.map(str), st.from_regex(r"-?[0-9]{0,6000}", fullmatch=True)),
    port=st.one_of(st.none(), st.text(max_size=8), st.integers().map(str)),
    token=st.text(max_size=20),
)
def test_property_any_port_partner_or_token_gets_a_specific_answer(partner, port, token):
    host = "steamcommunity.com" + ("" if port is None else ":" + port)
    url = f"https://{host}/tradeoffer/new/?partner={partner}&token={quote(token)}"
    _parser_only_accepts_or_refuses(url)


@given(
    partner=PARTNERS,
    token=st.text(min_size=1, max_size=12).filter(
        lambda t: not (len(t) == 8 and all(c.isascii() and (c.isalnum() or c in "-_") for c in t))
    ),
)
def test_property_bad_tokens_rejected_naming_the_token(partner, token):
    url = f"https://steamcommunity.com/tradeoffer/new/?partner={partner}&token={quote(token)}"
    with pytest.raises(TradeUrlError) as info:
        parse_trade_url(url)
    assert "token" in info.value.message
