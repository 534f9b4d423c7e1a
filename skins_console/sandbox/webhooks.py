"""Outgoing webhooks: a few sender threads, retries with exponential back-off in sandbox time.

A delivery keeps its id and body across retries. Its headers come from the provider
(``headers_for``); SkinsNode keeps the first attempt's ``x-timestamp`` and signature on every
retry (see ``skinsnode.py``), so a retry an hour later carries an hour-old time stamp.
"""

from __future__ import annotations

import ipaddress
import logging
import queue
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from skins_console.sandbox.clock import SandboxClock
from skins_console.sandbox.facts import WEBHOOK_MAX_ATTEMPTS, WEBHOOK_TIMEOUT_SECONDS
from skins_console.sandbox.scheduler import Scheduler

log = logging.getLogger(__name__)

MAX_ATTEMPTS = WEBHOOK_MAX_ATTEMPTS
#: first retry after this many sandbox seconds, doubling each time (10, 20, 40 … 2560)
BACKOFF_BASE = 10.0
#: the documented 10 s timeout, in sandbox seconds (never below MIN_TIMEOUT wall seconds)
TIMEOUT = float(WEBHOOK_TIMEOUT_SECONDS)
MIN_TIMEOUT = 0.5


def is_loopback_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Delivery:
    provider: str
    event: str
    key: str  # externalId or merchant_tx_id
    status: str  # the order/deposit status this delivery reports
    url: str
    body: bytes
    headers_for: Callable[[Delivery], dict[str, str]]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    #: stamped with the sandbox clock by ``WebhookDispatcher.send``
    created_at: str = ""
    attempts: list[dict[str, Any]] = field(default_factory=list)
    state: str = "pending"  # pending → delivered | gave_up; or undeliverable
    next_attempt_at: str | None = None

    def truth(self) -> dict[str, Any]:
        return {
            "delivery_id": self.id,
            "provider": self.provider,
            "event": self.event,
            "key": self.key,
            "status": self.status,
            "url": self.url,
            "state": self.state,
            "attempt_count": len(self.attempts),
            "attempts": list(self.attempts),
            "created_at": self.created_at,
            "next_attempt_at": self.next_attempt_at,
            "body": self.body.decode("utf-8"),
        }


class WebhookDispatcher:
    def __init__(self, clock: SandboxClock, scheduler: Scheduler, *, workers: int = 4) -> None:
        self.clock = clock
        self.scheduler = scheduler
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._workers = workers
        self._threads: list[threading.Thread] = []
        # Loopback receivers must be reached directly, whatever proxy the environment sets.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def send(self, delivery: Delivery) -> Delivery:
        delivery.created_at = self.clock.iso_sandbox()
        with self._lock:
            self._deliveries.append(delivery)
            if not is_loopback_url(delivery.url):
                # The sandbox never sends traffic off this machine; such a URL is recorded
                # as undeliverable instead of being retried for an hour.
                delivery.state = "undeliverable"
                delivery.attempts.append(
                    {
                        "at": delivery.created_at,
                        "error": "the sandbox delivers only to loopback URLs",
                    }
                )
                return delivery
        self._queue.put(delivery)
        return delivery

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def clear(self) -> None:
        with self._lock:
            self._deliveries.clear()

    def start(self) -> None:
        for index in range(self._workers):
            thread = threading.Thread(
                target=self._work, name=f"sandbox-webhooks-{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads.clear()

    def _timeout(self) -> float:
        return max(MIN_TIMEOUT, self.clock.wall_seconds(TIMEOUT))

    def _work(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is None:
                return
            try:
                self._attempt(delivery)
            except Exception:  # never let one delivery kill a sender thread
                log.exception("webhook delivery %s failed unexpectedly", delivery.id)

    def _attempt(self, delivery: Delivery) -> None:
        headers = {"Content-Type": "application/json", "User-Agent": "skins-sandbox-webhooks/1"}
        headers.update(delivery.headers_for(delivery))
        request = urllib.request.Request(
            delivery.url, data=delivery.body, headers=headers, method="POST"
        )
        record: dict[str, Any] = {
            "at": self.clock.iso_sandbox(),
            "x_timestamp": headers.get("x-timestamp"),
        }
        ok = False
        try:
            with self._opener.open(request, timeout=self._timeout()) as response:
                response.read()
                record["http_status"] = response.status
                ok = 200 <= response.status < 300
        except urllib.error.HTTPError as exc:
            record["http_status"] = exc.code
        except Exception as exc:  # refused, timed out, reset, bad URL: all are failures
            record["error"] = f"{type(exc).__name__}: {exc}"
        with self._lock:
            delivery.attempts.append(record)
            attempt = len(delivery.attempts)
            if ok:
                delivery.state = "delivered"
                delivery.next_attempt_at = None
                return
            if attempt >= MAX_ATTEMPTS:
                delivery.state = "gave_up"
                delivery.next_attempt_at = None
                return
            delay = BACKOFF_BASE * 2 ** (attempt - 1)
            when = self.clock.now() + delay
            delivery.next_attempt_at = self.clock.iso_sandbox(when)
        self.scheduler.at(when, self._retry, delivery)

    def _retry(self, _when: float, delivery: Delivery) -> None:
        self._queue.put(delivery)
