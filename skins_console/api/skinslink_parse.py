"""Skinslink JSON → core models (``{success, message, data}`` envelope already removed).

Money is ``Decimal`` (the JSON was decoded with ``loads_exact``), never negative, at most a
trillion dollars and six decimal places. Ids and counts are JSON integers (or strings of
digits) that fit in 64 bits; ``1840.0`` is not an id. A deposit's status must be one
Skinslink documents, never a local state such as ``rejected``. Following the corrected
contract, ``fail_reason`` is read on ``failed``/``canceled`` (and ``reverted``, where a
third party saw ``user_reverted``) and may be absent on each; ``bot_steam_id`` is an exact
integer above 2^53. Optional fields may be absent or null; unknown fields stay in ``raw``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from skins_console.api.shape import ShapeError
from skins_console.core.models import DepositState, Quote, QuoteItem, parse_time, utcnow
from skins_console.core.money import MoneyError, check_int64, parse_usd
from skins_console.core.statuses import DEPOSIT_KNOWN, DEPOSIT_LOCAL, is_status_word

#: Statuses a deposit's ``fail_reason`` belongs to; on any other it is not believed.
FAIL_REASON_STATUSES = frozenset({"failed", "canceled", "reverted"})

#: get-prices locks the winning provider for five minutes from its response.
QUOTE_LOCK = timedelta(minutes=5)


def _usd(value: Any, field: str) -> Decimal:
    try:
        amount = parse_usd(value, field=field)
    except MoneyError as exc:
        raise ShapeError(str(exc)) from None
    if amount < 0:
        raise ShapeError(f"{field} is negative ({amount})")
    return amount


def _optional_usd(value: Any, field: str) -> Decimal | None:
    return None if value is None else _usd(value, field)


def _int64(number: int, field: str) -> int:
    try:
        return check_int64(number, field=field)
    except MoneyError as exc:
        raise ShapeError(str(exc)) from None


def _int_id(value: Any, field: str) -> int:
    """A positive integer id: a JSON integer or a string of digits, within 64 bits."""
    if isinstance(value, bool) or value is None:
        raise ShapeError(f"{field} is {value!r}, expected an integer id")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise ShapeError(f"{field} is {value!r}, expected an integer id")
    if number < 1:
        raise ShapeError(f"{field} is {number}, expected a positive id")
    return _int64(number, field)


def _optional_str(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (int, Decimal)):
        return str(value)
    return None


def _optional_id(value: Any, field: str) -> int | None:
    return None if value is None or value == "" else _int_id(value, field)


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ShapeError(f"{field} is {value!r}, expected an integer")
    if value < 0:
        raise ShapeError(f"{field} is negative ({value})")
    return _int64(value, field)


def _status(data: dict[str, Any]) -> str:
    """A Skinslink deposit status: one the contract lists, never one of the console's own."""
    status = data.get("status")
    if not isinstance(status, str) or not status.strip():
        raise ShapeError("status is missing")
    if status in DEPOSIT_LOCAL:
        raise ShapeError(f"status {status!r} is a console state, not a Skinslink status")
    if status not in DEPOSIT_KNOWN and not is_status_word(status):
        # A status the contract does not list is shown verbatim, as non-terminal.
        raise ShapeError(f"status {status[:40]!r} is not a Skinslink deposit status")
    return status


def parse_quote(
    data: Any, *, game: str, requested: tuple[str, ...], fetched_at: datetime | None = None
) -> Quote:
    if not isinstance(data, dict):
        raise ShapeError(f"data is {type(data).__name__}, expected an object")
    fetched_at = fetched_at or utcnow()
    asked = frozenset(requested)
    raw_items = data.get("items")
    if raw_items is None:
        raw_items = []  # "no provider could price these": items null, total 0
    if not isinstance(raw_items, list):
        raise ShapeError(f"items is {type(raw_items).__name__}, expected a list")
    items: list[QuoteItem] = []
    for index, entry in enumerate(raw_items):
        if not isinstance(entry, dict):
            raise ShapeError(f"items[{index}] is not an object")
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ShapeError(f"items[{index}].name is missing")
        if name not in asked:
            raise ShapeError(f"items[{index}].name {name[:80]!r} was not in the quote asked for")
        items.append(
            QuoteItem(
                name=name,
                price=_usd(entry.get("price"), f"items[{index}].price"),
                original_price=_optional_usd(
                    entry.get("originalPrice"), f"items[{index}].originalPrice"
                ),
            )
        )
    trade_id = data.get("id")
    trade_id = None if trade_id is None else _int_id(trade_id, "id")
    total = data.get("total")
    total = len(items) if total is None else _count(total, "total")
    total_sum = data.get("sum")
    amount = (
        sum((item.price for item in items), Decimal(0))
        if total_sum is None
        else _usd(total_sum, "sum")
    )
    return Quote(
        trade_id=trade_id,
        game=game,
        items=tuple(items),
        total=total,
        sum=amount,
        requested=requested,
        fetched_at=fetched_at,
        lock_expires_at=fetched_at + QUOTE_LOCK if trade_id is not None else None,
        raw=data,
    )


def parse_deposit_state(data: Any) -> DepositState:
    if not isinstance(data, dict):
        raise ShapeError(f"data is {type(data).__name__}, expected an object")
    status = _status(data)
    fail_reason = _optional_str(data.get("fail_reason")) if status in FAIL_REASON_STATUSES else None
    return DepositState(
        id=_int_id(data.get("id"), "id"),
        merchant_tx_id=_optional_str(data.get("merchant_tx_id")),
        status=status,
        amount=_optional_usd(data.get("amount"), "amount"),
        bot_name=_optional_str(data.get("bot_name")),
        bot_steam_id=_optional_id(data.get("bot_steam_id"), "bot_steam_id"),
        trade_offer_id=_optional_str(data.get("trade_offer_id")),
        trade_offer_expiry_at=parse_time(data.get("trade_offer_expiry_at")),
        hold_end_date=parse_time(data.get("hold_end_date")),
        fail_reason=fail_reason,
        raw=data,
    )
