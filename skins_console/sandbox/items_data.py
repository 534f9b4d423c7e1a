"""The sandbox's item universe: real CS2 market hash names with real Steam prices.

Loaded once, lazily, from ``data/world.json.gz``, which ``packaging/derive_sandbox_world.py``
derives from public data (Steam market names and prices: ByMykel/counter-strike-price-tracker,
MIT; item facts: npm @ianlucas/cs2-lib 7.33.1, MIT). Names are kept byte-exact: two spaces
before a pipe, CJK, ★ and ™ are what Steam spells, and the sandbox never composes a name.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from skins_console.sandbox.facts import WEAR_BANDS_BP

STAR = "\u2605 "
STATTRAK = "StatTrak\u2122 "
SOUVENIR = "Souvenir "
#: floats are drawn in units of 1e-10 (the catalog prints ten decimals)
FLOAT_SCALE = 10**10
_BP_TO_FLOAT = FLOAT_SCALE // 10000
_EXTERIOR_BANDS = {name: (low, high) for name, low, high in WEAR_BANDS_BP}

#: Skinslink also prices other games; there is no public snapshot for them, so a few real
#: item names with plausible reference prices (cents) stand in.
OTHER_GAMES: dict[str, dict[str, int]] = {
    "rust": {"Tempered AK47": 3100, "Alien Red": 2200, "Big Grin": 5400, "Punishment Mask": 3900},
    "dota2": {"Exalted Manifold Paradox": 2600, "Genuine Weather Rain": 4200},
    "tf2": {"Mann Co. Supply Crate Key": 210, "Tour of Duty Ticket": 95},
}


class WorldDataError(RuntimeError):
    """The shipped data file is missing or damaged (a broken installation)."""


@dataclass(frozen=True, slots=True)
class Finish:
    """One weapon/knife/glove finish: its wear caps and paint indices (several: Dopplers)."""

    kind: str  # weapon | knife | gloves
    rarity_color: str
    wear_min: Decimal | None  # None: a vanilla knife, which has no wear
    wear_max: Decimal | None
    paint_indices: tuple[int, ...]
    #: the caps in 1e-10, for fast float drawing
    low: int = 0
    high: int = 0


@dataclass(frozen=True, slots=True)
class RealItem:
    """One real market hash name and its lowest Steam price."""

    name: str
    steam_cents: int
    kind: str  # weapon | knife | gloves | sticker | charm | agent | case | music_kit | …
    rarity_color: str
    finish: Finish | None = None  # None: not a wear item, or a skin the item data lacks
    exterior: str | None = None
    stattrak: bool = False
    souvenir: bool = False

    def float_range(self) -> tuple[int, int] | None:
        """[low, high) in 1e-10 where the skin's caps meet its exterior's band; None: no
        float (stickers, cases, vanilla knives, or no copy can exist)."""
        finish = self.finish
        if finish is None or finish.wear_min is None or self.exterior is None:
            return None
        band_low, band_high = _EXTERIOR_BANDS[self.exterior]
        low = max(band_low * _BP_TO_FLOAT, finish.low)
        high = min(band_high * _BP_TO_FLOAT, finish.high)
        return (low, high) if low < high else None

    @property
    def listable(self) -> bool:
        """Whether the catalog may list a physical copy: every fact about it is known."""
        if self.finish is None:
            return self.kind not in ("weapon", "knife", "gloves")
        if self.finish.wear_min is None:
            return self.exterior is None  # vanilla knife
        return self.float_range() is not None


@dataclass(frozen=True, slots=True)
class Universe:
    items: tuple[RealItem, ...]
    by_name: dict[str, RealItem]
    snapshot: str
    sources: tuple[dict[str, str], ...]
    #: Doppler-family paint index → phase (facts §3.6; from the item data, not the client)
    phases: dict[int, str]


def _exterior(name: str) -> str | None:
    if not name.endswith(")"):
        return None
    for exterior in _EXTERIOR_BANDS:
        if name.endswith(f" ({exterior})"):
            return exterior
    return None


def _parse(document: dict) -> Universe:
    finishes = []
    for kind, colour, low, high, indices in document["finishes"]:
        wear_min = None if low is None else Decimal(low)
        wear_max = None if high is None else Decimal(high)
        finishes.append(
            Finish(
                kind=kind,
                rarity_color=colour,
                wear_min=wear_min,
                wear_max=wear_max,
                paint_indices=tuple(indices),
                low=0 if wear_min is None else int(wear_min * FLOAT_SCALE),
                high=0 if wear_max is None else int(wear_max * FLOAT_SCALE),
            )
        )
    items: list[RealItem] = []
    for name, cents, finish_index in document["skins"]:
        finish = None if finish_index is None else finishes[finish_index]
        bare = name.removeprefix(STAR)
        items.append(
            RealItem(
                name=name,
                steam_cents=cents,
                kind=finish.kind if finish else ("knife" if name.startswith(STAR) else "weapon"),
                rarity_color=finish.rarity_color if finish else "#b0c3d9",
                finish=finish,
                exterior=_exterior(name),
                stattrak=bare.startswith(STATTRAK),
                souvenir=bare.startswith(SOUVENIR),
            )
        )
    for name, cents, kind, colour in document["goods"]:
        # goods (stickers, cases, agents, music kits…): no finish, exterior or souvenir
        items.append(RealItem(name, cents, kind, colour, stattrak=name.startswith(STATTRAK)))
    return Universe(
        items=tuple(items),
        by_name={item.name: item for item in items},
        snapshot=str(document.get("snapshot") or ""),
        sources=tuple(document.get("sources") or ()),
        phases={int(index): phase for index, phase in document["phases"]},
    )


@lru_cache(maxsize=1)
def universe() -> Universe:
    """The real item universe (read on first use, about 0.2 s CPU, then shared by every sandbox)."""
    try:
        raw = resources.files("skins_console.sandbox").joinpath("data/world.json.gz").read_bytes()
        document = json.loads(gzip.decompress(raw))
        if document.get("format") != 1:
            raise ValueError(f"unknown format {document.get('format')!r}")
        return _parse(document)
    except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
        raise WorldDataError(
            f"the sandbox's item data (skins_console/sandbox/data/world.json.gz) is "
            f"unreadable: {exc}; reinstall the application"
        ) from exc


def steam_cents(name: str, game: str = "csgo") -> int | None:
    """The reference Steam price of an exact market hash name; ``None`` when unknown."""
    if game != "csgo":
        return OTHER_GAMES.get(game, {}).get(name)
    item = universe().by_name.get(name)
    return None if item is None else item.steam_cents


def all_names() -> list[str]:
    """Every CS2 name the sandbox prices (real Steam names), for tests and demos."""
    return [item.name for item in universe().items]
