"""Moving one operator's local history (an SQLite book) into a team book, without duplicates.

``database import-local`` copies one profile of a local book (the profile row, customers and
their trade URLs, quotes, orders, deposits, the timeline, wallet history and attention
marks) into the team profile of a team book, in batches of ``batch_size`` rows, one target
transaction a batch. Caches (catalog) and webhook delivery ids are not history and stay.

Idempotent and resumable: every row is recognised in the target before it is written, so a
second run copies nothing, and a run interrupted anywhere (a batch is all or nothing)
continues where the last committed batch ended when it is run again:

* rows with a natural key (profile, orders, deposits, customers, trade URLs, attention
  marks) are inserted with ``ON CONFLICT DO NOTHING``;
* rows with only a surrogate id (events, quotes, wallet snapshots) are matched by their
  content, counting repeats: the n-th identical source row is "already there" when the
  target holds at least n of them;
* deposits point at their quote through the target's own quote id.

An order or deposit whose key the team book already holds *with another request* is a
conflict (another operator's record under the same key): it is left as it is, reported,
and its timeline and attention mark are not merged into the other record's.

Rows written get the profile's team name; their ``operator``/``sent_by`` (empty in a local
book) become the importing operator (``conn.operator``): a local book has one operator.

Public API::

    ImportCounts(copied, already_there)
    ImportResult(source_profile, profile, tables: dict[str, ImportCounts], conflicts)
    await import_local(source: Database, target: Database, *, source_profile, profile,
                       batch_size=500, on_batch=None) -> ImportResult
    source_profiles(conn) -> list[str]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select, tuple_

from skins_console.core.errors import ProfileError
from skins_console.store import schema
from skins_console.store.connection import StoreConnection
from skins_console.store.database import Database

BATCH_SIZE = 500

#: Copy order: what a row refers to is copied before it.
TABLE_ORDER = (
    "profiles",
    "customers",
    "customer_trade_urls",
    "quotes",
    "orders",
    "deposits",
    "events",
    "wallet_snapshots",
    "attention_handled",
)
#: Surrogate-id tables: the columns that say two rows are the same record.
_CONTENT = {
    "quotes": ("game", "trade_id", "requested", "items", "sum", "fetched_at"),
    "events": ("kind", "key", "at", "type", "old_status", "new_status", "message"),
    "wallet_snapshots": ("at", "available_cents", "currency"),
}
#: Keyed records: key column and the column that tells two records under one key apart.
_RECORDS = {"orders": "external_id", "deposits": "merchant_tx_id"}
_NOT_COPIED = frozenset({"id", "lease_owner", "lease_until"})
#: rows about one order or deposit (kind, key): not copied onto a conflicting record
_PER_RECORD = frozenset({"events", "attention_handled"})


@dataclass(slots=True)
class ImportCounts:
    copied: int = 0
    already_there: int = 0


@dataclass(slots=True)
class ImportResult:
    source_profile: str
    profile: str
    tables: dict[str, ImportCounts] = field(default_factory=dict)
    #: ("order" | "deposit", key): the team book has another record under that key
    conflicts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def copied(self) -> int:
        return sum(c.copied for c in self.tables.values())

    @property
    def already_there(self) -> int:
        return sum(c.already_there for c in self.tables.values())


def source_profiles(conn: StoreConnection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT name FROM profiles ORDER BY name")]


async def import_local(
    source: Database,
    target: Database,
    *,
    source_profile: str,
    profile: str,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[str, ImportCounts], object] | None = None,
) -> ImportResult:
    """Copy ``source_profile`` of ``source`` into ``profile`` of ``target`` (see above)."""
    if source_profile not in await source.read(source_profiles):
        raise ProfileError(
            f"The local book has no profile named “{source_profile}”.", code="profile_missing"
        )
    result = ImportResult(source_profile, profile)
    run = _Run(source_profile, profile, result)
    for name in TABLE_ORDER:
        table = schema.metadata.tables[name]
        counts = result.tables.setdefault(name, ImportCounts())
        after: tuple[Any, ...] | None = None
        while True:
            rows = await source.read(_read_batch, table, source_profile, after, batch_size)
            if not rows:
                break
            await target.call(run.write_batch, table, rows, counts)
            after = tuple(rows[-1][c] for c in _order_columns(table))
            if on_batch is not None:
                on_batch(name, counts)
            if len(rows) < batch_size:
                break
    return result


def _order_columns(table: Table) -> tuple[str, ...]:
    if "id" in table.c:
        return ("id",)
    return tuple(c.name for c in table.primary_key.columns) or tuple(c.name for c in table.columns)


def _read_batch(
    conn: StoreConnection,
    table: Table,
    profile: str,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[dict[str, Any]]:
    where = table.c.name if table.name == "profiles" else table.c.profile
    order = [table.c[name] for name in _order_columns(table)]
    query = select(*table.columns).where(where == profile)
    if after is not None:
        query = query.where(tuple_(*order) > tuple_(*after))
    names = [c.name for c in table.columns]
    rows = conn.execute(query.order_by(*order).limit(limit)).fetchall()
    return [dict(zip(names, row)) for row in rows]


class _Run:
    """One import's state across batches: the quote id map, repeats seen, conflicts."""

    def __init__(self, source_profile: str, profile: str, result: ImportResult) -> None:
        self.source_profile = source_profile
        self.profile = profile
        self.result = result
        self.quote_ids: dict[int, int] = {}
        self.seen: Counter[tuple[Any, ...]] = Counter()
        self.conflicts: set[tuple[str, str]] = set()

    def write_batch(
        self,
        conn: StoreConnection,
        table: Table,
        rows: Sequence[dict[str, Any]],
        counts: ImportCounts,
    ) -> None:
        """One batch in one target transaction. A failure rolls the batch back and ends the
        run (its in-memory state goes with it); the next run starts from what committed."""
        copied = already = 0
        for source_row in rows:
            row = self._prepared(conn, table, source_row)
            if table.name in _PER_RECORD and (row["kind"], row["key"]) in self.conflicts:
                continue  # another operator's record under this key: not its timeline
            if table.name in _CONTENT:
                new_id, written = self._insert_new_content(conn, table, row)
                if table.name == "quotes":
                    self.quote_ids[int(source_row["id"])] = new_id
            else:
                written = _insert_keyed(conn, table, row)
                if not written and table.name in _RECORDS and _is_conflict(conn, table, row):
                    self.conflicts.add((table.name[:-1], row[_RECORDS[table.name]]))
            if written:
                copied += 1
            else:
                already += 1
        counts.copied += copied
        counts.already_there += already
        self.result.conflicts = sorted(self.conflicts)

    def _prepared(
        self, conn: StoreConnection, table: Table, source_row: dict[str, Any]
    ) -> dict[str, Any]:
        row = {k: v for k, v in source_row.items() if k not in _NOT_COPIED}
        if table.name == "profiles":
            row["name"] = self.profile
            row["active"] = 0  # the team book's flag is never one computer's choice
            return row
        row["profile"] = self.profile
        if "operator" in table.c and not row.get("operator"):
            row["operator"] = conn.operator
        if "sent_by" in table.c and not row.get("sent_by") and row.get("status") != "draft":
            row["sent_by"] = conn.operator
        if table.name == "deposits" and row.get("quote_id") is not None:
            row["quote_id"] = self.quote_ids.get(int(row["quote_id"]))
        return row

    def _insert_new_content(
        self, conn: StoreConnection, table: Table, row: dict[str, Any]
    ) -> tuple[int, bool]:
        """(the target's id, whether it was written) for a surrogate-id row."""
        columns = _CONTENT[table.name]
        identity = (table.name, *(row.get(c) for c in columns))
        self.seen[identity] += 1
        nth = self.seen[identity]
        match = " AND ".join(
            f"{c} IS NULL" if row.get(c) is None else f"{c} = :{c}" for c in columns
        )
        params = {c: row[c] for c in columns if row.get(c) is not None}
        existing = [
            r[0]
            for r in conn.execute(
                f"SELECT id FROM {table.name} WHERE profile = :profile AND {match} ORDER BY id",
                {"profile": self.profile, **params},
            )
        ]
        if len(existing) >= nth:
            return int(existing[nth - 1]), False
        names = list(row)
        inserted = conn.execute(
            f"INSERT INTO {table.name} ({', '.join(names)}) "
            f"VALUES ({', '.join(':' + n for n in names)}) RETURNING id",
            row,
        ).fetchone()
        assert inserted is not None
        return int(inserted[0]), True


def _insert_keyed(conn: StoreConnection, table: Table, row: dict[str, Any]) -> bool:
    names = list(row)
    written = conn.execute(
        f"INSERT INTO {table.name} ({', '.join(names)}) "
        f"VALUES ({', '.join(':' + n for n in names)}) ON CONFLICT DO NOTHING",
        row,
    )
    return written.rowcount == 1


def _is_conflict(conn: StoreConnection, table: Table, row: dict[str, Any]) -> bool:
    key = _RECORDS[table.name]
    found = conn.execute(
        f"SELECT request_body FROM {table.name} WHERE profile = :profile AND {key} = :key",
        {"profile": row["profile"], "key": row[key]},
    ).fetchone()
    return found is not None and found[0] != row["request_body"]
