"""Answering the window's real save dialog as the operator does: the ``QFileDialog`` that
``dialog_futures.ask_save_path`` opens (Qt's own widgets under the offscreen platform, not a
native one) is found among the open windows, read, and given a file name or cancelled; once
answered it must be deleted, not kept hidden under its tab until the tab closes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLineEdit

from tests.conftest import wait_for


@dataclass(frozen=True)
class SaveDialogSeen:
    """What an answered save dialog showed."""

    title: str
    #: the file it offered before anything was typed (its folder and suggested name)
    suggested: Path


def _open_save_dialog() -> QFileDialog | None:
    for widget in QApplication.topLevelWidgets():
        if (
            isinstance(widget, QFileDialog)
            and widget.isVisible()
            and widget.acceptMode() == QFileDialog.AcceptMode.AcceptSave
        ):
            return widget
    return None


async def answer_save_dialog(path: Path | None, *, timeout: float = 10.0) -> SaveDialogSeen:
    """Wait for the save dialog, type ``path`` as its file name and press Save (None: press
    Cancel), then for the dialog to be deleted; returns what the dialog showed."""
    dialog = await wait_for(_open_save_dialog, timeout=timeout)
    seen = SaveDialogSeen(dialog.windowTitle(), Path(dialog.selectedFiles()[0]))
    buttons = dialog.findChild(QDialogButtonBox, "buttonBox")
    if path is None:
        buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    else:
        dialog.findChild(QLineEdit, "fileNameEdit").setText(str(path))
        buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert not dialog.isVisible()
    await wait_for(lambda: not shiboken6.isValid(dialog), timeout=timeout)
    return seen
