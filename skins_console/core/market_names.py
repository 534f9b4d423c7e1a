"""Market hash names typed or pasted by the operator, checked but never rewritten.

Skinslink prices exact Steam market hash names, and Steam's spelling is not always tidy:
``Ground Rebel  | Elite Crew`` has two spaces before its pipe, ``Music Kit |`` ends in one,
others hold ★, ™, CJK characters or quotes. Any "repair" of the inside of a name (collapsing
spaces, re-casing, adding ★) makes such items impossible to quote, so cleaning here only
trims the ends and drops empty lines. Near misses are answered with suggestions of the exact
real name instead (``core/name_suggestions.py``), which the operator chooses to apply.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from skins_console.core.errors import MarketNameError

MAX_QUOTE_NAMES = 2000
#: The longest real CS2 name is under 80 characters; far longer text is not one name.
MAX_NAME_LENGTH = 200
GAMES = ("csgo", "rust", "dota2", "tf2")


def clean_market_hash_name(text: str) -> str:
    """The name with only its ends trimmed; raises :class:`MarketNameError` when it cannot
    be a name at all (empty, over-long, holding control characters)."""
    if not isinstance(text, str):
        raise MarketNameError(f"An item name must be text, not {type(text).__name__}.")
    name = text.strip()
    if not name:
        raise MarketNameError("Empty item name.")
    if len(name) > MAX_NAME_LENGTH:
        raise MarketNameError(
            f"Item name is {len(name):,} characters long; real names are under "
            f"{MAX_NAME_LENGTH}. Paste one name per line."
        )
    for ch in name:
        if unicodedata.category(ch).startswith("C"):
            what = "a tab" if ch == "\t" else f"the control character U+{ord(ch):04X}"
            raise MarketNameError(f"Item name contains {what}; paste the name alone.")
    return name


@dataclass(frozen=True, slots=True)
class NameLine:
    """One pasted line: its number, what was typed, and the name or the problem."""

    line_no: int
    raw: str
    name: str | None
    error: str | None


def parse_name_lines(text: str, *, limit: int = MAX_QUOTE_NAMES) -> list[NameLine]:
    """Split pasted text into lines and check each; flag bad, repeated and surplus lines.

    Blank lines are skipped. A repeat is a byte-identical name (Steam names are
    case-sensitive, so ``ak-47 …`` is not a repeat of ``AK-47 …``). Over ``limit`` valid
    names, the surplus lines are flagged so the operator sees exactly which ones will not
    be quoted.
    """
    result: list[NameLine] = []
    seen: dict[str, int] = {}
    valid = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            name = clean_market_hash_name(raw)
        except MarketNameError as exc:
            result.append(NameLine(number, raw, None, exc.message))
            continue
        if name in seen:
            result.append(NameLine(number, raw, None, f"Duplicate of line {seen[name]}."))
            continue
        if valid >= limit:
            result.append(
                NameLine(number, raw, None, f"Over the limit of {limit:,} names per quote.")
            )
            continue
        seen[name] = number
        valid += 1
        result.append(NameLine(number, raw, name, None))
    return result


def validate_game(game: str) -> str:
    value = (game or "").strip().lower()
    if value in ("cs2", "cs:go", "cs"):
        value = "csgo"
    if value not in GAMES:
        raise MarketNameError(f"Unknown game {game!r}; use one of {', '.join(GAMES)}.")
    return value
