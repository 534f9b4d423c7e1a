"""What the control route ``/truth`` says about each idempotency key, for both providers.

Tests compare the client's book with this: how often a key was posted, whether it made a
record, and that record's course; each provider adds its own fields (``details``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar


class Tracked(Protocol):
    status: str
    outcome: str
    history: list[tuple[str, str]]


R = TypeVar("R", bound=Tracked)


def posts_truth(
    posts: Mapping[str, int],
    records: Mapping[str, R],
    details: Callable[[R | None], dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Per key posted or recorded (sorted): posts, created, status, outcome, the statuses
    and their times, then ``details(record)`` (called with None for a key never created)."""
    truth: dict[str, dict[str, Any]] = {}
    for key in sorted(set(posts) | set(records)):
        record = records.get(key)
        history = record.history if record else []
        truth[key] = {
            "posts": posts.get(key, 0),
            "created": 1 if record else 0,
            "status": record.status if record else None,
            "outcome": record.outcome if record else None,
            "statuses": [status for status, _at in history],
            "history": [{"status": status, "at": at} for status, at in history],
            **details(record),
        }
    return truth
