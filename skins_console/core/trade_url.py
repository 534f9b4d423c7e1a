"""Steam trade URLs: parsing, validation, normalisation and what they tell about the buyer.

Shape: ``https://steamcommunity.com/tradeoffer/new/?partner=<accountid>&token=<token>``.
``partner`` is the 32-bit account id (1 … 2^32-1); the token is 8 characters of
``[A-Za-z0-9_-]``. Every rejection names what is wrong, because operators paste these from
chat messages and need to know what to ask the buyer for.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from skins_console.core.errors import TradeUrlError

STEAMID64_BASE = 76561197960265728
MAX_ACCOUNT_ID = 2**32 - 1
TRADE_HOST = "steamcommunity.com"
TRADE_PATH = "/tradeoffer/new/"
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{8}")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


@dataclass(frozen=True, slots=True)
class TradeUrl:
    partner: int
    token: str

    @property
    def url(self) -> str:
        return f"https://{TRADE_HOST}{TRADE_PATH}?partner={self.partner}&token={self.token}"

    @property
    def steamid64(self) -> int:
        return STEAMID64_BASE + self.partner

    @property
    def profile_url(self) -> str:
        return f"https://steamcommunity.com/profiles/{self.steamid64}"

    @property
    def steam3(self) -> str:
        return f"[U:1:{self.partner}]"

    @property
    def steam2(self) -> str:
        return f"STEAM_0:{self.partner & 1}:{self.partner >> 1}"

    def __str__(self) -> str:
        return self.url


def normalise_pasted(text: str) -> str:
    """Trim, drop invisible characters and chat wrappers (``<…>``, quotes), decode ``&amp;``."""
    cleaned = text.translate(_INVISIBLE).strip()
    for left, right in (("<", ">"), ('"', '"'), ("'", "'"), ("(", ")"), ("`", "`")):
        if len(cleaned) >= 2 and cleaned[0] == left and cleaned[-1] == right:
            cleaned = cleaned[1:-1].strip()
    return html.unescape(cleaned)


def parse_trade_url(text: str) -> TradeUrl:
    """Validate a pasted trade URL; raises :class:`TradeUrlError` with a specific reason."""
    if text is None or not str(text).strip():
        raise TradeUrlError("Paste the buyer's Steam trade URL.")
    cleaned = normalise_pasted(str(text))
    if any(ch.isspace() for ch in cleaned):
        if "://" not in cleaned:
            raise TradeUrlError(
                "This is not a Steam trade URL (it must start with https://steamcommunity.com/)."
            )
        if cleaned.count("://") > 1:
            raise TradeUrlError("Paste exactly one trade URL; this text holds several links.")
        raise TradeUrlError("The trade URL contains spaces; paste exactly one URL.")
    if "://" not in cleaned and cleaned.lower().startswith(TRADE_HOST):
        raise TradeUrlError("The trade URL must start with https:// (paste the full link).")
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        raise TradeUrlError("This is not a URL. Ask the buyer for their Steam trade URL.") from None
    if parts.scheme.lower() != "https":
        if parts.scheme.lower() == "http":
            raise TradeUrlError("The trade URL must use https://, not http://.")
        raise TradeUrlError("This is not a Steam trade URL (it must start with https://).")
    host = (parts.hostname or "").lower()
    if host != TRADE_HOST:
        if host.endswith("." + TRADE_HOST) or host == "www." + TRADE_HOST:
            raise TradeUrlError(f"The host must be exactly {TRADE_HOST}, not {host}.")
        raise TradeUrlError(
            f"The link points to {host or 'no host'}, not {TRADE_HOST}. "
            "It may be a phishing copy: ask the buyer for the link from their Steam settings."
        )
    if parts.port not in (None, 443) or parts.username or parts.password:
        raise TradeUrlError("The trade URL must not carry a port or login details.")
    if parts.path.rstrip("/") + "/" != TRADE_PATH:
        raise TradeUrlError(
            "This is a Steam link but not a trade URL (the path must be /tradeoffer/new/). "
            "The buyer finds it under Inventory → Trade Offers → Who can send me trade offers."
        )
    query = parse_qs(parts.query, keep_blank_values=True)
    partners, tokens = query.get("partner", []), query.get("token", [])
    if not partners:
        raise TradeUrlError("The trade URL has no partner= number.")
    if not tokens:
        raise TradeUrlError(
            "The trade URL has no token=. The buyer must copy the full URL from Steam's trade "
            "offer settings, not their profile link."
        )
    if len(set(partners)) > 1 or len(set(tokens)) > 1:
        raise TradeUrlError("The trade URL repeats partner= or token= with different values.")
    partner_text, token = partners[0].strip(), tokens[0].strip()
    if not partner_text.isdigit() or not partner_text.isascii():
        raise TradeUrlError(f"partner={partner_text!r} is not a number.")
    partner = int(partner_text)
    if partner >= STEAMID64_BASE:
        raise TradeUrlError(
            "partner= holds a SteamID64; a trade URL carries the short account id. "
            "Ask the buyer for the trade URL from their Steam settings."
        )
    if not 1 <= partner <= MAX_ACCOUNT_ID:
        raise TradeUrlError(f"partner={partner_text} is outside the range of Steam account ids.")
    if not TOKEN_RE.fullmatch(token):
        if len(token) != 8:
            raise TradeUrlError(f"token= must be exactly 8 characters; this one has {len(token)}.")
        raise TradeUrlError("token= may only contain letters, digits, '-' and '_'.")
    return TradeUrl(partner=partner, token=token)


def is_valid_trade_url(text: str) -> bool:
    try:
        parse_trade_url(text)
    except TradeUrlError:
        return False
    return True


def steamid64_to_account_id(steamid64: int | str) -> int:
    value = int(steamid64)
    account = value - STEAMID64_BASE
    if not 1 <= account <= MAX_ACCOUNT_ID:
        raise ValueError(f"{steamid64} is not an individual SteamID64")
    return account
