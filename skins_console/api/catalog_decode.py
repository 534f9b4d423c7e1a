"""``GET /v1/catalog`` bodies decoded by msgspec into checked rows, a megabyte at a time.

A 100,000-item catalog is about 40 MB of JSON. ``json.loads`` takes 0.3-0.4 s over it in
one C call, and building dicts, then ``CatalogItem`` objects from them, takes as long
again twice over. Here:

* the body (as the chunks it arrived in, never joined) is cut into slices of about
  :data:`STEP` bytes at item boundaries; each slice is decoded by msgspec in two short C
  calls (the entries' raw JSON text, then each entry into a typed :class:`WireItem`), so
  the worker thread doing this lets the GUI thread have the GIL every few milliseconds;
* a slice boundary is a ``}`` followed by ``,`` and ``{`` (with JSON blanks). One inside a
  string or a nested value is harmless: ``[`` + such a slice + ``]`` is not a complete JSON
  document (an open string or object), msgspec refuses it, and the slice is cut again
  with more text;
* the typed rows are checked column by column (C-speed passes) for everything
  ``parse_catalog_item`` treats specially: blank strings, floats outside 0..1 or not
  finite, duplicate ids. A slice where any check fails, or where msgspec refuses a type
  (a price sent as text, a float sent as a number of cents…), is read entry by entry, and
  each such entry by the strict parser itself (``loads_exact`` + ``parse_catalog_item``),
  so its result or its line in ``skipped`` is exactly the reference's;
* anything but the documented shape ``{"items": [...]}`` (other keys, another encoding,
  broken JSON) is handed to the reference path as a whole: ``loads_exact_stepwise`` (which
  raises ``ValueError`` on broken JSON, like ``loads_exact``) and ``parse_catalog``.

The result is equal to ``parse_catalog(loads_exact(body))``: the same items with the same
values (``Decimal`` floats, integer cents, the raw JSON on each item), the same
``skipped`` lines (tests compare the two on generated and garbled catalogs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from itertools import repeat
from operator import attrgetter, is_not
from time import sleep
from typing import Annotated, Any

import msgspec

from skins_console.api.json_stream import loads_exact_stepwise
from skins_console.api.shape import ShapeError
from skins_console.api.skinsnode_parse import _entry_label, parse_catalog, parse_catalog_item
from skins_console.core.catalog_rows import CatalogRows, RepeatedValues, plain_row
from skins_console.core.heap import return_freed_memory
from skins_console.core.models import Catalog, CatalogItem, utcnow
from skins_console.core.money import loads_exact

#: bytes per slice: ~2,700 sandbox items, decoded in about 3 ms
STEP = 1 << 20
#: a slice that will not decode is retried with more text up to this size, then the whole
#: body goes to the reference path (a broken document, or a pathological one)
MAX_SLICE = 16 * STEP

#: chunk bytes read (and so freed, from a consumed list) between two returns of the free
#: heap pages to the OS: a few per 37 MB catalog, 1-2 ms each in the decoding thread
RETURN_EVERY = 8 << 20

_INT64 = 2**63 - 1
_Text = Annotated[str, msgspec.Meta(min_length=1)]


class WireItem(msgspec.Struct, gc=False):
    """One catalog entry as SkinsNode documents it; attribute names as on CatalogItem."""

    id: _Text
    market_hash_name: _Text = msgspec.field(name="marketHashName")
    price_cents: Annotated[int, msgspec.Meta(ge=0, le=_INT64)] = msgspec.field(name="price")
    currency: _Text = "USD"  # null, "" or blank: the strict path makes them "USD"
    phase: _Text | None = None
    float_value: Decimal | None = msgspec.field(default=None, name="floatValue")
    paint_index: Annotated[int, msgspec.Meta(ge=-_INT64, le=_INT64)] | None = msgspec.field(
        default=None, name="paintIndex"
    )
    paint_seed: Annotated[int, msgspec.Meta(ge=-_INT64, le=_INT64)] | None = msgspec.field(
        default=None, name="paintSeed"
    )
    rarity_color: _Text | None = msgspec.field(default=None, name="rarityColor")
    class_id: _Text | None = msgspec.field(default=None, name="classId")
    instance_id: _Text | None = msgspec.field(default=None, name="instanceId")
    image_url: _Text | None = msgspec.field(default=None, name="imageUrl")


_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])
#: rows back to JSON: field names, order and forms as SkinsNode sends them ("floatValue"
#: as a string), so a compact entry encodes to the very bytes received
_SLICE_ENCODER = msgspec.json.Encoder()
_ITEM_LIST = msgspec.json.Decoder(list[WireItem])
_BLANK = b" \t\n\r"
_START = re.compile(rb'[ \t\n\r]*\{[ \t\n\r]*"items"[ \t\n\r]*:[ \t\n\r]*\[[ \t\n\r]*')
_END = re.compile(rb"\][ \t\n\r]*\}[ \t\n\r]*\Z")
_AFTER_ITEM = re.compile(rb"[ \t\n\r]*,[ \t\n\r]*\{")
_OPTIONAL_TEXT = ("currency", "phase", "rarity_color", "class_id", "instance_id", "image_url")
_not_none = partial(is_not, None)


class _NotTheFastShape(Exception):
    """The body is not ``{"items": [...]}`` as msgspec can slice it: use the reference."""


def decode_catalog(
    body: bytes | Sequence[bytes], *, fetched_at: datetime | None = None, consume: bool = False
) -> Catalog:
    """The catalog in ``body``; ``ValueError`` if it is not JSON, ``ShapeError`` if it is
    JSON but not a catalog (the same errors, in the same cases, as the reference).

    With ``consume`` (``body`` a list of chunks), each chunk is dropped from the list once
    it is read, so a 37 MB body is not held beside the rows decoded from it; whenever
    this returns without a catalog (an error, or the reference path), the list holds the
    whole body again."""
    source = body if consume and isinstance(body, list) else None
    chunks = [body] if isinstance(body, (bytes, bytearray)) else [c for c in body if c]
    if source is not None:
        source.clear()  # from here on the slicer holds each chunk until it is read
    slicer = _Slicer(chunks)
    del chunks
    try:
        return slicer.catalog(fetched_at)
    except _NotTheFastShape:
        rest = slicer.body_parts()
        if source is not None:
            source[:] = rest
        return parse_catalog(loads_exact_stepwise(rest), fetched_at=fetched_at)
    except BaseException:
        if source is not None:
            source[:] = slicer.body_parts()
        raise


def catalog_or_json(body: bytes | Sequence[bytes]) -> Any:
    """For ``ProviderHttp``'s decoder hook: a :class:`Catalog` when ``body`` is one, else
    the plain decoded JSON (an error answer), so that error mapping works as usual. A list
    of chunks is consumed as it is read (see :func:`decode_catalog`)."""
    try:
        return decode_catalog(body, consume=isinstance(body, list))
    except ShapeError:
        return loads_exact_stepwise(body)


class _Slicer:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks: list[bytes | None] = list(chunks)
        self.next_chunk = 0  # chunks[:next_chunk] are read (None): their bytes are in text
        self.unreturned = 0  # bytes of chunks read since the heap last gave pages back
        self.text = b""
        self.exhausted = not chunks
        self.rows: list[Any] = []
        self.raws: list[Any] = []
        self.skipped: list[tuple[int, str]] = []
        self.slices: list[tuple[int, int, bytes]] = []  # for CatalogRows.compact
        #: what has been read and cut off ``text``, in order, to give the body back when
        #: the reference path must read it after all (see body_parts): bytes as they were,
        #: or a (first row, row count) range of rows whose entries are their own JSON
        self.read: list[bytes | memoryview | tuple[int, int]] = []
        self.seen: set[str] = set()
        self.count = 0  # entries read so far: the index of the next one
        self.repeated = RepeatedValues()
        self.end_length = 0

    def _start(self) -> None:
        tail = _tail([c for c in self.chunks if c])
        end = _END.search(tail)  # on the last bytes only: a search over a slice is slow
        if end is None:
            raise _NotTheFastShape
        self.end_length = len(tail) - end.start()  # "]}" and blanks after the entries
        self._read(256)
        start = _START.match(self.text)
        if start is None:
            raise _NotTheFastShape
        self.read.append(self.text[: start.end()])
        self.text = self.text[start.end() :]

    def body_parts(self) -> list[bytes]:
        """The whole body again, as chunks: what was read (entries of rows that are their
        own JSON encoded again, which gives the bytes received), then what was not."""
        parts: list[bytes] = []
        for piece in self.read:
            if isinstance(piece, (bytes, memoryview)):
                parts.append(bytes(piece))
            else:
                first, count = piece
                parts.append(entries_text(self.rows[first : first + count]))
        parts.append(self.text)
        parts += [c for c in self.chunks[self.next_chunk :] if c]
        return [part for part in parts if part]

    def catalog(self, fetched_at: datetime | None) -> Catalog:
        self._start()
        step = STEP
        while True:
            self._read(step)
            if self.unreturned >= RETURN_EVERY:
                # The chunks just read are free now, but in the middle of the heap the
                # event loop's thread received them into: give their pages back.
                return_freed_memory()
                self.unreturned = 0
            if self.exhausted:
                last = self.text[: max(0, len(self.text) - self.end_length)].rstrip(_BLANK)
                if last and not self._slice(last):
                    raise _NotTheFastShape  # broken JSON: the reference says where
                self.text = self.text[len(last) :]
                break
            cut = _last_boundary(self.text)
            if cut is None or not self._slice(self.text[: cut[0]]):
                if step >= MAX_SLICE:
                    raise _NotTheFastShape
                step *= 2  # a false boundary (in a string) or broken JSON: more text
                continue
            self.read.append(self.text[cut[0] : cut[1]])  # the separator
            self.text, step = self.text[cut[1] :], STEP
            sleep(0)  # between slices, hand the GIL to a thread waiting for it (the GUI's)
        return Catalog(
            items=CatalogRows(self.rows, self.raws, loads_exact, self.slices, entry_text),
            fetched_at=fetched_at or utcnow(),
            skipped=tuple(self.skipped),
        )

    def _read(self, size: int) -> None:
        """Make ``self.text`` at least ``size`` bytes long, or all that is left; each chunk
        read is let go of here (its bytes are in ``text`` now)."""
        if len(self.text) >= size or self.exhausted:
            return
        parts, have = [self.text], len(self.text)
        chunks = self.chunks
        while self.next_chunk < len(chunks):
            piece = chunks[self.next_chunk]
            chunks[self.next_chunk] = None
            self.next_chunk += 1
            if piece:
                parts.append(piece)
                have += len(piece)
                self.unreturned += len(piece)
                if have >= size:
                    break
        if self.next_chunk >= len(chunks):
            self.exhausted = True
        self.text = b"".join(parts)

    def _slice(self, entries: bytes) -> bool:
        """Decode one slice of entries; False if it is not a whole number of entries."""
        payload = b"[" + entries + b"]"
        try:
            # One C call, ~3 ms a slice. A payload it reads is a whole number of entries;
            # only one it refuses needs the raw pass to tell a cut entry from odd ones.
            rows: list[WireItem] | None = _ITEM_LIST.decode(payload)
        except (msgspec.DecodeError, RecursionError):
            rows = None
        if rows is not None and self._all_plain(rows):
            first = len(self.rows)
            # Every entry exactly what its row encodes to (the provider's own compact
            # form): no copy of the text is kept, the row gives it back.
            own_json = _SLICE_ENCODER.encode(rows) == payload
            if own_json:
                self.raws += repeat(None, len(rows))
            else:
                self.slices.append((first, len(rows), payload))
                self.raws += _RAW_LIST.decode(payload)
            self.repeated.share(rows)
            self.rows += rows
            self.count += len(rows)
            # After the rows: body_parts() reads a range from self.rows.
            self.read.append((first, len(rows)) if own_json else memoryview(payload)[1:-1])
            return True
        try:
            raws = _RAW_LIST.decode(payload)
        except msgspec.DecodeError:
            return False
        except RecursionError:
            # Nested past the interpreter's limit (msgspec counts its depth against it): the
            # reference reader refuses it with its own message ("nested more than …").
            raise _NotTheFastShape from None
        self.read.append(entries)
        for raw in raws:
            self._one(raw)
        return True

    def _all_plain(self, rows: list[WireItem]) -> bool:
        """True when every row is already what parse_catalog_item would make of it.

        Each check is one pass in C over the slice (``map``/``filter``/``any``)."""
        ids = list(map(attrgetter("id"), rows))
        known = len(self.seen)
        self.seen.update(ids)
        if len(self.seen) - known != len(ids):  # a repeated id: the strict path says which
            self.seen = set(map(attrgetter("id"), self.rows))
            return False
        if any(map(str.isspace, ids)) or any(
            map(str.isspace, map(attrgetter("market_hash_name"), rows))
        ):
            return self._undo(ids)
        for name in _OPTIONAL_TEXT:  # "" is refused by msgspec already (min_length)
            if any(map(str.isspace, filter(None, map(attrgetter(name), rows)))):
                return self._undo(ids)
        floats = list(filter(_not_none, map(attrgetter("float_value"), rows)))
        if floats:
            try:
                if min(floats) < 0 or max(floats) > 1:  # also refuses ±Infinity
                    return self._undo(ids)
            except InvalidOperation:  # a NaN
                return self._undo(ids)
        return True

    def _undo(self, ids: list[str]) -> bool:
        self.seen.difference_update(ids)  # none of them was known: the update added all
        return False

    def _one(self, raw: msgspec.Raw) -> None:
        """One entry of a slice that needs a closer look: the strict parser decides."""
        index = self.count
        self.count += 1
        entry = loads_exact(bytes(raw))
        try:
            item: CatalogItem = parse_catalog_item(entry)
        except ShapeError as exc:
            self.skipped.append((index, f"{_entry_label(entry)}{exc}"))
            return
        if item.id in self.seen:
            self.skipped.append((index, f"{_entry_label(entry)}duplicate id {item.id}"))
            return
        self.seen.add(item.id)
        self.rows.append(item)
        self.raws.append(None)


def entry_text(row: Any) -> bytes:
    """The JSON text of a decoded row whose entry was found to be its own encoding."""
    return _SLICE_ENCODER.encode(plain_row(row))


def entries_text(rows: list[Any]) -> bytes:
    """``entry_text`` of each row, joined by commas (a slice of the body as received)."""
    return _SLICE_ENCODER.encode(list(map(plain_row, rows)))[1:-1]


def _tail(chunks: list[bytes], size: int = 64) -> bytes:
    parts: list[bytes] = []
    have = 0
    for chunk in reversed(chunks):
        parts.append(chunk[-size:])
        have += len(parts[-1])
        if have >= size:
            break
    return b"".join(reversed(parts))


def _last_boundary(text: bytes) -> tuple[int, int] | None:
    """(end of a slice, start of the next entry) at the last ``}`` + ``,`` + ``{``."""
    position = len(text)
    while True:
        position = text.rfind(b"}", 0, position)
        if position < 0:
            return None
        after = _AFTER_ITEM.match(text, position + 1)
        if after is not None:
            return position + 1, after.end() - 1
