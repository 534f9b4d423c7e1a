"""Attention tab: every order and deposit that needs the operator, each with its reason.

Reasons come from the one rule in ``core.statuses`` (through the attention service). The
operator selects items, adds an optional note and marks them handled: the note goes into
each item's timeline with who and when, and the items leave the queue until a different
reason brings them back. The tab title carries the count (``count_changed``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.attention import AttentionItem
from skins_console.core.buyer_columns import ATTENTION_COLUMNS
from skins_console.core.columns import table_columns
from skins_console.core.record_columns import local_time
from skins_console.services.attention_service import AttentionService, Resolved
from skins_console.ui.builders import (
    message_label,
    sort_proxy,
)
from skins_console.ui.column_model import ColumnTableModel
from skins_console.ui.error_presenter import user_message
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import current_theme


class AttentionModel(ColumnTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(table_columns(ATTENTION_COLUMNS), parent)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            item: AttentionItem = self.rows[index.row()]
            previous = item.previous
            if previous is not None:
                return (
                    f"Back in the queue: {previous.handled_by} marked it handled for "
                    f"“{previous.reason}” on {local_time(previous.handled_at)}"
                )
            return f"{item.status_word}: {item.explanation}"
        return super().data(index, role)


class AttentionTab(QWidget):
    count_changed = Signal(int)
    #: (provider value, key) – show this record in the Orders tab
    open_record = Signal(str, str)
    #: the account id of the order's buyer – sell to them again (their current trade URL)
    sell_again = Signal(int)

    def __init__(
        self,
        runner: TaskRunner,
        queue: AttentionService,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._queue = queue
        self.model = AttentionModel(self)
        self.proxy = sort_proxy(self.model, self)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.summary = QLabel("Nothing needs attention.")
        layout.addWidget(self.summary)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(len(self.model.columns) - 1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # "Why" is the sentence the operator reads: it takes the room, the rest keep theirs.
        keys = [column.key for column in self.model.columns]
        widths = (("key", 190), ("kind", 70), ("title", 220), ("buyer", 140), ("since", 150))
        for key, width in widths:
            if key in keys:
                header.resizeSection(keys.index(key), width)
        if "reason" in keys:
            header.setSectionResizeMode(keys.index("reason"), QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.table.setWordWrap(False)
        self.table.doubleClicked.connect(lambda _i: self._on_open())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.table, 1)
        bar = QHBoxLayout()
        self.note = QLineEdit()
        self.note.setPlaceholderText("Note (optional): what you did; kept in the timeline")
        self.note.setMaxLength(2000)
        bar.addWidget(self.note, 1)
        self.resolve_button = QPushButton("Mark handled")
        self.resolve_button.clicked.connect(self.resolve_selected)
        bar.addWidget(self.resolve_button)
        self.open_button = QPushButton("Show in Orders")
        self.open_button.clicked.connect(self._on_open)
        bar.addWidget(self.open_button)
        self.sell_button = QPushButton("Sell to this buyer again…")
        self.sell_button.clicked.connect(self._on_sell_again)
        bar.addWidget(self.sell_button)
        layout.addLayout(bar)
        self.error = message_label()
        layout.addWidget(self.error)
        self._update_buttons()

    # --- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        self._runner.spawn(
            self._queue.items(),
            owner=self,
            key="attention.reload",
            on_success=self.show_items,
            description="reading the attention queue",
        )

    def show_items(self, items: list[AttentionItem]) -> None:
        selected = {(i.kind, i.key) for i in self.selected_items()}
        self.model.set_rows(items)
        count = len(items)
        self.summary.setText(
            "Nothing needs attention."
            if not count
            else f"{count} item{'s' if count != 1 else ''} need{'s' if count == 1 else ''} "
            "you. Select, add a note if you like, and mark handled."
        )
        selection = self.table.selectionModel()
        for row, item in enumerate(items):
            if (item.kind, item.key) in selected:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                selection.select(
                    index,
                    selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
                )
        self._update_buttons()
        self.count_changed.emit(count)

    def selected_items(self) -> list[AttentionItem]:
        rows = {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        return [self.model.rows[r] for r in sorted(rows) if r < len(self.model.rows)]

    def select_key(self, key: str) -> bool:
        for row, item in enumerate(self.model.rows):
            if item.key == key:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                self.table.selectionModel().select(
                    index,
                    self.table.selectionModel().SelectionFlag.ClearAndSelect
                    | self.table.selectionModel().SelectionFlag.Rows,
                )
                return True
        return False

    def _update_buttons(self) -> None:
        items = self.selected_items()
        self.resolve_button.setEnabled(bool(items))
        self.open_button.setEnabled(len(items) == 1)
        one = items[0] if len(items) == 1 else None
        self.sell_button.setEnabled(
            one is not None and one.kind == "order" and one.partner is not None
        )

    # --- actions -------------------------------------------------------------------------

    def resolve_selected(self) -> None:
        items = self.selected_items()
        if not items:
            return
        self.resolve_button.setEnabled(False)
        self.error.hide()
        self._runner.spawn(
            self._resolve([f"{i.kind}:{i.key}" for i in items], self.note.text()),
            owner=self,
            key="attention.resolve",
            on_success=lambda _r: self._on_resolved(),
            on_error=self._on_resolve_failed,
            description="marking items handled",
        )

    def _on_resolved(self) -> None:
        self.note.clear()
        self.reload()

    async def _resolve(self, keys: list[str], note: str) -> list[Resolved]:
        # One after another; the first refusal stops the rest (the error says which).
        return [await self._queue.resolve(key, note=note) for key in keys]

    def _on_resolve_failed(self, exc: BaseException) -> None:
        self._update_buttons()
        message = user_message(exc)
        # The note stays in the box; the queue shows what was handled before the failure.
        theme = current_theme()
        text = message.replace("&", "&amp;").replace("<", "&lt;")
        self.error.setText(f"<span style='color:{theme.bad}'>{text}</span>")
        self.error.show()
        self.reload()

    def _on_open(self) -> None:
        items = self.selected_items()
        if len(items) == 1:
            self.open_record.emit(items[0].provider.value, items[0].key)

    def _on_sell_again(self) -> None:
        items = self.selected_items()
        if len(items) == 1 and items[0].partner is not None:
            self.sell_again.emit(items[0].partner)
