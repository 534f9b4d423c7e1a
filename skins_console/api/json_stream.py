"""``loads_exact`` for large answers, in steps that each hold the GIL briefly.

``json.loads`` is one C call: over a 40 MB catalog it keeps the GIL for about a second,
and even with a Python hook per object, decoding the bytes to text and joining that text
are single C calls of 40-50 ms each. In a worker thread that still stalls the GUI thread,
which needs the GIL for every paint and timer. Here the bytes are decoded a megabyte at a
time into a sliding text window, the outer two levels (the answer object and its lists)
are walked in Python, and every value below them (one catalog item) is parsed by the C
scanner on its own. The result is the same as ``loads_exact``: ``Decimal`` for numbers
with a fraction, ``int`` for integers, the last of repeated keys, and ``ValueError`` for
anything that is not one well-formed JSON document, including ``JsonDepthError`` for one
nested deeper than ``MAX_JSON_DEPTH`` (checked per value, only for a value holding enough
brackets to be that deep, so a flat catalog item costs two ``str.count`` calls).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Sequence
from decimal import Decimal
from json.decoder import (  # type: ignore[attr-defined]  # typeshed lacks WHITESPACE
    WHITESPACE,
    JSONDecodeError,
)
from json.scanner import make_scanner
from typing import Any

from skins_console.core.money import MAX_JSON_DEPTH, JsonDepthError, check_json_depth

#: bytes decoded per step
STEP = 1 << 20
#: a value ending this close to the decoded text's end is parsed again with more text
_MARGIN = 64
#: containers nested this deep are walked here; deeper values go to the C scanner whole
WALKED_DEPTH = 2

# typeshed types make_scanner as taking itself; at run time it takes the decoder it scans for
_SCAN = make_scanner(json.JSONDecoder(parse_float=Decimal))  # type: ignore[arg-type]


class _Window:
    """The not yet parsed part of the document as text, decoded on demand."""

    def __init__(self, raw: bytes | Sequence[bytes], step: int) -> None:
        chunks = [raw] if isinstance(raw, (bytes, bytearray)) else [c for c in raw if c]
        self.total = sum(map(len, chunks))
        self.pieces = (
            chunk[start : start + step] for chunk in chunks for start in range(0, len(chunk), step)
        )
        self.consumed = 0
        head = b"".join(chunks[:4])[:4]  # json.detect_encoding looks at the first 4 bytes
        self.decoder = codecs.getincrementaldecoder(json.detect_encoding(head))("surrogatepass")
        self.text, self.pos, self.final = "", 0, not self.total

    def more(self) -> bool:
        """Decode further: at least one step, and at least as much text as is pending (so a
        value spanning many steps costs linear, not quadratic, copying)."""
        if self.final:
            return False
        parts, wanted = [self.text[self.pos :]], max(1, len(self.text) - self.pos)
        got = 0
        while got < wanted and not self.final:
            piece = next(self.pieces)
            self.consumed += len(piece)
            self.final = self.consumed >= self.total
            part = self.decoder.decode(piece, self.final)
            parts.append(part)
            got += max(1, len(part))
        self.text, self.pos = "".join(parts), 0
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end), without consuming it."""
        while True:
            self.pos = WHITESPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text) or not self.more():
                return self.text[self.pos : self.pos + 1]

    def take(self, expected: str, what: str) -> str:
        char = self.peek()
        if char not in expected or not char:
            raise JSONDecodeError(f"Expecting {what}", self.text, self.pos)
        self.pos += 1
        return char

    def value(self, depth: int) -> Any:
        """One whole value through the C scanner, reading on while it is incomplete;
        ``depth`` is how deep it sits, so the value may nest ``MAX_JSON_DEPTH - depth``."""
        while True:
            self.peek()
            try:
                obj, end = _SCAN(self.text, self.pos)
            except RecursionError:
                raise JsonDepthError() from None
            except StopIteration:
                if self.more():
                    continue
                raise JSONDecodeError("Expecting value", self.text, self.pos) from None
            except JSONDecodeError:
                if self.more():
                    continue
                raise
            if end + _MARGIN >= len(self.text) and self.more():
                continue  # a number may go on in the next step: "12" of "125", "1" of "1e3"
            start, self.pos = self.pos, end
            allowed = MAX_JSON_DEPTH - depth
            if self.text.count("[", start, end) + self.text.count("{", start, end) > allowed:
                try:
                    check_json_depth(self.text[start:end], allowed)
                except JsonDepthError:
                    raise JsonDepthError() from None
            return obj


def _walk(window: _Window, depth: int) -> Any:
    opening = window.peek()
    if depth >= WALKED_DEPTH or opening not in ("{", "["):
        return window.value(depth)
    window.pos += 1
    if opening == "{":
        pairs: list[tuple[str, Any]] = []
        if window.peek() == "}":
            window.pos += 1
            return {}
        while True:
            if window.peek() != '"':
                raise JSONDecodeError(
                    "Expecting property name enclosed in double quotes", window.text, window.pos
                )
            key = window.value(depth + 1)
            window.take(":", "':' delimiter")
            pairs.append((key, _walk(window, depth + 1)))
            if window.take(",}", "',' delimiter") == "}":
                return dict(pairs)
    items: list[Any] = []
    if window.peek() == "]":
        window.pos += 1
        return items
    while True:
        items.append(_walk(window, depth + 1))
        if window.take(",]", "',' delimiter") == "]":
            return items


def loads_exact_stepwise(raw: bytes | Sequence[bytes], *, step: int = STEP) -> Any:
    """``loads_exact(raw)`` for a worker thread (see the module docstring). ``raw`` may be
    the body as the chunks it arrived in, so it is never joined into one string."""
    window = _Window(raw, step)
    result = _walk(window, 0)
    if window.peek():
        raise JSONDecodeError("Extra data", window.text, window.pos)
    return result
