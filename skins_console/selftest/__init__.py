"""``skins-console --selftest``: does this installed (or frozen) copy actually work here?

The classic failures of a packaged Qt app are all environmental: a keyring backend the
freezer did not collect ("No recommended backend was available"), a missing CA bundle, a Qt
platform plugin that does not load, a sqlite3 without WAL. Each step below exercises one of
them through the same code the app uses, in a throwaway folder, and prints one line::

    keyring          ok       41 ms  keyring.backends.SecretService.Keyring (round-trip)
    database         FAIL      3 ms  DiskFullError: Cannot write … the disk is full …

Exit status 0 when every step passed, 1 otherwise. Nothing real is touched: the data folder
is a temporary one, the keyring entry is a random throwaway that is deleted again, and the
provider APIs are the local sandbox on 127.0.0.1. Messages never contain the throwaway
credentials (they are redacted as a second line of defence), and tracebacks are printed only
with ``--verbose``.

The step name is printed *before* the step runs and the result after it, so a hard crash
(Qt aborts the process when a platform plugin cannot load) still shows which step died.

The driver is ``runner.py``; the steps are in ``local_steps.py`` (this machine alone) and
``network_steps.py`` (sandbox, provider clients, webhook listener).

Options (from the CLI's namespace, or parsed here for ``python -m skins_console.selftest``):
``--verbose`` tracebacks; ``--display`` use the real display instead of ``offscreen``;
``--keep`` keep the temporary folder (the window screenshot is in it). The environment
variable ``SKINS_CONSOLE_SELFTEST_DIR`` names a folder to use (and keep) instead, which is how
CI collects the screenshot.
"""

from __future__ import annotations

from skins_console.selftest.common import SCREENSHOT_NAME, SELFTEST_DIR_ENV, StepError
from skins_console.selftest.runner import (
    Options,
    SelfTest,
    StepResult,
    build_parser,
    main,
    parse_options,
    run_selftest,
)

__all__ = [
    "SCREENSHOT_NAME",
    "SELFTEST_DIR_ENV",
    "Options",
    "SelfTest",
    "StepError",
    "StepResult",
    "build_parser",
    "main",
    "parse_options",
    "run_selftest",
]
