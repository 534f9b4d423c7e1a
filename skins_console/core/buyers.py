"""The buyer book's plain data: a buyer is one Steam account of the trade URL book.

A buyer is keyed by the 32-bit account id (``partner=`` of their trade URL); their SteamID64
is ``STEAMID64_BASE + partner``. The operator may give them a name or handle (the book's
``label``) and a note. Their record in numbers (orders, money, failures, expiries,
reversals) is a :class:`BuyerSummary`; the store computes it from the orders and deposits
with the same status groups as the rest of the console (``core.statuses.Group``).

**Reversal warning.** Selling to a buyer who reversed a trade within
:data:`REVERSAL_WARNING_WINDOW` is allowed only after the operator has seen a
:class:`~skins_console.core.errors.BuyerReversedWarning`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from skins_console.core.errors import ValidationError
from skins_console.core.records import CustomerRecord
from skins_console.core.trade_url import STEAMID64_BASE

#: How far back a reversal makes the console warn before selling to the same buyer again.
REVERSAL_WARNING_WINDOW = timedelta(days=30)

#: A buyer's name or handle: one line, shown in tables and matched by ``buyer show NAME``.
NAME_MAX = 100
NOTE_MAX = 2000
#: control characters other than the line break
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_DIGITS = re.compile(r"[0-9]{1,20}")


def steamid64(partner: int) -> int:
    return STEAMID64_BASE + partner


def buyer_label(name: str, partner: int | None) -> str:
    """How a buyer is shown wherever a table names them: the name the operator gave them,
    else their SteamID64 (an unnamed buyer is never a blank cell); "" with neither."""
    if name:
        return name
    return "" if partner is None else str(steamid64(partner))


def clean_name(text: str) -> str:
    """The trimmed name, or ``ValidationError`` naming what is wrong with it."""
    name = " ".join((text or "").split())
    if len(name) > NAME_MAX:
        raise ValidationError(
            f"A buyer's name is at most {NAME_MAX} characters (this one has {len(name)}).",
            field="name",
            code="invalid_buyer_name",
        )
    if _DIGITS.fullmatch(name):
        raise ValidationError(
            f"“{name}” reads as a SteamID or account id, so it could not be told apart from "
            "one when you look the buyer up; add a letter.",
            field="name",
            code="invalid_buyer_name",
        )
    return name


def clean_note(text: str) -> str:
    """The trimmed note (line breaks kept), or ``ValidationError`` when it is too long."""
    note = _CONTROL.sub(" ", (text or "").replace("\r\n", "\n")).strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(
            f"A note is at most {NOTE_MAX} characters (this one has {len(note)}).",
            field="note",
            code="invalid_note",
        )
    return note


def account_id_of(text: str) -> int | None:
    """The account id a typed SteamID64 or account id stands for, or None when ``text`` is
    not all digits (then it is a name or a trade URL)."""
    value = (text or "").strip()
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    if number >= STEAMID64_BASE:
        number -= STEAMID64_BASE
    if not 0 < number < 2**32:
        raise ValidationError(
            f"{value} is neither a SteamID64 (7656119…) nor a 32-bit account id.",
            field="buyer",
            code="invalid_steamid",
        )
    return number


@dataclass(frozen=True, slots=True)
class TradeUrlUse:
    """One trade URL a buyer gave, and when it was used and last worked."""

    trade_url: str
    first_used_at: datetime
    last_used_at: datetime | None = None
    last_success_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BuyerSummary:
    """A buyer and their record with the shop (SkinsNode cents; deposits counted apart)."""

    customer: CustomerRecord
    orders: int = 0
    delivered: int = 0
    #: what their delivered (and not reversed) orders cost at SkinsNode, in cents
    total_spent_cents: int = 0
    #: what they were charged minus what SkinsNode charged, in USD, over their orders that
    #: still stand as sales and were charged in USD (``core.margin``); None: no such order
    margin_usd: Decimal | None = None
    failures: int = 0
    expiries: int = 0
    reversals: int = 0
    deposits: int = 0
    last_trade_at: datetime | None = None
    last_reversal_at: datetime | None = None

    @property
    def partner(self) -> int:
        return self.customer.partner

    @property
    def steamid64(self) -> int:
        return steamid64(self.customer.partner)

    @property
    def name(self) -> str:
        return self.customer.label

    @property
    def display_name(self) -> str:
        return buyer_label(self.customer.label, self.customer.partner)

    def reversed_recently(self, now: datetime) -> bool:
        return (
            self.last_reversal_at is not None
            and now - self.last_reversal_at <= REVERSAL_WARNING_WINDOW
        )
