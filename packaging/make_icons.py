"""Draws the Skins Console icon and writes every format the installers and the app need.

    python packaging/make_icons.py            # rewrite resources/icons/* and the runtime copies

Each size is painted at its own resolution (not scaled down from 1024) so the small Windows
sizes stay crisp: below 48 px the prompt glyph is left out because it would be a smudge.

Outputs (all committed; rerun this script after changing the drawing):
  resources/icons/png/skins-console-<n>.png   n = 16 … 1024
  resources/icons/skins-console.ico           16–128 as 32-bit DIBs, 256 as PNG (what Explorer,
                                              PyInstaller and Inno Setup all accept)
  resources/icons/skins-console.icns          PNG entries icp4…ic10 (16 … 1024 incl. @2x)
  skins_console/resources/app-icon-<n>.png    the window/tray icon the running app loads

The ICO and ICNS containers are written here with ``struct`` rather than with Pillow, so the
build needs nothing beyond PySide6.
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICON_DIR = ROOT / "resources" / "icons"
PNG_DIR = ICON_DIR / "png"
RUNTIME_DIR = ROOT / "skins_console" / "resources"
BASENAME = "skins-console"

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
RUNTIME_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# (type code, pixel size). icp4-icp6 are the small PNG types macOS accepts since 10.7;
# ic11-ic14 are the @2x (Retina) variants, ic10 is 512@2x.
ICNS_ENTRIES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def _qt():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication(sys.argv[:1])


def render(size: int):
    """The icon at ``size`` × ``size`` as a premultiplied-ARGB QImage."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import (
        QBrush,
        QColor,
        QImage,
        QLinearGradient,
        QPainter,
        QPainterPath,
        QPen,
        QPolygonF,
    )

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)

    # Background: a rounded square ("squircle-ish"), the shape both Big Sur and Windows 11 use.
    # Small sizes get a smaller margin so the glyph keeps enough pixels.
    margin = s * (0.06 if size >= 64 else 0.02)
    radius = s * 0.2
    tile = QRectF(margin, margin, s - 2 * margin, s - 2 * margin)
    background = QLinearGradient(tile.topLeft(), tile.bottomLeft())
    background.setColorAt(0.0, QColor("#24325a"))
    background.setColorAt(1.0, QColor("#0d1426"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(background))
    p.drawRoundedRect(tile, radius, radius)
    if size >= 32:
        rim = QPen(QColor(255, 255, 255, 40))
        rim.setWidthF(max(1.0, s / 256))
        p.setPen(rim)
        p.setBrush(Qt.BrushStyle.NoBrush)
        inset = rim.widthF() / 2
        p.drawRoundedRect(tile.adjusted(inset, inset, -inset, -inset), radius, radius)

    # The gem: a brilliant-cut outline (flat table, crown, pointed pavilion) in amber,
    # the colour of a "covert"-grade skin.
    big = size >= 48
    cx = s / 2
    top = s * (0.22 if big else 0.2)
    girdle = s * 0.40
    bottom = s * (0.70 if big else 0.84)
    half_w = s * (0.30 if big else 0.36)
    table_w = half_w * 0.55
    outline = QPolygonF(
        [
            QPointF(cx - table_w, top),
            QPointF(cx + table_w, top),
            QPointF(cx + half_w, girdle),
            QPointF(cx, bottom),
            QPointF(cx - half_w, girdle),
        ]
    )
    gem = QLinearGradient(QPointF(cx - half_w, top), QPointF(cx + half_w, bottom))
    gem.setColorAt(0.0, QColor("#ffd36b"))
    gem.setColorAt(0.55, QColor("#f39a1e"))
    gem.setColorAt(1.0, QColor("#c2410c"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(gem))
    p.drawPolygon(outline)

    if size >= 24:
        facet = QPen(QColor(255, 247, 225, 170))
        facet.setWidthF(max(1.0, s / 160))
        facet.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(facet)
        p.drawLine(QPointF(cx - half_w, girdle), QPointF(cx + half_w, girdle))
        if size >= 32:
            p.drawLine(QPointF(cx - table_w, top), QPointF(cx - table_w * 0.45, girdle))
            p.drawLine(QPointF(cx + table_w, top), QPointF(cx + table_w * 0.45, girdle))
            p.drawLine(QPointF(cx - table_w * 0.45, girdle), QPointF(cx, bottom))
            p.drawLine(QPointF(cx + table_w * 0.45, girdle), QPointF(cx, bottom))
        # A highlight on the upper-left crown facet reads as "polished" even at 24 px.
        shine = QPainterPath()
        shine.moveTo(cx - table_w, top)
        shine.lineTo(cx - table_w * 0.2, top)
        shine.lineTo(cx - table_w * 0.6, girdle)
        shine.lineTo(cx - half_w, girdle)
        shine.closeSubpath()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 70))
        p.drawPath(shine)

    if big:
        # The console prompt "›_" under the gem: this is an operator's tool, not a shop.
        pen = QPen(QColor("#7dd3fc"))
        pen.setWidthF(s * 0.045)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        base_y = s * 0.80
        chevron = QPainterPath()
        chevron.moveTo(s * 0.30, base_y - s * 0.055)
        chevron.lineTo(s * 0.37, base_y)
        chevron.lineTo(s * 0.30, base_y + s * 0.055)
        p.drawPath(chevron)
        p.drawLine(QPointF(s * 0.43, base_y + s * 0.055), QPointF(s * 0.60, base_y + s * 0.055))

    p.end()
    return image


def png_bytes(image) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG (is the imageformats support missing?)")
    buffer.close()
    return bytes(data.data())


def dib_bytes(image) -> bytes:
    """A 32-bit BI_RGB DIB as stored inside an ICO: bottom-up BGRA rows, then the AND mask.

    The AND mask is all zero because the alpha channel carries transparency; it still has to
    be present (1 bit per pixel, rows padded to 32 bits) or older Windows shells reject it.
    """
    from PySide6.QtGui import QImage

    size = image.width()
    straight = image.convertToFormat(QImage.Format.Format_ARGB32)
    # Format_ARGB32 is 0xAARRGGBB per pixel, i.e. B,G,R,A bytes in memory on little-endian:
    # exactly the DIB order. Pack explicitly so a big-endian build host would not matter.
    rows = []
    for y in range(size - 1, -1, -1):
        row = bytearray()
        for x in range(size):
            argb = straight.pixel(x, y)
            row += struct.pack("<I", argb)
        rows.append(bytes(row))
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    mask_row = ((size + 31) // 32) * 4
    return header + b"".join(rows) + bytes(mask_row * size)


def ico_bytes(images: dict[int, object]) -> bytes:
    entries = []
    for size in ICO_SIZES:
        payload = png_bytes(images[size]) if size >= 256 else dib_bytes(images[size])
        entries.append((size, payload))
    out = bytearray(struct.pack("<HHH", 0, 1, len(entries)))
    offset = 6 + 16 * len(entries)
    for size, payload in entries:
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(payload), offset)
        offset += len(payload)
    for _size, payload in entries:
        out += payload
    return bytes(out)


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    body = bytearray()
    for code, size in ICNS_ENTRIES:
        data = pngs[size]
        body += code + struct.pack(">I", 8 + len(data)) + data
    return b"icns" + struct.pack(">I", 8 + len(body)) + bytes(body)


def main() -> int:
    _qt()
    images = {size: render(size) for size in PNG_SIZES}
    pngs = {size: png_bytes(img) for size, img in images.items()}
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    RUNTIME_DIR.mkdir(parents=True, exist_ok=True)
    for size, data in pngs.items():
        (PNG_DIR / f"{BASENAME}-{size}.png").write_bytes(data)
    for size in RUNTIME_SIZES:
        shutil.copyfile(PNG_DIR / f"{BASENAME}-{size}.png", RUNTIME_DIR / f"app-icon-{size}.png")
    (ICON_DIR / f"{BASENAME}.ico").write_bytes(ico_bytes(images))
    (ICON_DIR / f"{BASENAME}.icns").write_bytes(icns_bytes(pngs))
    print(f"wrote {len(pngs)} PNGs, {BASENAME}.ico, {BASENAME}.icns under {ICON_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
