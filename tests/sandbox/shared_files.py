"""Where the team's shared reference folder is, if this machine has it.

The project never reads it at run time, and no required test depends on it: tests that
compare with the original sources use it when present and skip (saying why) when absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path | None:
    for parent in ROOT.parents:
        candidate = parent / "shared"
        if (candidate / "contracts").is_dir() and (candidate / "data" / "real").is_dir():
            return candidate
    return None


def shared_file(*parts: str) -> Path:
    base = shared_dir()
    path = base.joinpath(*parts) if base is not None else None
    if path is None or not path.is_file():
        pytest.skip(f"the shared reference file {'/'.join(parts)} is not on this machine")
    return path
