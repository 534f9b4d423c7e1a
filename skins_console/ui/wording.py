"""Words the window shows, in one place: plurals, and the merchant's word for a status.

``plural(1, "order")`` → "1 order"; ``plural(3, "order")`` → "3 orders"; an irregular
plural is given (``plural(2, "line", "lines")``). Counts get thousands separators.

``status_word(provider, status)`` is the one word for a state, read from the status table
(``core/statuses.py``): the Orders table's chip, the details pane, banners and
notifications all say it, so a delivered order is "delivered" everywhere, never
"completed" in one place and "delivered" in another. The provider's own spelling is shown
only as a detail (a tooltip, the technical timeline).
"""

from __future__ import annotations

from skins_console.core.statuses import Provider, word


def plural(count: int, one: str, many: str | None = None) -> str:
    word = one if count == 1 else (many or one + "s")
    return f"{count:,} {word}"


def status_word(provider: Provider | str, status: str) -> str:
    return word(provider, status)


def provider_spelling(provider: Provider | str, status: str) -> str:
    """ "SkinsNode says: completed": the provider's own word, for a tooltip."""
    return f"{Provider(provider).label} says: {status}"
