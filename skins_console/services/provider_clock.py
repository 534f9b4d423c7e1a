"""How fast the provider's clock runs, learnt from a local sandbox instead of assumed.

Real providers run at real time (scale 1). A sandbox can run ``--speed N`` times faster;
its 5-minute quote lock then lasts 5/N minutes of wall time and the tracker's polling
intervals shrink the same way. A console pointed at a sandbox on this machine asks it
(``GET /_sandbox/clock``, a sandbox-only control route) rather than trusting a flag, so
the CLI and the window show true countdowns whichever way the sandbox was started.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

import httpx

from skins_console.core.chat_targets import is_loopback
from skins_console.core.records import ProfileRecord

log = logging.getLogger(__name__)


def may_ask_for_clock(profile: ProfileRecord) -> bool:
    """Only a sandbox on this machine is asked: a real provider never sees the probe."""
    return profile.is_sandbox or is_loopback(urlsplit(profile.skinsnode_base_url).hostname)


async def learn_time_scale(profile: ProfileRecord, *, timeout: float = 2.0) -> float | None:
    """``1 / speed`` of the profile's sandbox, or None when it is not one (or not up)."""
    if not may_ask_for_clock(profile):
        return None
    url = profile.skinsnode_base_url.rstrip("/") + "/_sandbox/clock"
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(url)
        if response.status_code != 200:
            return None
        speed = float(json.loads(response.content)["speed"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        log.info("no sandbox clock at %s (%s); assuming real time", url, type(exc).__name__)
        return None
    if not speed > 0:
        return None
    return 1.0 / speed
