"""Derive the sandbox's item universe from real public CS2 data.

    python packaging/derive_sandbox_world.py [--source DIR] [--out FILE]

Reads ``cs2-items.json`` (npm @ianlucas/cs2-lib 7.33.1, MIT) and
``steam-market-prices.json`` (ByMykel/counter-strike-price-tracker ``static/latest.json``,
MIT) from ``--source`` and writes ``skins_console/sandbox/data/world.json.gz``: every real
Steam market hash name of the price snapshot, byte-exact, with its lowest Steam price in
cents, and for weapon skins, knives and gloves the facts the sandbox needs to list physical
copies (float caps, paint indices incl. Doppler phases, rarity colour). The sources' MIT
notices travel with it in ``data/NOTICE.md``.

The project never reads the source folder at run time; this script is run by a developer
when the snapshot changes, and the output is committed. The output is deterministic (sorted,
gzip without a time stamp), so re-running it on the same input changes nothing.

Layout of the file (``format`` 1)::

    finishes: [[kind, rarity colour, wear min | null, wear max | null, [paint index, ...]]]
              kind is weapon | knife | gloves; vanilla knives have no wear
    skins:    [[market hash name, cents, finish index | null]]
              null: a real weapon skin the item data does not know yet (priced, never listed)
    goods:    [[market hash name, cents, kind, rarity colour]]
              kind is sticker | charm | agent | case | music_kit | graffiti | patch |
              collectible | key | other
    phases:   [[paint index, phase]]: the Doppler-family finishes' phase names (cs2-lib's
              ``altName``: Ruby, Sapphire, Black Pearl, Emerald, Phase 1-4)
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: the nearest ``shared/data/real`` above the checkout (worktrees sit at different depths)
DEFAULT_SOURCE = next(
    (p / "shared" / "data" / "real" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
    ROOT.parent / "shared" / "data" / "real",
)
DEFAULT_OUT = ROOT / "skins_console" / "sandbox" / "data" / "world.json.gz"

STAR = "\u2605 "
STATTRAK = "StatTrak\u2122 "
SOUVENIR = "Souvenir "
EXTERIORS = ("Factory New", "Minimal Wear", "Field-Tested", "Well-Worn", "Battle-Scarred")
_EXTERIOR = re.compile(r" \((" + "|".join(EXTERIORS) + r")\)$")
_WEAR_KINDS = {"weapon": "weapon", "melee": "knife", "glove": "gloves"}
_GOOD_KINDS = {
    "sticker": "sticker",
    "keychain": "charm",
    "agent": "agent",
    "case": "case",
    "musickit": "music_kit",
    "graffiti": "graffiti",
    "patch": "patch",
    "collectible": "collectible",
    "key": "key",
    "tool": "other",
}
#: prefixes cs2-lib puts in front of names that Steam spells without them
_LIB_PREFIXES = ("Agent | ", "Container | ", "Collectible | ", "Key | ", "Tool | ")
#: colours of the sticker/charm grades (facts §3.7) for names the item data lacks
_GRADE_COLOURS = (
    ("(Gold", "#eb4b4b"),
    ("(Foil", "#d32ce6"),
    ("(Lenticular", "#d32ce6"),
    ("(Holo", "#8847ff"),
    ("(Glitter", "#8847ff"),
)
_BASE_GRADE = "#b0c3d9"
_HIGH_GRADE = "#4b69ff"

ATTRIBUTION: dict[str, Any] = {
    "about": (
        "Real CS2 market hash names with their lowest Steam Community Market price (USD "
        "cents, snapshot {snapshot}) and item facts (float caps, paint indices, rarity "
        "colours), derived by packaging/derive_sandbox_world.py for the Skins Console sandbox."
    ),
    "sources": [
        {
            "what": "Steam market names and prices",
            "from": "ByMykel/counter-strike-price-tracker, static/latest.json (a sample)",
            "licence": "MIT",
            "copyright": "Copyright (c) 2026 ByMykel",
        },
        {
            "what": "CS2 item definitions",
            "from": "npm @ianlucas/cs2-lib 7.33.1",
            "licence": "MIT",
            "copyright": "Copyright (c) Ian Lucas",
        },
    ],
}


def _squash(text: str) -> str:
    """Whitespace-insensitive key, only for joining the two sources; names stay exact."""
    return " ".join(text.split())


def _decimal_text(value: float | int | None) -> str | None:
    if value is None:
        return None
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def split_name(name: str) -> tuple[str, str | None]:
    """``★ StatTrak™ Karambit | Doppler (Factory New)`` → (``Karambit | Doppler``, exterior)."""
    text = name
    for prefix in (STAR, STATTRAK, SOUVENIR):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    match = _EXTERIOR.search(text)
    if match is None:
        return text, None
    return text[: match.start()], match.group(1)


def _good_kind(name: str) -> str:
    for prefix, kind in (
        ("Sealed Graffiti | ", "graffiti"),
        ("Sticker Slab | ", "charm"),
        ("Sticker | ", "sticker"),
        ("Charm | ", "charm"),
        ("Music Kit |", "music_kit"),
        ("StatTrak\u2122 Music Kit |", "music_kit"),
        ("Patch | ", "patch"),
    ):
        if name.startswith(prefix):
            return kind
    if name.endswith(" Case"):
        return "case"
    return "other"


def _fallback_colour(name: str, kind: str) -> str:
    if kind in ("sticker", "charm", "patch", "graffiti"):
        for marker, colour in _GRADE_COLOURS:
            if marker in name:
                return colour
        return _HIGH_GRADE
    return _BASE_GRADE


def derive(items: list[dict], prices: dict[str, int]) -> dict:
    wear_rows: dict[str, list[dict]] = {}
    vanilla: dict[str, dict] = {}
    goods_by_key: dict[str, dict] = {}
    phases: dict[int, str] = {}
    for item in items:
        kind = item.get("type")
        name = item.get("name") or ""
        if kind in _WEAR_KINDS:
            if not item.get("base"):
                wear_rows.setdefault(name, []).append(item)
                if item.get("altName"):
                    phases[int(item["index"])] = item["altName"]
            elif kind == "melee" and item.get("rarity") == "#eb4b4b":
                vanilla[name] = item  # "★ Karambit": a knife without a finish
        elif kind in _GOOD_KINDS:
            key = name
            for prefix in _LIB_PREFIXES:
                if key.startswith(prefix):
                    key = key[len(prefix) :]
            goods_by_key.setdefault(_squash(key), item)
            if kind == "graffiti" and key.startswith("Graffiti | "):
                goods_by_key.setdefault(_squash("Sealed " + key), item)

    finishes: list[list] = []
    finish_index: dict[str, int] = {}

    def finish_for(base: str) -> int | None:
        if base in finish_index:
            return finish_index[base]
        rows = wear_rows.get(base)
        if rows is not None:
            first = rows[0]
            caps = {(r.get("wearMin"), r.get("wearMax")) for r in rows}
            if len(caps) != 1 or first.get("wearMin") is None:
                return None
            entry = [
                _WEAR_KINDS[first["type"]],
                first["rarity"].lower(),
                _decimal_text(first["wearMin"]),
                _decimal_text(first["wearMax"]),
                sorted({int(r["index"]) for r in rows}),
            ]
        elif base in vanilla:
            entry = ["knife", vanilla[base]["rarity"].lower(), None, None, [0]]
        else:
            return None
        finish_index[base] = len(finishes)
        finishes.append(entry)
        return finish_index[base]

    skins: list[list] = []
    goods: list[list] = []
    for name in sorted(prices):
        cents = prices[name]
        if not isinstance(cents, int) or cents <= 0:
            continue
        base, exterior = split_name(name)
        if exterior is not None or name.startswith(STAR):
            skins.append([name, cents, finish_for(base)])
            continue
        match = goods_by_key.get(_squash(name))
        if match is None and name.startswith("Sealed Graffiti | "):
            # "Sealed Graffiti | 1G (Battle Green)": the colour is not part of the lib name
            match = goods_by_key.get(_squash(re.sub(r" \([^()]*\)$", "", name)))
        if match is not None:
            kind = _GOOD_KINDS[match["type"]]
            colour = (match.get("rarity") or _BASE_GRADE).lower()
        else:
            kind = _good_kind(name)
            colour = _fallback_colour(name, kind)
        goods.append([name, cents, kind, colour])
    return {
        "finishes": finishes,
        "skins": skins,
        "goods": goods,
        "phases": [[index, phases[index]] for index in sorted(phases)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        items = json.loads((args.source / "cs2-items.json").read_text(encoding="utf-8"))
        snapshot = json.loads(
            (args.source / "steam-market-prices.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError) as exc:
        print(f"derive_sandbox_world: cannot read {args.source}: {exc}", file=sys.stderr)
        return 2
    world = derive(items, snapshot["prices"])
    about = dict(ATTRIBUTION)
    about["about"] = str(about["about"]).format(snapshot=snapshot.get("snapshot", "unknown"))
    document = {"format": 1, **about, "snapshot": snapshot.get("snapshot"), **world}
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    listed = sum(1 for row in world["skins"] if row[2] is not None)
    print(
        f"{args.out}: {len(world['skins'])} skin names ({listed} listable), "
        f"{len(world['goods'])} other names, {len(world['finishes'])} finishes, "
        f"{len(world['phases'])} phases, "
        f"{args.out.stat().st_size:,} bytes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
