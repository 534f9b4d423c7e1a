"""Item pictures drawn in pure Python: a small PNG per item, coloured by rarity.

The shape says what the item is (a rifle, a knife, a glove, a sticker, an agent, a charm,
a music kit, or a box for cases and the like), the paint seed shifts the stripes, so
listings look different from each other without any image files shipped.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections import OrderedDict

WIDTH, HEIGHT = 96, 72
_BACKGROUND = (30, 33, 40)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def encode_png(width: int, height: int, rows: list[bytes]) -> bytes:
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def _rgb(color: str) -> tuple[int, int, int]:
    text = color.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _inside(kind: str, x: int, y: int) -> bool:
    if kind == "knife":
        # a blade along the diagonal and a short handle
        d = y - (HEIGHT - 14) + (x - 10) * (HEIGHT - 28) // (WIDTH - 20)
        blade = 10 <= x <= 70 and -7 <= d <= 3
        handle = 62 <= x <= 88 and 10 <= y <= 30 and abs(d) < 16
        return blade or handle
    if kind == "gloves":
        palm = (x - 48) ** 2 * 4 + (y - 44) ** 2 * 9 <= 26 * 26 * 9
        fingers = 28 <= x <= 66 and 10 <= y <= 40 and (x - 28) % 10 < 7
        return palm or fingers
    if kind in ("sticker", "patch", "graffiti"):
        return (x - 48) ** 2 + (y - 36) ** 2 <= 26 * 26
    if kind == "agent":
        head = (x - 48) ** 2 + (y - 20) ** 2 <= 11 * 11
        body = 30 <= x <= 66 and 33 <= y <= 66 and abs(x - 48) <= 10 + (y - 33) // 2
        return head or body
    if kind == "charm":
        ring = 16 <= (x - 48) ** 2 + (y - 14) ** 2 <= 49
        pendant = (x - 48) ** 2 + (y - 44) ** 2 <= 18 * 18
        return ring or pendant
    if kind == "music_kit":
        disc = (x - 48) ** 2 + (y - 36) ** 2
        return 25 <= disc <= 28 * 28
    if kind not in ("weapon", "knife", "gloves"):
        # cases, keys, capsules, passes: a box with a lid line
        return 20 <= x <= 76 and 16 <= y <= 58 and y != 26
    barrel = 8 <= x <= 88 and 26 <= y <= 34
    stock = 8 <= x <= 30 and 26 <= y <= 46 and y - 26 <= (30 - x) + 8
    grip = 44 <= x <= 54 and 34 <= y <= 52
    mag = 58 <= x <= 66 and 34 <= y <= 50
    return barrel or stock or grip or mag


def draw_item(color: str, kind: str, seed: int) -> bytes:
    r, g, b = _rgb(color)
    rows = []
    shift = seed % 12
    for y in range(HEIGHT):
        row = bytearray()
        for x in range(WIDTH):
            if _inside(kind, x, y):
                light = 100 if ((x + y + shift) // 6) % 2 else 78
                row += bytes((r * light // 100, g * light // 100, b * light // 100))
            else:
                fade = y * 18 // HEIGHT
                row += bytes((_BACKGROUND[0] + fade, _BACKGROUND[1] + fade, _BACKGROUND[2] + fade))
        rows.append(bytes(row))
    return encode_png(WIDTH, HEIGHT, rows)


class ImageCache:
    """Pictures depend on (colour, kind, seed mod 12) only; keep the recent ones."""

    def __init__(self, limit: int = 512) -> None:
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str, int], bytes] = OrderedDict()
        self._limit = limit

    def get(self, color: str, kind: str, seed: int) -> bytes:
        key = (color, kind, seed % 12)
        with self._lock:
            data = self._cache.get(key)
            if data is not None:
                self._cache.move_to_end(key)
                return data
        data = draw_item(*key)
        with self._lock:
            self._cache[key] = data
            while len(self._cache) > self._limit:
                self._cache.popitem(last=False)
        return data
