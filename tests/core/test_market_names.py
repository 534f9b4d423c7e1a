import pytest

from skins_console.core.errors import MarketNameError
from skins_console.core.market_names import (
    clean_market_hash_name,
    parse_name_lines,
    validate_game,
)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("AK-47 | Redline (Field-Tested)", "AK-47 | Redline (Field-Tested)"),
        ("  Ground Rebel  | Elite Crew \n", "Ground Rebel  | Elite Crew"),
        ("Music Kit |", "Music Kit |"),
        ("\u00a0Sticker | niko  | Paris 2023\u3000", "Sticker | niko  | Paris 2023"),
        ("ak-47|redline (field tested)", "ak-47|redline (field tested)"),  # suggested, not fixed
        (
            "StatTrak™ ★ Karambit | Doppler (Factory New)",
            "StatTrak™ ★ Karambit | Doppler (Factory New)",
        ),
        ("'Two Times' McCoy | TACP Cavalry", "'Two Times' McCoy | TACP Cavalry"),
    ],
)
def test_cleaning_trims_the_ends_only(raw, expected):
    assert clean_market_hash_name(raw) == expected


@pytest.mark.parametrize(
    "raw,fragment",
    [
        ("", "Empty"),
        ("   ", "Empty"),
        ("x" * 201, "201 characters long"),
        ("AK-47\x00 | Redline", r"U\+0000"),
        ("AK-47\t| Redline", "a tab"),
        ("AK-47 \u200b| Redline", r"U\+200B"),
    ],
)
def test_what_cannot_be_a_name_is_refused(raw, fragment):
    with pytest.raises(MarketNameError, match=fragment):
        clean_market_hash_name(raw)


def test_parse_lines_flags_bad_duplicate_and_surplus_lines():
    text = "AK-47 | Redline (Field-Tested)\n\nAK\x07\nak-47|Redline (Field-Tested)\n" + (
        "\n".join(f"Sticker | Test {i}" for i in range(3))
    )
    lines = parse_name_lines(text, limit=3)
    by_no = {line.line_no: line for line in lines}
    assert by_no[1].name == "AK-47 | Redline (Field-Tested)"
    assert 2 not in by_no  # blank lines skipped
    assert "control character" in by_no[3].error
    # Steam names are case-sensitive exact strings: not a duplicate, and kept as typed.
    assert by_no[4].name == "ak-47|Redline (Field-Tested)"
    assert by_no[5].name == "Sticker | Test 0"
    assert "Over the limit of 3" in by_no[6].error and "Over the limit" in by_no[7].error


def test_parse_lines_duplicate_is_byte_identical_only():
    lines = parse_name_lines(
        "Ground Rebel  | Elite Crew\n  Ground Rebel  | Elite Crew\nGround Rebel | Elite Crew"
    )
    assert lines[1].error == "Duplicate of line 1."
    assert lines[2].name == "Ground Rebel | Elite Crew"  # one space: another string


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
