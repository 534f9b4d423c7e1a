"""The name book service: lazy loading, suggestions for unknown names, nothing priced."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from skins_console.core.errors import NothingPricedError
from skins_console.core.records import QuoteRecord
from skins_console.services.name_book import NameBook


def _quote(requested: tuple[str, ...], priced: tuple[str, ...], game: str = "csgo"):
    return QuoteRecord(
        profile="main",
        game=game,
        items=tuple({"name": n, "price": Decimal("1.5"), "original_price": None} for n in priced),
        sum=Decimal("1.5") * len(priced),
        fetched_at=datetime(2026, 11, 30, tzinfo=UTC),
        requested=requested,
    )


async def test_the_list_loads_on_first_use_only():
    book = NameBook()
    assert not book.loaded
    index = await book.index()
    assert book.loaded and await book.index() is index
    assert "Ground Rebel  | Elite Crew" in index


async def test_suggestions_skip_real_names_and_respect_the_cap():
    book = NameBook.shared()
    typed = ["AK-47 | Redline (Field-Tested)", "awp asiimov ft", "deagle blaze fn", "x y z"]
    found = await book.suggest_many(typed)
    assert set(found) == {"awp asiimov ft", "deagle blaze fn", "x y z"}
    assert found["awp asiimov ft"][0].name == "AWP | Asiimov (Field-Tested)"
    assert found["x y z"] == ()
    capped = await book.suggest_many(typed, max_unknown=1)
    assert list(capped) == ["awp asiimov ft"]
    assert await book.suggest_many(typed, game="rust") == {}


async def test_check_priced_names_the_suggestions_when_nothing_was_priced():
    book = NameBook.shared()
    partly = _quote(
        ("AK-47 | Redline (Field-Tested)", "awp asiimov ft"), ("AK-47 | Redline (Field-Tested)",)
    )
    found = await book.check_priced(partly)
    assert found["awp asiimov ft"][0].name == "AWP | Asiimov (Field-Tested)"

    many = tuple(f"Sticker | Nobody {i}" for i in range(10))
    with pytest.raises(NothingPricedError) as info:
        await book.check_priced(_quote(("awp asiimov ft", *many), ()))
    error = info.value
    assert error.code == "nothing_priced" and error.field == "names"
    assert error.suggestions["awp asiimov ft"][0] == "AWP | Asiimov (Field-Tested)"
    assert "priced none of the 11 name(s)" in error.message
    assert "“awp asiimov ft” → did you mean “AWP | Asiimov (Field-Tested)”" in error.message
    assert "and 3 more" in error.message

    with pytest.raises(NothingPricedError, match="no close real name"):
        await book.check_priced(_quote(("Big Grin",), (), game="rust"))
