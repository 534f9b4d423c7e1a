"""The sandbox's CS2 item universe: real weapons, knives and gloves with real finishes.

Each finish line is ``weapon|finish|rarity|min float|max float|paint index|reference
cents|flags``: the float cap decides which exteriors exist, the reference price is the
price of the best exterior a normal (non-StatTrak) copy can have, ``S`` means StatTrak™
copies exist and ``V`` means Souvenir copies exist. Prices are plausible, not quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

RARITIES = {
    "C": "Consumer Grade",
    "I": "Industrial Grade",
    "M": "Mil-Spec Grade",
    "R": "Restricted",
    "L": "Classified",
    "V": "Covert",
    "X": "Contraband",
}

_WEAPON_SKINS = """
AK-47|Redline|L|0.10|0.70|282|2600|S
AK-47|Vulcan|V|0.00|0.90|302|21000|S
AK-47|Fire Serpent|V|0.06|0.76|180|95000|S
AK-47|Case Hardened|L|0.00|1.00|44|24000|S
AK-47|Asiimov|V|0.05|1.00|801|9500|S
AK-47|Neon Rider|V|0.00|0.80|707|7800|S
AK-47|Bloodsport|V|0.00|0.45|639|9000|S
AK-47|The Empress|V|0.00|1.00|675|11000|S
AK-47|Head Shot|V|0.00|1.00|1221|6500|S
AK-47|Frontside Misty|L|0.02|0.87|490|4200|S
AK-47|Point Disarray|L|0.00|0.67|506|3600|S
AK-47|Phantom Disruptor|L|0.00|1.00|941|1400|S
AK-47|Ice Coaled|L|0.00|1.00|1143|1900|S
AK-47|Slate|R|0.00|1.00|1035|900|S
AK-47|Elite Build|M|0.00|1.00|422|450|S
AK-47|Safari Mesh|I|0.06|0.80|72|60|V
AK-47|Wild Lotus|V|0.00|1.00|724|650000|
AWP|Asiimov|V|0.18|1.00|279|11500|S
AWP|Dragon Lore|V|0.00|0.70|344|1100000|V
AWP|Lightning Strike|V|0.00|0.08|51|52000|S
AWP|Hyper Beast|V|0.00|1.00|475|9800|S
AWP|Redline|L|0.10|0.84|259|4800|S
AWP|Electric Hive|L|0.00|0.40|227|3200|S
AWP|Neo-Noir|V|0.00|0.80|803|7000|S
AWP|Wildfire|V|0.01|1.00|917|9000|S
AWP|Containment Breach|V|0.00|1.00|887|12000|S
AWP|Chromatic Aberration|L|0.00|1.00|1026|2600|S
AWP|Fever Dream|L|0.00|0.64|640|2100|S
AWP|Graphite|L|0.00|0.08|212|9500|S
AWP|Atheris|R|0.00|1.00|838|800|S
AWP|Pit Viper|R|0.08|0.50|251|900|V
AWP|Safari Mesh|I|0.06|0.80|72|90|V
M4A4|Howl|X|0.00|0.40|309|520000|S
M4A4|Asiimov|V|0.18|1.00|255|12000|S
M4A4|The Emperor|V|0.00|1.00|844|6200|S
M4A4|Neo-Noir|V|0.00|1.00|695|4100|S
M4A4|Temukau|V|0.00|0.80|1255|5200|S
M4A4|Desolate Space|L|0.00|1.00|588|2900|S
M4A4|Dragon King|L|0.00|0.75|400|2600|S
M4A4|Buzz Kill|L|0.00|1.00|632|2400|S
M4A4|Hellfire|L|0.00|1.00|664|2000|S
M4A4|Tooth Fairy|L|0.00|1.00|971|1100|S
M4A4|Evil Daimyo|R|0.00|0.52|480|650|S
M4A1-S|Printstream|V|0.00|1.00|984|21000|S
M4A1-S|Golden Coil|V|0.00|1.00|497|8200|S
M4A1-S|Hyper Beast|V|0.00|1.00|430|3800|S
M4A1-S|Player Two|V|0.00|1.00|946|5200|S
M4A1-S|Black Lotus|V|0.00|0.70|1130|4600|S
M4A1-S|Knight|V|0.00|0.10|326|190000|V
M4A1-S|Hot Rod|L|0.00|0.08|445|32000|
M4A1-S|Icarus Fell|L|0.00|0.10|440|41000|
M4A1-S|Decimator|L|0.00|0.80|644|3100|S
M4A1-S|Cyrex|L|0.00|0.40|360|2200|S
M4A1-S|Nightmare|L|0.00|1.00|1059|1200|S
M4A1-S|Guardian|R|0.00|0.38|257|1100|S
M4A1-S|Basilisk|R|0.00|1.00|383|700|S
USP-S|Kill Confirmed|V|0.00|1.00|504|8800|S
USP-S|Printstream|V|0.00|1.00|1142|12000|S
USP-S|Neo-Noir|V|0.00|1.00|653|3900|S
USP-S|The Traitor|V|0.00|1.00|1040|4700|S
USP-S|Orion|L|0.00|0.80|313|4200|S
USP-S|Caiman|L|0.00|0.30|339|1900|S
USP-S|Cortex|L|0.00|1.00|705|1100|S
USP-S|Guardian|M|0.00|0.38|290|300|S
USP-S|Stainless|M|0.00|1.00|277|250|S
Glock-18|Fade|R|0.00|0.08|38|180000|
Glock-18|Gamma Doppler|V|0.00|0.08|1119|11000|S
Glock-18|Wasteland Rebel|V|0.00|1.00|586|2900|S
Glock-18|Bullet Queen|V|0.00|1.00|957|2300|S
Glock-18|Neo-Noir|V|0.00|1.00|732|1300|S
Glock-18|Water Elemental|L|0.00|1.00|353|1000|S
Glock-18|Vogue|L|0.00|1.00|988|1200|S
Glock-18|Dragon Tattoo|R|0.00|0.08|48|3100|
Glock-18|Moonrise|M|0.00|1.00|694|250|S
Glock-18|Candy Apple|I|0.00|0.30|3|300|
Desert Eagle|Blaze|R|0.00|0.08|37|52000|
Desert Eagle|Printstream|V|0.00|1.00|962|8200|S
Desert Eagle|Code Red|V|0.00|1.00|711|6100|S
Desert Eagle|Ocean Drive|V|0.00|1.00|1090|4100|S
Desert Eagle|Kumicho Dragon|L|0.00|1.00|527|2600|S
Desert Eagle|Golden Koi|L|0.00|0.12|185|4800|S
Desert Eagle|Mecha Industries|L|0.00|1.00|805|1200|S
Desert Eagle|Hypnotic|R|0.00|0.08|61|4200|
Desert Eagle|Conspiracy|R|0.00|0.90|351|800|S
P250|See Ya Later|V|0.00|1.00|668|1200|S
P250|Asiimov|L|0.10|1.00|551|700|S
P250|Mehndi|L|0.00|1.00|258|1000|S
P250|Muertos|R|0.00|1.00|404|450|S
P250|Sand Dune|C|0.06|0.80|208|8|V
Five-SeveN|Hyper Beast|L|0.00|1.00|660|1000|S
Five-SeveN|Angry Mob|L|0.00|1.00|837|850|S
Five-SeveN|Monkey Business|L|0.10|0.80|427|700|S
Five-SeveN|Case Hardened|M|0.00|1.00|44|700|S
Tec-9|Fuel Injector|L|0.00|0.80|614|700|S
Tec-9|Decimator|L|0.00|1.00|1010|650|S
Tec-9|Nuclear Threat|R|0.00|0.40|179|2100|V
Tec-9|Isaac|R|0.00|1.00|303|300|S
CZ75-Auto|Victoria|L|0.00|0.75|270|1400|S
CZ75-Auto|Xiangliu|L|0.00|1.00|643|600|S
CZ75-Auto|Yellow Jacket|R|0.00|1.00|476|450|S
FAMAS|Commemoration|L|0.00|0.40|919|2100|S
FAMAS|Afterimage|L|0.00|1.00|154|1000|S
FAMAS|Roll Cage|L|0.00|0.70|604|850|S
FAMAS|Mecha Industries|R|0.00|1.00|626|450|S
Galil AR|Chatterbox|V|0.00|1.00|398|3600|S
Galil AR|Cerberus|L|0.00|1.00|379|1100|
Galil AR|Sugar Rush|L|0.00|0.60|661|1300|V
Galil AR|Eco|R|0.00|0.80|428|600|S
SG 553|Integrale|V|0.00|0.80|750|7000|
SG 553|Cyrex|R|0.00|0.80|487|450|S
SG 553|Pulse|R|0.10|0.60|287|450|S
AUG|Akihabara Accept|V|0.00|0.75|455|56000|
AUG|Chameleon|L|0.00|0.80|280|850|S
AUG|Momentum|L|0.00|1.00|727|1000|S
AUG|Bengal Tiger|L|0.00|0.90|9|700|S
SSG 08|Dragonfire|V|0.00|0.85|624|4200|S
SSG 08|Blood in the Water|V|0.06|0.20|222|7000|S
SSG 08|Big Iron|L|0.00|1.00|538|700|S
MAC-10|Neon Rider|V|0.00|0.70|433|1100|S
MAC-10|Stalker|L|0.00|1.00|498|450|S
MAC-10|Fade|R|0.00|0.08|38|1400|
MP9|Starlight Protector|V|0.00|1.00|1134|1700|S
MP9|Hydra|L|0.00|0.85|734|1300|S
MP9|Rose Iron|R|0.00|0.08|262|600|S
MP7|Bloodsport|V|0.00|0.65|696|1700|S
MP7|Nemesis|R|0.00|0.08|481|600|S
UMP-45|Primal Saber|L|0.00|1.00|556|1000|S
UMP-45|Blaze|R|0.00|0.08|37|600|
P90|Asiimov|V|0.00|0.92|359|2100|S
P90|Death by Kitty|V|0.08|0.32|156|7000|S
P90|Emerald Dragon|L|0.00|0.25|182|4200|S
PP-Bizon|Judgement of Anubis|V|0.00|0.50|542|1100|S
Nova|Hyper Beast|L|0.00|1.00|537|450|S
Nova|Antique|R|0.00|0.30|286|450|S
XM1014|Tranquility|L|0.00|1.00|393|600|S
XM1014|Incinegator|L|0.00|0.80|850|600|S
Sawed-Off|The Kraken|L|0.00|0.08|256|2100|S
MAG-7|Justice|L|0.00|1.00|948|700|S
Negev|Mjölnir|L|0.00|0.80|763|4200|
R8 Revolver|Fade|L|0.00|0.08|522|1400|S
Dual Berettas|Cobra Strike|L|0.00|1.00|658|600|S
P2000|Fire Elemental|V|0.00|1.00|389|2100|S
P2000|Ocean Foam|R|0.00|0.08|211|1400|
G3SG1|The Executioner|L|0.14|0.85|511|450|S
SCAR-20|Cardiac|L|0.00|0.70|391|450|S
MP5-SD|Phosphor|L|0.00|1.00|810|300|S
"""

#: knife → price factor relative to the Karambit
KNIVES = {
    "Karambit": 100,
    "Butterfly Knife": 115,
    "M9 Bayonet": 88,
    "Skeleton Knife": 95,
    "Talon Knife": 85,
    "Bayonet": 60,
    "Stiletto Knife": 58,
    "Classic Knife": 55,
    "Nomad Knife": 50,
    "Kukri Knife": 45,
    "Flip Knife": 42,
    "Ursus Knife": 35,
    "Paracord Knife": 34,
    "Huntsman Knife": 32,
    "Survival Knife": 30,
    "Falchion Knife": 26,
    "Bowie Knife": 26,
    "Navaja Knife": 20,
    "Gut Knife": 20,
    "Shadow Daggers": 20,
}

#: finish|min|max|paint index|Karambit reference cents
_KNIFE_FINISHES = """
Doppler|0.00|0.08|415|95000
Gamma Doppler|0.00|0.08|568|110000
Fade|0.00|0.08|38|125000
Marble Fade|0.00|0.08|413|105000
Tiger Tooth|0.00|0.08|409|85000
Lore|0.00|1.00|558|90000
Autotronic|0.00|1.00|573|72000
Crimson Web|0.06|0.80|12|95000
Slaughter|0.01|0.26|59|88000
Case Hardened|0.00|1.00|44|75000
Black Laminate|0.00|1.00|563|58000
Damascus Steel|0.00|1.00|410|56000
Freehand|0.00|0.48|581|52000
Ultraviolet|0.06|0.80|98|52000
Blue Steel|0.00|1.00|42|58000
Bright Water|0.00|0.50|578|47000
Night|0.06|0.80|40|47000
Stained|0.00|1.00|43|46000
Rust Coat|0.40|1.00|414|42000
Forest DDPAT|0.06|0.80|5|41000
Boreal Forest|0.06|0.80|77|40000
Urban Masked|0.06|0.80|143|40000
Scorched|0.06|0.80|175|38000
Safari Mesh|0.06|0.80|72|36000
"""

#: gloves|finish|paint index|reference cents (Field-Tested); every glove is 0.06–0.80
_GLOVES = """
Sport Gloves|Pandora's Box|10037|210000
Sport Gloves|Vice|10048|150000
Sport Gloves|Hedge Maze|10038|140000
Sport Gloves|Superconductor|10018|120000
Sport Gloves|Amphibious|10045|52000
Sport Gloves|Omega|10047|36000
Specialist Gloves|Crimson Kimono|10033|110000
Specialist Gloves|Fade|10063|78000
Specialist Gloves|Emerald Web|10034|68000
Specialist Gloves|Marble Fade|10068|52000
Driver Gloves|King Snake|10041|52000
Driver Gloves|Crimson Weave|10016|42000
Driver Gloves|Imperial Plaid|10042|36000
Driver Gloves|Lunar Weave|10013|22000
Hand Wraps|Slaughter|10021|40000
Hand Wraps|Cobalt Skulls|10053|26000
Hand Wraps|Leather|10009|11000
Moto Gloves|Spearmint|10026|62000
Moto Gloves|Polygon|10052|34000
Moto Gloves|Eclipse|10024|21000
Hydra Gloves|Case Hardened|10060|17000
Hydra Gloves|Emerald|10057|13000
Broken Fang Gloves|Jade|10085|17000
Broken Fang Gloves|Yellow-banded|10086|10000
Bloodhound Gloves|Charred|10006|17000
Bloodhound Gloves|Snakebite|10007|15000
"""

#: Skinslink also prices things the SkinsNode catalog does not list (cases, stickers,
#: vanilla knives, other games). name → reference cents.
EXTRA_PRICES: dict[str, dict[str, int]] = {
    "csgo": {
        "Revolution Case": 45,
        "Kilowatt Case": 95,
        "Dreams & Nightmares Case": 130,
        "Fracture Case": 40,
        "Recoil Case": 32,
        "Clutch Case": 55,
        "Prisma 2 Case": 85,
        "Chroma 3 Case": 210,
        "Operation Breakout Weapon Case": 980,
        "Sticker | Crown (Foil)": 92000,
        "Sticker | Howling Dawn": 38000,
        "Sealed Graffiti | King Me": 40,
        "★ Karambit": 64000,
        "★ Butterfly Knife": 82000,
        "★ M9 Bayonet": 56000,
        "★ Bayonet": 36000,
        "★ Flip Knife": 26000,
        "Sir Bloody Miami Darryl | The Professionals": 1900,
        "Special Agent Ava | FBI": 2400,
    },
    "rust": {"Tempered AK47": 3100, "Alien Red": 2200, "Big Grin": 5400, "Punishment Mask": 3900},
    "dota2": {"Exalted Manifold Paradox": 2600, "Genuine Weather Rain": 4200},
    "tf2": {"Mann Co. Supply Crate Key": 210, "Tour of Duty Ticket": 95},
}

#: relative value of each exterior (FN … BS), in percent of Field-Tested
EXTERIOR_VALUE = {
    "Factory New": 220,
    "Minimal Wear": 140,
    "Field-Tested": 100,
    "Well-Worn": 85,
    "Battle-Scarred": 75,
}

#: Doppler-family paint indices and the value of each phase in percent
DOPPLER_FAMILY = {
    "Doppler": {415: 600, 416: 650, 417: 320, 418: 100, 419: 115, 420: 95, 421: 105},
    "Gamma Doppler": {568: 450, 569: 100, 570: 110, 571: 95, 572: 105},
    # the Glock-18's own Gamma Doppler set
    "Glock-18|Gamma Doppler": {1119: 350, 1120: 100, 1121: 110, 1122: 95, 1123: 105},
}
#: how often each phase drops, in per mille
PHASE_ODDS = {
    415: 25,
    416: 25,
    417: 40,
    418: 230,
    419: 260,
    420: 190,
    421: 230,
    568: 60,
    569: 230,
    570: 260,
    571: 200,
    572: 250,
    1119: 60,
    1120: 230,
    1121: 260,
    1122: 200,
    1123: 250,
}


@dataclass(frozen=True, slots=True)
class Skin:
    """One weapon/knife/glove finish and what copies of it can exist."""

    weapon: str
    finish: str
    rarity: str  # full rarity name; knives and gloves are Covert / Extraordinary
    min_float: Decimal
    max_float: Decimal
    paint_index: int
    reference_cents: int  # normal copy at its best possible exterior
    stattrak: bool
    souvenir: bool
    star: bool

    @property
    def base(self) -> str:
        return f"{self.weapon} | {self.finish}"

    @property
    def is_gloves(self) -> bool:
        return self.star and ("Gloves" in self.weapon or "Wraps" in self.weapon)

    @property
    def phases(self) -> dict[int, int] | None:
        return DOPPLER_FAMILY.get(f"{self.weapon}|{self.finish}") or (
            DOPPLER_FAMILY.get(self.finish) if self.star else None
        )


def _load() -> tuple[Skin, ...]:
    skins: list[Skin] = []
    for line in _WEAPON_SKINS.strip().splitlines():
        weapon, finish, rarity, low, high, paint, cents, flags = line.split("|")
        skins.append(
            Skin(
                weapon,
                finish,
                RARITIES[rarity],
                Decimal(low),
                Decimal(high),
                int(paint),
                int(cents),
                "S" in flags,
                "V" in flags,
                False,
            )
        )
    for knife, factor in KNIVES.items():
        for line in _KNIFE_FINISHES.strip().splitlines():
            finish, low, high, paint, cents = line.split("|")
            skins.append(
                Skin(
                    knife,
                    finish,
                    "Covert",
                    Decimal(low),
                    Decimal(high),
                    int(paint),
                    int(cents) * factor // 100,
                    True,
                    False,
                    True,
                )
            )
    for line in _GLOVES.strip().splitlines():
        glove, finish, paint, cents = line.split("|")
        skins.append(
            Skin(
                glove,
                finish,
                "Covert",
                Decimal("0.06"),
                Decimal("0.80"),
                int(paint),
                int(cents) * EXTERIOR_VALUE["Minimal Wear"] // 100,
                False,
                False,
                True,
            )
        )
    return tuple(skins)


SKINS: tuple[Skin, ...] = _load()
SKINS_BY_BASE: dict[tuple[bool, str], Skin] = {(s.star, s.base): s for s in SKINS}
