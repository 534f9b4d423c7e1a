"""Money without floats.

SkinsNode amounts are integer US cents (``int``); the API sends them as JSON integers
(catalog ``price``, ``expectedPrice``) or as strings holding an integer (wallet
``availableBalance``, order ``pricing.amount``, webhook ``amount``).

Skinslink amounts are USD decimals (``Decimal``). JSON must be decoded with
``parse_float=Decimal`` (see :func:`loads_exact`) so that ``22.75`` never passes through a
binary float.

Every provider answer and webhook body is decoded by :func:`loads_exact`, the one JSON
entry point, which first bounds how deeply the document nests (``MAX_JSON_DEPTH``): a
garbled answer of a thousand nested brackets is refused with a ``JsonDepthError`` instead
of exhausting the parser's recursion. Numbers are bounded where they are parsed: SQLite
keeps integers in 64 bits, so cents, counts and ids outside that range are refused
(:func:`check_int64`), as is a cents value written as a decimal (``1840.0``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

_INT_STR = re.compile(r"-?[0-9]{1,18}")
_DEC_STR = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,6})?")
CENT = Decimal("0.01")

#: Provider documents nest four or five levels (envelope, data, items, item, field);
#: anything past this is garbage, refused before the recursive decoder sees it.
MAX_JSON_DEPTH = 32
#: SQLite's INTEGER (and every id and amount the providers document) fits in 64 bits.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
#: The largest USD amount believed (a trillion dollars) and its finest step (Skinslink
#: prices to 1/1000 USD; the string form already allows six places).
MAX_USD = Decimal(10) ** 12
USD_PLACES = 6

# A JSON string (escapes included), then anything that is not a bracket: what is left of
# a document after both are removed is its bracket skeleton.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_EMPTY_PAIR = re.compile(r"\[\]|\{\}")


class MoneyError(ValueError):
    """A money field that is not what the contract says; the message names the value."""


class JsonDepthError(ValueError):
    """A JSON document nested deeper than ``MAX_JSON_DEPTH``."""

    def __init__(self, limit: int = MAX_JSON_DEPTH) -> None:
        super().__init__(f"the JSON is nested more than {limit} levels deep")
        self.limit = limit


def check_json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise ``JsonDepthError`` if ``text`` nests brackets deeper than ``limit``.

    Linear and without recursion: strings are cut out and only the brackets kept (C-level
    regex passes), then each pass removes the innermost empty pairs, so a document ``d``
    levels deep is empty after ``d`` passes. Unbalanced text is not JSON: it is left for
    the decoder to say where it breaks, unless its unclosed brackets alone are too deep
    (``[`` repeated 100,000 times would exhaust the decoder before it reached the end).
    """
    if text.count("[") + text.count("{") <= limit:
        return  # fewer opening brackets than the limit cannot nest deeper than it
    skeleton = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    for _ in range(limit):
        if not skeleton:
            return
        reduced = _EMPTY_PAIR.sub("", skeleton)
        if len(reduced) == len(skeleton):
            break  # no pair left: unbalanced
        skeleton = reduced
    else:
        if _EMPTY_PAIR.search(skeleton):
            raise JsonDepthError(limit)
    if skeleton.count("[") + skeleton.count("{") > limit:
        raise JsonDepthError(limit)


def loads_exact(data: bytes | bytearray | str) -> Any:
    """``json.loads`` with decimals kept exact (``Decimal``), integers as ``int``, and the
    nesting bounded by ``MAX_JSON_DEPTH`` (``JsonDepthError``, a ``ValueError``)."""
    if isinstance(data, (bytes, bytearray)):
        # What json.loads does with bytes, done here so the depth check sees the text.
        data = bytes(data).decode(json.detect_encoding(data), "surrogatepass")
    check_json_depth(data)
    return json.loads(data, parse_float=Decimal)


def check_int64(value: int, *, field: str) -> int:
    """``value`` if it fits SQLite's 64-bit INTEGER, else ``MoneyError`` naming the field."""
    if not INT64_MIN <= value <= INT64_MAX:
        raise MoneyError(f"{field}: {value} does not fit in 64 bits")
    return value


def parse_cents(value: object, *, field: str = "amount") -> int:
    """Strictly parse a SkinsNode cents value: an int, or a string of an integer.

    Floats and decimals (even ``1840.0``: a number written with a point or an exponent is
    not what the contract sends, so it is garbled rather than rounded), integers beyond 64
    bits, booleans and anything else are refused, so a garbled response cannot turn into a
    wrong debit.
    """
    if isinstance(value, bool):
        raise MoneyError(f"{field}: expected integer cents, got a boolean")
    if isinstance(value, int):
        return check_int64(value, field=field)
    if isinstance(value, Decimal):
        raise MoneyError(f"{field}: expected integer cents, got the decimal number {value}")
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
        if abs(result) >= MAX_USD:
            raise MoneyError(f"{field}: {result} is out of range for a USD amount")
        exponent = result.as_tuple().exponent
        if (
            isinstance(exponent, int)
            and exponent < -USD_PLACES
            and result != result.quantize(Decimal(1).scaleb(-USD_PLACES))
        ):
            raise MoneyError(f"{field}: {result} has more than {USD_PLACES} decimal places")
    except InvalidOperation as exc:  # pragma: no cover - defensive
        raise MoneyError(f"{field}: {value!r} is not an amount") from exc
    return result


def parse_usd_input(text: str, *, field: str = "amount") -> Decimal:
    """Parse an amount typed by the operator (``"22.5"``, ``"$22.50"``)."""
    cleaned = text.strip().lstrip("$").replace(",", "").strip()
    return _typed_amount(
        parse_usd, cleaned, text, field, "an amount in dollars (e.g. 22.50)", "amount"
    )


def parse_cents_input(text: str, *, field: str = "price") -> int:
    """Parse an operator-typed SkinsNode price: ``"1840"`` cents, or ``"$18.40"`` dollars."""
    cleaned = text.strip()
    if cleaned.startswith("$") or "." in cleaned:
        return usd_to_cents(parse_usd_input(cleaned, field=field), exact=True, field=field)
    return _typed_amount(parse_cents, cleaned, text, field, "a price in cents (e.g. 1840)", "price")


_Amount = TypeVar("_Amount", int, Decimal)


def _typed_amount(
    parse: Callable[..., _Amount], cleaned: str, text: str, field: str, kind: str, noun: str
) -> _Amount:
    """``parse(cleaned)`` of what the operator typed (``text``): not negative, and an
    error naming ``kind`` ("a price in cents (e.g. 1840)") when it is not one."""
    try:
        value = parse(cleaned, field=field)
    except MoneyError:
        raise MoneyError(f"{field}: {text!r} is not {kind}") from None
    if value < 0:
        raise MoneyError(f"{field}: the {noun} cannot be negative")
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
