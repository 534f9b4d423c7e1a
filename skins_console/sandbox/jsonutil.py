"""JSON out with ``Decimal`` written as a JSON number (``22.75``), never through a float."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

THOUSANDTH = Decimal("0.001")
CENT = Decimal("0.01")


def usd_text(value: Decimal) -> str:
    """Skinslink prices to 1/1000 USD: ``45.5`` → ``45.50``, ``22.125`` stays, ``0`` → ``0``."""
    if value == 0:
        return "0"
    q = value.quantize(THOUSANDTH, rounding=ROUND_HALF_UP)
    if q == q.quantize(CENT):
        q = q.quantize(CENT)
    return format(q, "f")


def dumps(value: Any) -> bytes:
    return "".join(_encode(value)).encode("utf-8")


def _encode(value: Any):
    if value is None:
        yield "null"
    elif value is True:
        yield "true"
    elif value is False:
        yield "false"
    elif isinstance(value, Decimal):
        yield usd_text(value)
    elif isinstance(value, (int, str)):
        yield json.dumps(value, ensure_ascii=False)
    elif isinstance(value, float):
        raise TypeError("the sandbox never emits floats; use int or Decimal")
    elif isinstance(value, dict):
        yield "{"
        first = True
        for key, item in value.items():
            if not first:
                yield ","
            first = False
            yield json.dumps(str(key), ensure_ascii=False)
            yield ":"
            yield from _encode(item)
        yield "}"
    elif isinstance(value, (list, tuple)):
        yield "["
        for index, item in enumerate(value):
            if index:
                yield ","
            yield from _encode(item)
        yield "]"
    else:
        raise TypeError(f"cannot encode {type(value).__name__}")
