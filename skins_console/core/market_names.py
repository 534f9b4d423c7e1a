"""Normalising market hash names typed or pasted by the operator before a quote.

Skinslink prices only exact Steam market hash names, and an unknown name is simply not
priced, so the common slips are repaired here: ``(TM)``/``ST``-less ``StatTrak``, a missing
or mis-typed ``★``, the knife prefix order (``★ StatTrak™ …``, never ``StatTrak™ ★ …``),
runs of spaces, fancy dashes and the pipe without spaces.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from skins_console.core.cs2 import EXTERIORS, SOUVENIR, STAR, STATTRAK
from skins_console.core.errors import MarketNameError

MAX_QUOTE_NAMES = 2000
MAX_NAME_LENGTH = 200
GAMES = ("csgo", "rust", "dota2", "tf2")

_SPACES = re.compile(r"\s+")
_STATTRAK_VARIANTS = re.compile(r"stat\s*-?\s*trak\s*(?:™|\(tm\)|tm\b)?", re.IGNORECASE)
_STAR_VARIANTS = re.compile(r"^(?:★|☆|\*)\s*")
_PIPE = re.compile(r"\s*\|\s*")
_EXTERIOR_LOWER = {e.lower(): e for e in EXTERIORS}
_EXTERIOR_ANY = re.compile(r"\(\s*([A-Za-z -]+?)\s*\)\s*$")


def normalise_market_hash_name(text: str) -> str:
    """Return the canonical form of a pasted name; raises :class:`MarketNameError`."""
    if text is None:
        raise MarketNameError("Empty item name.")
    name = unicodedata.normalize("NFC", str(text))
    name = name.replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " ")
    name = _SPACES.sub(" ", name).strip()
    if not name:
        raise MarketNameError("Empty item name.")
    if len(name) > MAX_NAME_LENGTH:
        raise MarketNameError(f"Item name is longer than {MAX_NAME_LENGTH} characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise MarketNameError("Item name contains control characters.")

    star = False
    match = _STAR_VARIANTS.match(name)
    if match:
        star = True
        name = name[match.end() :]
    stattrak = False
    st = _STATTRAK_VARIANTS.match(name)
    if st:
        stattrak = True
        name = name[st.end() :].lstrip()
        # "StatTrak™ ★ Karambit" → the star belongs in front.
        match = _STAR_VARIANTS.match(name)
        if match:
            star = True
            name = name[match.end() :]
    souvenir = False
    if name.lower().startswith(SOUVENIR.lower() + " "):
        souvenir = True
        name = name[len(SOUVENIR) + 1 :]
    if stattrak and souvenir:
        raise MarketNameError("An item cannot be both StatTrak™ and Souvenir.")

    name = _PIPE.sub(" | ", name)
    ext = _EXTERIOR_ANY.search(name)
    if ext and ext.group(1).lower() in _EXTERIOR_LOWER:
        name = name[: ext.start()].rstrip() + f" ({_EXTERIOR_LOWER[ext.group(1).lower()]})"

    prefix = ""
    if star:
        prefix += STAR + " "
    if stattrak:
        prefix += STATTRAK + " "
    if souvenir:
        prefix += SOUVENIR + " "
    result = (prefix + name.strip()).strip()
    if result in (STAR, STATTRAK, SOUVENIR) or not name.strip():
        raise MarketNameError("The item name is only a prefix; add the weapon and finish.")
    return result


@dataclass(frozen=True, slots=True)
class NameLine:
    """One pasted line: its number, what was typed, and the name or the problem."""

    line_no: int
    raw: str
    name: str | None
    error: str | None


def parse_name_lines(text: str, *, limit: int = MAX_QUOTE_NAMES) -> list[NameLine]:
    """Split pasted text into lines, normalise each and flag bad or duplicate lines.

    Blank lines are skipped. Over ``limit`` valid names, the surplus lines are flagged so
    the operator sees exactly which ones will not be quoted.
    """
    result: list[NameLine] = []
    seen: dict[str, int] = {}
    valid = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            name = normalise_market_hash_name(raw)
        except MarketNameError as exc:
            result.append(NameLine(number, raw, None, exc.message))
            continue
        if name in seen:
            result.append(NameLine(number, raw, None, f"Duplicate of line {seen[name]}."))
            continue
        if valid >= limit:
            result.append(
                NameLine(number, raw, None, f"Over the limit of {limit} names per quote.")
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
