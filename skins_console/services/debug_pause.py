"""Named pause points for the crash tests; inert unless the environment asks for them.

``SKINS_CONSOLE_DEBUG_PAUSE=order.after_sending,deposit.after_response`` makes the process
print ``debug-pause: <point>`` on stderr when it reaches one of those points and then sleep
``SKINS_CONSOLE_DEBUG_PAUSE_SECONDS`` (default 30), so a test can SIGKILL it at exactly that
moment. Points, in the order a write passes them:

* ``<kind>.after_draft``: the row is committed as ``draft``; nothing was sent.
* ``<kind>.after_sending``: the row is ``sending``; the POST has not left yet.
* ``<kind>.after_response``: the provider answered; the answer is not recorded yet.

``<kind>`` is ``order`` or ``deposit``. With ``SKINS_CONSOLE_DEBUG_PAUSE_KEY`` only the record
with that idempotency key pauses (so recovering an earlier record does not). Nothing here
changes behaviour when the variable is unset, which is always the case outside the tests.
"""

from __future__ import annotations

import asyncio
import os
import sys

PAUSE_ENV = "SKINS_CONSOLE_DEBUG_PAUSE"
SECONDS_ENV = "SKINS_CONSOLE_DEBUG_PAUSE_SECONDS"
KEY_ENV = "SKINS_CONSOLE_DEBUG_PAUSE_KEY"
POINTS = tuple(
    f"{kind}.{stage}"
    for kind in ("order", "deposit")
    for stage in ("after_draft", "after_sending", "after_response")
)


async def pause_point(name: str, key: str | None = None) -> None:
    wanted = os.environ.get(PAUSE_ENV)
    if not wanted or name not in {part.strip() for part in wanted.split(",")}:
        return
    only = os.environ.get(KEY_ENV)
    if only and key != only:
        return
    try:
        seconds = float(os.environ.get(SECONDS_ENV, "30"))
    except ValueError:
        seconds = 30.0
    sys.stderr.write(f"debug-pause: {name}\n")
    sys.stderr.flush()
    await asyncio.sleep(seconds)
