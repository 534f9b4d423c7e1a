"""The base of the window's tabs that read and write through :class:`Backend`."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from skins_console.ui.backend import Backend
from skins_console.ui.task_runner import TaskRunner


class BackendTab(QWidget):
    """A tab whose data comes from the window's ``Backend``; its async work starts on
    ``runner`` (``TaskRunner.spawn``)."""

    def __init__(self, runner: TaskRunner, backend: Backend, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._backend = backend
