"""Provider statuses, their terminal sets, and the rule for applying a newer report.

Webhooks and polls arrive out of order. A report is applied only if it moves the record
forward: a terminal status is never overwritten by a non-terminal one, and a terminal status
only moves on by the legal late moves (SkinsNode ``completed → reversed``; Skinslink
``hold → completed | reverted`` and ``completed → reverted`` since Trade Protection lets a
trade be undone after delivery). Unknown statuses are kept verbatim and treated as
non-terminal.
"""

from __future__ import annotations

import re
from enum import Enum


class Provider(str, Enum):
    SKINSNODE = "skinsnode"
    SKINSLINK = "skinslink"

    @property
    def label(self) -> str:
        return {"skinsnode": "SkinsNode", "skinslink": "Skinslink"}[self.value]


# --- SkinsNode orders ------------------------------------------------------------------

#: Local-only states before the provider has acknowledged the order.
ORDER_DRAFT = "draft"  # written, never sent
ORDER_SENDING = "sending"  # a POST was (maybe) sent; outcome unknown until reconciled
ORDER_REJECTED = "rejected"  # the provider refused the create call (4xx); nothing exists there

ORDER_FLOW = ("accepted", "queued", "processing", "pending", "sent")
ORDER_TERMINAL = frozenset({"completed", "failed", "cancelled", "expired", "reversed"})
ORDER_KNOWN = frozenset(ORDER_FLOW) | ORDER_TERMINAL
ORDER_LOCAL = frozenset({ORDER_DRAFT, ORDER_SENDING, ORDER_REJECTED})
ORDER_LATE_MOVES = {"completed": frozenset({"reversed"})}
#: Order statuses that need the operator: a failure, an undone delivery, or our own doubt.
ORDER_ATTENTION = frozenset({"failed", "expired", "reversed", "cancelled", ORDER_REJECTED})

# --- Skinslink deposits ----------------------------------------------------------------

DEPOSIT_DRAFT = "draft"
DEPOSIT_SENDING = "sending"
DEPOSIT_REJECTED = "rejected"

DEPOSIT_FLOW = ("new", "pending", "active", "hold")
DEPOSIT_TERMINAL = frozenset({"completed", "failed", "canceled", "reverted"})
DEPOSIT_KNOWN = frozenset(DEPOSIT_FLOW) | DEPOSIT_TERMINAL
DEPOSIT_LOCAL = frozenset({DEPOSIT_DRAFT, DEPOSIT_SENDING, DEPOSIT_REJECTED})
DEPOSIT_LATE_MOVES = {"completed": frozenset({"reverted"})}
DEPOSIT_ATTENTION = frozenset({"failed", "canceled", "reverted", DEPOSIT_REJECTED})


def _rank(flow: tuple[str, ...], status: str) -> int:
    try:
        return flow.index(status)
    except ValueError:
        return -1


_STATUS_WORD = re.compile(r"[a-z][a-z0-9_]{0,39}")


def is_status_word(text: str) -> bool:
    """Whether ``text`` reads as a provider status (``on_hold``), not free text or markup."""
    return _STATUS_WORD.fullmatch(text) is not None


def is_terminal(provider: Provider | str, status: str) -> bool:
    if Provider(provider) is Provider.SKINSNODE:
        return status in ORDER_TERMINAL or status == ORDER_REJECTED
    return status in DEPOSIT_TERMINAL or status == DEPOSIT_REJECTED


def is_open(provider: Provider | str, status: str) -> bool:
    """Still worth tracking: not terminal, or a local state awaiting reconciliation."""
    return not is_terminal(provider, status)


def should_apply(provider: Provider | str, current: str | None, new: str) -> bool:
    """Whether a reported ``new`` status may replace the stored ``current`` one."""
    provider = Provider(provider)
    if provider is Provider.SKINSNODE:
        flow, terminal, late, local = ORDER_FLOW, ORDER_TERMINAL, ORDER_LATE_MOVES, ORDER_LOCAL
    else:
        flow, terminal, late, local = (
            DEPOSIT_FLOW,
            DEPOSIT_TERMINAL,
            DEPOSIT_LATE_MOVES,
            DEPOSIT_LOCAL,
        )
    if current is None or current == new:
        return current is None
    if current in local:
        # Anything the provider says beats our own "draft"/"sending" guess.
        return True
    if current in terminal:
        return new in late.get(current, frozenset())
    if new in terminal:
        return True
    cur_rank, new_rank = _rank(flow, current), _rank(flow, new)
    if new_rank == -1 or cur_rank == -1:
        # An unknown status: accept it rather than hide what the provider says, unless it
        # would move a known state backwards, which we cannot judge; record it verbatim.
        return True
    return new_rank > cur_rank


ORDER_STATUS_TEXT = {
    ORDER_DRAFT: "Draft: not sent yet",
    ORDER_SENDING: "Sending: waiting for SkinsNode to confirm",
    ORDER_REJECTED: "Rejected by SkinsNode; nothing was created",
    "accepted": "Accepted; waiting for processing",
    "queued": "Queued for processing",
    "processing": "Being processed",
    "pending": "Delivery started",
    "sent": "Trade offer sent; the buyer has 10 minutes to accept",
    "completed": "Delivered",
    "failed": "Failed",
    "cancelled": "Cancelled",
    "expired": "Expired: the buyer did not accept in time",
    "reversed": "Reversed: the delivered trade was undone (Trade Protection)",
}

DEPOSIT_STATUS_TEXT = {
    DEPOSIT_DRAFT: "Draft: not sent yet",
    DEPOSIT_SENDING: "Sending: waiting for Skinslink to confirm",
    DEPOSIT_REJECTED: "Rejected by Skinslink; nothing was created",
    "new": "Quoted; not committed",
    "pending": "Waiting for the trade offer",
    "active": "Trade offer sent; waiting for the seller to accept",
    "hold": "Received, under Steam Trade Protection hold",
    "completed": "Completed",
    "failed": "Failed",
    "canceled": "Canceled",
    "reverted": "Reverted: the held trade was undone",
}


def describe(provider: Provider | str, status: str) -> str:
    table = ORDER_STATUS_TEXT if Provider(provider) is Provider.SKINSNODE else DEPOSIT_STATUS_TEXT
    return table.get(status, f"Unknown status “{status}” reported by the provider")
