"""The shipped list of real CS2 market hash names, and suggestions drawn from it.

The list (``resources/market_names.txt.gz``, derived by ``packaging/derive_market_names.py``)
is read the first time a suggestion is wanted, in a worker thread, never at start-up; the
word index is built there too. Matching itself is pure (``core/name_suggestions.py``).

The list is a sample of about three quarters of the market: a name missing from it may
still be real, so it only ever feeds suggestions, never a refusal.
"""

from __future__ import annotations

import asyncio
import gzip
import threading
from collections.abc import Iterable, Mapping

from skins_console.core.errors import NothingPricedError
from skins_console.core.name_suggestions import NameIndex, Suggestion
from skins_console.core.records import QuoteRecord
from skins_console.resources import RESOURCE_DIR

NAMES_RESOURCE = "market_names.txt.gz"
#: the game whose names the shipped list holds (Skinslink's code for CS2)
NAMES_GAME = "csgo"
#: names listed in full in a "nothing priced" message; the rest are counted
MESSAGE_NAMES = 8


def load_market_names() -> tuple[str, ...]:
    """Read the shipped names (blocking: call it off the event loop)."""
    packed = (RESOURCE_DIR / NAMES_RESOURCE).read_bytes()
    return tuple(gzip.decompress(packed).decode("utf-8").split("\n"))


class NameBook:
    """Lazily loaded :class:`NameIndex` over the shipped names; one per process."""

    _shared: NameBook | None = None
    _shared_lock = threading.Lock()

    def __init__(self, names: Iterable[str] | None = None) -> None:
        self._names = None if names is None else tuple(names)
        self._index: NameIndex | None = None
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> NameBook:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    @property
    def loaded(self) -> bool:
        return self._index is not None

    def index_now(self) -> NameIndex:
        """The index, loading it first if needed (blocking)."""
        with self._lock:
            if self._index is None:
                names = self._names if self._names is not None else load_market_names()
                self._index = NameIndex(names)
            return self._index

    async def index(self) -> NameIndex:
        if self._index is not None:
            return self._index
        return await asyncio.to_thread(self.index_now)

    async def suggest_many(
        self,
        names: Iterable[str],
        *,
        game: str = NAMES_GAME,
        limit: int = 3,
        max_unknown: int | None = None,
    ) -> dict[str, tuple[Suggestion, ...]]:
        """Suggestions for each name that is not a known real name (others are left out),
        for at most ``max_unknown`` of them.

        Runs in a worker thread (each lookup is a few milliseconds of Python that lets the
        GUI thread in between); cancelling the call stops the thread's work too."""
        wanted = tuple(dict.fromkeys(names))
        if game != NAMES_GAME or not wanted:
            return {}
        index = await self.index()
        stop = threading.Event()
        try:
            return await asyncio.to_thread(_suggest_all, index, wanted, limit, max_unknown, stop)
        except asyncio.CancelledError:
            stop.set()
            raise

    async def check_priced(self, quote: QuoteRecord) -> dict[str, tuple[Suggestion, ...]]:
        """Suggestions for the names ``quote`` left unpriced; raises
        :class:`NothingPricedError` (naming them) when it priced none at all."""
        priced = {str(item["name"]) for item in quote.items}
        unpriced = tuple(name for name in quote.requested if name not in priced)
        suggestions = await self.suggest_many(unpriced, game=quote.game) if unpriced else {}
        if quote.requested and not priced:
            raise nothing_priced(unpriced, suggestions)
        return suggestions


def _suggest_all(
    index: NameIndex,
    names: tuple[str, ...],
    limit: int,
    max_unknown: int | None,
    stop: threading.Event,
) -> dict[str, tuple[Suggestion, ...]]:
    result: dict[str, tuple[Suggestion, ...]] = {}
    for name in names:
        if stop.is_set() or (max_unknown is not None and len(result) >= max_unknown):
            break
        if name not in index:
            result[name] = index.suggest(name, limit)
    return result


def describe_suggestions(name: str, suggestions: tuple[Suggestion, ...]) -> str:
    """``“typed” → did you mean “Real” (why)`` in one line."""
    if not suggestions:
        return f"“{name}”: no close real name"
    first = suggestions[0]
    text = f"“{name}” → did you mean “{first.name}”"
    if first.kind == "same":
        text += f" ({first.note})"
    others = [f"“{s.name}”" for s in suggestions[1:]]
    if others:
        text += " or " + " or ".join(others)
    return text


def nothing_priced(
    names: tuple[str, ...], suggestions: Mapping[str, tuple[Suggestion, ...]]
) -> NothingPricedError:
    count = len(names)
    lines = [describe_suggestions(n, suggestions.get(n, ())) for n in names[:MESSAGE_NAMES]]
    if count > MESSAGE_NAMES:
        lines.append(f"and {count - MESSAGE_NAMES} more")
    message = (
        f"Skinslink priced none of the {count} name(s); nothing can be bought with this "
        "quote. Market hash names must match Steam's spelling exactly: " + "; ".join(lines) + "."
    )
    return NothingPricedError(
        message,
        names=names,
        suggestions={n: tuple(s.name for s in suggestions.get(n, ())) for n in names},
    )
