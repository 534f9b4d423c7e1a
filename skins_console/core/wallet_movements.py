"""Recent wallet movements, derived from what the book already holds.

An order SkinsNode accepted debited its price; one that then failed, was cancelled or expired
was refunded; and the balance snapshots show the rest as an "other change" (a top-up, an
order placed outside this console). Derived for display only, never stored.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from skins_console.core.records import OrderRecord, WalletSnapshot
from skins_console.core.statuses import ORDER_LOCAL, Provider, statuses_where

__all__ = ["OTHER_CHANGE", "Movement", "movements"]

OTHER_CHANGE = "other change"
_REFUNDED = statuses_where(Provider.SKINSNODE, refunds_wallet=True)


@dataclass(frozen=True, slots=True)
class Movement:
    at: datetime
    kind: str  # "debit" | "refund" | OTHER_CHANGE
    cents: int
    what: str


def movements(
    orders: Sequence[OrderRecord],
    snapshots: Sequence[WalletSnapshot],
    *,
    lag: timedelta,
    limit: int = 200,
) -> list[Movement]:
    """Newest first. ``lag``: how stale a balance read may be (SkinsNode's wallet cache)."""
    explained: list[Movement] = []
    for order in orders:
        if order.status in ORDER_LOCAL:
            continue  # never reached SkinsNode: nothing was charged
        cents = order.amount_cents if order.amount_cents is not None else order.expected_price_cents
        at = order.accepted_at or order.created_at
        explained.append(Movement(at, "debit", -cents, f"{order.item_name} ({order.external_id})"))
        if order.status in _REFUNDED:
            # Dated when this console learned of it: the balance may have held it earlier.
            explained.append(
                Movement(
                    order.updated_at, "refund", cents, f"{order.item_name}: order {order.status}"
                )
            )
    result = list(explained)
    other = _unexplained(explained, sorted(snapshots, key=lambda s: s.at), lag)
    if other is not None:
        result.append(other)
    result.sort(key=lambda m: m.at, reverse=True)
    return result[:limit]


def _unexplained(
    explained: list[Movement], ordered: list[WalletSnapshot], lag: timedelta
) -> Movement | None:
    """The balance change this console's orders do not explain, or None.

    A read can lag the debits made just before it (SkinsNode caches a wallet read for up to
    ``lag``), and it can already hold a refund this console learned of only after it (the
    order was polled later): comparing reads pairwise would report a change and its reversal
    for every such case. So each read is compared with the first as it would stand had it
    shown the movements around it up to some point in time (none, the first few, or all:
    the smallest change wins), and only what still stands at the latest read is reported,
    dated at the read from which it held.
    """
    if len(ordered) < 2:
        return None
    moves = sorted(explained, key=lambda m: m.at)
    times = [m.at for m in moves]
    total = list(accumulate((m.cents for m in moves), initial=0))
    first = ordered[0]
    since_first = bisect_right(times, first.at)
    residuals = []
    for i, read in enumerate(ordered):
        change = read.available_cents - first.available_cents
        # Around the read: from ``lag`` before it to the next read (to the end for the last).
        low = max(bisect_right(times, read.at - lag), since_first)
        high = bisect_right(times, ordered[i + 1].at) if i + 1 < len(ordered) else len(moves)
        candidates = (change - (total[k] - total[since_first]) for k in range(low, high + 1))
        residuals.append(min(candidates, key=abs))  # low <= high: never empty
    final = residuals[-1]
    if final == 0:
        return None
    start = len(residuals) - 1
    while start > 0 and residuals[start - 1] == final:
        start -= 1
    return Movement(
        ordered[start].at,
        OTHER_CHANGE,
        final,
        "balance moved without an order of this console (top-up, or an order placed elsewhere)",
    )
