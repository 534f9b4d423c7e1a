"""A console opening its current SQLite book imports no migration or team-book code.

Creating or upgrading a book runs Alembic (alembic, mako, and the psycopg dialect it
loads: ~27 MB of RSS, issue #16's memory budget); the store imports it only to change a
schema. A merchant's console opens a book an earlier launch already created, so the
check is by module name in a child process, after an earlier process created the book:
the window's back end opens it, reads the offline catalog and the Orders tab's activity,
and reports ``sys.modules``. The team book's change feed (a PostgreSQL ``LISTEN``) is
imported by the window too, and loads psycopg (11 MB) only on its own thread.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.test_startup_imports import add_unreachable_profile

ROOT = Path(__file__).resolve().parents[2]

#: packages a current SQLite book must not load
MIGRATION_OR_TEAM = ("alembic", "mako", "psycopg", "psycopg_binary", "psycopg_c")

_OPEN_BOOK = """
import asyncio, json, sys
from pathlib import Path

from skins_console.services.context import AppContext
from skins_console.store.paths import resolve_paths
from skins_console.ui.backend import Backend
# What the window loads to watch the book (a team profile's change feed among it).
import skins_console.services.worker
import skins_console.ui.monitoring


async def main() -> None:
    ctx = await AppContext.open(resolve_paths(Path(sys.argv[1])))
    try:
        backend = Backend(ctx)
        profile = None if ctx.profile is None else ctx.profile.name
        assert profile == (sys.argv[2] or None), profile
        await backend.cached_catalog()
        await backend.load_activity()
    finally:
        await ctx.close()


asyncio.run(main())
print(json.dumps(sorted(sys.modules)))
"""


@pytest.fixture
def child_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SKINS_CONSOLE_DATA_DIR"}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
    )
    return env


def _modules_after_opening(data_dir: Path, env: dict[str, str], profile: str | None) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", _OPEN_BOOK, str(data_dir), profile or ""],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.splitlines()[-1])


def _loaded(modules: list[str], packages: tuple[str, ...]) -> list[str]:
    return [name for name in modules if name.split(".")[0] in packages]


def test_opening_a_current_book_imports_no_alembic_mako_or_psycopg(tmp_path, child_env):
    data_dir = tmp_path / "d"
    add_unreachable_profile(data_dir, child_env)
    modules = _modules_after_opening(data_dir, child_env, profile="shop")
    assert "skins_console.store.database" in modules  # the child really opened the book
    assert "sqlite3" in modules
    assert _loaded(modules, MIGRATION_OR_TEAM) == []


def test_creating_a_book_is_where_the_migration_imports_go(tmp_path, child_env):
    """The other side of the check: the first open of a fresh folder migrates through
    Alembic, so the names above are the ones a migration loads."""
    modules = _modules_after_opening(tmp_path / "fresh", child_env, profile=None)
    assert _loaded(modules, ("alembic", "mako")) != []
