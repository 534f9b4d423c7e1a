"""Benchmark: the real console's peak and held RSS at its first and later starts.

``bench_ui_catalog.py`` drives the Catalog tab inside its own process; it never takes the
path a merchant takes at every start after the first: the offline copy is read and shown
at once, then a refresh replaces it (two catalogs alive at once). Here the console itself
(``python -m skins_console``, the window, every tab) runs as a child process on a profile
whose provider is a sandbox in another process, with ``--catalog-size`` items:

* **first start**: no stored copy; the catalog is fetched, shown and stored;
* **later starts** (``--runs`` of them): the stored copy is shown, then a refresh.

Each start ends once the refresh's copy is stored (``catalog_cache.fetched_at`` in the book
changes) and ``--settle`` seconds have passed. Reported per start, from the child's
``/proc/PID/status``: ``VmHWM`` (the peak) and ``VmRSS`` at the end (held). The secrets are
in a file keyring (``PYTHON_KEYRING_BACKEND``), as in ``bench_startup.py``. Linux only.

    .venv/bin/python bench/bench_console_rss.py --items 100000 --runs 3
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_startup import ROOT, add_profile, console_env, start_sandbox, stop

LIMIT_S = 180


def _status(pid: int) -> dict[str, int]:
    """``VmHWM`` and ``VmRSS`` of ``pid`` in kB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                values[name] = int(rest.split()[0])
    return values


def _stored_at(book: Path) -> str | None:
    """When the offline copy in ``book`` was fetched (None: none yet, or no book)."""
    if not book.exists():
        return None
    try:
        with sqlite3.connect(f"file:{book}?mode=ro", uri=True, timeout=1) as conn:
            row = conn.execute("SELECT fetched_at, item_count FROM catalog_cache").fetchone()
    except sqlite3.Error:
        return None  # not created yet, or being migrated
    return None if row is None or not row[1] else row[0]


def _one_start(data_dir: Path, env: dict[str, str], settle: float) -> tuple[int, int, float]:
    """(peak kB, held kB, seconds until the copy was stored) of one console start."""
    book = data_dir / "skins-console.sqlite3"
    before = _stored_at(book)
    started = time.monotonic()
    console = subprocess.Popen(
        [sys.executable, "-m", "skins_console", "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
    )
    try:
        stored = None
        while stored is None or stored == before:
            if console.poll() is not None:
                raise RuntimeError(f"the console exited ({console.returncode})")
            if time.monotonic() - started > LIMIT_S:
                raise RuntimeError("the catalog was not stored in time")
            time.sleep(0.1)
            stored = _stored_at(book)
        stored_after = time.monotonic() - started
        time.sleep(settle)
        status = _status(console.pid)
    finally:
        console.send_signal(signal.SIGTERM)
        try:
            console.wait(30)
        except subprocess.TimeoutExpired:
            console.kill()
            console.wait(10)
    return status["VmHWM"], status["VmRSS"], stored_after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="catalog size")
    parser.add_argument("--runs", type=int, default=3, help="starts after the first")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after the store")
    parser.add_argument("--platform", choices=("auto", "xcb", "offscreen"), default="auto")
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        sys.exit("needs /proc (Linux)")

    temp = Path(tempfile.mkdtemp(prefix="skins-console-rss-"))
    env, xvfb = console_env(temp, args.platform)
    sandbox, base_url = start_sandbox(env, "--catalog-size", str(args.items))
    data_dir = temp / "console"
    results: list[tuple[str, int, int, float]] = []
    try:
        add_profile(env, data_dir, base_url)
        for run in range(args.runs + 1):
            peak, held, stored = _one_start(data_dir, env, args.settle)
            results.append(("first" if run == 0 else f"later {run}", peak, held, stored))
    finally:
        stop(sandbox, xvfb, temp)

    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, Qt platform {env.get('QT_QPA_PLATFORM', 'default')}; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.items:,} items"
    )
    for name, peak, held, stored in results:
        print(
            f"{name:>8} start: peak {peak / 1024:6.1f} MB, held {held / 1024:6.1f} MB "
            f"(catalog stored after {stored:.1f} s)"
        )


if __name__ == "__main__":
    main()
