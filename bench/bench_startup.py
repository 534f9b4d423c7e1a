"""Benchmark: time to the window's first paint, the console against a bare PySide6 window.

Each run is a fresh process (``bench/first_paint_probe.py``), timed from just before it is
spawned until it reports its first paint, so the interpreter's own start is included for
both. The kinds of run alternate (bare, demo, profile, bare, demo, …) so that outside load
hits each alike; the figures are medians, and each median is given as a ratio to the bare
window's. A warm-up round (not counted) fills the OS file cache first.

* ``bare``: a ``QMainWindow`` in a ``QApplication``, nothing else;
* ``demo``: ``skins-console --sandbox`` (demo mode: an in-process sandbox after the paint);
* ``profile``: ``skins-console`` on a real profile (a sandbox in its own process standing in
  for the providers, its secrets in a file keyring through ``PYTHON_KEYRING_BACKEND``).

Run (an X server is started when there is none and ``Xvfb`` is installed; otherwise Qt's
offscreen platform is used; ``--platform offscreen`` forces it):

    .venv/bin/python bench/bench_startup.py --runs 9
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = ROOT / "bench" / "first_paint_probe.py"
KINDS = ("bare", "demo", "profile")


def _start_xvfb() -> tuple[subprocess.Popen, str] | None:
    if shutil.which("Xvfb") is None:
        return None
    for number in range(91, 120):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        server = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                return server, f":{number}"
            time.sleep(0.05)
        server.terminate()
    return None


def start_sandbox(env: dict[str, str], *options: str) -> tuple[subprocess.Popen, str]:
    """A sandbox in a process of its own on any free port, and its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "skins_console.sandbox", "serve", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env=env,
    )
    line = process.stdout.readline() if process.stdout else ""
    base_url = line.strip().rsplit(" ", 1)[-1]
    if not base_url.startswith("http"):
        process.terminate()
        raise RuntimeError(f"the sandbox did not start: {line!r}")
    return process, base_url


def console_env(
    temp: Path, platform_choice: str
) -> tuple[dict[str, str], tuple[subprocess.Popen, str] | None]:
    """The environment a console child runs in (its secrets in a file keyring under
    ``temp``), and the X server started for it, if any (``platform_choice``: auto, xcb or
    offscreen)."""
    # Bytecode is cached as in an installed app (a first run writes it): a shell with
    # PYTHONDONTWRITEBYTECODE would otherwise recompile every module on every start.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SKINS_CONSOLE_DATA_DIR", "PYTHONDONTWRITEBYTECODE")
    }
    env.update(
        QT_API="pyside6",
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(temp / "xdg-data"),  # where the file keyring keeps its secrets
    )
    xvfb = None
    if platform_choice == "offscreen" or (platform_choice == "auto" and not env.get("DISPLAY")):
        xvfb = None if platform_choice == "offscreen" else _start_xvfb()
        if xvfb is None:
            env["QT_QPA_PLATFORM"] = "offscreen"
        else:
            env["DISPLAY"], env["QT_QPA_PLATFORM"] = xvfb[1], "xcb"
    return env, xvfb


def stop(sandbox: subprocess.Popen, xvfb: tuple[subprocess.Popen, str] | None, temp: Path) -> None:
    """End what ``console_env`` and ``start_sandbox`` started, and remove ``temp``."""
    sandbox.terminate()
    sandbox.wait(10)
    if xvfb is not None:
        xvfb[0].terminate()
        xvfb[0].wait(10)
    shutil.rmtree(temp, ignore_errors=True)


def add_profile(env: dict[str, str], data_dir: Path, base_url: str) -> None:
    from skins_console.sandbox import SandboxConfig

    cfg = SandboxConfig()
    secrets = {
        "SKINSNODE_CLIENT_SECRET": cfg.skinsnode_client_secret,
        "SKINSLINK_API_KEY": cfg.skinslink_api_key,
        "SKINSLINK_WEBHOOK_SECRET": cfg.skinslink_webhook_secret,
    }
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
            base_url,
            "--skinsnode-client-id",
            cfg.skinsnode_client_id,
            "--skinslink-url",
            base_url + "/api/v1",
            "--webhook-url",
            base_url + "/_sandbox/discard",
        ],
        env={**env, **secrets},
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _time_to_paint(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(PROBE), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env=env,
    )
    line = process.stdout.readline() if process.stdout else ""
    elapsed = time.perf_counter() - started
    process.wait(30)
    if not line.startswith("painted"):
        raise RuntimeError(f"{args[0]}: no paint reported ({line!r})")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each kind (default 9)")
    parser.add_argument("--platform", choices=("auto", "xcb", "offscreen"), default="auto")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    temp = Path(tempfile.mkdtemp(prefix="skins-console-startup-"))
    env, xvfb = console_env(temp, args.platform)
    qpa = env.get("QT_QPA_PLATFORM", "default")
    sandbox, base_url = start_sandbox(env, "--speed", "60")
    profile_dir, demo_dir = temp / "profile", temp / "demo"
    commands = {
        "bare": ["bare"],
        "demo": ["console", "--sandbox", "--data-dir", str(demo_dir)],
        "profile": ["console", "--data-dir", str(profile_dir)],
    }
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    try:
        add_profile(env, profile_dir, base_url)
        for kind in KINDS:  # warm-up: file cache, the demo profile's first creation
            _time_to_paint(commands[kind], env)
        for _ in range(args.runs):
            for kind in KINDS:
                times[kind].append(_time_to_paint(commands[kind], env))
    finally:
        stop(sandbox, xvfb, temp)

    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, Qt platform {qpa}; load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    bare = statistics.median(times["bare"])
    for kind in KINDS:
        values = sorted(times[kind])
        median = statistics.median(values)
        print(
            f"{kind:>8}: median {median * 1000:7.1f} ms  (min {values[0] * 1000:.1f}, "
            f"max {values[-1] * 1000:.1f}, {len(values)} runs)  ratio to bare "
            f"{median / bare:.2f}"
        )


if __name__ == "__main__":
    main()
