"""The seeded SkinsNode catalog and the price book both providers draw from.

Every catalog entry is one physical item: a real skin, a float inside that skin's cap whose
wear band is the exterior in the name, a Doppler phase drawn from its paint index, and a
price derived from the skin's reference price, exterior, StatTrak™/Souvenir and float rank.
Entries are serialised once; the ``/v1/catalog`` body is a join of those fragments, so even
100,000 items are served without re-encoding.
"""

from __future__ import annotations

import json
import random
import threading
import zlib
from bisect import bisect
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from math import isqrt
from typing import Any

from skins_console.core.cs2 import (
    RARITY_COLORS,
    SOUVENIR,
    STAR,
    STATTRAK,
    WEAR_BANDS,
    phase_for_paint_index,
    split_market_hash_name,
)
from skins_console.sandbox.items_data import (
    EXTERIOR_VALUE,
    EXTRA_PRICES,
    PHASE_ODDS,
    SKINS,
    SKINS_BY_BASE,
    Skin,
)

FLOAT_DIGITS = 10
_FLOAT_SCALE = 10**FLOAT_DIGITS
_INSTANCE_IDS = ("0", "188530139", "302028390", "480085569", "519977179")
_RARITY_WEIGHT = {
    "Consumer Grade": 10,
    "Industrial Grade": 14,
    "Mil-Spec Grade": 32,
    "Restricted": 28,
    "Classified": 20,
    "Covert": 10,
    "Contraband": 1,
}


def exteriors_for(skin: Skin) -> list[str]:
    """Exteriors a skin's float cap allows, best first."""
    result = []
    for name, _short, low, high in WEAR_BANDS:
        top_inclusive = high == Decimal(1)
        if skin.min_float < high and (low < skin.max_float or (top_inclusive and low == 1)):
            result.append(name)
    return result


def market_name(
    skin: Skin, exterior: str, *, stattrak: bool = False, souvenir: bool = False
) -> str:
    prefix = ""
    if skin.star:
        prefix += STAR + " "
    if stattrak:
        prefix += STATTRAK + " "
    if souvenir:
        prefix += SOUVENIR + " "
    return f"{prefix}{skin.base} ({exterior})"


def market_cents(
    skin: Skin, exterior: str, *, stattrak: bool = False, souvenir: bool = False
) -> int:
    """A plausible Steam-market price in cents for one name (phase-averaged)."""
    best = exteriors_for(skin)[0]
    cents = skin.reference_cents * EXTERIOR_VALUE[exterior] // EXTERIOR_VALUE[best]
    if stattrak:
        cents = cents * (125 if skin.star else 190) // 100
    if souvenir:
        cents = cents * (160 if cents > 10000 else 350) // 100
    return max(cents, 3)


def reference_cents(name: str, game: str = "csgo") -> int | None:
    """Price book lookup by exact market hash name; ``None`` when the name is unknown."""
    extra = EXTRA_PRICES.get(game, {})
    if name in extra:
        return extra[name]
    if game != "csgo":
        return None
    parts = split_market_hash_name(name)
    skin = SKINS_BY_BASE.get((parts.star, parts.base))
    if skin is None or parts.exterior is None or parts.exterior not in exteriors_for(skin):
        return None
    if (parts.stattrak and not skin.stattrak) or (parts.souvenir and not skin.souvenir):
        return None
    canonical = market_name(skin, parts.exterior, stattrak=parts.stattrak, souvenir=parts.souvenir)
    if canonical != name:
        return None
    return market_cents(skin, parts.exterior, stattrak=parts.stattrak, souvenir=parts.souvenir)


def all_names() -> list[str]:
    """Every CS2 name the price book knows, for tests and the demo's quote form."""
    names = list(EXTRA_PRICES["csgo"])
    for skin in SKINS:
        for exterior in exteriors_for(skin):
            names.append(market_name(skin, exterior))
            if skin.stattrak:
                names.append(market_name(skin, exterior, stattrak=True))
            if skin.souvenir:
                names.append(market_name(skin, exterior, souvenir=True))
    return names


@dataclass(slots=True)
class CatalogEntry:
    id: str
    name: str
    price: int
    phase: str | None
    float_text: str
    paint_index: int
    paint_seed: int
    rarity_color: str
    class_id: str
    instance_id: str
    kind: str  # weapon / knife / gloves: only shapes the generated picture
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
    """Per-skin facts precomputed once, so generating 100,000 entries stays fast."""

    skin: Skin
    low: int
    high: int
    phase_indices: tuple[int, ...]
    phase_cum: tuple[int, ...]
    color: str
    kind: str


def _profile(skin: Skin) -> _Profile:
    phases = skin.phases or {}
    indices = tuple(phases)
    return _Profile(
        skin=skin,
        low=int(skin.min_float * _FLOAT_SCALE),
        high=int(skin.max_float * _FLOAT_SCALE),
        phase_indices=indices,
        phase_cum=tuple(accumulate(PHASE_ODDS[i] for i in indices)),
        color=RARITY_COLORS[skin.rarity],
        kind="gloves" if skin.is_gloves else "knife" if skin.star else "weapon",
    )


def _uuid4(bits: int) -> str:
    bits = (bits & ~(0xF000 << 64)) | (0x4000 << 64)
    bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class CatalogGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        weapons = [_profile(s) for s in SKINS if not s.star]
        self._weapons = weapons
        # Rarer grades and pricier finishes are listed less often, as on a real market.
        self._weapon_cum = list(
            accumulate(
                _RARITY_WEIGHT[p.skin.rarity] * 1000 // (30 + isqrt(p.skin.reference_cents))
                for p in weapons
            )
        )
        self._knives = [_profile(s) for s in SKINS if s.star and not s.is_gloves]
        self._gloves = [_profile(s) for s in SKINS if s.is_gloves]
        self._names: dict[tuple, tuple[str, int, str]] = {}

    def _pick(self) -> _Profile:
        rng = self.rng
        roll = rng.random()
        if roll < 0.10:
            return self._knives[int(rng.random() * len(self._knives))]
        if roll < 0.15:
            return self._gloves[int(rng.random() * len(self._gloves))]
        index = bisect(self._weapon_cum, rng.random() * self._weapon_cum[-1])
        return self._weapons[min(index, len(self._weapons) - 1)]

    def _naming(self, skin: Skin, exterior: str, stattrak: bool, souvenir: bool):
        key = (skin.star, skin.base, exterior, stattrak, souvenir)
        found = self._names.get(key)
        if found is None:
            name = market_name(skin, exterior, stattrak=stattrak, souvenir=souvenir)
            cents = market_cents(skin, exterior, stattrak=stattrak, souvenir=souvenir)
            class_id = str(300000000 + zlib.crc32(name.encode()) % 5000000000)
            found = self._names[key] = (name, cents, class_id)
        return found

    def entry(self) -> CatalogEntry:
        rng = self.rng
        random_ = rng.random
        profile = self._pick()
        skin = profile.skin
        span = profile.high - profile.low
        raw = profile.low + int(random_() * span) if span > 0 else profile.low
        float_text = f"{raw // _FLOAT_SCALE}.{raw % _FLOAT_SCALE:0{FLOAT_DIGITS}d}"
        exterior, band_low, band_span = _band_of(raw)
        stattrak = skin.stattrak and random_() < 0.12
        souvenir = skin.souvenir and not stattrak and random_() < 0.10
        name, cents, class_id = self._naming(skin, exterior, stattrak, souvenir)

        paint_index, phase = skin.paint_index, None
        if profile.phase_indices:
            pick = bisect(profile.phase_cum, random_() * profile.phase_cum[-1])
            paint_index = profile.phase_indices[min(pick, len(profile.phase_indices) - 1)]
            phase = phase_for_paint_index(paint_index)
            cents = cents * skin.phases[paint_index] // 100

        # Lower floats inside a wear band fetch up to 12% more; listings vary by ±4%.
        rank = min((raw - band_low) * 1000 // band_span, 1000)
        cents = cents * (100 + (1000 - rank) * 12 // 1000) // 100
        cents = max(3, cents * (96 + int(random_() * 9)) // 100)
        return CatalogEntry(
            id=_uuid4(rng.getrandbits(128)),
            name=name,
            price=cents,
            phase=phase,
            float_text=float_text,
            paint_index=paint_index,
            paint_seed=int(random_() * 1001),
            rarity_color=profile.color,
            class_id=class_id,
            instance_id=_INSTANCE_IDS[int(random_() * len(_INSTANCE_IDS))],
            kind=profile.kind,
        )


_BANDS_INT = tuple(
    (name, int(low * _FLOAT_SCALE), int(high * _FLOAT_SCALE)) for name, _s, low, high in WEAR_BANDS
)


def _band_of(raw: int) -> tuple[str, int, int]:
    for name, low, high in _BANDS_INT:
        if raw < high:
            return name, low, high - low
    name, low, high = _BANDS_INT[-1]
    return name, low, high - low


@lru_cache(maxsize=4096)
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
            f'"floatValue":"{entry.float_text}","paintIndex":{entry.paint_index},'
            f'"paintSeed":{entry.paint_seed},"rarityColor":"{entry.rarity_color}",'
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
