"""Suggesting the exact real market hash name for a near miss (pure: the list is given).

A typed name that is not a real one is never rewritten (``core/market_names.py``); instead
:class:`NameIndex` finds the real names it most likely means:

* **same words**: the typed name and a real one have the same words once case, spacing,
  punctuation, ``★``, ``™``/``(TM)``, word order, exterior shorthands (``FN``, ``ft``,
  ``field tested``) and a Doppler phase (``Phase 2``, ``Ruby``…, which is not part of any
  market name) are set aside. ``ak-47 | redline (field tested)``, ``AWP Asiimov FT`` and
  ``Karambit | Doppler Phase 2 (Factory New)`` land here.
* **close**: otherwise, real names sharing the most (rarest) words, with typo-tolerant and
  prefix matching of words, ranked by overall similarity.

The index holds the names as given (byte-exact) and answers one lookup in a few
milliseconds for the ~26k shipped names; answers are cached per typed text.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from skins_console.core.cs2 import STAR

SAME = "same"
CLOSE = "close"

#: exterior words and shorthands -> one token
_EXTERIOR_PHRASES = (
    (re.compile(r"\bfactory\s*new\b|\bfn\b"), " factorynew "),
    (re.compile(r"\bminimal\s*wear\b|\bmw\b"), " minimalwear "),
    (re.compile(r"\bfield\s*tested\b|\bft\b"), " fieldtested "),
    (re.compile(r"\bwell\s*worn\b|\bww\b"), " wellworn "),
    (re.compile(r"\bbattle\s*scarred\b|\bbs\b"), " battlescarred "),
)
_STATTRAK = re.compile(r"\bstat\s*trak\b|\bst\b")
_TM = re.compile(r"\u2122|\(tm\)|(?<=stattrak)\s*tm\b")
_STARS = str.maketrans({"\u2605": " ", "\u2606": " ", "*": " "})
_JOINERS = re.compile(r"[-'\u2019.]")  # AK-47 -> ak47, 'Two Times' -> two times
_WORD = re.compile(r"\w+")
_PHASE = re.compile(r"\b(?:phase\s*[1-4]|p[1-4]|ruby|sapphire|black\s*pearl|emerald)\b")
_DOPPLER = re.compile(r"\bdoppler\b")

#: words that make another item (not another spelling) when they differ
_KIND_WORDS = frozenset({"stattrak", "souvenir"})
#: weapon nicknames -> the words of their market name (typed side only)
_NICKNAMES = {"deagle": ("desert", "eagle"), "bizon": ("ppbizon",), "dualies": ("dual", "berettas")}
#: a close match must reach this blended score to be suggested
MIN_CLOSE_SCORE = 0.55
#: words found in more names than this are only used to score, not to gather candidates
_COMMON_WORD = 2500
_CACHE_LIMIT = 20000


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A real market hash name for a typed one; ``kind`` is :data:`SAME` or :data:`CLOSE`;
    ``note`` says in a few words what differs (for the operator)."""

    name: str
    kind: str
    note: str


@dataclass(frozen=True, slots=True)
class _Query:
    words: tuple[str, ...]
    phase_dropped: bool
    used_shorthand: bool


def _prepare(text: str) -> _Query:
    value = unicodedata.normalize("NFKC", text).casefold()
    value = _TM.sub(" ", value).translate(_STARS)
    value = _JOINERS.sub("", value)
    used_shorthand = bool(re.search(r"\b(?:fn|mw|ft|ww|bs|st)\b", value))
    value = _STATTRAK.sub(" stattrak ", value)
    for pattern, replacement in _EXTERIOR_PHRASES:
        value = pattern.sub(replacement, value)
    phase_dropped = False
    if _DOPPLER.search(value):
        value, count = _PHASE.subn(" ", value)
        phase_dropped = count > 0
    return _Query(tuple(_WORD.findall(value)), phase_dropped, used_shorthand)


def words_of(text: str) -> tuple[str, ...]:
    """The comparable words of a name (see the module docstring)."""
    return _prepare(text).words


class NameIndex:
    """Real names (exact strings) with a word index for suggestions."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names: tuple[str, ...] = tuple(dict.fromkeys(names))
        self._exact = frozenset(self.names)
        self._words: list[frozenset[str]] = []
        self._weight: list[float] = []
        self._by_key: dict[tuple[str, ...], list[int]] = {}
        postings: dict[str, list[int]] = {}
        for number, name in enumerate(self.names):
            words = words_of(name)
            unique = frozenset(words)
            self._words.append(unique)
            self._by_key.setdefault(tuple(sorted(words)), []).append(number)
            for word in unique:
                postings.setdefault(word, []).append(number)
        total = max(len(self.names), 1)
        self._postings = postings
        self._idf = {w: math.log(1 + total / len(ids)) for w, ids in postings.items()}
        self._max_idf = math.log(1 + total)
        self._weight = [sum(self._idf[w] for w in words) for words in self._words]
        self._vocabulary = sorted(postings)
        self._by_initial: dict[str, list[str]] = {}
        for word in self._vocabulary:
            self._by_initial.setdefault(word[0], []).append(word)
        self._cache: dict[tuple[str, int], tuple[Suggestion, ...]] = {}

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self._exact

    def suggest(self, typed: str, limit: int = 3) -> tuple[Suggestion, ...]:
        """Real names ``typed`` most likely means; empty when it is one (byte-exact) or
        nothing is close. ``same`` suggestions come first."""
        if typed in self._exact or not typed.strip():
            return ()
        cached = self._cache.get((typed, limit))
        if cached is None:
            cached = self._suggest(typed, limit)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[(typed, limit)] = cached
        return cached

    # --- matching ------------------------------------------------------------------------

    def _suggest(self, typed: str, limit: int) -> tuple[Suggestion, ...]:
        query = _prepare(typed)
        words = self._joined(
            tuple(part for word in query.words for part in _NICKNAMES.get(word, (word,)))
        )
        if not words:
            return ()
        same = self._by_key.get(tuple(sorted(words)), [])
        if len(same) > 1:
            # Steam itself has such siblings ("Boom (Holo)" and "Boom(Holo)"): both real.
            note = "several real items share these words; pick the exact one"
            result = [Suggestion(self.names[i], SAME, note) for i in same]
        else:
            result = [Suggestion(self.names[i], SAME, self._note(typed, query, i)) for i in same]
        result.sort(
            key=lambda s: (_similarity(typed, s.name), _similarity(typed, s.name, exact=True)),
            reverse=True,
        )
        if len(result) >= limit:
            return tuple(result[:limit])
        taken = set(same)
        for number, _score in self._close(typed, words, limit * 4):
            if number in taken:
                continue
            result.append(Suggestion(self.names[number], CLOSE, "closest real name"))
            if len(result) >= limit:
                break
        return tuple(result)

    def _joined(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """``ak 47`` -> ``ak47`` and ``m4a1 s`` -> ``m4a1s`` when only the joined word is
        a real one (people split hyphenated weapon names with a space)."""
        result: list[str] = []
        index = 0
        while index < len(words):
            word = words[index]
            if index + 1 < len(words):
                joined = word + words[index + 1]
                if joined in self._idf and not (
                    word in self._idf and words[index + 1] in self._idf
                ):
                    result.append(joined)
                    index += 2
                    continue
            result.append(word)
            index += 1
        return tuple(result)

    def _expand(self, word: str) -> dict[str, float]:
        """Real words a typed word may stand for, with how sure the match is: itself, words
        it begins (``glock`` -> ``glock18``), and close spellings (``asimov``)."""
        found: dict[str, float] = {}
        if len(word) >= 2:
            start = bisect_left(self._vocabulary, word)
            for other in self._vocabulary[start : start + 40]:
                if not other.startswith(word):
                    break
                found[other] = 0.8
        if word in self._idf:
            found[word] = 1.0
            return found
        if len(word) >= 4:
            bucket = [w for w in self._by_initial.get(word[0], ()) if abs(len(w) - len(word)) <= 2]
            for other in difflib.get_close_matches(word, bucket, n=4, cutoff=0.75):
                found.setdefault(other, 0.85)
        return found

    def _close(self, typed: str, words: tuple[str, ...], keep: int) -> list[tuple[int, float]]:
        expansions = [self._expand(word) for word in dict.fromkeys(words)]
        typed_words = frozenset(words)
        wanted = sum(
            max((self._idf[w] * q for w, q in options.items()), default=self._max_idf)
            for options in expansions
        )
        if wanted <= 0:
            return []
        gather = [
            w for options in expansions for w in options if len(self._postings[w]) <= _COMMON_WORD
        ] or [w for options in expansions for w in options]
        candidates: set[int] = set()
        for word in gather:
            candidates.update(self._postings[word])
        scored: list[tuple[float, int]] = []
        for number in candidates:
            name_words = self._words[number]
            matched = 0.0
            matched_name = 0.0
            for options in expansions:
                best = 0.0
                best_idf = 0.0
                for word, quality in options.items():
                    if word in name_words and self._idf[word] * quality > best:
                        best = self._idf[word] * quality
                        best_idf = self._idf[word]
                matched += best
                matched_name += best_idf
            if matched <= 0:
                continue
            extra = max(self._weight[number] - matched_name, 0.0)
            score = matched / (wanted + 0.5 * extra)
            if len(_KIND_WORDS & name_words) != len(_KIND_WORDS & typed_words):
                score *= 0.7  # StatTrak™ or Souvenir differs: another item, not a typo
            scored.append((score, number))
        scored.sort(reverse=True)
        ranked = [
            (number, 0.7 * score + 0.3 * _similarity(typed, self.names[number]))
            for score, number in scored[: max(keep, 12)]
        ]
        ranked.sort(key=lambda pair: pair[1], reverse=True)
        return [(n, s) for n, s in ranked if s >= MIN_CLOSE_SCORE][:keep]

    def _note(self, typed: str, query: _Query, number: int) -> str:
        name = self.names[number]
        if query.phase_dropped:
            return "Doppler phases share one market name; Skinslink does not price them apart"
        if name.startswith(STAR) and STAR not in typed:
            return "knives and gloves start with ★"
        if query.used_shorthand:
            return "the exterior or StatTrak™ written out in full"
        return "exact spelling, spacing and capitals"


def _similarity(typed: str, name: str, *, exact: bool = False) -> float:
    if not exact:
        typed, name = typed.casefold(), name.casefold()
    return difflib.SequenceMatcher(None, typed, name).ratio()
