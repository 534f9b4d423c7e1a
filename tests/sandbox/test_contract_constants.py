"""Where the client and the sandbox both hold a fact of the contracts, each side is
compared with the contract text, so neither can drift and the other follow it.

The sandbox carries its own copy of every rule (``sandbox/facts.py``, duplicated on
purpose: no circular testing). Each fact below quotes the sentence of the contract it comes
from; the quote is checked against the contract files when this machine has them.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from skins_console.sandbox import SandboxConfig, facts, webhooks
from skins_console.sandbox.items_data import universe
from tests.sandbox.shared_files import shared_file


@dataclass(frozen=True)
class Fact:
    name: str
    contract: str  # file under shared/contracts
    quote: str  # words of that file (whitespace-insensitive)
    expected: Any
    sandbox: tuple[Any, ...]  # the sandbox's values (constants and defaults)
    client: tuple[str, ...] = ()  # "module:attribute" of the client's copies


def _bands_from_bp(bands) -> dict[str, tuple[Decimal, Decimal]]:
    return {name: (Decimal(low) / 10000, Decimal(high) / 10000) for name, low, high in bands}


DOPPLER = {415: "Ruby", 416: "Sapphire", 417: "Black Pearl"}
DOPPLER.update({418 + i: f"Phase {i + 1}" for i in range(4)})
DOPPLER.update({617: "Black Pearl", 618: "Phase 2", 619: "Sapphire"})
DOPPLER.update({852 + i: f"Phase {i + 1}" for i in range(4)})
DOPPLER.update({568: "Emerald", 1119: "Emerald"})
DOPPLER.update({569 + i: f"Phase {i + 1}" for i in range(4)})
DOPPLER.update({1120 + i: f"Phase {i + 1}" for i in range(4)})

FACTS = (
    Fact(
        "trade window",
        "skinsnode.md",
        "Trade acceptance window: 600 s by default",
        600,
        (facts.TRADE_WINDOW_SECONDS, SandboxConfig().trade_window_seconds),
        ("skins_console.ui.orders_model:TRADE_WINDOW",),
    ),
    Fact(
        "quote lock",
        "skinslink.md",
        "| get-prices quote / draft trade lifetime | **5 min** [V] |",
        300,
        (facts.QUOTE_LOCK_SECONDS, SandboxConfig().quote_lock_seconds),
        ("skins_console.api.skinslink_parse:QUOTE_LOCK",),
    ),
    Fact(
        "get-prices name limit",
        "skinslink.md",
        "| get-prices batch | 1–2000 names [V] |",
        2000,
        (facts.MAX_QUOTE_NAMES,),
        ("skins_console.core.market_names:MAX_QUOTE_NAMES",),
    ),
    Fact(
        "webhook attempts",
        "skinsnode.md",
        "failed callbacks retried up to 10 attempts with exponential backoff",
        10,
        (facts.WEBHOOK_MAX_ATTEMPTS, webhooks.MAX_ATTEMPTS),
    ),
    Fact(
        "webhook timeout",
        "skinsnode.md",
        "Sent to the order's `webhookUrl`; 10 s timeout",
        10,
        (facts.WEBHOOK_TIMEOUT_SECONDS, webhooks.TIMEOUT),
    ),
    Fact(
        "read cache",
        "skinsnode.md",
        "order lookup cached up to 30 s",
        30,
        (facts.READ_CACHE_SECONDS, SandboxConfig().cache_seconds),
    ),
    Fact(
        "hold / Trade Protection",
        "skinslink.md",
        "| Steam trade hold | 7 days [V P-ovr];",
        7 * 24 * 3600,
        (facts.HOLD_SECONDS, SandboxConfig().hold_seconds),
        ("skins_console.services.clock:PROTECTION_WINDOW",),
    ),
    Fact(
        "deposit size",
        "skinslink.md",
        "| deposit size | `max_items` (e.g. 50) [3P];",
        50,
        (facts.MAX_DEPOSIT_ITEMS,),
    ),
    Fact(
        "SteamID64 base",
        "steam-and-cs2-facts.md",
        "SteamID64 = **76561197960265728 + partner**",
        76561197960265728,
        (facts.STEAMID64_BASE,),
        ("skins_console.core.trade_url:STEAMID64_BASE",),
    ),
    Fact(
        "largest account id",
        "steam-and-cs2-facts.md",
        "`partner` is the **32-bit Steam account id** (decimal, 1 … 4294967295)",
        4294967295,
        (facts.MAX_ACCOUNT_ID,),
        ("skins_console.core.trade_url:MAX_ACCOUNT_ID",),
    ),
    Fact(
        "games",
        "skinslink.md",
        "| Games | `csgo` (= CS2), `rust`, `dota2`, `tf2` [V P-ovr] |",
        ("csgo", "rust", "dota2", "tf2"),
        (facts.GAMES,),
        ("skins_console.core.market_names:GAMES",),
    ),
    Fact(
        "order terminal statuses",
        "skinsnode.md",
        "| `completed` | delivered | yes | | `failed` | failed (see `failure`) | yes | "
        "| `cancelled` | cancelled | yes | | `expired` | buyer did not accept in time | yes | "
        "| `reversed` | completed delivery later reversed (Steam Trade Protection) | yes |",
        frozenset({"completed", "failed", "cancelled", "expired", "reversed"}),
        (facts.ORDER_TERMINAL,),
        ("skins_console.core.statuses:ORDER_TERMINAL",),
    ),
    Fact(
        "order failure codes",
        "skinsnode.md",
        "Known failure codes [S]: `item_unavailable`, `price_changed`, `insufficient_funds`, "
        "`cancelled`.",
        ("item_unavailable", "price_changed", "insufficient_funds", "cancelled"),
        (facts.ORDER_FAILURE_CODES,),
    ),
    Fact(
        "deposit terminal statuses",
        "skinslink.md",
        "| `completed` | success, items transferred | **yes** | **yes** | "
        "| `failed` | failed (deposit: user declined or items unavailable; purchase: see "
        "`fail_reason`) | **yes** | **yes** | | `canceled` | canceled by the user or the "
        "system | **yes** | **yes** | | `reverted` | a held transaction was reversed | **yes** "
        "| **yes** |",
        frozenset({"completed", "failed", "canceled", "reverted"}),
        (facts.DEPOSIT_TERMINAL,),
        ("skins_console.core.statuses:DEPOSIT_TERMINAL",),
    ),
    Fact(
        "deposit webhook statuses",
        "skinslink.md",
        "| Triggers | status changes to `hold`, `completed`, `failed`, `canceled`, "
        "`reverted` only [V] |",
        ("hold", "completed", "failed", "canceled", "reverted"),
        (facts.DEPOSIT_WEBHOOK_STATUSES,),
    ),
    Fact(
        "fail_reason statuses",
        "skinslink.md",
        "**`fail_reason` is present only when status is `failed` or `canceled`**",
        ("failed", "canceled"),
        (facts.FAIL_REASON_STATUSES,),
    ),
    Fact(
        "wear bands",
        "steam-and-cs2-facts.md",
        "Factory New 0.00–0.07, Minimal Wear 0.07–0.15, Field-Tested 0.15–0.38, "
        "Well-Worn 0.38–0.45, Battle-Scarred 0.45–1.00",
        {
            "Factory New": (Decimal("0"), Decimal("0.07")),
            "Minimal Wear": (Decimal("0.07"), Decimal("0.15")),
            "Field-Tested": (Decimal("0.15"), Decimal("0.38")),
            "Well-Worn": (Decimal("0.38"), Decimal("0.45")),
            "Battle-Scarred": (Decimal("0.45"), Decimal("1")),
        },
        (_bands_from_bp(facts.WEAR_BANDS_BP),),
        ("skins_console.core.cs2:WEAR_BANDS",),
    ),
    Fact(
        "Doppler phases",
        "steam-and-cs2-facts.md",
        "415 Ruby, 416 Sapphire, 417 Black Pearl, 418–421 Phase 1–4 - 617 Black Pearl, "
        "618 Phase 2, 619 Sapphire (second set) - 852–855 Phase 1–4 (another set) - Gamma "
        "Doppler: 568 Emerald, 569–572 Phase 1–4; and 1119 Emerald, 1120–1123 Phase 1–4",
        DOPPLER,
        (universe().phases,),
        ("skins_console.core.cs2:DOPPLER_PHASES",),
    ),
)


def _client_value(reference: str) -> Any:
    module_name, _, attribute = reference.partition(":")
    module = importlib.import_module(module_name)
    assert hasattr(module, attribute), f"the client's copy {reference} is gone: update this test"
    value = getattr(module, attribute)
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if attribute == "WEAR_BANDS":
        return {name: (low, high) for name, _short, low, high in value}
    return value


def _same(value: Any, expected: Any) -> bool:
    if isinstance(expected, frozenset):
        return frozenset(value) == expected
    if isinstance(expected, tuple):
        return tuple(value) == expected
    return value == expected


@pytest.mark.parametrize("fact", FACTS, ids=lambda f: f.name)
def test_sandbox_side_matches_the_contract(fact):
    for value in fact.sandbox:
        assert _same(value, fact.expected), (fact.name, value)


@pytest.mark.parametrize("fact", [f for f in FACTS if f.client], ids=lambda f: f.name)
def test_client_side_matches_the_contract(fact):
    for reference in fact.client:
        value = _client_value(reference)
        assert _same(value, fact.expected), (fact.name, reference, value)


def _words(text: str) -> str:
    # tables and wrapped lines: compare words and punctuation, not layout
    return " ".join(re.sub(r"[\s|-]+", " ", text).split())


@pytest.mark.parametrize("fact", FACTS, ids=lambda f: f.name)
def test_quotes_are_the_contracts_words(fact):
    text = shared_file("contracts", fact.contract).read_text(encoding="utf-8")
    assert _words(fact.quote) in _words(text), fact.quote
