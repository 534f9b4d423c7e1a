"""Running ``python -m skins_console`` as a real subprocess against an in-process sandbox.

Each test gets a data folder in tmp and a plaintext keyring file *outside* that folder
(keyrings.alt, chosen explicitly through ``PYTHON_KEYRING_BACKEND`` as an operator would),
so the secret scan of the data folder means something. Bytecode goes to a shared cache
outside the tree: with ``PYTHONDONTWRITEBYTECODE`` every run would recompile the app.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import interruptible

ROOT = Path(__file__).resolve().parents[2]
PYCACHE = Path(tempfile.gettempdir()) / "skins-console-test-pycache"
SPEED = 60.0


@dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


class CliEnv:
    def __init__(self, tmp_path: Path, sandbox) -> None:
        self.data_dir = tmp_path / "data"
        self.keyring_home = tmp_path / "keyring-home"
        self.sandbox = sandbox
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("PYTHONDONTWRITEBYTECODE", "SKINS_CONSOLE_DATA_DIR")
        }
        self.env.update(
            {
                "PYTHONPYCACHEPREFIX": str(PYCACHE),
                "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
                "XDG_DATA_HOME": str(self.keyring_home),
                "PYTHONPATH": str(ROOT),
                "COLUMNS": "200",
            }
        )
        if sandbox is not None:
            self.env.update(
                {
                    "SKINSNODE_CLIENT_SECRET": sandbox.config.skinsnode_client_secret,
                    "SKINSLINK_API_KEY": sandbox.config.skinslink_api_key,
                    "SKINSLINK_WEBHOOK_SECRET": sandbox.config.skinslink_webhook_secret,
                }
            )

    def argv(self, *args: str) -> list[str]:
        scale = str(1 / self.sandbox.config.speed) if self.sandbox is not None else "1"
        return [
            sys.executable,
            "-m",
            "skins_console",
            "--data-dir",
            str(self.data_dir),
            "--time-scale",
            scale,
            *args,
        ]

    def run(
        self, *args: str, input: str | None = None, timeout: float = 60, env: dict | None = None
    ) -> CliRun:
        done = subprocess.run(
            self.argv(*args),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            env={**self.env, **(env or {})},
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        return CliRun(done.returncode, done.stdout, done.stderr)

    def popen(self, *args: str, env: dict | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            self.argv(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
            env={**self.env, **(env or {})},
            preexec_fn=interruptible,
        )

    def add_profile(self, name: str = "main", *extra: str) -> CliRun:
        box = self.sandbox
        # Sandbox prices drift with its (fast) time; a wide floor keeps deposits through it.
        run = self.run(
            "profile",
            "add",
            name,
            "--skinsnode-url",
            box.skinsnode_base_url,
            "--skinsnode-client-id",
            box.config.skinsnode_client_id,
            "--skinslink-url",
            box.skinslink_base_url,
            "--webhook-url",
            "http://127.0.0.1:9/hooks",
            "--tolerance",
            "50",
            *extra,
        )
        assert run.code == 0, run.stderr
        return run


@pytest.fixture
def cli_sandbox(sandbox_factory):
    # Quotes stay locked for a minute of wall time: several CLI starts fit in one lock.
    return sandbox_factory(speed=SPEED, quote_lock_seconds=3600.0)


@pytest.fixture
def cli(tmp_path, cli_sandbox) -> CliEnv:
    return CliEnv(tmp_path, cli_sandbox)


@pytest.fixture
def cli_with_profile(cli) -> CliEnv:
    cli.add_profile()
    return cli
