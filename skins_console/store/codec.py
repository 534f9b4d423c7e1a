"""Column encodings shared by the repositories.

* times: ISO-8601 UTC text with milliseconds (``core.models.format_time``), which sorts in
  time order as text;
* JSON: :func:`dumps_exact` writes ``Decimal`` as a JSON number with its exact digits, and
  :func:`loads_json` reads with ``loads_exact`` so it comes back as the same ``Decimal``;
* Skinslink USD: ``Decimal`` as TEXT.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar, overload

from skins_console.core.errors import DatabaseCorruptError, StoreError
from skins_console.core.models import format_time, parse_time
from skins_console.core.money import loads_exact
from skins_console.store.connection import StoreConnection, StoreResult


@overload
def ts(value: datetime) -> str: ...
@overload
def ts(value: None) -> None: ...
@overload
def ts(value: datetime | None) -> str | None: ...
def ts(value: datetime | None) -> str | None:
    return None if value is None else format_time(value)


def from_ts(value: str | None) -> datetime | None:
    return None if value is None else parse_time(value)


def stored_time(value: str) -> datetime:
    """A NOT NULL time column; text that is not a time means the file was damaged."""
    parsed = parse_time(value)
    if parsed is None:
        raise DatabaseCorruptError(f"A stored time ({value!r}) is not a time.")
    return parsed


_Record = TypeVar("_Record")


def written(record: _Record | None, what: str) -> _Record:
    """``record`` read back right after it was written in the same transaction; ``None``
    there means the row vanished, which only a broken database file can do."""
    if record is None:
        raise StoreError(f"The {what} just saved could not be read back.", code="write_lost")
    return record


def inserted_id(result: StoreResult) -> int:
    """The id an ``INSERT … RETURNING id`` just gave its row."""
    row = result.fetchone()
    if row is None or row[0] is None:
        raise StoreError("The database did not report the new row's id.", code="write_lost")
    return int(row[0])


def dumps_exact(value: Any) -> str:
    """Compact JSON where ``Decimal`` keeps every digit (no float on the way)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written as JSON")
        return str(value)
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                json.dumps(str(key)) + ":" + dumps_exact(item) for key, item in value.items()
            )
            + "}"
        )
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps_exact(item) for item in value) + "]"
    if isinstance(value, float):
        raise TypeError("floats are not stored: use int cents or Decimal")
    if isinstance(value, datetime):
        return json.dumps(format_time(value))
    return json.dumps(value, ensure_ascii=False)


def json_or_none(value: Any) -> str | None:
    return None if value is None else dumps_exact(value)


def loads_json(text: str | None) -> Any:
    return None if text is None else loads_exact(text)


def loads_json_tuple(text: str) -> tuple[Any, ...]:
    """A stored JSON array as a tuple (a record's immutable list)."""
    return tuple(loads_exact(text))


def dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- SQL fragments shared by the repositories ------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Rows(Generic[_Record]):
    """How one table's rows read back as records: ``select`` reads the record's fields (its
    field names are the columns), and ``row`` decodes each stored value with its column's
    decoder (times, JSON, ``Decimal`` text; a NULL stays ``None``)."""

    table: str
    record: type[_Record]
    #: column → decoder of the stored value
    decoders: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    columns: tuple[str, ...] = field(init=False)
    select: str = field(init=False)

    def __post_init__(self) -> None:
        columns = tuple(f.name for f in fields(self.record))  # type: ignore[arg-type]
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "select", f"SELECT {', '.join(columns)} FROM {self.table}")

    def row(self, row: Iterable[Any]) -> _Record:
        decoders = self.decoders
        data: dict[str, Any] = {}
        for column, value in zip(self.columns, row):
            decode = decoders.get(column)
            data[column] = value if decode is None or value is None else decode(value)
        return self.record(**data)

    def one(self, conn: StoreConnection, where: str, params: Iterable[Any]) -> _Record | None:
        """The first record of ``select`` + ``where`` (conditions, order, limit), if any."""
        found = conn.execute(f"{self.select} {where}", tuple(params)).fetchone()
        return None if found is None else self.row(found)

    def all(self, conn: StoreConnection, where: str, params: Iterable[Any]) -> list[_Record]:
        return [self.row(found) for found in conn.execute(f"{self.select} {where}", tuple(params))]


def placeholders(values) -> str:
    return ", ".join("?" for _ in values)


#: keys per ``IN (...)`` query: well under SQLite's bound-parameter limit on every build
KEYS_PER_QUERY = 500


def due_rows(conn, select: str, closed, now: datetime, profile: str | None, limit: int) -> list:
    """Raw rows of ``select`` due for a check at ``now`` (status not in ``closed``), the
    longest-waiting first."""
    sql = (
        f"{select} WHERE next_check_at IS NOT NULL AND next_check_at <= ? "
        f"AND status NOT IN ({placeholders(closed)})"
    )
    params: list[Any] = [ts(now), *closed]
    if profile is not None:
        sql += " AND profile = ?"
        params.append(profile)
    return conn.execute(sql + " ORDER BY next_check_at LIMIT ?", (*params, limit)).fetchall()


def open_rows(conn, select: str, not_open, profile: str | None) -> list:
    """Raw rows of ``select`` whose status is not in ``not_open``, oldest first."""
    sql = f"{select} WHERE status NOT IN ({placeholders(not_open)})"
    params: list[Any] = list(not_open)
    if profile is not None:
        sql += " AND profile = ?"
        params.append(profile)
    return conn.execute(sql + " ORDER BY created_at", params).fetchall()


def earliest_check(conn, table: str, profile: str, closed) -> str | None:
    """The earliest ``next_check_at`` (stored text) of the profile's rows in ``table``
    whose status is not in ``closed``."""
    row = conn.execute(
        f"SELECT min(next_check_at) FROM {table} WHERE profile = ? "
        f"AND status NOT IN ({placeholders(closed)}) AND next_check_at IS NOT NULL",
        (profile, *closed),
    ).fetchone()
    return row[0] if row else None


def rows_by_keys(conn, select: str, key_column: str, profile: str, keys) -> list:
    """The raw rows of ``select`` whose ``key_column`` is one of ``keys`` (any order)."""
    keys = list(dict.fromkeys(keys))
    rows: list = []
    for start in range(0, len(keys), KEYS_PER_QUERY):
        chunk = keys[start : start + KEYS_PER_QUERY]
        rows += conn.execute(
            f"{select} WHERE profile = ? AND {key_column} IN ({placeholders(chunk)})",
            (profile, *chunk),
        ).fetchall()
    return rows


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards escaped (use as ``lower(column) LIKE lower(?)
    ESCAPE '\\'``: the same case-insensitive match on both backends)."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_match(columns, text: str) -> tuple[str, list[str]]:
    """One clause matching ``text`` anywhere in any of ``columns``."""
    # lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
    clause = (
        "(" + " OR ".join(f"lower({column}) LIKE lower(?) ESCAPE '\\'" for column in columns) + ")"
    )
    return clause, [like_pattern(text)] * len(columns)


def activity_where(flt, now: datetime, *, text_columns, attention) -> tuple[str, list[Any]]:
    """The WHERE clause of an ``ActivityFilter`` over the orders or the deposits table;
    ``attention(now)`` gives that table's "needs attention" clause."""
    clauses: list[str] = []
    params: list[Any] = []
    if flt.profile is not None:
        clauses.append("profile = ?")
        params.append(flt.profile)
    if flt.statuses:
        clauses.append(f"status IN ({placeholders(flt.statuses)})")
        params.extend(flt.statuses)
    if flt.text:
        clause, values = text_match(text_columns, flt.text)
        clauses.append(clause)
        params.extend(values)
    if flt.since is not None:
        clauses.append("created_at >= ?")
        params.append(ts(flt.since))
    if flt.until is not None:
        clauses.append("created_at < ?")
        params.append(ts(flt.until))
    if flt.needs_attention:
        sql, extra = attention(now)
        clauses.append(sql)
        params.extend(extra)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params
