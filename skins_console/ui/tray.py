"""The system tray icon: a menu, and desktop notifications.

Where the platform has no tray (some Linux desktops, the offscreen test platform) the same
notifications appear in the window's banner, so nothing the operator must know is dropped.
Every notification is also kept in a short history under the tray menu and the window's
View menu ("Recent notifications").
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMainWindow, QMenu, QSystemTrayIcon

from skins_console.resources import app_icon_paths

if TYPE_CHECKING:  # app_icon() runs before the window's first paint; the services after it
    from skins_console.services.notification_service import Notification

HISTORY = 30
MESSAGE_MS = 8000


def app_icon() -> QIcon:
    icon = QIcon()
    for _size, path in app_icon_paths():
        icon.addFile(str(path))
    return icon


class TrayNotifier(QObject):
    """Shows notifications; ``open_record(kind, key)`` when the operator clicks one."""

    open_record = Signal(str, str)
    quit_requested = Signal()

    def __init__(self, window: QMainWindow, *, use_tray: bool | None = None) -> None:
        super().__init__(window)
        self._window = window
        self.history: deque[Notification] = deque(maxlen=HISTORY)
        self._last: Notification | None = None
        available = QSystemTrayIcon.isSystemTrayAvailable()
        self.uses_tray = available if use_tray is None else (use_tray and available)
        self._menu = QMenu(window)
        self._recent_menu = QMenu("Recent notifications", window)
        self._build_menu()
        self.tray: QSystemTrayIcon | None = None
        if self.uses_tray:
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.setToolTip("Skins Console")
            self.tray.setContextMenu(self._menu)
            self.tray.activated.connect(self._on_activated)
            self.tray.messageClicked.connect(self._on_message_clicked)
            self.tray.show()

    @property
    def recent_menu(self) -> QMenu:
        return self._recent_menu

    def _build_menu(self) -> None:
        show = self._menu.addAction("Show Skins Console")
        show.triggered.connect(self.show_window)
        self._menu.addMenu(self._recent_menu)
        self._menu.addSeparator()
        quit_action = self._menu.addAction("Quit")
        quit_action.triggered.connect(self.quit_requested.emit)
        self._refresh_recent()

    def notify(self, notes: list[Notification], shown: Notification | None = None) -> None:
        """Record ``notes`` in the history and show one message: ``shown`` (a grouped
        message for a burst) or the single note."""
        if not notes:
            return
        for note in notes:
            self.history.appendleft(note)
        self._refresh_recent()
        note = shown or notes[-1]
        self._last = note
        if self.tray is not None:
            icon = (
                QSystemTrayIcon.MessageIcon.Warning
                if note.urgent
                else QSystemTrayIcon.MessageIcon.Information
            )
            self.tray.showMessage(note.title, note.body, icon, MESSAGE_MS)
            return
        banner = getattr(self._window, "banner", None)
        if banner is None:
            return
        if (
            banner.isVisible()
            and banner.key not in (None, "notification")
            and banner.tone != "info"
        ):
            # The banner holds a condition the operator must act on (credentials rejected,
            # offline…): a routine notification must not replace it. An information line
            # (demo credentials in memory) must not hide an expired or failed order.
            self._window.statusBar().showMessage(f"{note.title}: {note.body}", MESSAGE_MS)
            return
        actions: list[tuple[str, Callable[[], object]]] = []
        if note.record_kind and note.key:
            actions.append(("Open", lambda: self.open_record.emit(note.record_kind, note.key)))
        actions.append(("Dismiss", lambda: banner.clear("notification")))
        banner.show_message(
            f"{note.title}: {note.body}",
            tone="bad" if note.urgent else "info",
            key="notification",
            actions=actions,
        )

    def _refresh_recent(self) -> None:
        self._recent_menu.clear()
        if not self.history:
            empty = QAction("No notifications yet", self._recent_menu)
            empty.setEnabled(False)
            self._recent_menu.addAction(empty)
            return
        for note in self.history:
            text = f"{note.title}: {note.body}"
            action = self._recent_menu.addAction(text if len(text) < 90 else text[:87] + "…")
            if note.record_kind and note.key:
                action.triggered.connect(
                    lambda _=False, n=note: self.open_record.emit(n.record_kind, n.key)
                )

    def show_window(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.show_window()

    def _on_message_clicked(self) -> None:
        self.show_window()
        note = self._last
        if note is not None and note.record_kind and note.key:
            self.open_record.emit(note.record_kind, note.key)

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
