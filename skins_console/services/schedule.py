"""When to look at an order or deposit next, by its state.

Fast while something is about to happen (a trade offer waiting for the buyer), slow while
nothing can happen soon (a Steam hold), and a few times a day through Trade Protection until
the record settles; never faster than the provider's own limits (SkinsNode's 30 s order
cache, Skinslink's one request per second per deposit).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from skins_console.core.statuses import DRAFT, SENDING, Provider, info
from skins_console.services.clock import Cadence

SN, SL = Provider.SKINSNODE, Provider.SKINSLINK


def protection_end(cadence: Cadence, completed_at: datetime) -> datetime:
    """When Trade Protection can no longer undo a delivery completed at ``completed_at``."""
    return completed_at + cadence.delay(cadence.protection_window)


def _not_after(candidate: datetime, limit: datetime | None, floor: datetime) -> datetime:
    if limit is not None and limit < candidate:
        candidate = limit
    return max(candidate, floor)


def _settling(
    cadence: Cadence, provider: Provider, status: str, now: datetime, settles_at: datetime | None
) -> tuple[bool, datetime | None, datetime]:
    """The cadence both providers share, from the status table: an unsent record soon
    (recovery finishes it), a delivery that can still be undone a few times a day until it
    settles, a final status never again. ``(False, None, floor)`` leaves the status to the
    provider's own rule; ``floor`` is the earliest the provider may be asked again."""
    if provider is SN:
        floor, protection = now + cadence.delay(cadence.order_floor), cadence.order_protection
    else:
        floor, protection = now + cadence.delay(cadence.deposit_floor), cadence.deposit_protection
    if status in (DRAFT, SENDING):
        return True, max(now + cadence.delay(cadence.unknown_outcome), floor), floor
    entry = info(provider, status)
    if entry.late_moves:
        if settles_at is not None and now >= settles_at:
            return True, None, floor
        return True, _not_after(now + cadence.delay(protection), settles_at, floor), floor
    return entry.terminal, None, floor


def next_order_check(
    cadence: Cadence, status: str, now: datetime, *, settles_at: datetime | None = None
) -> datetime | None:
    """None means "stop watching": terminal for good, or settled."""
    decided, when, floor = _settling(cadence, SN, status, now, settles_at)
    if decided:
        return when
    if status == "sent":
        return max(now + cadence.delay(cadence.order_sent), floor)
    # Moving towards a trade offer, or an undocumented status: the ordinary pace.
    return max(now + cadence.delay(cadence.order_moving), floor)


def next_deposit_check(
    cadence: Cadence,
    status: str,
    now: datetime,
    *,
    offer_expires_at: datetime | None = None,
    hold_ends_at: datetime | None = None,
    settles_at: datetime | None = None,
) -> datetime | None:
    decided, when, floor = _settling(cadence, SL, status, now, settles_at)
    if decided:
        return when
    if status == "hold":
        # Look again right after the hold is due to end: that is when it completes.
        return _not_after(now + cadence.delay(cadence.deposit_hold), hold_ends_at, floor)
    if status == "active":
        limit = None
        if offer_expires_at is not None:
            # Just after the offer expires the deposit fails or cancels; see it promptly.
            limit = offer_expires_at + timedelta(seconds=cadence.seconds(cadence.deposit_floor))
        return _not_after(now + cadence.delay(cadence.deposit_active), limit, floor)
    return max(now + cadence.delay(cadence.deposit_pending), floor)
