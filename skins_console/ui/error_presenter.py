"""The one route from a failure to the operator.

Every source of failures feeds :class:`ErrorPresenter`: ``sys.excepthook``,
``threading.excepthook``, the asyncio loop's exception handler and the task runner. It sorts
them the way ``core.errors`` describes:

* cancelled (``asyncio.CancelledError``, ``UserCancelled``): silent;
* ``UserFacingError``: emitted as :attr:`ErrorPresenter.user_error` so the main window shows
  it in a banner (forms handle their own errors inline, through :func:`user_message`, and
  never reach this point). Its ``message`` is already in the merchant's words: typed errors
  (``core/errors.py``, e.g. ``PriceChangedError``) name no CLI command or flag; the CLI
  re-phrases them from their fields (``cli/phrasing.py``);
* anything else is a bug: logged with its traceback and shown in a non-modal box with
  "Copy details", once per traceback signature.

The hooks are installed before the ``QApplication`` exists; bugs that happen before there is
a window to show them are kept and shown once :meth:`attach` is called.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.errors import UserCancelled, UserFacingError

if TYPE_CHECKING:  # loaded after the window's first paint (ui/launch.py)
    import asyncio

log = logging.getLogger(__name__)

#: What the window says for typed errors whose service text is phrased for the command
#: line (keyed by ``UserFacingError.code``): the operator is pointed at the window's own
#: controls, never at a command.
WINDOW_WORDS: dict[str, str] = {
    "unknown_item": (
        "This item is no longer in the SkinsNode catalog (it was sold or withdrawn). Nothing "
        "was ordered. Refresh the catalog and choose a listed item."
    ),
    "unknown_quote": "That quote is not in this profile. Get a new quote in the Quote tab.",
    "quote_expired": (
        "The quote's 5-minute lock ran out before the deposit was sent. Nothing was sent: "
        "re-quote, then create the deposit again."
    ),
    "no_profile": "No profile is set up yet: File → New profile… connects your accounts.",
    "database_unavailable": (
        "The team database cannot be reached. Nothing new was sent; the window keeps the "
        "last known state and reconnects by itself."
    ),
    "secret_missing": (
        "A credential of this profile is missing from the keyring: enter it again in "
        "File → Edit profile…."
    ),
}
_COMMAND = re.compile(r"\s*\(?`skins-console[^`]*`\)?")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)


def window_message(exc: UserFacingError) -> str:
    """The text a window shows for ``exc``: no CLI commands, no raw UUIDs."""
    known = WINDOW_WORDS.get(getattr(exc, "code", None) or "")
    if known is not None:
        return known
    text = _COMMAND.sub("", exc.message)
    text = _UUID.sub("", text)
    return re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()


def user_message(exc: BaseException, *, window_words: bool = False) -> str:
    """What a form shows inline for ``exc``, a ``UserFacingError`` (its ``message``, or with
    ``window_words`` its :func:`window_message`). Anything else is a bug and is raised
    again: from a task's ``on_error`` it goes on to the presenter's bug box."""
    if not isinstance(exc, UserFacingError):
        raise exc
    return window_message(exc) if window_words else exc.message


@dataclass(frozen=True, slots=True)
class BugReport:
    signature: str
    summary: str
    details: str


def is_silent(exc: BaseException) -> bool:
    import asyncio  # not at the top: this module loads before asyncio (ui/launch.py)

    return isinstance(exc, (asyncio.CancelledError, UserCancelled))


def _signature(exc: BaseException) -> str:
    """Same bug, same signature: exception type plus the code locations, not the message."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = "|".join(f"{f.filename}:{f.lineno}" for f in frames)
    return hashlib.sha1(f"{type(exc).__qualname__}|{where}".encode()).hexdigest()[:16]


def _details(exc: BaseException, context: str | None) -> str:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    header = f"While: {context}\n\n" if context else ""
    from skins_console import __version__

    return f"Skins Console {__version__}, Python {sys.version.split()[0]}\n{header}{text}"


class BugDialog(QDialog):
    """Non-modal: the operator can keep working (and copy the details for a report)."""

    def __init__(self, report: BugReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Something went wrong")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.report = report
        layout = QVBoxLayout(self)
        intro = QLabel(
            "An unexpected error happened. Your data is safe: orders are written to the "
            "local database before they are sent.\n\n" + report.summary
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.details = QPlainTextEdit(report.details)
        self.details.setReadOnly(True)
        self.details.setMinimumSize(560, 220)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy details")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.report.details)
        self.copy_button.setText("Copied")


class ErrorPresenter(QObject):
    #: a UserFacingError nobody handled where it happened (shown as a banner)
    user_error = Signal(object)
    #: a bug, after it was logged (once per signature)
    bug_reported = Signal(object)
    # Cross-thread reports (threading.excepthook) hop to the GUI thread through this.
    _report_from_thread = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._seen: set[str] = set()
        self._pending: list[BugReport] = []
        self._window: QWidget | None = None
        self._dialogs: list[BugDialog] = []
        self._previous_hooks: tuple[Callable, Callable] | None = None
        self.show_dialogs = True
        self._report_from_thread.connect(self._on_report_from_thread)

    # --- sources -------------------------------------------------------------------------

    def install_hooks(self) -> None:
        self._previous_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._sys_hook
        threading.excepthook = self._thread_hook

    def uninstall_hooks(self) -> None:
        if self._previous_hooks is not None:
            sys.excepthook, threading.excepthook = self._previous_hooks
            self._previous_hooks = None

    def loop_exception_handler(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        exc = context.get("exception")
        if exc is None:
            log.error("asyncio: %s", context.get("message"))
            return
        self.report(exc, context=str(context.get("message") or "background task"))

    def _sys_hook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.report(exc)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        name = args.thread.name if args.thread else "a worker thread"
        if threading.current_thread() is threading.main_thread():
            self.report(args.exc_value, context=f"thread {name}")
        else:
            self._report_from_thread.emit(args.exc_value, f"thread {name}")

    @Slot(object, object)
    def _on_report_from_thread(self, exc: BaseException, context: str) -> None:
        self.report(exc, context=context)

    # --- sorting -------------------------------------------------------------------------

    def report(self, exc: BaseException, *, context: str | None = None) -> None:
        if is_silent(exc):
            return
        if isinstance(exc, UserFacingError):
            log.info("%s: %s", type(exc).__name__, exc.message)
            self.user_error.emit(exc)
            return
        signature = _signature(exc)
        log.error(
            "Unexpected error%s",
            f" while {context}" if context else "",
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        if signature in self._seen:
            return
        self._seen.add(signature)
        summary = f"{type(exc).__name__}: {exc}"
        report = BugReport(signature, summary, _details(exc, context))
        self.bug_reported.emit(report)
        if self._window is None or QApplication.instance() is None:
            self._pending.append(report)
            return
        self._show(report)

    # --- presentation --------------------------------------------------------------------

    def attach(self, window: QWidget) -> None:
        """Bugs are shown over ``window`` from now on (and any kept from start-up)."""
        self._window = window
        pending, self._pending = self._pending, []
        for report in pending:
            self._show(report)

    def _show(self, report: BugReport) -> None:
        if not self.show_dialogs:
            return
        dialog = BugDialog(report, self._window)
        self._dialogs.append(dialog)
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        dialog.show()

    def _forget(self, dialog: BugDialog) -> None:
        try:
            self._dialogs.remove(dialog)
        except ValueError:
            pass

    @property
    def open_dialogs(self) -> list[BugDialog]:
        return list(self._dialogs)
