"""Suggestions of the exact real name, against the shipped list of real names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skins_console.core.name_suggestions import CLOSE, SAME, NameIndex, words_of
from skins_console.services.name_book import load_market_names


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex(load_market_names())


def first(index: NameIndex, typed: str):
    found = index.suggest(typed)
    assert found, f"no suggestion for {typed!r}"
    return found[0]


@pytest.mark.parametrize(
    "typed,real,note",
    [
        ("ak-47 | redline (field tested)", "AK-47 | Redline (Field-Tested)", "exact spelling"),
        ("AWP Asiimov FT", "AWP | Asiimov (Field-Tested)", "written out"),
        ("Desert Eagle | Blaze (FN)", "Desert Eagle | Blaze (Factory New)", "written out"),
        ("Karambit | Doppler (Factory New)", "★ Karambit | Doppler (Factory New)", "★"),
        (
            "★ Karambit | Doppler Phase 2 (Factory New)",
            "★ Karambit | Doppler (Factory New)",
            "phases",
        ),
        ("Ground Rebel | Elite Crew", "Ground Rebel  | Elite Crew", "spacing"),
        ("music kit |", "Music Kit |", "capitals"),
        ("usp s kill confirmed mw", "USP-S | Kill Confirmed (Minimal Wear)", "written out"),
        (
            "StatTrak(TM) AK-47 | Redline (Minimal Wear)",
            "StatTrak™ AK-47 | Redline (Minimal Wear)",
            "",
        ),
        ("deagle blaze fn", "Desert Eagle | Blaze (Factory New)", ""),
    ],
)
def test_near_misses_get_the_exact_real_name_first(index, typed, real, note):
    assert real in index and typed not in index
    suggestion = first(index, typed)
    assert suggestion.name == real
    assert suggestion.kind == SAME
    assert note in suggestion.note


@pytest.mark.parametrize(
    "typed,real",
    [
        ("awp asimov (field-tested)", "AWP | Asiimov (Field-Tested)"),  # typo
        ("AWP | Asiimov (Feld-Tested)", "AWP | Asiimov (Field-Tested)"),
        ("Sport Gloves | Vice (Field Tested", "★ Sport Gloves | Vice (Field-Tested)"),
    ],
)
def test_typos_get_close_suggestions(index, typed, real):
    names = [s.name for s in index.suggest(typed)]
    assert real in names


def test_exterior_that_does_not_exist_suggests_the_real_exteriors(index):
    # The Redline has no Factory New: every suggestion is a real Redline, none invented.
    found = index.suggest("AK-47 | Redline (FN)")
    assert found and all(s.kind == CLOSE for s in found)
    assert all(s.name.startswith("AK-47 | Redline (") for s in found)
    assert all(s.name in index for s in found)


def test_stattrak_is_another_item_not_a_spelling(index):
    found = index.suggest("StatTrak AK-47 | Redline (Minimal Wear)")
    assert found[0].name == "StatTrak™ AK-47 | Redline (Minimal Wear)"
    # Without StatTrak typed, the StatTrak™ item is not the "same" name.
    plain = index.suggest("ak-47 redline minimal wear")
    assert plain[0].name == "AK-47 | Redline (Minimal Wear)"


def test_real_siblings_are_all_offered_for_the_operator_to_pick(index):
    # Steam lists both spellings as separate items: neither is a typo of the other.
    found = index.suggest("sticker | boom (holo)")
    assert {s.name for s in found} >= {"Sticker | Boom (Holo)", "Sticker | Boom(Holo)"}
    assert all(s.kind == SAME and "pick the exact one" in s.note for s in found[:2])
    assert index.suggest("Sticker | Boom(Holo)") == ()  # each is real as typed


def test_real_names_and_unrelated_text_get_no_suggestion(index):
    assert index.suggest("AK-47 | Redline (Field-Tested)") == ()
    assert index.suggest("Ground Rebel  | Elite Crew") == ()
    assert index.suggest("   ") == ()
    assert index.suggest("qqqq zzzz xxxx") == ()


def test_words_ignore_what_is_not_part_of_the_identity():
    assert words_of("★ StatTrak™ Karambit | Doppler (Factory New)") == words_of(
        "stattrak karambit doppler fn"
    )
    assert words_of("AK-47 | Redline (Field-Tested)") == ("ak47", "redline", "fieldtested")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_any_text_gets_only_real_names(index, text):
    for suggestion in index.suggest(text):
        assert suggestion.name in index
        assert suggestion.kind in (SAME, CLOSE)
