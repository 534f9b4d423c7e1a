"""The Quote tab's "did you mean" list: exact real names for the lines typed near them.

Nothing typed is ever changed behind the operator's back (a real name may look odd, and
Skinslink matches exact strings). Before a quote, only lines that are a real name spelled
differently (case, spacing, ★, ™, ``FN``, a Doppler phase…) get a suggestion; after a quote,
lines Skinslink did not price also get the closest real names. Double-clicking an entry, or
"Use suggested names", writes the exact name into that line (one undo step each).

Lookups (at most MAX_LOOKUPS unknown lines per check) run through
:class:`~skins_console.services.name_book.NameBook`, which loads the
shipped list in a worker thread the first time; each lookup takes a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.market_names import NameLine
from skins_console.core.name_suggestions import SAME, Suggestion
from skins_console.services.name_book import NameBook
from skins_console.ui.task_runner import TaskRunner

_ROLE = Qt.ItemDataRole.UserRole
#: unknown lines looked up per check (~5 ms each): a pasted list of 2,000 odd lines must not
#: keep a worker thread busy for seconds after every keystroke
MAX_LOOKUPS = 300


class NameSuggestions(QWidget):
    """Suggestions for the names in ``editor``; ``applied`` fires after a line changed."""

    applied = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        editor: QPlainTextEdit,
        *,
        book: NameBook | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._editor = editor
        self._book = book or NameBook.shared()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.title = QLabel("Did you mean… (double-click to use the exact name)")
        head.addWidget(self.title, 1)
        self.use_all = QPushButton("Use suggested names")
        self.use_all.setToolTip("Write the exact real name into every line that has one")
        head.addWidget(self.use_all)
        layout.addLayout(head)
        self.list = QListWidget()
        self.list.setToolTip(
            "Real market hash names close to what was typed. Skinslink prices exact names "
            "only; nothing is changed until you choose a suggestion."
        )
        layout.addWidget(self.list)
        self.list.itemActivated.connect(self._use_item)
        self.list.itemDoubleClicked.connect(self._use_item)
        self.use_all.clicked.connect(self.use_all_suggestions)
        self.hide()

    def check(self, lines: Iterable[NameLine], game: str, *, unpriced: Iterable[str] = ()) -> None:
        """Look up ``lines`` (off the GUI thread) and show what they most likely mean."""
        named = [(line.line_no, line.name) for line in lines if line.name]
        close_wanted = frozenset(unpriced)
        self._runner.spawn(
            self._book.suggest_many(
                [name for _n, name in named], game=game, max_unknown=MAX_LOOKUPS
            ),
            owner=self,
            key="quote.suggest",
            on_success=lambda found: self._show(named, found, close_wanted),
            on_error=lambda _exc: self.hide(),  # suggestions are a help, never a blocker
            description="looking up market names",
        )

    def entries(self) -> list[tuple[int, str, str]]:
        """(line number, typed, suggested) for every entry shown."""
        result = []
        for row in range(self.list.count()):
            line_no, typed, suggestion = self.list.item(row).data(_ROLE)
            result.append((line_no, typed, suggestion.name))
        return result

    def _show(
        self,
        named: list[tuple[int, str]],
        found: dict[str, tuple[Suggestion, ...]],
        close_wanted: frozenset[str],
    ) -> None:
        self.list.clear()
        for line_no, typed in named:
            for suggestion in found.get(typed, ()):
                if suggestion.kind != SAME and typed not in close_wanted:
                    continue
                text = f"Line {line_no}: {suggestion.name}"
                if suggestion.kind == SAME:
                    text += f"  ({suggestion.note})"
                item = QListWidgetItem(text)
                item.setToolTip(f"Typed: {typed}\nReal name: {suggestion.name}")
                item.setData(_ROLE, (line_no, typed, suggestion))
                self.list.addItem(item)
        self.use_all.setEnabled(any(self._firsts()))
        self.setVisible(self.list.count() > 0)

    def _firsts(self) -> list[tuple[int, str, Suggestion]]:
        """Per line, its suggestion when it is the only "same words" one: safe to apply in
        bulk. Lines with several (Steam has real siblings such as ``Boom (Holo)`` and
        ``Boom(Holo)``) or only close ones need the operator's pick."""
        by_line: dict[int, list[tuple[str, Suggestion]]] = {}
        for row in range(self.list.count()):
            line_no, typed, suggestion = self.list.item(row).data(_ROLE)
            if suggestion.kind == SAME:
                by_line.setdefault(line_no, []).append((typed, suggestion))
        return [
            (line_no, found[0][0], found[0][1])
            for line_no, found in by_line.items()
            if len(found) == 1
        ]

    def use_all_suggestions(self) -> None:
        for line_no, typed, suggestion in self._firsts():
            self._replace(line_no, typed, suggestion.name)
        self.applied.emit()

    def _use_item(self, item: QListWidgetItem) -> None:
        line_no, typed, suggestion = item.data(_ROLE)
        self._replace(line_no, typed, suggestion.name)
        self.applied.emit()

    def _replace(self, line_no: int, typed: str, name: str) -> None:
        document = self._editor.document()
        block = document.findBlockByNumber(line_no - 1)
        if not block.isValid() or block.text().strip() != typed:
            block = document.firstBlock()
            while block.isValid() and block.text().strip() != typed:
                block = block.next()
            if not block.isValid():
                return  # the line was edited meanwhile: nothing to replace
        cursor = QTextCursor(block)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(name)
