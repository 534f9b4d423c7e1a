import pytest

from skins_console.core.errors import MarketNameError
from skins_console.core.market_names import (
    normalise_market_hash_name,
    parse_name_lines,
    validate_game,
)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("AK-47 | Redline (Field-Tested)", "AK-47 | Redline (Field-Tested)"),
        ("  AK-47|Redline   (field-tested) ", "AK-47 | Redline (Field-Tested)"),
        ("StatTrak AK-47 | Redline (Field-Tested)", "StatTrak™ AK-47 | Redline (Field-Tested)"),
        ("StatTrak(TM) AWP | Asiimov (Battle-Scarred)", "StatTrak™ AWP | Asiimov (Battle-Scarred)"),
        (
            "StatTrak™ ★ Karambit | Doppler (Factory New)",
            "★ StatTrak™ Karambit | Doppler (Factory New)",
        ),
        ("*Karambit | Fade (Factory New)", "★ Karambit | Fade (Factory New)"),
        ("☆ Sport Gloves | Vice (Minimal Wear)", "★ Sport Gloves | Vice (Minimal Wear)"),
        ("★ Karambit", "★ Karambit"),
        ("souvenir AWP | Dragon Lore (Factory New)", "Souvenir AWP | Dragon Lore (Factory New)"),
        ("AK-47 \u2013 Redline", "AK-47 - Redline"),
        ("Sticker | Crown (Foil)", "Sticker | Crown (Foil)"),
    ],
)
def test_normalise(raw, expected):
    assert normalise_market_hash_name(raw) == expected


@pytest.mark.parametrize(
    "raw,fragment",
    [
        ("", "Empty"),
        ("   ", "Empty"),
        ("StatTrak™", "only a prefix"),
        ("StatTrak Souvenir AK-47 | Redline (Field-Tested)", "both StatTrak"),
        ("x" * 201, "longer than 200"),
        ("AK-47\x00 | Redline", "control characters"),
    ],
)
def test_invalid_names(raw, fragment):
    with pytest.raises(MarketNameError, match=fragment):
        normalise_market_hash_name(raw)


def test_parse_lines_flags_bad_duplicate_and_surplus_lines():
    text = "AK-47 | Redline (Field-Tested)\n\nStatTrak™\nak-47|Redline (Field-Tested)\n" + (
        "\n".join(f"Sticker | Test {i}" for i in range(3))
    )
    lines = parse_name_lines(text, limit=3)
    by_no = {line.line_no: line for line in lines}
    assert by_no[1].name == "AK-47 | Redline (Field-Tested)"
    assert 2 not in by_no  # blank lines skipped
    assert "only a prefix" in by_no[3].error
    # "ak-47" differs in case from "AK-47": Steam names are case-sensitive, so not a duplicate.
    assert by_no[4].name == "ak-47 | Redline (Field-Tested)"
    assert by_no[5].name == "Sticker | Test 0"
    assert "Over the limit of 3" in by_no[6].error and "Over the limit" in by_no[7].error


def test_parse_lines_duplicate():
    lines = parse_name_lines("AWP | Asiimov (Field-Tested)\nAWP|Asiimov (field-tested)")
    assert lines[1].error == "Duplicate of line 1."


def test_two_thousand_names_is_the_limit():
    text = "\n".join(f"Sticker | Item {i}" for i in range(2001))
    lines = parse_name_lines(text)
    assert sum(1 for line in lines if line.name) == 2000
    assert lines[-1].error.startswith("Over the limit")


@pytest.mark.parametrize("game,expected", [("csgo", "csgo"), ("CS2", "csgo"), ("rust", "rust")])
def test_games(game, expected):
    assert validate_game(game) == expected


def test_unknown_game():
    with pytest.raises(MarketNameError, match="csgo, rust, dota2, tf2"):
        validate_game("valorant")
