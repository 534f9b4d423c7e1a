"""The generated icon files are valid containers holding the sizes they claim."""

from __future__ import annotations

import json
import re
import struct

import pytest

from tests.packaging.helpers import ROOT

ICONS = ROOT / "resources" / "icons"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_ico_container():
    data = (ICONS / "skins-console.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind) == (0, 1)
    sizes, end = [], 6 + 16 * count
    for i in range(count):
        w, h, colours, _r, planes, bpp, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i
        )
        size = w or 256
        assert (w, colours, planes, bpp) == (h, 0, 1, 32)
        assert offset == end, "entries must be contiguous, in directory order"
        payload = data[offset : offset + length]
        assert len(payload) == length
        end = offset + length
        if payload.startswith(PNG_SIGNATURE):
            assert png_size(payload) == (size, size)
        else:
            header = struct.unpack_from("<IiiHH", payload, 0)
            assert header == (40, size, size * 2, 1, 32)
            mask_row = ((size + 31) // 32) * 4
            assert length == 40 + size * size * 4 + mask_row * size
        sizes.append(size)
    assert end == len(data)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_icns_container():
    data = (ICONS / "skins-console.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    expected = {
        b"icp4": 16,
        b"icp5": 32,
        b"icp6": 64,
        b"ic07": 128,
        b"ic08": 256,
        b"ic09": 512,
        b"ic10": 1024,
        b"ic11": 32,
        b"ic12": 64,
        b"ic13": 256,
        b"ic14": 512,
    }
    found, pos = {}, 8
    while pos < len(data):
        code, length = data[pos : pos + 4], struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        assert length > 8
        found[code] = png_size(data[pos + 8 : pos + length])
        pos += length
    assert pos == len(data)
    assert found == {code: (n, n) for code, n in expected.items()}


@pytest.mark.parametrize("size", [16, 24, 32, 48, 64, 128, 256, 512, 1024])
def test_png_sizes(size):
    data = (ICONS / "png" / f"skins-console-{size}.png").read_bytes()
    assert png_size(data) == (size, size)


def test_runtime_icons_are_package_data():
    from skins_console.resources import app_icon_paths

    paths = app_icon_paths()
    assert [size for size, _ in paths] == [16, 24, 32, 48, 64, 128, 256, 512]
    for size, path in paths:
        assert png_size(path.read_bytes()) == (size, size)


def test_metadata():
    meta = json.loads((ROOT / "resources" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["bundle_id"] == "com.skinsconsole.app"
    assert meta["executable"] == "skins-console"
    assert re.fullmatch(r"\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", meta["windows_app_id"])
    for key in ("name", "publisher", "description", "url", "copyright", "macos_minimum_version"):
        assert meta[key].strip()
