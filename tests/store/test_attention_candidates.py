"""The attention queue reads only SQL-chosen candidates: never fewer than the rule flags.

``attention_repository.candidate_sql`` narrows the re-read to records the one rule in
``core.statuses.attention_reason`` might flag; these tests judge every record of a real
book with that rule and check that the candidates hold each flagged one, and that the
queue is exactly what judging every record would give.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skins_console.core.attention import DEADLINES, reason_for
from skins_console.core.models import OrderRequest
from skins_console.core.statuses import STATUS_TABLE
from skins_console.store.attention_repository import BOOKS, attention_items, candidate_sql
from skins_console.store.codec import ts
from skins_console.store.deposits_repository import DEPOSITS, insert_deposit_draft
from skins_console.store.lifecycle_repository import Book
from skins_console.store.orders_repository import insert_order_draft
from skins_console.store.profiles_repository import create_profile
from tests.fixtures.store import make_profile
from tests.store.test_deposits_repository import request as deposit_request

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TRADE = "https://steamcommunity.com/tradeoffer/new/?partner=12345&token=abcdefgh"
MS = timedelta(milliseconds=1)
#: every bound of the rule (stuck, no progress, trade window + grace, hold grace), a
#: millisecond either side, and times well clear of them
_BOUNDS = (
    timedelta(0),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=12),
    timedelta(minutes=30),
    timedelta(minutes=61),
)
OFFSETS: tuple[timedelta | None, ...] = (
    None,
    timedelta(days=-2),
    timedelta(minutes=7),
    *(-bound + delta for bound in _BOUNDS for delta in (-MS, timedelta(0), MS)),
)
UNKNOWN = "brand_new_status"
#: the columns a deadline may come from, per book (``core.attention.DEADLINES``)
DEADLINE_COLUMNS = {"order": ("sent_at",), "deposit": ("trade_offer_expiry_at", "hold_end_date")}


def _insert(conn, book: Book, n: int, status: str, updated, deadline_column, deadline) -> str:
    if book is DEPOSITS:
        request = deposit_request(n)
        key = request.merchant_tx_id
        insert_deposit_draft(conn, profile="main", request=request, now=NOW - timedelta(days=3))
    else:
        key = f"order-{n}"
        insert_order_draft(
            conn,
            profile="main",
            request=OrderRequest(
                catalog_item_id="cat-1",
                expected_price_cents=1840,
                external_id=key,
                webhook_url="http://127.0.0.1:9/wh",
                trade_url=TRADE,
            ),
            item_name="AK-47 | Redline (Field-Tested)",
            buyer_partner=12345,
            now=NOW - timedelta(days=3),
        )
    assignments = {"status": status, "updated_at": ts(NOW + updated)}
    if deadline_column is not None:
        assignments[deadline_column] = None if deadline is None else ts(NOW + deadline)
    columns = ", ".join(f"{column} = ?" for column in assignments)
    conn.execute(
        f"UPDATE {book.table} SET {columns} WHERE profile = ? AND {book.key} = ?",
        (*assignments.values(), "main", key),
    )
    return key


def _judge_every_record(conn, now: datetime):
    """(kind, key) of all records, of the candidates and of what the rule flags."""
    every, candidates, flagged = set(), set(), set()
    for book in BOOKS:
        where, params = candidate_sql(book, now)
        rows = conn.execute(f"{book.select} WHERE profile = ?", ("main",))
        for record in (book.row(r) for r in rows):
            key = (book.kind, getattr(record, book.key))
            every.add(key)
            if reason_for(record, now) is not None:
                flagged.add(key)
        sql = f"SELECT {book.key} FROM {book.table} WHERE profile = ? AND {where}"
        candidates |= {(book.kind, k) for (k,) in conn.execute(sql, ("main", *params))}
    return every, candidates, flagged


def _statuses(book: Book) -> list[str]:
    return [*STATUS_TABLE[book.provider], UNKNOWN]


def test_candidates_hold_every_flagged_record_at_each_bound(sync_book_target):
    """Every status (and one the table does not know) against every bound, both books."""

    def fill(conn):
        create_profile(conn, make_profile())
        n = 0
        for book in BOOKS:
            for status in _statuses(book):
                for updated in OFFSETS[1:]:
                    assert updated is not None
                    columns = (
                        DEADLINE_COLUMNS[book.kind] if (book.kind, status) in DEADLINES else ()
                    )
                    for column in (None, *columns):
                        for deadline in OFFSETS if column is not None else (None,):
                            n += 1
                            _insert(conn, book, n, status, updated, column, deadline)
        return n

    inserted = sync_book_target.call_sync(fill)
    every, candidates, flagged = sync_book_target.call_sync(lambda c: _judge_every_record(c, NOW))
    assert len(every) == inserted
    assert flagged <= candidates
    # Both sides of every bound are here, and the pre-filter does leave records out.
    assert 0 < len(flagged) < len(candidates) < len(every)
    queue = sync_book_target.call_sync(lambda conn: attention_items(conn, "main", NOW))
    assert {(item.kind, item.key) for item in queue} == flagged


_offset = st.one_of(
    st.sampled_from(OFFSETS),
    st.integers(min_value=-3 * 60 * 60_000, max_value=10 * 60_000).map(lambda ms: ms * MS),
)


@st.composite
def _records(draw):
    records = []
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        book = draw(st.sampled_from(BOOKS))
        status = draw(st.sampled_from(_statuses(book)))
        updated = draw(_offset.filter(lambda offset: offset is not None))
        column = draw(st.sampled_from((None, *DEADLINE_COLUMNS[book.kind])))
        deadline = draw(_offset) if column is not None else None
        records.append((book, status, updated, column, deadline))
    return records


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=_records(), now_ms=st.integers(min_value=-90 * 60_000, max_value=90 * 60_000))
def test_candidates_hold_every_flagged_record(sync_store_db, records, now_ms):
    """Random books judged at a random millisecond: the queue is what judging every
    record gives, and the candidates hold every record it flags."""
    now = NOW + now_ms * MS

    def fill(conn):
        for table in ("events", "orders", "deposits"):
            conn.execute(f"DELETE FROM {table}")
        if conn.execute("SELECT count(*) FROM profiles").fetchone() == (0,):
            create_profile(conn, make_profile())
        for n, (book, status, updated, column, deadline) in enumerate(records):
            _insert(conn, book, n, status, updated, column, deadline)

    sync_store_db.call_sync(fill)
    every, candidates, flagged = sync_store_db.call_sync(lambda c: _judge_every_record(c, now))
    assert len(every) == len(records)
    assert flagged <= candidates
    queue = sync_store_db.call_sync(lambda conn: attention_items(conn, "main", now))
    assert {(item.kind, item.key) for item in queue} == flagged
