"""The customers' trade URL book: who we deliver to (orders) and buy from (deposits).

One entry per Steam account (``partner``) per profile; saving a new trade URL for the same
account replaces its token (a buyer who regenerated their URL), keeping label and history.
This is also the buyer book: the label is the buyer's name or handle, ``note`` the
operator's note, and ``customer_trade_urls`` keeps every trade URL the account used, with
when it was last used and when it last worked.

Transaction functions::

    save_customer(conn, profile, trade_url: str, *, label=None, now=None) -> CustomerRecord
        parses and normalises the URL with core.trade_url (TradeUrlError on bad input)
    get_customer(conn, profile, partner) -> CustomerRecord | None
    list_customers(conn, profile, *, text=None, limit=500) -> list[CustomerRecord]
        most recently used first
    record_customer_use(conn, profile, partner, *, success: bool | None, error=None, now=None)
        success=None: used (an order was sent); True: delivered; False: failed with ``error``
    delete_customer(conn, profile, partner) -> bool
    set_customer_name(conn, profile, partner, *, name=None, note=None) -> CustomerRecord
        (None keeps what is stored; StoreError "unknown_customer" when not in the book)
    trade_url_history(conn, profile, partner) -> list[TradeUrlUse]   most recent first

``CustomersRepository(db)``: ``save``, ``get``, ``list``, ``record_use``, ``delete``,
``set_name``, ``trade_urls`` (async).
"""

from __future__ import annotations

from datetime import datetime

from skins_console.core.buyers import TradeUrlUse
from skins_console.core.errors import StoreError
from skins_console.core.models import utcnow
from skins_console.core.records import CustomerRecord
from skins_console.core.trade_url import STEAMID64_BASE, parse_trade_url
from skins_console.store.codec import Rows, from_ts, stored_time, text_match, ts, written
from skins_console.store.connection import StoreConnection
from skins_console.store.repository import Repository, reads, writes

CUSTOMERS = Rows(
    table="customers",
    record=CustomerRecord,
    decoders=dict.fromkeys(("created_at", "last_used_at", "last_success_at"), from_ts),
)
_STEAMID64_TEXT = f"CAST(partner + {STEAMID64_BASE} AS TEXT)"


def get_customer(conn: StoreConnection, profile: str, partner: int) -> CustomerRecord | None:
    return CUSTOMERS.one(conn, "WHERE profile = ? AND partner = ?", (profile, partner))


def save_customer(
    conn: StoreConnection,
    profile: str,
    trade_url: str,
    *,
    label: str | None = None,
    now: datetime | None = None,
) -> CustomerRecord:
    parsed = parse_trade_url(trade_url)
    now = now or utcnow()
    label_text = (label or "").strip()[:100]
    conn.execute(
        """INSERT INTO customers (profile, partner, token, trade_url, label, created_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (profile, partner) DO UPDATE SET
               token = excluded.token,
               trade_url = excluded.trade_url,
               label = CASE WHEN ? = 1 THEN excluded.label ELSE customers.label END""",
        (
            profile,
            parsed.partner,
            parsed.token,
            parsed.url,
            label_text,
            ts(now),
            int(label is not None),
        ),
    )
    conn.execute(
        """INSERT INTO customer_trade_urls (profile, partner, trade_url, first_used_at)
           VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""",
        (profile, parsed.partner, parsed.url, ts(now)),
    )
    return written(get_customer(conn, profile, parsed.partner), "buyer")


def list_customers(
    conn: StoreConnection, profile: str, *, text: str | None = None, limit: int = 500
) -> list[CustomerRecord]:
    where = "WHERE profile = ?"
    params: list = [profile]
    if text and text.strip():
        clause, values = text_match(
            ("label", "note", "trade_url", "CAST(partner AS TEXT)", _STEAMID64_TEXT), text
        )
        where += " AND " + clause
        params.extend(values)
    where += " ORDER BY coalesce(last_used_at, created_at) DESC, id DESC LIMIT ?"
    params.append(limit)
    return CUSTOMERS.all(conn, where, params)


def record_customer_use(
    conn: StoreConnection,
    profile: str,
    partner: int,
    *,
    success: bool | None,
    error: str | None = None,
    now: datetime | None = None,
    trade_url: str | None = None,
) -> None:
    """``trade_url``: the URL this use went to (default: the buyer's current one)."""
    stamp = ts(now or utcnow())
    url_column = {None: "last_used_at", True: "last_success_at"}.get(success)
    if url_column is not None:
        conn.execute(
            f"""UPDATE customer_trade_urls SET {url_column} = ?
                WHERE profile = ? AND partner = ? AND trade_url = coalesce(?, (
                    SELECT trade_url FROM customers WHERE profile = ? AND partner = ?))""",
            (stamp, profile, partner, trade_url, profile, partner),
        )
    if success is None:
        conn.execute(
            "UPDATE customers SET last_used_at = ? WHERE profile = ? AND partner = ?",
            (stamp, profile, partner),
        )
    elif success:
        conn.execute(
            """UPDATE customers SET last_success_at = ?, last_error = NULL
               WHERE profile = ? AND partner = ?""",
            (stamp, profile, partner),
        )
    else:
        conn.execute(
            "UPDATE customers SET last_error = ? WHERE profile = ? AND partner = ?",
            ((error or "failed")[:500], profile, partner),
        )


def delete_customer(conn: StoreConnection, profile: str, partner: int) -> bool:
    return (
        conn.execute(
            "DELETE FROM customers WHERE profile = ? AND partner = ?", (profile, partner)
        ).rowcount
        == 1
    )


def set_customer_name(
    conn: StoreConnection,
    profile: str,
    partner: int,
    *,
    name: str | None = None,
    note: str | None = None,
) -> CustomerRecord:
    """The buyer's name or handle and note (already cleaned by ``core.buyers``)."""
    if get_customer(conn, profile, partner) is None:
        raise StoreError(
            f"Account {partner} is not in the buyer book of profile “{profile}”.",
            code="unknown_customer",
        )
    conn.execute(
        """UPDATE customers SET label = coalesce(?, label), note = coalesce(?, note)
           WHERE profile = ? AND partner = ?""",
        (name, note, profile, partner),
    )
    record = get_customer(conn, profile, partner)
    assert record is not None
    return record


def trade_url_history(conn: StoreConnection, profile: str, partner: int) -> list[TradeUrlUse]:
    rows = conn.execute(
        """SELECT trade_url, first_used_at, last_used_at, last_success_at
           FROM customer_trade_urls WHERE profile = ? AND partner = ?
           ORDER BY coalesce(last_used_at, first_used_at) DESC, first_used_at DESC""",
        (profile, partner),
    )
    return [
        TradeUrlUse(
            trade_url=url,
            first_used_at=stored_time(first),
            last_used_at=from_ts(used),
            last_success_at=from_ts(success),
        )
        for url, first, used, success in rows
    ]


class CustomersRepository(Repository):
    save = writes(save_customer)
    get = reads(get_customer)
    list = reads(list_customers)
    record_use = writes(record_customer_use)
    delete = writes(delete_customer)
    set_name = writes(set_customer_name)
    trade_urls = reads(trade_url_history)
