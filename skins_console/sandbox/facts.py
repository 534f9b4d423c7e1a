"""What the sandbox knows about Steam and the two providers, written from the contracts.

The sandbox stands in for the providers, so it must not borrow the client's judgement: every
rule here is **duplicated on purpose** from ``skins_console.core`` (trade URLs, wear bands,
status sets, limits); the Doppler phases come from the sandbox's own item data file
(``items_data.universe().phases``, derived from cs2-lib). If the client and the sandbox
shared one copy, a mistake in it would pass every test: so
``tests/sandbox/test_contract_constants.py`` compares both copies with the contract text,
and ``tests/test_layering.py`` keeps the sandbox from importing the client.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

# --- Steam (steam-and-cs2-facts.md) ----------------------------------------------------

#: §3.2: SteamID64 = 76561197960265728 + partner
STEAMID64_BASE = 76561197960265728
#: §3.1: partner is the 32-bit account id, 1 … 4294967295
MAX_ACCOUNT_ID = 4294967295
TRADE_HOST = "steamcommunity.com"
TRADE_PATH = "/tradeoffer/new/"
#: §3.1: token matches ^[A-Za-z0-9_-]{8}$
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8}")

#: §3.5: exterior name → float band [low, high) in 1/10000; Battle-Scarred includes 1.00
WEAR_BANDS_BP: tuple[tuple[str, int, int], ...] = (
    ("Factory New", 0, 700),
    ("Minimal Wear", 700, 1500),
    ("Field-Tested", 1500, 3800),
    ("Well-Worn", 3800, 4500),
    ("Battle-Scarred", 4500, 10000),
)

# --- SkinsNode (skinsnode.md) ----------------------------------------------------------

#: §3: the terminal order statuses
ORDER_TERMINAL = frozenset({"completed", "failed", "cancelled", "expired", "reversed"})
#: §2: known failure codes
ORDER_FAILURE_CODES = ("item_unavailable", "price_changed", "insufficient_funds", "cancelled")
#: §3: "Trade acceptance window: 600 s by default"
TRADE_WINDOW_SECONDS = 600
#: §1: wallet and order lookups are cached up to 30 s
READ_CACHE_SECONDS = 30
#: §5: "10 s timeout; failed callbacks retried up to 10 attempts with exponential backoff"
WEBHOOK_TIMEOUT_SECONDS = 10
WEBHOOK_MAX_ATTEMPTS = 10

# --- Skinslink (skinslink.md) ----------------------------------------------------------

#: §1: games
GAMES = ("csgo", "rust", "dota2", "tf2")
#: §2: the final transaction statuses
DEPOSIT_TERMINAL = frozenset({"completed", "failed", "canceled", "reverted"})
#: §2: statuses that send a webhook
DEPOSIT_WEBHOOK_STATUSES = ("hold", "completed", "failed", "canceled", "reverted")
#: Corrections 4: fail_reason only on failed / canceled
FAIL_REASON_STATUSES = ("failed", "canceled")
#: §8: get-prices batch 1–2000 names; the quote locks for 5 minutes
MAX_QUOTE_NAMES = 2000
QUOTE_LOCK_SECONDS = 300
#: §8: deposit size (max_items, e.g. 50); the total must exceed 1 USD
MAX_DEPOSIT_ITEMS = 50
#: §8 / facts §3.3: the Steam hold and the Trade Protection window, 7 days
HOLD_SECONDS = 7 * 24 * 3600


class TradeUrlRefused(ValueError):
    """The sandbox's own reason for refusing a ``tradeUrl``."""


def check_trade_url(text: str) -> tuple[int, str]:
    """(partner, token) of a trade URL, checked as facts §3.1 lists; raises TradeUrlRefused.

    A provider receives what the client sends, so nothing is repaired here: no trimming,
    no ``&amp;`` decoding, no ``http://``.
    """
    try:
        parts = urlsplit(text)
    except ValueError:
        raise TradeUrlRefused("is not a URL") from None
    if parts.scheme != "https":
        raise TradeUrlRefused("must use https")
    if parts.hostname != TRADE_HOST or parts.port is not None or parts.username:
        raise TradeUrlRefused(f"must point to {TRADE_HOST}")
    if parts.path != TRADE_PATH:
        raise TradeUrlRefused(f"must have the path {TRADE_PATH}")
    query = parse_qs(parts.query, keep_blank_values=True)
    partners, tokens = query.get("partner", []), query.get("token", [])
    if len(partners) != 1 or len(tokens) != 1:
        raise TradeUrlRefused("must carry exactly one partner and one token")
    partner_text, token = partners[0], tokens[0]
    if not (partner_text.isascii() and partner_text.isdigit()):
        raise TradeUrlRefused("partner must be a number")
    partner = int(partner_text)
    if not 1 <= partner <= MAX_ACCOUNT_ID:
        raise TradeUrlRefused("partner must be a 32-bit Steam account id")
    if not _TOKEN.fullmatch(token):
        raise TradeUrlRefused("token must be exactly 8 characters of letters, digits, - and _")
    return partner, token


def iso_ms(value: datetime) -> str:
    """UTC ISO-8601 with milliseconds and ``Z`` (the SkinsNode examples' format)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
