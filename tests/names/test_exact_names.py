"""Real market hash names reach Skinslink exactly as Steam spells them.

Every name of the shipped list (derived from the real price book) goes through the real
client over HTTP to a stand-in that records the bytes it receives; what it decodes from
those bytes must be the name itself, not a tidied copy.
"""

from __future__ import annotations

import pytest

from skins_console.api.skinslink_client import SkinslinkClient, prepare_names
from skins_console.core.errors import MarketNameError
from skins_console.core.market_names import MAX_QUOTE_NAMES
from skins_console.services.name_book import load_market_names
from tests.names.conftest import API_KEY

#: Steam's untidy spellings: collapsing, re-casing or "repairing" any of them loses the item.
ODD_REAL_NAMES = (
    "Ground Rebel  | Elite Crew",
    "Sticker | niko  | Paris 2023",
    "Sticker | Ninjas in Pyjamas  | Katowice 2015",
    "Sticker | Zero (Foil, Ranked)  | Cologne 2026",
    "Music Kit |",
    "StatTrak™ Music Kit |",
    "'Blueberries' Buckshot | NSWC SEAL",
    "#CSGO_crate_musickit_masterminds2_stattrak_capsule",
    "AK-47 | AUTOEXEC (Battle-Scarred)",
)


@pytest.fixture(scope="module")
def shipped_names() -> tuple[str, ...]:
    return load_market_names()


def test_the_shipped_list_holds_the_odd_real_names(shipped_names):
    assert len(shipped_names) > 25_000
    assert len(set(shipped_names)) == len(shipped_names)
    assert set(ODD_REAL_NAMES) <= set(shipped_names)
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in shipped_names)
    assert all(name == name.strip() and name for name in shipped_names)


async def test_every_shipped_name_arrives_byte_exact(recording_skinslink, shipped_names):
    client = SkinslinkClient(recording_skinslink.base_url, API_KEY, timeout=30.0)
    try:
        for start in range(0, len(shipped_names), MAX_QUOTE_NAMES):
            batch = list(shipped_names[start : start + MAX_QUOTE_NAMES])
            quote = await client.get_prices("csgo", batch, no_deposit_intent=True)
            assert quote.requested == tuple(batch)
            assert [item.name for item in quote.items] == batch
    finally:
        await client.aclose()
    received = recording_skinslink.names()
    assert len(received) == len(shipped_names)
    mismatched = [
        (sent, got)
        for sent, got in zip(shipped_names, received)
        if sent.encode("utf-8") != got.encode("utf-8")
    ]
    assert mismatched == []


async def test_pasted_ends_are_trimmed_and_nothing_else(recording_skinslink):
    client = SkinslinkClient(recording_skinslink.base_url, API_KEY, timeout=10.0)
    try:
        quote = await client.get_prices(
            "csgo", ["  Ground Rebel  | Elite Crew\t", "Music Kit |\n", "Music Kit |"]
        )
    finally:
        await client.aclose()
    assert recording_skinslink.names() == ["Ground Rebel  | Elite Crew", "Music Kit |"]
    assert quote.requested == ("Ground Rebel  | Elite Crew", "Music Kit |")


def test_prepare_names_keeps_the_inside_of_every_name():
    typed = [
        "AK-47|Redline  (field-tested)",
        "StatTrak ★ Karambit | Doppler (Factory New)",
        "Sticker | niko  | Paris 2023",
        "ak-47|Redline  (field-tested)",  # differs in case: another string, kept
        "AK-47|Redline  (field-tested)",  # exact repeat: sent once
    ]
    assert prepare_names("csgo", typed) == tuple(typed[:4])
    assert prepare_names("rust", ["  Big   Grin  "]) == ("Big   Grin",)
    with pytest.raises(MarketNameError, match=r"Name 2 .*tab"):
        prepare_names("csgo", ["AWP | Asiimov (Field-Tested)", "AWP\t| Asiimov"])
