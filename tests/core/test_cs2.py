from decimal import Decimal

import pytest

from skins_console.core.cs2 import (
    normalise_color,
    parse_float_value,
    phase_for_paint_index,
    split_market_hash_name,
    wear_for_float,
)
from skins_console.core.models import CatalogItem


@pytest.mark.parametrize(
    "value,wear",
    [
        ("0.00", "Factory New"),
        ("0.0699", "Factory New"),
        ("0.07", "Minimal Wear"),
        ("0.15", "Field-Tested"),
        ("0.2183", "Field-Tested"),
        ("0.38", "Well-Worn"),
        ("0.45", "Battle-Scarred"),
        ("1.00", "Battle-Scarred"),
    ],
)
def test_wear_bands(value, wear):
    assert wear_for_float(Decimal(value)) == wear


@pytest.mark.parametrize("raw", [None, "", "abc", "1.5", "-0.1", True, "NaN"])
def test_bad_floats_are_none(raw):
    assert parse_float_value(raw) is None


def test_phases():
    assert phase_for_paint_index(415) == "Ruby"
    assert phase_for_paint_index(418) == "Phase 1"
    assert phase_for_paint_index(568) == "Emerald"
    assert phase_for_paint_index(44) is None


def test_split_names():
    parts = split_market_hash_name("★ StatTrak™ Karambit | Doppler (Factory New)")
    assert (parts.star, parts.stattrak, parts.souvenir) == (True, True, False)
    assert (parts.weapon, parts.finish, parts.exterior, parts.kind) == (
        "Karambit",
        "Doppler",
        "Factory New",
        "Knife",
    )
    assert split_market_hash_name("★ Sport Gloves | Vice (Minimal Wear)").kind == "Gloves"
    assert split_market_hash_name("Souvenir AWP | Dragon Lore (Factory New)").souvenir
    assert split_market_hash_name("Sticker | Crown (Foil)").kind == "Sticker"
    assert split_market_hash_name("AK-47 | Redline (Field-Tested)").kind == "Weapon"
    assert split_market_hash_name("★ Karambit").finish is None


def test_catalog_item_display():
    item = CatalogItem.from_fields(
        id="x",
        market_hash_name="★ Karambit | Doppler (Factory New)",
        price_cents=100,
        paint_index=415,
        float_value="0.0123",
        rarity_color="EB4B4B",
    )
    assert item.float_value == Decimal("0.0123")
    assert item.wear == "Factory New"
    assert item.display_phase == "Ruby"
    assert item.display_color == "#eb4b4b"
    assert normalise_color("junk") == "#d2d2d2"
