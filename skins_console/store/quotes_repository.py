"""Skinslink get-prices quotes; a locked quote (``trade_id``) is used by at most one deposit.

Transaction functions::

    save_quote(conn, profile, quote: Quote) -> QuoteRecord
    get_quote(conn, quote_id) -> QuoteRecord | None
    latest_quote_for_trade(conn, profile, trade_id) -> QuoteRecord | None
    mark_quote_used(conn, quote_id, merchant_tx_id) -> None
        StoreError(code="quote_used") if another deposit already used this lock

``QuotesRepository(db)``: ``save``, ``get``, ``latest_for_trade``, ``mark_used`` (async).
Prices are ``Decimal`` (TEXT in SQLite), never floats.
"""

from __future__ import annotations

from decimal import Decimal

from skins_console.core.errors import StoreError
from skins_console.core.models import Quote
from skins_console.core.records import QuoteRecord
from skins_console.store.codec import (
    Rows,
    dumps_exact,
    from_ts,
    inserted_id,
    loads_json_tuple,
    stored_time,
    ts,
    written,
)
from skins_console.store.connection import StoreConnection
from skins_console.store.repository import Repository, reads, writes

QUOTES = Rows(
    table="quotes",
    record=QuoteRecord,
    decoders={
        "requested": loads_json_tuple,
        "items": loads_json_tuple,
        "sum": Decimal,
        "fetched_at": stored_time,
        "lock_expires_at": from_ts,
    },
)


def save_quote(conn: StoreConnection, profile: str, quote: Quote) -> QuoteRecord:
    items = [
        {"name": item.name, "price": item.price, "original_price": item.original_price}
        for item in quote.items
    ]
    result = conn.execute(
        """INSERT INTO quotes (profile, trade_id, game, requested, items, sum, fetched_at,
                               lock_expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        (
            profile,
            quote.trade_id,
            quote.game,
            dumps_exact(list(quote.requested)),
            dumps_exact(items),
            str(quote.sum),
            ts(quote.fetched_at),
            ts(quote.lock_expires_at),
        ),
    )
    return written(get_quote(conn, inserted_id(result)), "quote")


def get_quote(conn: StoreConnection, quote_id: int) -> QuoteRecord | None:
    return QUOTES.one(conn, "WHERE id = ?", (quote_id,))


def latest_quote_for_trade(
    conn: StoreConnection, profile: str, trade_id: int
) -> QuoteRecord | None:
    return QUOTES.one(
        conn, "WHERE profile = ? AND trade_id = ? ORDER BY id DESC LIMIT 1", (profile, trade_id)
    )


def mark_quote_used(conn: StoreConnection, quote_id: int, merchant_tx_id: str) -> None:
    quote = get_quote(conn, quote_id)
    if quote is None:
        raise StoreError(f"There is no quote {quote_id}.", code="unknown_quote")
    if quote.used_by not in (None, merchant_tx_id):
        raise StoreError(
            f"This price lock was already used by deposit {quote.used_by}; get a new quote.",
            code="quote_used",
        )
    conn.execute("UPDATE quotes SET used_by = ? WHERE id = ?", (merchant_tx_id, quote_id))


class QuotesRepository(Repository):
    save = writes(save_quote)
    get = reads(get_quote)
    latest_for_trade = reads(latest_quote_for_trade)
    mark_used = writes(mark_quote_used)
