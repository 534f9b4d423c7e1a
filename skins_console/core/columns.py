"""Table columns declared once: what a column is called, how a row shows it, how it sorts,
and what it writes to a CSV file or a CLI table.

A table (the Orders, Quote, Wallet and Catalog tables) is a tuple of :class:`Column`; the
Qt model asks it for headers, cell text, sort keys and alignment, the CSV export for the
exact values and the CLI for the same text the window shows. Adding a column is one entry
in one tuple. Plain data, no Qt: the alignment is a word the UI maps to its flags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

Row = TypeVar("Row")

Align = Literal["left", "right", "center"]


@dataclass(frozen=True)  # no slots: ``Column[Row](...)`` sets __orig_class__
class Column(Generic[Row]):
    """One column of a table of ``Row`` values."""

    #: stable identifier: the CSV header and the JSON key
    key: str
    #: what the table header shows
    header: str
    #: the cell text a person reads (window and CLI)
    text: Callable[[Row], str]
    #: the sort key; defaults to the text
    sort: Callable[[Row], Any] | None = None
    #: the exact value written to CSV/JSON (money as decimal text, times ISO-8601);
    #: defaults to the text
    value: Callable[[Row], Any] | None = None
    align: Align = "left"
    #: a short explanation for the header's tooltip
    tooltip: str = ""
    #: shown in the window / written to the CSV / printed by the CLI
    in_table: bool = True
    in_csv: bool = True
    in_cli: bool = True

    def cell(self, row: Row) -> str:
        return self.text(row)

    def sort_key(self, row: Row) -> Any:
        return (self.sort or self.text)(row)

    def exact(self, row: Row) -> Any:
        return (self.value or self.text)(row)


def table_columns(columns: Iterable[Column[Row]]) -> tuple[Column[Row], ...]:
    return tuple(column for column in columns if column.in_table)


def csv_columns(columns: Iterable[Column[Row]]) -> tuple[Column[Row], ...]:
    return tuple(column for column in columns if column.in_csv)


def cli_columns(columns: Iterable[Column[Row]]) -> tuple[Column[Row], ...]:
    return tuple(column for column in columns if column.in_cli)


def headers(columns: Sequence[Column[Row]]) -> tuple[str, ...]:
    return tuple(column.header for column in columns)


def keys(columns: Sequence[Column[Row]]) -> tuple[str, ...]:
    return tuple(column.key for column in columns)


def texts(columns: Sequence[Column[Row]], row: Row) -> tuple[str, ...]:
    return tuple(column.text(row) for column in columns)


def values(columns: Sequence[Column[Row]], row: Row) -> dict[str, Any]:
    """``{key: exact value}`` of one row (a CSV line or a JSON object)."""
    return {column.key: column.exact(row) for column in columns}
