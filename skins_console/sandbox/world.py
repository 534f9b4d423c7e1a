"""What both provider simulations share: clock, state lock, scheduler, webhook sender."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from skins_console.sandbox.clock import SandboxClock
from skins_console.sandbox.config import SandboxConfig
from skins_console.sandbox.scheduler import Scheduler
from skins_console.sandbox.webhooks import WebhookDispatcher


@dataclass
class World:
    config: SandboxConfig
    clock: SandboxClock
    lock: threading.RLock
    scheduler: Scheduler
    webhooks: WebhookDispatcher
    base_url: str = ""

    def rng_for(self, *parts: object) -> random.Random:
        """A generator seeded by the sandbox seed and a key (e.g. an externalId), so one
        order's fate does not depend on what other tests created before it."""
        return random.Random(":".join([str(self.config.seed), *map(str, parts)]))


def natural_outcome(failure_rates: dict[str, float], roll: float) -> str:
    """The unscripted outcome a ``roll`` in [0, 1) draws: each failure takes its share of
    the range in turn (``SandboxConfig.*_failure_rates``); the rest complete."""
    threshold = 0.0
    for outcome, share in failure_rates.items():
        threshold += share
        if roll < threshold:
            return outcome
    return "completed"
