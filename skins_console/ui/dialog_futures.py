"""Dialogs awaited from coroutines without a nested event loop.

A modal ``exec`` and the static ``QMessageBox``/``QFileDialog`` helpers spin a nested Qt
loop; inside a coroutine that lets other tasks run mid-step and breaks qasync (see the
style anchors, qasync pitfall 1). Here a dialog is opened with ``open()`` and its
``finished`` signal resolves an asyncio future.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget


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


async def ask_confirm(parent: QWidget, title: str, text: str, *, ok_text: str = "OK") -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    ok = box.addButton(ok_text, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(ok)
    await open_dialog(box)
    return box.clickedButton() is ok


async def ask_save_path(
    parent: QWidget, title: str, suggested: str, name_filter: str
) -> str | None:
    dialog = QFileDialog(parent, title, suggested, name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    if await open_dialog(dialog) != QDialog.DialogCode.Accepted:
        return None
    files = dialog.selectedFiles()
    return files[0] if files else None
