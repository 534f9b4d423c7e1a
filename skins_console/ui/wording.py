"""Words the window shows, in one place: plurals now; merchant status words point here too.

``plural(1, "order")`` → "1 order"; ``plural(3, "order")`` → "3 orders"; an irregular
plural is given (``plural(2, "line", "lines")``). Counts get thousands separators.
"""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    word = one if count == 1 else (many or one + "s")
    return f"{count:,} {word}"
