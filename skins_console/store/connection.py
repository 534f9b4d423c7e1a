"""What a transaction function gets as ``conn``: one connection, either backend.

``Database`` runs every ``fn(conn, …)`` with a :class:`StoreConnection` wrapping the
SQLAlchemy ``Connection`` of that transaction. Repositories write the portable subset of
SQL that SQLite and PostgreSQL both understand, with ``?`` placeholders (or ``:name`` with a
mapping), and get plain tuples back, as they did from ``sqlite3``::

    conn.execute(sql, params=()) -> StoreResult      # fetchone(), fetchall(), rowcount, iter
    conn.execute(select(...)...) -> StoreResult      # a SQLAlchemy construct, where SQL differs
    conn.executemany(sql, rows) -> StoreResult       # one statement, many parameter rows
                                                     # (driver errors raised as execute's)
    conn.backend     # "sqlite" / "postgresql" (for messages; never branch SQL on it)
    conn.operator    # who is working: stamped into orders, deposits and events
    conn.sa          # the SQLAlchemy Connection (Alembic, SQLAlchemy constructs)

The placeholders are rewritten once per statement text (cached) into the driver's own style
and the text goes to the driver as it is (``exec_driver_sql``): SQLite keeps its native
``?``/``:name``; for psycopg they become ``%s``/``%(name)s`` and a literal ``%`` is doubled.
String literals and quoted names are left alone; ``::`` (a PostgreSQL cast) is not a name.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

Params = Sequence[Any] | Mapping[str, Any]


class StoreResult:
    """The rows of one statement as tuples (``sqlite3``'s shape), and its row count.

    Rows are read straight from the driver's cursor (both drivers give plain tuples), which
    keeps a 100,000-row read as fast as it was on bare ``sqlite3``; SQLAlchemy still owns the
    cursor, the transaction and the error handling.
    """

    __slots__ = ("_raw", "_result")

    def __init__(self, result: CursorResult[Any] | None, *, raw: Any = None) -> None:
        self._result = result
        self._raw = raw  # a driver cursor used directly (executemany)

    @property
    def rowcount(self) -> int:
        if self._raw is not None:
            return int(self._raw.rowcount)
        return -1 if self._result is None else int(self._result.rowcount)

    def _cursor(self) -> Any:
        if self._raw is not None:
            return self._raw if self._raw.description is not None else None
        result = self._result
        if result is None or not result.returns_rows or result.closed:
            return None
        return result.cursor

    def fetchone(self) -> Any:  # a tuple or None; Any as sqlite3's, for ``fetchone()[0]``
        cursor = self._cursor()
        return None if cursor is None else cursor.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        cursor = self._cursor()
        if cursor is None:
            return []
        rows = cursor.fetchall()
        self._close()
        return rows if isinstance(rows, list) else list(rows)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        cursor = self._cursor()
        if cursor is None:
            return iter(())
        return self._drain(cursor)

    def _drain(self, cursor: Any) -> Iterator[tuple[Any, ...]]:
        yield from cursor
        self._close()

    def _close(self) -> None:
        if self._result is not None:
            self._result.close()


class StoreConnection:
    """One transaction's connection; see the module docstring."""

    __slots__ = ("_style", "backend", "operator", "sa")

    def __init__(self, sa: Connection, *, operator: str) -> None:
        self.sa = sa
        self.backend: str = sa.dialect.name
        self.operator = operator
        self._style = "pyformat" if self.backend == "postgresql" else "native"

    def execute(self, sql: str | Executable, params: Params = ()) -> StoreResult:
        if not isinstance(sql, str):
            return StoreResult(self.sa.execute(sql, dict(params) if params else None))
        statement = _driver_sql(sql, self._style, bool(params))
        if not params:
            return StoreResult(self.sa.exec_driver_sql(statement))
        return StoreResult(self.sa.exec_driver_sql(statement, self._adapt(params)))

    def executemany(self, sql: str, rows: Iterable[Params]) -> StoreResult:
        """One statement over many parameter rows, streamed to the driver's own cursor: a
        100,000-row catalog is never copied into lists (SQLAlchemy's executemany would copy
        it twice). It runs in this transaction, and a driver error leaves as SQLAlchemy's
        own would from ``execute`` (see ``_as_sqlalchemy_error``), so ``Database`` maps it
        to the same typed errors."""
        statement = _driver_sql(sql, self._style, True)
        cursor = None
        try:
            cursor = self.sa.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.executemany(statement, (self._adapt(row) for row in rows))
        except self.sa.dialect.loaded_dbapi.Error as exc:
            raise self._as_sqlalchemy_error(exc, statement, cursor) from exc
        return StoreResult(None, raw=cursor)

    def _as_sqlalchemy_error(self, exc: Any, statement: str, cursor: Any) -> BaseException:
        """``exc`` (sqlite3/psycopg) wrapped as SQLAlchemy wraps a driver error of
        ``execute``: the matching ``sqlalchemy.exc`` class (``IntegrityError``,
        ``OperationalError``…), with ``connection_invalidated`` set and the connection
        invalidated (the pool replaces it) when the driver says the connection is gone.
        The parameter rows are left out of the error (they are neither kept nor copied)."""
        sa = self.sa
        dialect = sa.dialect
        gone = not sa.closed and not sa.invalidated
        gone = gone and dialect.is_disconnect(exc, sa.connection.dbapi_connection, cursor)
        if cursor is not None:
            try:
                cursor.close()
            except dialect.loaded_dbapi.Error:
                pass  # the connection under it is gone already
        wrapped = DBAPIError.instance(
            statement,
            None,
            exc,
            dialect.loaded_dbapi.Error,
            hide_parameters=True,
            connection_invalidated=gone,
            dialect=dialect,
            ismulti=True,
        )
        if gone:
            sa.invalidate(exc)
        return wrapped

    def _adapt(self, params: Params) -> Any:
        # PostgreSQL refuses a boolean compared with the INTEGER flag columns, so a bool goes
        # as 0/1 (what SQLite stores for one by itself: there the parameters pass as they are).
        if self._style == "native":
            return params if isinstance(params, (tuple, dict)) else tuple(params)
        if isinstance(params, Mapping):
            if bool in map(type, params.values()):
                return {k: int(v) if type(v) is bool else v for k, v in params.items()}
            return dict(params)
        values = tuple(params)
        if bool in map(type, values):
            return tuple(int(v) if type(v) is bool else v for v in values)
        return values


@functools.lru_cache(maxsize=2048)
def _driver_sql(sql: str, style: str, has_params: bool) -> str:
    """``sql`` with its placeholders in the driver's style (see the module docstring)."""
    if style == "native":
        return sql
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            end = sql.find(ch, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == ch:  # '' escapes a quote
                end = sql.find(ch, end + 2)
            end = n - 1 if end == -1 else end
            out.append(sql[i : end + 1].replace("%", "%%") if has_params else sql[i : end + 1])
            i = end + 1
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == ":" and i + 1 < n and sql[i + 1] == ":":
            out.append("::")
            i += 2
        elif ch == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            out.append(f"%({sql[i + 1 : j]})s")
            i = j
        elif ch == "%" and has_params:
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)
