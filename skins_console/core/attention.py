"""The attention queue's plain data: what needs the operator, and why.

The judgement is ``core.statuses.attention_reason`` (one rule for the Orders table, the
store's filter and this queue); this module gives it a record's deadline (a waiting offer's
expiry, a Steam hold's end) and names the result. An item the operator marked handled
leaves the queue for the reason it had then; a different reason later brings it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from skins_console.core.buyers import buyer_label
from skins_console.core.records import DepositRecord, OrderRecord
from skins_console.core.statuses import (
    TRADE_WINDOW,
    Provider,
    attention_reason,
    word,
)

#: The words the queue shows for a reason (a status reason reads as the status word).
_EXPLAINED = {
    "expired": "expired before the buyer accepted",
    "failed": "failed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "reversed": "reversed after delivery",
    "reverted": "reversed after delivery",
    "rejected": "refused by the provider; the draft was never created there",
}


#: Where a record's deadline comes from, per (kind, status): the first of these fields that
#: is set, plus an offset (a waiting offer's expiry, a Steam hold's end). One home for the
#: rule: ``record_deadline`` reads it, and the store's attention query selects on it.
DEADLINES: dict[tuple[str, str], tuple[tuple[str, ...], timedelta]] = {
    ("order", "sent"): (("sent_at", "updated_at"), TRADE_WINDOW),
    ("deposit", "active"): (("trade_offer_expiry_at",), timedelta(0)),
    ("deposit", "hold"): (("hold_end_date",), timedelta(0)),
}


def record_deadline(record: OrderRecord | DepositRecord) -> datetime | None:
    """When a waiting offer expires, or when a Steam hold ends (None otherwise)."""
    kind = "order" if isinstance(record, OrderRecord) else "deposit"
    rule = DEADLINES.get((kind, record.status))
    if rule is None:
        return None
    fields, offset = rule
    for name in fields:
        value: datetime | None = getattr(record, name)
        if value is not None:
            return value + offset
    return None


def provider_of(record: OrderRecord | DepositRecord) -> Provider:
    return Provider.SKINSNODE if isinstance(record, OrderRecord) else Provider.SKINSLINK


def reason_for(record: OrderRecord | DepositRecord, now: datetime) -> str | None:
    return attention_reason(
        provider_of(record),
        record.status,
        updated_at=record.updated_at,
        deadline=record_deadline(record),
        now=now,
    )


def explain_reason(reason: str) -> str:
    """The queue's words for a reason (``attention_reason``'s value)."""
    return _EXPLAINED.get(reason, reason)


@dataclass(frozen=True, slots=True)
class HandledMark:
    """The operator marked an item handled, for ``reason``."""

    reason: str
    handled_at: datetime
    handled_by: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class AttentionItem:
    """One order or deposit that needs the operator now, with its reason."""

    kind: str  # "order" | "deposit"
    key: str
    reason: str
    record: OrderRecord | DepositRecord
    #: the buyer's (or seller's) name from the buyer book, "" when unnamed
    buyer_name: str = ""
    #: an earlier mark for another reason (the item came back), or None
    previous: HandledMark | None = None

    @property
    def provider(self) -> Provider:
        return provider_of(self.record)

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def status_word(self) -> str:
        return word(self.provider, self.record.status)

    @property
    def explanation(self) -> str:
        return explain_reason(self.reason)

    @property
    def partner(self) -> int | None:
        if isinstance(self.record, OrderRecord):
            return self.record.buyer_partner
        return self.record.partner

    @property
    def buyer(self) -> str:
        """The buyer (or seller) as the Buyers tab names them: their name, else SteamID64."""
        return buyer_label(self.buyer_name, self.partner)

    @property
    def title(self) -> str:
        if isinstance(self.record, OrderRecord):
            return self.record.item_name
        names = [str(item.get("name", "?")) for item in self.record.items]
        return names[0] if len(names) == 1 else f"{len(names)} items"

    @property
    def since(self) -> datetime:
        return self.record.updated_at
