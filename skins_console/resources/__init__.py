"""Files shipped inside the package (installed with it and collected by the PyInstaller spec).

The app icon comes as PNGs drawn by ``packaging/make_icons.py``; this module only says where
they are, so it needs no Qt. The window code builds its icon with::

    icon = QIcon()
    for _size, path in app_icon_paths():
        icon.addFile(str(path))
"""

from __future__ import annotations

from pathlib import Path

RESOURCE_DIR = Path(__file__).resolve().parent
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon_path(size: int) -> Path:
    """The PNG for ``size`` (one of ``ICON_SIZES``)."""
    if size not in ICON_SIZES:
        raise ValueError(f"no {size}px app icon; available: {ICON_SIZES}")
    return RESOURCE_DIR / f"app-icon-{size}.png"


def app_icon_paths() -> list[tuple[int, Path]]:
    """Every size of the app icon that is present, smallest first."""
    return [(size, app_icon_path(size)) for size in ICON_SIZES if app_icon_path(size).is_file()]
