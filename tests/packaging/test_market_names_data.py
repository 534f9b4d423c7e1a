"""The shipped list of real market names: derived reproducibly, attributed, packaged."""

from __future__ import annotations

import gzip
import importlib.util
import json

import pytest

from skins_console.resources import RESOURCE_DIR
from skins_console.services.name_book import NAMES_RESOURCE, load_market_names
from tests.packaging.helpers import ROOT
from tests.packaging.test_spec import spec_config  # noqa: F401 (fixture)


def _derive_module():
    path = ROOT / "packaging" / "derive_market_names.py"
    spec = importlib.util.spec_from_file_location("derive_market_names", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_derive_keeps_names_byte_exact_and_is_deterministic(tmp_path):
    derive = _derive_module()
    names = {
        "Ground Rebel  | Elite Crew": 1,
        "Music Kit |": 2,
        "Sticker | 龍王 (Foil)": 3,
        "'Blueberries' Buckshot | NSWC SEAL": 4,
        "★ StatTrak™ Karambit | Doppler (Factory New)": 5,
    }
    source = tmp_path / "prices.json"
    source.write_text(json.dumps({"snapshot": "2026-08-08", "prices": names}), encoding="utf-8")
    first, second = tmp_path / "a", tmp_path / "b"
    assert derive.derive(source, first) == len(names)
    derive.derive(source, second)
    packed = (first / NAMES_RESOURCE).read_bytes()
    assert packed == (second / NAMES_RESOURCE).read_bytes()  # fixed gzip timestamp
    assert gzip.decompress(packed).decode("utf-8").split("\n") == sorted(names)
    notice = (first / "market_names.NOTICE.txt").read_text(encoding="utf-8")
    assert "ByMykel/counter-strike-price-tracker" in notice and "MIT License" in notice
    source.write_text(json.dumps({"prices": {"two\nlines": 1}}), encoding="utf-8")
    with pytest.raises(SystemExit):
        derive.derive(source, tmp_path / "c")


def test_the_committed_list_is_sorted_unique_and_attributed():
    names = load_market_names()
    assert list(names) == sorted(set(names)) and len(names) > 25_000
    notice = (RESOURCE_DIR / "market_names.NOTICE.txt").read_text(encoding="utf-8")
    assert f"{len(names)} real Steam Community Market hash names" in notice
    assert "Copyright (c) 2026 ByMykel" in notice


def test_the_spec_collects_the_names_and_their_notice(spec_config):  # noqa: F811
    destinations = {
        (src.replace("\\", "/").rsplit("/", 1)[-1], dest) for src, dest in spec_config["datas"]
    }
    assert (NAMES_RESOURCE, "skins_console/resources") in destinations
    assert ("market_names.NOTICE.txt", "skins_console/resources") in destinations
