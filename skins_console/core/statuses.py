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
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import NamedTuple


class Provider(str, Enum):
    SKINSNODE = "skinsnode"
    SKINSLINK = "skinslink"

    @property
    def label(self) -> str:
        return {"skinsnode": "SkinsNode", "skinslink": "Skinslink"}[self.value]


# --- the status table ---------------------------------------------------------------


class Tone(str, Enum):
    """The colour role of a status (a theme colour name)."""

    OK = "ok"
    BAD = "bad"
    WARN = "warn"
    INFO = "info"
    NEUTRAL = "neutral"


class Group(str, Enum):
    """The merchant's filter groups: both providers' spellings in one word each."""

    OPEN = "open"
    WAITING = "waiting"
    ON_HOLD = "on_hold"
    DELIVERED = "delivered"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REVERSED = "reversed"

    @property
    def label(self) -> str:
        return _GROUP_LABELS[self]


_GROUP_LABELS = {
    Group.OPEN: "Open",
    Group.WAITING: "Waiting for buyer/seller",
    Group.ON_HOLD: "On hold",
    Group.DELIVERED: "Delivered",
    Group.FAILED: "Failed",
    Group.EXPIRED: "Expired",
    Group.CANCELLED: "Cancelled",
    Group.REVERSED: "Reversed",
}


@dataclass(frozen=True, slots=True)
class StatusInfo:
    """Everything the console asks of one provider status (or one local state)."""

    provider: Provider
    #: the provider's own spelling, stored verbatim
    status: str
    #: the merchant's word for it: banner, table and details say the same
    word: str
    #: one sentence for the timeline and the details pane
    explanation: str
    group: Group
    tone: Tone
    #: the provider will not move it on by itself (late moves aside)
    terminal: bool
    #: local-only: written before or while sending, or refused; the provider has no record
    local: bool
    #: the sale or purchase did not happen (or was undone): a failed use of the trade URL
    failure: bool
    #: shown under "needs attention"
    attention: bool
    #: SkinsNode gives the debited price back to the wallet
    refunds_wallet: bool
    #: notification kind raised on reaching it (a key of settings.NOTIFICATION_KINDS)
    notification: str | None
    #: the statuses a terminal one may still move to (Trade Protection)
    late_moves: frozenset[str] = frozenset()


def _info(
    provider: Provider,
    status: str,
    word: str,
    explanation: str,
    group: Group,
    tone: Tone,
    *flags: str,
    notification: str | None = None,
    late_moves: frozenset[str] = frozenset(),
) -> StatusInfo:
    unknown = set(flags) - {"terminal", "local", "failure", "attention", "refunds_wallet"}
    if unknown:
        raise ValueError(f"unknown status flags {sorted(unknown)}")
    return StatusInfo(
        provider,
        status,
        word,
        explanation,
        group,
        tone,
        terminal="terminal" in flags,
        local="local" in flags,
        failure="failure" in flags,
        attention="attention" in flags,
        refunds_wallet="refunds_wallet" in flags,
        notification=notification,
        late_moves=late_moves,
    )


#: Local-only states before the provider has acknowledged a record (both providers).
DRAFT = "draft"  # written, never sent
SENDING = "sending"  # a POST was (maybe) sent; outcome unknown until reconciled
REJECTED = "rejected"  # the provider refused the create call (4xx); nothing exists there

#: the flags of a terminal failure the operator should look at
_LOST = ("terminal", "failure", "attention")


def _local_states(
    provider: Provider, name: str, *, rejected_notification: str
) -> tuple[StatusInfo, ...]:
    """Draft, sending and rejected: the same three for every provider."""
    return (
        _info(provider, DRAFT, "draft", "Draft: not sent yet", Group.OPEN, Tone.WARN, "local"),
        _info(
            provider,
            SENDING,
            "sending",
            f"Sending: waiting for {name} to confirm",
            Group.OPEN,
            Tone.WARN,
            "local",
        ),
        _info(
            provider,
            REJECTED,
            "rejected",
            f"Rejected by {name}; nothing was created",
            Group.FAILED,
            Tone.BAD,
            "local",
            "terminal",
            "attention",
            notification=rejected_notification,
        ),
    )


_SN, _SL = Provider.SKINSNODE, Provider.SKINSLINK
_O, _W, _H, _D = Group.OPEN, Group.WAITING, Group.ON_HOLD, Group.DELIVERED
_F, _E, _C, _R = Group.FAILED, Group.EXPIRED, Group.CANCELLED, Group.REVERSED
_OK, _BAD, _WARN, _INFO = Tone.OK, Tone.BAD, Tone.WARN, Tone.INFO

#: SkinsNode orders, in the order they move (local states first, then the flow, then the
#: terminal ones).
ORDER_STATUSES: tuple[StatusInfo, ...] = (
    *_local_states(_SN, "SkinsNode", rejected_notification="order_failed"),
    _info(_SN, "accepted", "accepted", "Accepted; waiting for processing", _O, _INFO),
    _info(_SN, "queued", "queued", "Queued for processing", _O, _INFO),
    _info(_SN, "processing", "processing", "Being processed", _O, _INFO),
    _info(_SN, "pending", "delivering", "Delivery started", _O, _INFO),
    _info(
        _SN,
        "sent",
        "offer sent",
        "Trade offer sent; the buyer has 10 minutes to accept",
        _W,
        _INFO,
        notification="order_sent",
    ),
    _info(
        _SN,
        "completed",
        "delivered",
        "Delivered",
        _D,
        _OK,
        "terminal",
        notification="order_completed",
        late_moves=frozenset({"reversed"}),
    ),
    _info(
        _SN,
        "failed",
        "failed",
        "Failed: SkinsNode did not deliver the item",
        _F,
        _BAD,
        *_LOST,
        "refunds_wallet",
        notification="order_failed",
    ),
    _info(
        _SN,
        "cancelled",
        "cancelled",
        "Cancelled: the trade offer was declined or cancelled; nothing was delivered",
        _C,
        _BAD,
        *_LOST,
        "refunds_wallet",
        notification="order_cancelled",
    ),
    _info(
        _SN,
        "expired",
        "expired",
        "Expired: the buyer did not accept in time",
        _E,
        _BAD,
        *_LOST,
        "refunds_wallet",
        notification="order_expired",
    ),
    _info(
        _SN,
        "reversed",
        "reversed",
        "Reversed: the delivered trade was undone (Trade Protection)",
        _R,
        _BAD,
        *_LOST,
        notification="order_reversed",
    ),
)

#: Skinslink deposits (buying from a seller), in the same order.
DEPOSIT_STATUSES: tuple[StatusInfo, ...] = (
    *_local_states(_SL, "Skinslink", rejected_notification="deposit_failed"),
    _info(_SL, "new", "quoted", "Quoted; not committed", _O, _INFO),
    _info(_SL, "pending", "waiting for offer", "Waiting for the trade offer", _O, _INFO),
    _info(
        _SL,
        "active",
        "offer sent",
        "Trade offer sent; waiting for the seller to accept",
        _W,
        _INFO,
    ),
    _info(
        _SL,
        "hold",
        "on hold",
        "Received, under Steam Trade Protection hold",
        _H,
        _WARN,
        notification="deposit_hold",
    ),
    _info(
        _SL,
        "completed",
        "received",
        "Received: the hold is over and the trade is final",
        _D,
        _OK,
        "terminal",
        notification="deposit_completed",
        late_moves=frozenset({"reverted"}),
    ),
    _info(
        _SL,
        "failed",
        "failed",
        "Failed: the seller declined, or the items could not be bought",
        _F,
        _BAD,
        *_LOST,
        notification="deposit_failed",
    ),
    _info(
        _SL,
        "canceled",
        "cancelled",
        "Cancelled by the seller or by Skinslink; nothing was bought",
        _C,
        _BAD,
        *_LOST,
        notification="deposit_failed",
    ),
    _info(
        _SL,
        "reverted",
        "reversed",
        "Reversed: the held trade was undone",
        _R,
        _BAD,
        *_LOST,
        notification="deposit_reverted",
    ),
)

STATUS_TABLE: dict[Provider, dict[str, StatusInfo]] = {
    _SN: {info.status: info for info in ORDER_STATUSES},
    _SL: {info.status: info for info in DEPOSIT_STATUSES},
}


def info(provider: Provider | str, status: str) -> StatusInfo:
    """The table entry of ``status``; a status the provider added since is kept verbatim,
    open, neutral and in need of a look."""
    provider = Provider(provider)
    known = STATUS_TABLE[provider].get(status)
    if known is not None:
        return known
    explanation = f"Unknown status “{status}” reported by the provider"
    return _info(provider, status, status, explanation, Group.OPEN, Tone.NEUTRAL, "attention")


def is_known(provider: Provider | str, status: str) -> bool:
    return status in STATUS_TABLE[Provider(provider)]


def word(provider: Provider | str, status: str) -> str:
    """The merchant's word for a status (banner, table and details)."""
    return info(provider, status).word


def statuses_where(provider: Provider | str, **wanted: bool) -> frozenset[str]:
    """The provider's statuses whose flags match, e.g. ``statuses_where(p, failure=True)``."""
    return frozenset(
        entry.status
        for entry in STATUS_TABLE[Provider(provider)].values()
        if all(getattr(entry, flag) == value for flag, value in wanted.items())
    )


def group_statuses(group: Group) -> dict[Provider, frozenset[str]]:
    """The provider spellings a merchant filter group stands for."""
    return {
        provider: frozenset(s for s, entry in table.items() if entry.group is group)
        for provider, table in STATUS_TABLE.items()
    }


class StatusSets(NamedTuple):
    """One provider's statuses sorted by what the code asks of them."""

    #: the provider's forward order of open statuses
    flow: tuple[str, ...]
    #: final as the provider reports them (not the local "rejected")
    terminal: frozenset[str]
    known: frozenset[str]
    #: the app's own states before the provider knows the record
    local: frozenset[str]


def _status_sets(provider: Provider) -> StatusSets:
    flow = tuple(
        e.status for e in STATUS_TABLE[provider].values() if not e.local and not e.terminal
    )
    terminal = statuses_where(provider, terminal=True, local=False)
    return StatusSets(
        flow, terminal, frozenset(flow) | terminal, statuses_where(provider, local=True)
    )


# Derived views, for the code that asks one question many times (SQL, the sandbox).
_SETS = {provider: _status_sets(provider) for provider in Provider}
ORDER_FLOW, ORDER_TERMINAL, ORDER_KNOWN, ORDER_LOCAL = _SETS[_SN]
DEPOSIT_FLOW, DEPOSIT_TERMINAL, DEPOSIT_KNOWN, DEPOSIT_LOCAL = _SETS[_SL]
ORDER_DRAFT, ORDER_SENDING = DRAFT, SENDING
#: terminal status → the statuses it may still move to, per provider
_LATE_MOVES = {
    provider: {e.status: e.late_moves for e in table.values() if e.late_moves}
    for provider, table in STATUS_TABLE.items()
}

#: SkinsNode's trade acceptance window (contract §3: 600 s by default): the deadline of an
#: order in "sent".
TRADE_WINDOW = timedelta(minutes=10)
#: A draft or a send that has not been confirmed after this long needs a look.
STUCK_AFTER = timedelta(minutes=5)
#: An offer still waiting this long after its deadline is stuck.
PAST_DEADLINE_GRACE = timedelta(minutes=2)
#: A provider-side open status (accepted, queued, processing, delivering; Skinslink's
#: quoted and waiting for offer) normally moves on within minutes; this long without a move
#: is stuck.
NO_PROGRESS_AFTER = timedelta(minutes=30)
#: A Steam hold that ended this long ago without the provider completing the trade.
HOLD_END_GRACE = timedelta(hours=1)

#: The attention reasons that are not a status (the queue keys "handled" marks on them).
STUCK_UNCONFIRMED = "stuck: not confirmed by the provider"
STUCK_PAST_WINDOW = "stuck: past its trade window"
STUCK_NO_PROGRESS = "stuck: no progress from the provider"
HOLD_ENDED = "hold ended without completion"
UNKNOWN_STATUS = "unknown status"


#: The groups whose records have a deadline (a waiting offer's expiry, a Steam hold's end):
#: how long past it a record needs a look, and why (read by the store's candidate query too).
PAST_DEADLINE: dict[Group, tuple[timedelta, str]] = {
    Group.WAITING: (PAST_DEADLINE_GRACE, STUCK_PAST_WINDOW),
    Group.ON_HOLD: (HOLD_END_GRACE, HOLD_ENDED),
}


def attention_reason(
    provider: Provider | str,
    status: str,
    *,
    updated_at: datetime,
    deadline: datetime | None,
    now: datetime,
) -> str | None:
    """Why the operator should look at a record now, or None (one rule for the Orders
    table, the store's "needs attention" query, the attention queue and the CLI).

    ``deadline`` is when a waiting offer expires or when a Steam hold ends."""
    entry = info(provider, status)
    if not is_known(provider, status):
        return UNKNOWN_STATUS
    if entry.attention:
        return status
    if entry.local:
        return STUCK_UNCONFIRMED if now - updated_at > STUCK_AFTER else None
    past_deadline = PAST_DEADLINE.get(entry.group)
    if past_deadline is not None:
        grace, reason = past_deadline
        return reason if deadline is not None and now > deadline + grace else None
    if entry.group is Group.OPEN and now - updated_at > NO_PROGRESS_AFTER:
        return STUCK_NO_PROGRESS
    return None


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
    return info(provider, status).terminal


def should_apply(provider: Provider | str, current: str | None, new: str) -> bool:
    """Whether a reported ``new`` status may replace the stored ``current`` one."""
    provider = Provider(provider)
    flow, terminal, _known, local = _SETS[provider]
    late = _LATE_MOVES[provider]
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


def describe(provider: Provider | str, status: str) -> str:
    return info(provider, status).explanation
