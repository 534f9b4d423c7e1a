"""The sandbox meets reality: its catalog and prices are real Steam names and prices.

Issue #10's check: the catalog at ``--catalog-size 5000`` has at least 97% real names, at
least 80% of prices within 0.5×–2× of the real Steam price, and every float inside its
exterior's band. Checked against the shipped data file (always) and against the original
public snapshot where this machine has it.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tomllib
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from skins_console.core.cs2 import phase_for_paint_index
from skins_console.sandbox import Sandbox, SandboxConfig
from skins_console.sandbox.items_data import universe
from tests.sandbox.conftest import exact, skinslink_client, skinsnode_client
from tests.sandbox.shared_files import ROOT, shared_file

#: steam-and-cs2-facts.md §3.5, written out here (the test's own copy of the contract)
BANDS = {
    "Factory New": (Decimal("0.00"), Decimal("0.07")),
    "Minimal Wear": (Decimal("0.07"), Decimal("0.15")),
    "Field-Tested": (Decimal("0.15"), Decimal("0.38")),
    "Well-Worn": (Decimal("0.38"), Decimal("0.45")),
    "Battle-Scarred": (Decimal("0.45"), Decimal("1.00")),
}
AWKWARD = (
    "Ground Rebel  | Elite Crew",  # two spaces before the pipe
    "Sticker | niko  | Paris 2023",
    "StatTrak™ M4A4 | 龍王 (Dragon King) (Field-Tested)",
    "★ Karambit",
    "★ Karambit | Doppler (Factory New)",
    "StatTrak™ AWP | Asiimov (Battle-Scarred)",
    "Sticker | Crown (Foil)",
    "Revolution Case",
)


@pytest.fixture(scope="module")
def catalog_5000():
    with Sandbox(SandboxConfig(catalog_size=5000, speed=60)) as sb, skinsnode_client(sb) as client:
        response = client.get("/v1/catalog", timeout=30)
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 5000
    return items


def _exterior(name: str) -> str | None:
    for exterior in BANDS:
        if name.endswith(f" ({exterior})"):
            return exterior
    return None


def _meets_reality(items: list[dict], real_prices: dict[str, int]) -> tuple[float, float]:
    """(share of real names, share of real-named prices within 0.5×–2× of the real price)."""
    real = [i for i in items if i["marketHashName"] in real_prices]
    near = [
        i
        for i in real
        if real_prices[i["marketHashName"]] * 0.5
        <= i["price"]
        <= real_prices[i["marketHashName"]] * 2
    ]
    return len(real) / len(items), len(near) / max(len(real), 1)


def _floats_in_bands(items: list[dict]) -> None:
    for item in items:
        exterior = _exterior(item["marketHashName"])
        if exterior is None:
            assert item["floatValue"] is None, item
            continue
        value = Decimal(item["floatValue"])
        low, high = BANDS[exterior]
        assert low <= value < high or (exterior == "Battle-Scarred" and value == high), item


def test_catalog_meets_the_shipped_real_data(catalog_5000):
    shipped = {item.name: item.steam_cents for item in universe().items}
    names, prices = _meets_reality(catalog_5000, shipped)
    assert names >= 0.97 and prices >= 0.80, (names, prices)
    _floats_in_bands(catalog_5000)


def test_catalog_meets_the_original_snapshot(catalog_5000):
    path = shared_file("data", "real", "steam-market-prices.json")
    real_prices = json.loads(path.read_text(encoding="utf-8"))["prices"]
    names, prices = _meets_reality(catalog_5000, real_prices)
    assert names >= 0.97 and prices >= 0.80, (names, prices)


def test_floats_stay_inside_each_skins_real_caps(catalog_5000):
    by_name = universe().by_name
    for item in catalog_5000:
        if item["floatValue"] is None:
            continue
        finish = by_name[item["marketHashName"]].finish
        assert finish is not None
        assert finish.wear_min is not None and finish.wear_max is not None
        assert finish.wear_min <= Decimal(item["floatValue"]) < finish.wear_max, item


def test_catalog_has_real_variety(catalog_5000):
    by_name = universe().by_name
    kinds = {by_name[i["marketHashName"]].kind for i in catalog_5000}
    assert {"weapon", "knife", "gloves", "sticker", "case", "agent", "charm"} <= kinds
    assert any(i["marketHashName"].startswith("StatTrak™ ") for i in catalog_5000)
    assert any(i["marketHashName"].startswith("★ StatTrak™ ") for i in catalog_5000)
    assert any(i["marketHashName"].startswith("Souvenir ") for i in catalog_5000)
    assert any(any(ord(ch) > 0x2E80 for ch in i["marketHashName"]) for i in catalog_5000)
    # every paint index of a Doppler-family copy is one of its finish's real indices, and
    # its phase is the one the contract's table gives for that index
    phased = [i for i in catalog_5000 if i["phase"] is not None]
    assert phased
    for item in phased:
        finish = by_name[item["marketHashName"]].finish
        assert finish is not None and item["paintIndex"] in finish.paint_indices
        assert item["phase"] == phase_for_paint_index(item["paintIndex"])
    assert {i["rarityColor"] for i in catalog_5000} >= {"#4b69ff", "#8847ff", "#eb4b4b"}


def test_a_catalog_larger_than_the_name_list_repeats_real_names():
    names = {i.name for i in universe().items}
    with Sandbox(SandboxConfig(catalog_size=30000, speed=60)) as sb:
        entries = sb.catalog.entries()
    assert len({e.id for e in entries}) == 30000
    assert {e.name for e in entries} <= names
    assert len({e.name for e in entries}) < 30000  # repeats, with other floats and ids
    repeated: dict[str, set[str | None]] = {}
    for entry in entries:
        repeated.setdefault(entry.name, set()).add(entry.float_text)
    assert any(len(floats) > 1 for floats in repeated.values())


def test_skinslink_prices_awkward_real_names_byte_exact(sandbox):
    with skinslink_client(sandbox) as client:
        answer = exact(
            client.post(
                "/merchant/get-prices",
                json={
                    "game": "csgo",
                    "marketHashNames": [*AWKWARD, "Ground Rebel | Elite Crew"],
                    "no_deposit_intent": True,
                },
            )
        )["data"]
    priced = {i["name"]: i for i in answer["items"]}
    # every real name is priced and echoed exactly; the squashed spelling is not a name
    assert set(priced) == set(AWKWARD)
    by_name = universe().by_name
    for name, item in priced.items():
        steam = Decimal(by_name[name].steam_cents) / 100
        # originalPrice ≈ 88% of Steam (±3% drift), price = originalPrice × 0.97
        assert steam * Decimal("0.85") - Decimal("0.01") <= item["originalPrice"], name
        assert item["originalPrice"] <= steam * Decimal("0.91") + Decimal("0.01"), name
        assert item["price"] <= item["originalPrice"]


def test_shipped_file_carries_its_attribution():
    raw = resources.files("skins_console.sandbox").joinpath("data/world.json.gz").read_bytes()
    document = json.loads(gzip.decompress(raw))
    credits = json.dumps(document["sources"])
    assert "ByMykel/counter-strike-price-tracker" in credits and "@ianlucas/cs2-lib" in credits
    assert all(source["licence"] == "MIT" for source in document["sources"])
    notice = resources.files("skins_console.sandbox").joinpath("data/NOTICE.md").read_text("utf-8")
    for source in document["sources"]:
        assert source["copyright"] in notice  # the MIT notices travel with the data
    assert len(raw) < 400_000  # compact: the app ships it


def test_shipped_file_is_what_the_derive_script_makes_of_the_snapshot(tmp_path):
    source = shared_file("data", "real", "cs2-items.json").parent
    out = tmp_path / "world.json.gz"
    script = ROOT / "packaging" / "derive_sandbox_world.py"
    result = subprocess.run(
        [sys.executable, str(script), "--source", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    shipped = resources.files("skins_console.sandbox").joinpath("data/world.json.gz")
    assert out.read_bytes() == shipped.read_bytes()


def test_data_file_is_package_data_and_frozen():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["skins_console"]
    data = ROOT / "skins_console"
    assert any(p for p in patterns if (data / "sandbox" / "data" / "world.json.gz").match(p))
    pytest.importorskip("PyInstaller", reason="the `packaging` extra is not installed")
    spec = ROOT / "packaging" / "skins-console.spec"
    prefix = spec.read_text(encoding="utf-8").split("\na = Analysis(", 1)[0]
    namespace: dict[str, Any] = {"SPECPATH": str(spec.parent), "__file__": str(spec)}
    exec(compile(prefix, str(spec), "exec"), namespace)
    collected = {
        (src.replace("\\", "/").rsplit("/", 1)[-1], dest) for src, dest in namespace["datas"]
    }
    assert ("world.json.gz", "skins_console/sandbox/data") in collected
    assert ("NOTICE.md", "skins_console/sandbox/data") in collected
