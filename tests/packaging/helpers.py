"""Running the selftest the way an operator (or CI) does: a separate process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLAINTEXT_BACKEND = "keyrings.alt.file.PlaintextKeyring"


def selftest_command(*extra: str) -> list[str]:
    # Through the real CLI dispatch once it exists; the module entry point otherwise.
    if (ROOT / "skins_console" / "cli").is_dir() or (ROOT / "skins_console" / "cli.py").exists():
        return [sys.executable, "-m", "skins_console", "--selftest", *extra]
    return [sys.executable, "-m", "skins_console.selftest", *extra]


def run_selftest(
    tmp_path: Path,
    *extra: str,
    keyring_backend: str | None = PLAINTEXT_BACKEND,
    timeout: float = 90,
) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["SKINS_CONSOLE_SELFTEST_DIR"] = str(tmp_path / "selftest")
    env.pop("SKINS_CONSOLE_DATA_DIR", None)
    if keyring_backend is None:
        env.pop("PYTHON_KEYRING_BACKEND", None)
    else:
        env["PYTHON_KEYRING_BACKEND"] = keyring_backend
        # keyrings.alt's plaintext file lands under XDG_DATA_HOME: keep it in the test folder.
        env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    return subprocess.run(
        selftest_command(*extra), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def step_lines(output: str) -> dict[str, str]:
    """{step name: "ok"/"FAIL"/"skip" + rest of the line} from the report."""
    steps = {}
    for line in output.splitlines():
        if line.startswith("  ") and len(line.split()) >= 2:
            name, status = line.split()[:2]
            if status in ("ok", "FAIL", "skip"):
                steps[name] = line
    return steps
