"""The one renderer: commands return a :class:`Report`; this prints it.

A report holds the command's JSON document (``data``), how to show it as text (``text``:
tables, aligned fields, lines), its exit code and remarks for stderr. With ``--json`` the
renderer prints ``{"ok": …, **data}`` and nothing else on stdout; otherwise it prints the
text blocks with rich (tables on a terminal, plain text in a pipe). Remarks and errors
always go to stderr, so they never mix with the JSON document. Handlers never look at
``--json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skins_console.cli.exit_codes import EXIT_OK, EXIT_PROVIDER

if TYPE_CHECKING:
    from rich.console import Console


@dataclass(frozen=True, slots=True)
class Table:
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Fields:
    """Label/value pairs, labels aligned."""

    pairs: Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Line:
    text: str


Block = Table | Fields | Line


@dataclass(slots=True)
class Report:
    """What a command returns. ``ok`` in the JSON document is ``exit_code == 0``."""

    data: dict[str, Any]
    text: list[Block] = field(default_factory=list)
    exit_code: int = EXIT_OK
    #: one-line remarks for stderr ("warning: …", "error: …", "pending: …"), in both modes
    notes: list[str] = field(default_factory=list)

    @property
    def document(self) -> dict[str, Any]:
        return {"ok": self.exit_code == EXIT_OK, **self.data}


def one_line(text: str) -> str:
    return " ".join(text.split())


def outcome_notes(exit_code: int, message: str) -> list[str]:
    """The stderr line of an order's or deposit's send that did not end well: refused or
    failed (``error:``), or not known yet (``pending:``)."""
    if exit_code == EXIT_OK:
        return []
    return [("error: " if exit_code == EXIT_PROVIDER else "pending: ") + one_line(message)]


def json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        from skins_console.core.models import format_time

        return format_time(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


class Renderer:
    """stdout for results, stderr for remarks and errors."""

    def __init__(self, as_json: bool) -> None:
        from rich.console import Console

        self.as_json = as_json
        self.out = Console(highlight=False, soft_wrap=True)
        if not self.out.is_terminal:
            # In a pipe rich assumes 80 columns; ids and names would be folded mid-word.
            self.out = Console(highlight=False, soft_wrap=True, width=200)
        self.err = Console(stderr=True, highlight=False)
        if not self.err.is_terminal:
            self.err = Console(stderr=True, highlight=False, soft_wrap=True, width=200)

    # --- a command's result ----------------------------------------------------------

    def render(self, report: Report) -> int:
        if self.as_json:
            self._json(report.document)
        else:
            for block in report.text:
                self._block(block)
        for note in report.notes:
            self.note(note)
        return report.exit_code

    def fail(self, exit_code: int, code: str, message: str) -> int:
        """A failure: one ``error:`` line on stderr, and the JSON error document."""
        text = one_line(message)
        self.note(f"error: {text}")
        if self.as_json:
            self._json(
                {"ok": False, "error": {"code": code, "message": text, "exit_code": exit_code}}
            )
        return exit_code

    # --- while a command runs --------------------------------------------------------

    def note(self, text: str) -> None:
        """A remark on stderr (never mixed into the JSON on stdout)."""
        self.err.print(text, markup=False)

    def stream(self, text: str) -> None:
        """A line of a long-running command's progress (text mode only: the JSON document
        comes once, at the end)."""
        if not self.as_json:
            self.out.print(text, markup=False)

    @contextmanager
    def progress(self, text: str) -> Iterator[_Progress]:
        """A spinner on an interactive stderr (never in a pipe or under ``--json``)."""
        if self.as_json or not self.err.is_terminal:
            yield _Progress(None)
            return
        with self.err.status(text) as status:
            yield _Progress(status)

    # --- printing --------------------------------------------------------------------

    def _json(self, document: dict[str, Any]) -> None:
        sys.stdout.write(
            json.dumps(document, default=json_default, ensure_ascii=False, indent=2) + "\n"
        )
        sys.stdout.flush()

    def _block(self, block: Block) -> None:
        if isinstance(block, Line):
            self.out.print(block.text, markup=False)
        elif isinstance(block, Fields):
            width = max((len(k) for k, _ in block.pairs), default=0)
            for key, value in block.pairs:
                self.out.print(f"{key.ljust(width)}  {value}", markup=False)
        else:
            self._table(block, self.out)

    @staticmethod
    def _table(block: Table, console: Console) -> None:
        from rich.table import Table as RichTable
        from rich.text import Text

        table = RichTable(title=block.title, show_lines=False, header_style="bold")
        for column in block.columns:
            table.add_column(column, overflow="fold")
        for row in block.rows:
            # Text, not markup: a market hash name with brackets is shown as it is.
            table.add_row(*(Text(cell) for cell in row))
        console.print(table)


class _Progress:
    """A spinner's text, or nothing when there is no spinner."""

    def __init__(self, status: Any) -> None:
        self._status = status

    def update(self, text: str) -> None:
        if self._status is not None:
            self._status.update(text)
