"""CS2 item facts for display: wear bands, Doppler phases, rarity and quality colours.

Sources are summarised in ``shared/contracts/steam-and-cs2-facts.md`` (§3.5–3.7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

STAR = "\u2605"  # ★
TM = "\u2122"  # ™
STATTRAK = f"StatTrak{TM}"
SOUVENIR = "Souvenir"

#: (name, short, lower bound inclusive, upper bound exclusive; the last band includes 1.00)
WEAR_BANDS: tuple[tuple[str, str, Decimal, Decimal], ...] = (
    ("Factory New", "FN", Decimal("0.00"), Decimal("0.07")),
    ("Minimal Wear", "MW", Decimal("0.07"), Decimal("0.15")),
    ("Field-Tested", "FT", Decimal("0.15"), Decimal("0.38")),
    ("Well-Worn", "WW", Decimal("0.38"), Decimal("0.45")),
    ("Battle-Scarred", "BS", Decimal("0.45"), Decimal("1.00")),
)
EXTERIORS = tuple(band[0] for band in WEAR_BANDS)
EXTERIOR_SHORT = {band[0]: band[1] for band in WEAR_BANDS}


def parse_float_value(value: object) -> Decimal | None:
    """SkinsNode sends ``floatValue`` as a decimal string; tolerate null and junk."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not result.is_finite() or not Decimal(0) <= result <= Decimal(1):
        return None
    return result


def wear_for_float(value: Decimal | None) -> str | None:
    if value is None:
        return None
    for name, _short, low, high in WEAR_BANDS:
        if low <= value < high:
            return name
    return WEAR_BANDS[-1][0] if value == Decimal(1) else None


# paint index → phase (Doppler, Gamma Doppler; knives and the Glock-18 Gamma Doppler)
DOPPLER_PHASES: dict[int, str] = {
    415: "Ruby",
    416: "Sapphire",
    417: "Black Pearl",
    418: "Phase 1",
    419: "Phase 2",
    420: "Phase 3",
    421: "Phase 4",
    617: "Black Pearl",
    618: "Phase 2",
    619: "Sapphire",
    852: "Phase 1",
    853: "Phase 2",
    854: "Phase 3",
    855: "Phase 4",
    568: "Emerald",
    569: "Phase 1",
    570: "Phase 2",
    571: "Phase 3",
    572: "Phase 4",
    1119: "Emerald",
    1120: "Phase 1",
    1121: "Phase 2",
    1122: "Phase 3",
    1123: "Phase 4",
}


def phase_for_paint_index(paint_index: int | None) -> str | None:
    if paint_index is None:
        return None
    return DOPPLER_PHASES.get(paint_index)


RARITY_COLORS: dict[str, str] = {
    "Consumer Grade": "#b0c3d9",
    "Industrial Grade": "#5e98d9",
    "Mil-Spec Grade": "#4b69ff",
    "Restricted": "#8847ff",
    "Classified": "#d32ce6",
    "Covert": "#eb4b4b",
    "Contraband": "#e4ae39",
}
QUALITY_COLORS = {
    "star": "#8650ac",
    "stattrak": "#cf6a32",
    "souvenir": "#ffd700",
    "normal": "#d2d2d2",
}
_HEX = re.compile(r"#?([0-9a-fA-F]{6})")


def normalise_color(value: object, fallback: str = QUALITY_COLORS["normal"]) -> str:
    """``"EB4B4B"`` / ``"#eb4b4b"`` → ``"#eb4b4b"``; anything else → ``fallback``."""
    if isinstance(value, str):
        match = _HEX.fullmatch(value.strip())
        if match:
            return "#" + match.group(1).lower()
    return fallback


@dataclass(frozen=True, slots=True)
class NameParts:
    """A market hash name split into what the catalog filters on."""

    star: bool
    stattrak: bool
    souvenir: bool
    base: str  # e.g. "Karambit | Doppler" or "AK-47 | Redline"
    weapon: str  # e.g. "Karambit"
    finish: str | None  # e.g. "Doppler"; None for vanilla knives, cases…
    exterior: str | None

    @property
    def kind(self) -> str:
        """A coarse item type for filters: Knife, Gloves, Weapon, Sticker, Agent, Other."""
        weapon = self.weapon.lower()
        if self.star and ("gloves" in weapon or "wraps" in weapon):
            return "Gloves"
        if self.star:
            return "Knife"
        if weapon in ("sticker", "sealed graffiti", "patch", "music kit", "charm"):
            return weapon.title()
        if self.exterior is not None or weapon in _WEAPONS:
            return "Weapon"
        if self.finish is not None and not self.exterior:
            return "Agent"
        return "Other"

    @property
    def quality_color(self) -> str:
        if self.star:
            return QUALITY_COLORS["star"]
        if self.stattrak:
            return QUALITY_COLORS["stattrak"]
        if self.souvenir:
            return QUALITY_COLORS["souvenir"]
        return QUALITY_COLORS["normal"]


_EXTERIOR_RE = re.compile(r"\s*\((" + "|".join(map(re.escape, EXTERIORS)) + r")\)\s*$")
_WEAPONS = frozenset(
    name.lower()
    for name in (
        "AK-47",
        "M4A4",
        "M4A1-S",
        "AWP",
        "Desert Eagle",
        "USP-S",
        "Glock-18",
        "P250",
        "Five-SeveN",
        "Tec-9",
        "CZ75-Auto",
        "Dual Berettas",
        "P2000",
        "R8 Revolver",
        "FAMAS",
        "Galil AR",
        "SG 553",
        "AUG",
        "SSG 08",
        "G3SG1",
        "SCAR-20",
        "MAC-10",
        "MP9",
        "MP7",
        "MP5-SD",
        "UMP-45",
        "P90",
        "PP-Bizon",
        "Nova",
        "XM1014",
        "Sawed-Off",
        "MAG-7",
        "M249",
        "Negev",
        "Zeus x27",
    )
)


def split_market_hash_name(name: str) -> NameParts:
    text = name.strip()
    star = text.startswith(STAR)
    if star:
        text = text[len(STAR) :].strip()
    stattrak = text.startswith(STATTRAK)
    if stattrak:
        text = text[len(STATTRAK) :].strip()
    souvenir = text.startswith(SOUVENIR + " ")
    if souvenir:
        text = text[len(SOUVENIR) :].strip()
    exterior = None
    match = _EXTERIOR_RE.search(text)
    if match:
        exterior = match.group(1)
        text = text[: match.start()].strip()
    weapon, _, finish = text.partition(" | ")
    return NameParts(
        star=star,
        stattrak=stattrak,
        souvenir=souvenir,
        base=text,
        weapon=weapon.strip(),
        finish=finish.strip() or None,
        exterior=exterior,
    )
