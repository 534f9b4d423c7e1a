"""What the selftest's driver and its steps share."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

SELFTEST_DIR_ENV = "SKINS_CONSOLE_SELFTEST_DIR"
SCREENSHOT_NAME = "selftest-main-window.png"


class StepError(Exception):
    """A step failed for a reason already phrased for the reader (no type name prefix)."""


async def in_daemon_thread(fn: Callable[[], Any]) -> Any:
    """Run blocking ``fn`` in a daemon thread.

    Keyring calls can block indefinitely (an unlock prompt nobody sees); a pool thread would
    then keep the process alive at exit, a daemon thread does not.
    """
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def target() -> None:
        try:
            result = fn()
        except BaseException as exc:
            loop.call_soon_threadsafe(_settle, future, None, exc)
        else:
            loop.call_soon_threadsafe(_settle, future, result, None)

    threading.Thread(target=target, name="selftest-blocking", daemon=True).start()
    return await future


def _settle(future: asyncio.Future, result: Any, exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)
