"""The seeded SkinsNode catalog: physical copies of real items at near-real prices.

Every entry is one physical item with a real market hash name (``items_data``): a weapon,
knife or glove copy gets a float inside both its skin's caps and its exterior's band, a
Doppler-family paint index (and so a phase) drawn with realistic odds, and the rarity colour
of its skin; stickers, cases, agents, charms, music kits and graffiti carry no float. Prices
start from the real Steam price: a phase premium, up to 12% more for a low float inside its
band, and a listing spread around 95% of Steam. A catalog larger than the list of real names
repeats names with other floats and ids, as real inventories do; no name is ever invented.
Entries are serialised once; the ``/v1/catalog`` body is a join of those fragments, so even
100,000 items are served without re-encoding.
"""

from __future__ import annotations

import json
import math
import random
import threading
import zlib
from bisect import bisect
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from math import isqrt
from typing import Any

from skins_console.sandbox.facts import WEAR_BANDS_BP
from skins_console.sandbox.items_data import FLOAT_SCALE, RealItem, universe

FLOAT_DIGITS = 10
_INSTANCE_IDS = ("0", "188530139", "302028390", "480085569", "519977179")

#: share of catalog entries per kind, in per mille (a merchant's stock: mostly guns)
KIND_SHARES = {
    "weapon": 620,
    "knife": 80,
    "gloves": 40,
    "sticker": 90,
    "case": 70,
    "charm": 30,
    "agent": 20,
    "graffiti": 20,
    "music_kit": 10,
    "other": 20,
}
_OTHER_KINDS = ("patch", "collectible", "key", "other")
#: relative listing weight of a name's variant: StatTrak™ and Souvenir copies are rarer
_VARIANT_WEIGHT = {"normal": 10, "stattrak": 3, "souvenir": 3}
#: how often each phase drops (per mille) and its price over the cheapest phase (per mille;
#: Steam's lowest price is the cheapest phase's)
PHASE_ODDS = {
    "Ruby": 25,
    "Sapphire": 25,
    "Black Pearl": 40,
    "Emerald": 60,
    "Phase 1": 230,
    "Phase 2": 260,
    "Phase 3": 190,
    "Phase 4": 230,
}
PHASE_VALUE = {
    "Ruby": 4500,
    "Sapphire": 4500,
    "Black Pearl": 2800,
    "Emerald": 4000,
    "Phase 1": 1050,
    "Phase 2": 1250,
    "Phase 3": 1000,
    "Phase 4": 1150,
}
#: listing spread around the Steam price, per mille: median 950, σ ≈ 12% (log), clamped
_SPREAD_CENTRE = math.log(0.95)
_SPREAD_SIGMA = 0.12
_SPREAD_BOUNDS = (650, 1600)


@dataclass(slots=True)
class CatalogEntry:
    id: str
    name: str
    price: int
    phase: str | None
    float_text: str | None
    paint_index: int | None
    paint_seed: int | None
    rarity_color: str
    class_id: str
    instance_id: str
    kind: str  # weapon / knife / gloves / sticker / case / …: shapes the generated picture
    fragment: bytes = b""

    def to_json(self, base_url: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "marketHashName": self.name,
            "price": self.price,
            "currency": "USD",
            "phase": self.phase,
            "floatValue": self.float_text,
            "paintIndex": self.paint_index,
            "paintSeed": self.paint_seed,
            "rarityColor": self.rarity_color,
            "classId": self.class_id,
            "instanceId": self.instance_id,
            "imageUrl": f"{base_url}/static/items/{self.id}.png",
        }


@dataclass(frozen=True, slots=True)
class _Profile:
    """Per-name facts precomputed once, so generating 100,000 entries stays fast."""

    item: RealItem
    class_id: str
    float_low: int  # [low, high) in 1e-10; low == high: no float
    float_high: int
    band_low: int
    band_span: int
    paint_indices: tuple[int, ...]
    #: the phase of each paint index (Doppler family only; empty otherwise)
    phases: tuple[str, ...]
    phase_cum: tuple[int, ...]


def _profile(item: RealItem) -> _Profile:
    span = item.float_range()
    low, high = span if span is not None else (0, 0)
    band_low, band_span = 0, 1
    if span is not None:
        scale = FLOAT_SCALE // 10000
        for name, b_low, b_high in WEAR_BANDS_BP:
            if name == item.exterior:
                band_low, band_span = b_low * scale, (b_high - b_low) * scale
    indices = item.finish.paint_indices if item.finish is not None else ()
    phase_of = universe().phases
    phased = tuple(i for i in indices if i in phase_of) if len(indices) > 1 else ()
    phases = tuple(phase_of[i] for i in phased)
    return _Profile(
        item=item,
        class_id=str(300000000 + zlib.crc32(item.name.encode()) % 5000000000),
        float_low=low,
        float_high=high,
        band_low=band_low,
        band_span=band_span,
        paint_indices=phased or indices[:1],
        phases=phases,
        phase_cum=tuple(accumulate(PHASE_ODDS[phase] for phase in phases)),
    )


def _uuid4(bits: int) -> str:
    bits = (bits & ~(0xF000 << 64)) | (0x4000 << 64)
    bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _variant(item: RealItem) -> str:
    return "stattrak" if item.stattrak else "souvenir" if item.souvenir else "normal"


@lru_cache(maxsize=1)
def _listing() -> tuple[tuple[tuple[list[RealItem], list[int]], ...], list[int]]:
    """Listable names by kind with cumulative listing weights (built once per process)."""
    groups: dict[str, list[RealItem]] = {kind: [] for kind in KIND_SHARES}
    for item in universe().items:
        if item.listable:
            kind = "other" if item.kind in _OTHER_KINDS else item.kind
            groups[kind].append(item)
    weighted = []
    shares = []
    for kind, share in KIND_SHARES.items():
        members = groups[kind]
        if not members:
            continue
        # Cheaper names are listed more often, as on a real market.
        weights = [
            _VARIANT_WEIGHT[_variant(i)] * 1000 // (20 + isqrt(i.steam_cents)) or 1 for i in members
        ]
        weighted.append((members, list(accumulate(weights))))
        shares.append(share)
    return tuple(weighted), list(accumulate(shares))


#: per-name facts, shared by every catalog of the process (they never change)
_PROFILES: dict[str, _Profile] = {}


class CatalogGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._groups, self._group_cum = _listing()
        self._profiles = _PROFILES

    def _pick(self) -> _Profile:
        rng = self.rng
        group = bisect(self._group_cum, rng.random() * self._group_cum[-1])
        members, cum = self._groups[min(group, len(self._groups) - 1)]
        index = min(bisect(cum, rng.random() * cum[-1]), len(members) - 1)
        item = members[index]
        profile = self._profiles.get(item.name)
        if profile is None:
            profile = self._profiles[item.name] = _profile(item)
        return profile

    def entry(self) -> CatalogEntry:
        rng = self.rng
        random_ = rng.random
        profile = self._pick()
        item = profile.item
        cents = item.steam_cents
        float_text = None
        paint_seed = None
        if profile.float_high > profile.float_low:
            raw = profile.float_low + int(random_() * (profile.float_high - profile.float_low))
            float_text = f"{raw // FLOAT_SCALE}.{raw % FLOAT_SCALE:0{FLOAT_DIGITS}d}"
            paint_seed = int(random_() * 1001)
            # Lower floats inside a wear band fetch up to 12% more.
            rank = min((raw - profile.band_low) * 1000 // profile.band_span, 1000)
            cents = cents * (1000 + (1000 - rank) * 12 // 100) // 1000
        paint_index, phase = (profile.paint_indices[0] if profile.paint_indices else None), None
        if profile.phase_cum:
            pick = bisect(profile.phase_cum, random_() * profile.phase_cum[-1])
            pick = min(pick, len(profile.paint_indices) - 1)
            paint_index, phase = profile.paint_indices[pick], profile.phases[pick]
            cents = cents * PHASE_VALUE[phase] // 1000
        spread = int(1000 * math.exp(rng.gauss(_SPREAD_CENTRE, _SPREAD_SIGMA)))
        spread = min(max(spread, _SPREAD_BOUNDS[0]), _SPREAD_BOUNDS[1])
        cents = max(3, cents * spread // 1000)
        return CatalogEntry(
            id=_uuid4(rng.getrandbits(128)),
            name=item.name,
            price=cents,
            phase=phase,
            float_text=float_text,
            paint_index=paint_index,
            paint_seed=paint_seed,
            rarity_color=item.rarity_color,
            class_id=profile.class_id,
            instance_id=_INSTANCE_IDS[int(random_() * len(_INSTANCE_IDS))],
            kind=item.kind,
        )


def _int(value: int | None) -> str:
    return "null" if value is None else str(value)


def _digits(value: str | None) -> str:
    # a float text is digits and a dot: quoting it needs no escaping
    return "null" if value is None else f'"{value}"'


@lru_cache(maxsize=65536)
def _json_text(value: str | None) -> str:
    return json.dumps(value, ensure_ascii=False)


class Catalog:
    """The listed items; thread-safe; the JSON body is rebuilt only after a change."""

    def __init__(self, size: int, seed: int, base_url: str) -> None:
        self.base_url = base_url
        # json.dumps adds the quotes; the prefix is spliced into a quoted string.
        self._image_prefix = json.dumps(f"{base_url}/static/items/")[1:-1]
        self._lock = threading.Lock()
        self._generator = CatalogGenerator(seed)
        self._listed: dict[str, CatalogEntry] = {}
        self._known: dict[str, CatalogEntry] = {}
        self._body: bytes | None = None
        self.add_generated(size)

    def _serialise(self, entry: CatalogEntry) -> None:
        # Hand-assembled (names are the only free text, escaped by json.dumps): this is
        # what lets 100,000 items be generated in a couple of seconds.
        entry.fragment = (
            f'{{"id":"{entry.id}","marketHashName":{_json_text(entry.name)},'
            f'"price":{entry.price},"currency":"USD","phase":{_json_text(entry.phase)},'
            f'"floatValue":{_digits(entry.float_text)},"paintIndex":{_int(entry.paint_index)},'
            f'"paintSeed":{_int(entry.paint_seed)},"rarityColor":"{entry.rarity_color}",'
            f'"classId":"{entry.class_id}","instanceId":"{entry.instance_id}",'
            f'"imageUrl":"{self._image_prefix}{entry.id}.png"}}'
        ).encode()

    def add_generated(self, count: int) -> list[CatalogEntry]:
        created = []
        with self._lock:
            for _ in range(count):
                entry = self._generator.entry()
                self._serialise(entry)
                self._listed[entry.id] = entry
                self._known[entry.id] = entry
                created.append(entry)
            self._body = None
        return created

    def body(self) -> bytes:
        with self._lock:
            if self._body is None:
                self._body = (
                    b'{"items":[' + b",".join(e.fragment for e in self._listed.values()) + b"]}"
                )
            return self._body

    def __len__(self) -> int:
        return len(self._listed)

    def listed(self, item_id: str) -> CatalogEntry | None:
        return self._listed.get(item_id)

    def known(self, item_id: str) -> CatalogEntry | None:
        """Listed now or listed before (sold or withdrawn)."""
        return self._known.get(item_id)

    def entries(self) -> list[CatalogEntry]:
        with self._lock:
            return list(self._listed.values())

    def delist(self, item_id: str) -> bool:
        with self._lock:
            removed = self._listed.pop(item_id, None) is not None
            if removed:
                self._body = None
            return removed

    def relist(self, item_id: str) -> bool:
        with self._lock:
            entry = self._known.get(item_id)
            if entry is None or item_id in self._listed:
                return False
            self._listed[item_id] = entry
            self._body = None
            return True

    def set_price(self, item_id: str, cents: int) -> CatalogEntry:
        with self._lock:
            entry = self._known[item_id]
            entry.price = cents
            self._serialise(entry)
            self._body = None
            return entry
