"""Dialogs awaited from coroutines without a nested event loop.

A modal ``exec`` and the static ``QMessageBox``/``QFileDialog`` helpers spin a nested Qt
loop; inside a coroutine that lets other tasks run mid-step and breaks qasync (see the
style anchors, qasync pitfall 1). Here a dialog is opened with ``open()`` and its
``finished`` signal resolves an asyncio future.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget


async def open_dialog(dialog: QDialog) -> int:
    """Show ``dialog`` window-modally and wait for its result code."""
    import asyncio  # here: this module loads before the first paint, asyncio after it

    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(code: int) -> None:
        if not future.done():
            future.set_result(code)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await future
    except asyncio.CancelledError:
        dialog.reject()
        raise


def documents_folder() -> Path:
    """Where a save dialog first opens: the user's Documents folder, else (a fresh account
    may have none) the home folder; a dialog given a missing folder would open in the
    process's working directory."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return Path(documents)
    return Path.home()


async def ask_save_path(
    parent: QWidget, title: str, suggested: str, name_filter: str
) -> str | None:
    """``suggested``: a file name (placed in :func:`documents_folder`) or a full path."""
    if not Path(suggested).is_absolute():
        suggested = str(documents_folder() / suggested)
    dialog = QFileDialog(parent, title, suggested, name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    try:
        if await open_dialog(dialog) != QDialog.DialogCode.Accepted:
            return None
        files = dialog.selectedFiles()
        return files[0] if files else None
    finally:
        # Its parent is the tab: left alone, each export's dialog would stay (hidden) until
        # the tab closes. Deleted later: Qt may still be delivering its finished signal.
        dialog.deleteLater()
