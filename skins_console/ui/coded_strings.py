"""A catalog column of few distinct strings, stored as one small code per row.

Pure Python, no Qt (built in worker threads with the other columns, see
``catalog_columns``).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from typing import Any, overload


class _Numbering(dict[str, int]):
    """A string's code: its position among the distinct strings, in order of first sight
    (looked up in C; only a string not seen before calls ``__missing__``)."""

    def __missing__(self, text: str) -> int:
        self[text] = code = len(self)
        return code


class CodedStrings(Sequence[str]):
    """A column of few distinct strings (wears, kinds, marks, phases, colours): one code
    per row in a C array (a byte while there are at most 256 of them) and each string once.

    A list would hold 8 bytes a row of pointers to the shared strings: 0.8 MB per column
    at 100,000 rows against 0.1 MB. Filters and sorts work on the codes
    (:meth:`codes_of`, :meth:`sort_keys`), in C like the other columns."""

    __slots__ = ("codes", "values")

    def __init__(self, strings: Sequence[str]) -> None:
        numbering = _Numbering()
        codes: bytearray | array[int]
        try:
            codes = bytearray(map(numbering.__getitem__, strings))
        except ValueError:  # a 257th distinct string: four bytes a row
            codes = array("I", map(numbering.__getitem__, strings))
        self.codes = codes
        self.values = list(numbering)

    @classmethod
    def over(cls, codes: bytearray, values: list[str]) -> CodedStrings:
        """A column over existing ``codes`` (the marks are the flags' names)."""
        column = cls.__new__(cls)
        column.codes, column.values = codes, values
        return column

    def __len__(self) -> int:
        return len(self.codes)

    @overload
    def __getitem__(self, row: int) -> str: ...

    @overload
    def __getitem__(self, row: slice) -> list[str]: ...

    def __getitem__(self, row: int | slice) -> str | list[str]:
        if isinstance(row, slice):
            return list(map(self.values.__getitem__, self.codes[row]))
        return self.values[self.codes[row]]

    def __iter__(self) -> Iterator[str]:
        return map(self.values.__getitem__, self.codes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CodedStrings | list | tuple):
            return len(self) == len(other) and all(map(str.__eq__, self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment] # mutable, like the list it replaces

    def codes_of(self, wanted: frozenset[str] | set[str]) -> frozenset[int]:
        """The codes of the strings in ``wanted``."""
        return frozenset(code for code, text in enumerate(self.values) if text in wanted)

    def sort_keys(self) -> bytearray | array[int]:
        """Per row, the rank of its string in sorted order: sorting rows by these keys
        orders them exactly as by the strings (ties keep row order)."""
        ranks = [0] * len(self.values)
        for rank, code in enumerate(sorted(range(len(self.values)), key=self.values.__getitem__)):
            ranks[code] = rank
        if isinstance(self.codes, bytearray):
            return bytearray(map(ranks.__getitem__, self.codes))
        return array("I", map(ranks.__getitem__, self.codes))


def sort_keys(keys: Sequence[Any]) -> Sequence[Any]:
    """What to sort a column's rows by: the column itself, or a coded column's ranks."""
    return keys.sort_keys() if isinstance(keys, CodedStrings) else keys
