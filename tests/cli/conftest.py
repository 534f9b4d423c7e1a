"""Running ``python -m skins_console`` as a real subprocess against an in-process sandbox.

Each test gets a data folder in tmp and a plaintext keyring file *outside* that folder
(keyrings.alt, chosen explicitly through ``PYTHON_KEYRING_BACKEND`` as an operator would),
so the secret scan of the data folder means something. Bytecode goes to a shared cache
outside the tree: with ``PYTHONDONTWRITEBYTECODE`` every run would recompile the app.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import interruptible

ROOT = Path(__file__).resolve().parents[2]
PYCACHE = Path(tempfile.gettempdir()) / "skins-console-test-pycache"
SPEED = 60.0
#: A webhook address nothing listens on: the tests that use it do not wait for webhooks.
NO_HOOKS = "http://127.0.0.1:9/hooks"
#: Provider options that parse but reach nothing (tests of refusals before any request).
PLACEHOLDER_PROVIDERS = [
    "--skinsnode-url",
    "http://h",
    "--skinsnode-client-id",
    "i",
    "--skinslink-url",
    "http://h",
    "--webhook-url",
    "http://h",
]


def provider_options(
    skinsnode_url: str,
    client_id: str,
    skinslink_url: str,
    webhook_url: str = NO_HOOKS,
    tolerance: str | None = None,
) -> list[str]:
    """``profile add``'s provider options (its secrets come from the environment)."""
    options = [
        "--skinsnode-url",
        skinsnode_url,
        "--skinsnode-client-id",
        client_id,
        "--skinslink-url",
        skinslink_url,
        "--webhook-url",
        webhook_url,
    ]
    return options if tolerance is None else [*options, "--tolerance", tolerance]


def order_create(item: dict, trade_url: str, *extra: str) -> list[str]:
    """``order create`` of catalog ``item`` (as ``catalog --json`` lists it) at its price."""
    return [
        "order",
        "create",
        "--item",
        item["id"],
        "--trade-url",
        trade_url,
        "--price",
        str(item["price_cents"]),
        *extra,
    ]


class Lines:
    """A child's stderr, line by line, readable with a timeout."""

    def __init__(self, stream) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.queue.put(line)

    def wait_for(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=0.05)
            except queue.Empty:
                continue
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"never saw {pattern!r}; stderr: {''.join(self.seen)}")


def terminated(proc: subprocess.Popen) -> int:
    """Stop ``proc`` as a service manager does (SIGTERM); its exit code."""
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=60)


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

    def sandbox_options(
        self,
        skinsnode_url: str | None = None,
        skinslink_url: str | None = None,
        webhook_url: str = NO_HOOKS,
        tolerance: str | None = "50",
    ) -> list[str]:
        """``provider_options`` for this sandbox (its URLs unless others are given).
        Sandbox prices drift with its (fast) time; a wide floor keeps deposits through it."""
        box = self.sandbox
        return provider_options(
            skinsnode_url or box.skinsnode_base_url,
            box.config.skinsnode_client_id,
            skinslink_url or box.skinslink_base_url,
            webhook_url,
            tolerance,
        )

    @contextlib.contextmanager
    def running(
        self, *args: str, env: dict | None = None
    ) -> Iterator[tuple[subprocess.Popen, Lines]]:
        """A command that runs until stopped (``serve``, ``orders sync --watch``) and its
        stderr lines; killed if it still runs when the block ends."""
        proc = self.popen(*args, env=env)
        try:
            yield proc, Lines(proc.stderr)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def add_profile(self, name: str = "main", *extra: str, **options) -> CliRun:
        """``profile add name`` on this sandbox; ``options`` as ``sandbox_options`` takes."""
        run = self.run("profile", "add", name, *self.sandbox_options(**options), *extra)
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
