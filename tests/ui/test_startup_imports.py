"""Nothing the window's first paint does not need is imported before it (issue #16).

The console runs in a child process (``bench/first_paint_probe.py``, the same probe that
``bench/bench_startup.py`` times) and, at the main window's first paint event, reports the
names in ``sys.modules``. The check is by module name, not by time: what is loaded before
the paint is what the merchant waits for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "bench" / "first_paint_probe.py"

#: packages and modules that must load only after the first paint
AFTER_PAINT = (
    "keyring",  # its backends (Secret Service over D-Bus, …) are the slowest import
    "keyrings",
    "secretstorage",
    "httpx",
    "httpcore",
    "rich",
    "sqlite3",
    "msgspec",
    "skins_console.api",
    "skins_console.services",
    "skins_console.sandbox",
    "skins_console.core.records",  # the settings file's profile name needs only its rule
    "asyncio",  # with ssl, sockets and subprocesses: ~40 ms; the window paints before it
    "qasync",
    "skins_console.ui.app",  # the session on the qasync loop
    "skins_console.store.database",
    "skins_console.store.secrets",
    "skins_console.store.catalog_cache_repository",
    "skins_console.ui.backend",
    "skins_console.ui.window_controller",
    "skins_console.ui.catalog_tab",
    "skins_console.ui.thumbnails",
    "PySide6.QtCharts",
)


def _modules_at_first_paint(args: list[str], env: dict[str, str]) -> list[str]:
    result = subprocess.run(
        [sys.executable, str(PROBE), "--modules", "console", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=90,
    )
    lines = result.stdout.splitlines()
    assert lines and lines[0].startswith("painted"), (result.stdout, result.stderr[-2000:])
    return json.loads(lines[1])


def _loaded_too_early(modules: list[str]) -> list[str]:
    return [
        name
        for name in modules
        if any(name == banned or name.startswith(banned + ".") for banned in AFTER_PAINT)
    ]


@pytest.fixture
def child_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SKINS_CONSOLE_DATA_DIR"}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        QT_API="pyside6",
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
    )
    return env


def add_unreachable_profile(data_dir: Path, env: dict[str, str]) -> None:
    """An earlier launch: ``profile add`` creates the book (migrating it) and a profile whose
    provider address answers nothing."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "skins_console",
            "--data-dir",
            str(data_dir),
            "profile",
            "add",
            "shop",
            "--skinsnode-url",
            "http://127.0.0.1:9",
            "--skinsnode-client-id",
            "client",
            "--skinslink-url",
            "http://127.0.0.1:9/api/v1",
            "--webhook-url",
            "https://example.org/hook",
        ],
        env={
            **env,
            "SKINSNODE_CLIENT_SECRET": "node-secret-value",
            "SKINSLINK_API_KEY": "link-key-value",
            "SKINSLINK_WEBHOOK_SECRET": "webhook-secret-value",
        },
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_demo_mode_paints_before_loading_keyring_http_store_or_sandbox(tmp_path, child_env):
    modules = _modules_at_first_paint(["--sandbox", "--data-dir", str(tmp_path / "d")], child_env)
    assert "skins_console.ui.main_window" in modules  # the probe saw the real window
    assert _loaded_too_early(modules) == []


def test_a_real_profile_paints_before_loading_keyring_http_or_store(tmp_path, child_env):
    data_dir = tmp_path / "d"
    # The provider address answers nothing: the paint comes before any request.
    add_unreachable_profile(data_dir, child_env)
    modules = _modules_at_first_paint(["--data-dir", str(data_dir)], child_env)
    assert "skins_console.ui.main_window" in modules
    assert _loaded_too_early(modules) == []
