"""Fault injection: latency, 5xx, dropped connections, garbled JSON and 429, per route.

A rule applies to requests whose path starts with ``route`` (every route when empty) and
whose method is ``method`` (any when empty), with probability ``rate``, at most ``count``
times. With ``commit`` the request is processed first and only the answer is spoiled: that
is how "the order was created but the client never heard back" is produced. Control routes
(``/_sandbox/…``) are never faulted.
"""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

KINDS = ("latency", "error", "drop", "malformed", "rate_limit")


@dataclass
class FaultRule:
    kind: str
    route: str = ""
    method: str = ""
    rate: float = 1.0
    count: int | None = None
    commit: bool = False
    latency_ms: int = 0
    status: int = 503
    retry_after: int | None = None  # seconds; rate_limit answers always carry one
    id: int = 0
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return not self.route or path.startswith(self.route)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_ids = itertools.count(1)


def parse_rule(data: Any) -> FaultRule:
    """A rule from JSON or CLI input; raises ``ValueError`` naming the bad field."""
    if not isinstance(data, dict):
        raise ValueError("a fault rule must be a JSON object")
    unknown = set(data) - {
        "kind",
        "route",
        "method",
        "rate",
        "count",
        "commit",
        "latency_ms",
        "status",
        "retry_after",
    }
    if unknown:
        raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    rule = FaultRule(kind=kind)
    route = data.get("route", "")
    if not isinstance(route, str) or (route and not route.startswith("/")):
        raise ValueError("route must be a path prefix starting with '/'")
    rule.route = route
    method = data.get("method", "")
    if not isinstance(method, str):
        raise ValueError("method must be a string such as POST")
    rule.method = method.upper()
    rate = data.get("rate", 1.0)
    if isinstance(rate, bool) or not isinstance(rate, (int, float, Decimal)) or not 0 <= rate <= 1:
        raise ValueError("rate must be a number between 0 and 1")
    rule.rate = float(rate)
    count = data.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError("count must be a positive integer or null")
    rule.count = count
    commit = data.get("commit", kind == "malformed")
    if not isinstance(commit, bool):
        raise ValueError("commit must be true or false")
    rule.commit = commit
    for name, low, high in (
        ("latency_ms", 0, 120_000),
        ("status", 400, 599),
        ("retry_after", 0, 3600),
    ):
        if name in data:
            value = data[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be an integer from {low} to {high}")
            setattr(rule, name, value)
    if kind == "rate_limit":
        rule.status = rule.status if "status" in data else 429
        rule.retry_after = 1 if rule.retry_after is None else rule.retry_after
    if kind == "latency" and rule.latency_ms == 0:
        raise ValueError("a latency rule needs latency_ms > 0")
    rule.id = next(_ids)
    return rule


class Faults:
    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)

    def replace(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules = list(rules)

    def add(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules.extend(rules)

    def clear(self) -> None:
        self.replace([])

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_json() for rule in self._rules]

    def pick(self, method: str, path: str) -> tuple[int, FaultRule | None]:
        """The total injected latency and the first spoiling rule that fires, if any.

        A rule whose ``count`` runs out is removed, so "the next N POSTs" means exactly N.
        """
        latency = 0
        action: FaultRule | None = None
        with self._lock:
            for rule in list(self._rules):
                if not rule.matches(method, path):
                    continue
                if rule.kind != "latency" and action is not None:
                    continue
                if rule.rate < 1 and self._rng.random() >= rule.rate:
                    continue
                rule.hits += 1
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count <= 0:
                        self._rules.remove(rule)
                if rule.kind == "latency":
                    latency += rule.latency_ms
                else:
                    action = rule
        return latency, action
