"""Money without floats.

SkinsNode amounts are integer US cents (``int``); the API sends them as JSON integers
(catalog ``price``, ``expectedPrice``) or as strings holding an integer (wallet
``availableBalance``, order ``pricing.amount``, webhook ``amount``).

Skinslink amounts are USD decimals (``Decimal``). JSON must be decoded with
``parse_float=Decimal`` (see :func:`loads_exact`) so that ``22.75`` never passes through a
binary float.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

_INT_STR = re.compile(r"-?[0-9]{1,18}")
_DEC_STR = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,6})?")
CENT = Decimal("0.01")


class MoneyError(ValueError):
    """A money field that is not what the contract says; the message names the value."""


def loads_exact(data: bytes | str) -> Any:
    """``json.loads`` with decimals kept exact (``Decimal``), integers as ``int``."""
    return json.loads(data, parse_float=Decimal)


def parse_cents(value: object, *, field: str = "amount") -> int:
    """Strictly parse a SkinsNode cents value: an int, or a string of an integer.

    Floats, decimals with a fractional part, booleans and anything else are refused, so a
    garbled response cannot turn into a wrong debit.
    """
    if isinstance(value, bool):
        raise MoneyError(f"{field}: expected integer cents, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        raise MoneyError(f"{field}: expected integer cents, got {value}")
    if isinstance(value, str):
        text = value.strip()
        if _INT_STR.fullmatch(text):
            return int(text)
        raise MoneyError(f"{field}: expected a string of integer cents, got {value!r}")
    if isinstance(value, float):
        raise MoneyError(f"{field}: expected integer cents, got a float ({value!r})")
    raise MoneyError(f"{field}: expected integer cents, got {type(value).__name__}")


def parse_usd(value: object, *, field: str = "amount") -> Decimal:
    """Parse a Skinslink USD amount into an exact ``Decimal``."""
    if isinstance(value, bool):
        raise MoneyError(f"{field}: expected a USD amount, got a boolean")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not _DEC_STR.fullmatch(text):
            raise MoneyError(f"{field}: expected a USD amount, got {value!r}")
        result = Decimal(text)
    elif isinstance(value, float):
        # Only reachable when JSON was decoded without loads_exact; repr() is the shortest
        # string that round-trips, so this is still exact for what the server wrote.
        result = Decimal(repr(value))
    else:
        raise MoneyError(f"{field}: expected a USD amount, got {type(value).__name__}")
    try:
        if not result.is_finite():
            raise MoneyError(f"{field}: {value!r} is not a finite amount")
    except InvalidOperation as exc:  # pragma: no cover - defensive
        raise MoneyError(f"{field}: {value!r} is not an amount") from exc
    return result


def parse_usd_input(text: str, *, field: str = "amount") -> Decimal:
    """Parse an amount typed by the operator (``"22.5"``, ``"$22.50"``)."""
    cleaned = text.strip().lstrip("$").replace(",", "").strip()
    try:
        value = parse_usd(cleaned, field=field)
    except MoneyError:
        raise MoneyError(f"{field}: {text!r} is not an amount in dollars (e.g. 22.50)") from None
    if value < 0:
        raise MoneyError(f"{field}: the amount cannot be negative")
    return value


def parse_cents_input(text: str, *, field: str = "price") -> int:
    """Parse an operator-typed SkinsNode price: ``"1840"`` cents, or ``"$18.40"`` dollars."""
    cleaned = text.strip()
    if cleaned.startswith("$") or "." in cleaned:
        return usd_to_cents(parse_usd_input(cleaned, field=field), exact=True, field=field)
    try:
        value = parse_cents(cleaned, field=field)
    except MoneyError:
        raise MoneyError(f"{field}: {text!r} is not a price in cents (e.g. 1840)") from None
    if value < 0:
        raise MoneyError(f"{field}: the price cannot be negative")
    return value


def usd_to_cents(amount: Decimal, *, exact: bool = False, field: str = "amount") -> int:
    """Dollars to cents; with ``exact`` a sub-cent remainder is an error, else half-up."""
    scaled = amount * 100
    if exact and scaled != scaled.to_integral_value():
        raise MoneyError(f"{field}: {amount} has fractions of a cent")
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cents_to_usd(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def format_cents(cents: int | None, currency: str = "USD") -> str:
    """``1840`` → ``"$18.40"``; other currencies as ``"18.40 EUR"``."""
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    body = f"{whole:,}.{frac:02d}"
    if currency.upper() == "USD":
        return f"{sign}${body}"
    return f"{sign}{body} {currency.upper()}"


def format_usd(amount: Decimal | None) -> str:
    """Skinslink prices go to 1/1000 USD, so keep a third decimal when there is one."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    places = Decimal("0.001") if amount != amount.quantize(CENT) else CENT
    q = amount.quantize(places, rounding=ROUND_HALF_UP)
    whole = int(q)
    frac = str(q).split(".")[1] if "." in str(q) else "00"
    return f"{sign}${whole:,}.{frac}"
