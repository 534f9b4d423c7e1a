"""The operator console window: header, banners, the four tabs, menus and shortcuts."""

from __future__ import annotations

import base64
import json
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from skins_console.core.errors import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    AuthError,
    ForbiddenError,
    ProfileError,
    SecretStoreError,
    ServerError,
    UserFacingError,
)
from skins_console.ui.banner import Banner
from skins_console.ui.error_presenter import ErrorPresenter, window_message
from skins_console.ui.header import Header, SandboxStripe
from skins_console.ui.task_runner import TaskRunner
from skins_console.ui.theme import ThemeManager

if TYPE_CHECKING:  # the controller imports this module; it sets itself on the window
    from skins_console.ui.window_controller import WindowController

log = logging.getLogger(__name__)

TAB_CATALOG, TAB_ORDERS, TAB_WALLET, TAB_QUOTE, TAB_REPORTS = range(5)
SHORTCUTS = (
    ("Ctrl+F  or  /", "Search in the current tab"),
    ("F5  or  Ctrl+R", "Refresh the current tab"),
    ("Ctrl+N", "Sell the selected catalog item"),
    ("Ctrl+1 … Ctrl+5", "Catalog, Orders, Wallet, Quote, Reports"),
    ("Ctrl+,", "Settings"),
    ("Ctrl+Q", "Quit"),
)
_STATE_VERSION = 1
#: the size a first start asks for; a smaller screen gets its whole available area
PREFERRED_SIZE = QSize(1280, 820)


def clamp_to_screen(rect: QRect, screen: QRect) -> QRect:
    """``rect`` moved (and shrunk only if it must) so that it lies inside ``screen``."""
    width = min(rect.width(), screen.width())
    height = min(rect.height(), screen.height())
    x = min(max(rect.x(), screen.x()), screen.x() + screen.width() - width)
    y = min(max(rect.y(), screen.y()), screen.y() + screen.height() - height)
    return QRect(x, y, width, height)


class MainWindow(QMainWindow):
    """Without a context (``MainWindow()``) it shows an empty frame; the packaged app's
    self-test renders it that way. With one, everything is wired to the services."""

    closing = Signal()

    def __init__(
        self,
        backend=None,
        *,
        runner: TaskRunner | None = None,
        presenter: ErrorPresenter | None = None,
        themes: ThemeManager | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Skins Console")
        self.backend = backend
        self.presenter = presenter or ErrorPresenter(self)
        self.runner = runner or TaskRunner(self.presenter, self)
        self.themes = themes
        self.controller: WindowController | None = None
        #: the tab that says why no session is open (see show_without_session)
        self._stopped_note: QLabel | None = None
        self._build_frame()
        self._build_menus()
        self._build_shortcuts()
        self.presenter.user_error.connect(self.show_user_error)
        self.runner.busy_changed.connect(self.header.set_busy)
        if themes is not None:
            themes.changed.connect(self._on_theme_changed)

    # --- frame ---------------------------------------------------------------------------

    def _build_frame(self) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.sandbox_stripe = SandboxStripe()
        layout.addWidget(self.sandbox_stripe)
        self.header = Header()
        layout.addWidget(self.header)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.empty_label = QLabel(
            "No profile is open. Use File → New profile… to connect your SkinsNode and "
            "Skinslink accounts, or start with --sandbox to try the console with demo data."
        )
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tabs.addTab(self.empty_label, "Welcome")
        # The banner's fixed place: the status bar row, always one banner high, so showing
        # or clearing a banner never moves the tabs.
        self.banner = Banner()
        status = self.statusBar()
        status.setSizeGripEnabled(False)
        status.setFixedHeight(Banner.row_height() + 4)
        status.addPermanentWidget(self.banner, 1)
        status.showMessage("Ready")
        self.resize(PREFERRED_SIZE)
        self.fit_to_screen()

    def set_tabs(self, catalog, orders, wallet, quote) -> None:
        self._drop_stopped_note()
        self.tabs.clear()
        self.tabs.addTab(catalog, "Catalog")
        self.tabs.addTab(orders, "Orders")
        self.tabs.addTab(wallet, "Wallet")
        self.tabs.addTab(quote, "Quote")

    def show_without_session(self, message: str) -> None:
        """No session is open (a demo run that could not start): one tab says why, and the
        menus stay usable to try again or quit."""
        self._drop_stopped_note()
        self.tabs.clear()
        note = QLabel(message)
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._stopped_note = note
        self.tabs.addTab(note, "Stopped")

    def _drop_stopped_note(self) -> None:
        note, self._stopped_note = self._stopped_note, None
        if note is not None:
            self.tabs.removeTab(self.tabs.indexOf(note))
            note.deleteLater()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_profile_action = file_menu.addAction("New profile…")
        self.edit_profile_action = file_menu.addAction("Edit profile…")
        self.export_action = file_menu.addAction("Export orders and deposits to CSV…")
        self.settings_action = file_menu.addAction("Settings…")
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        file_menu.addSeparator()
        self.quit_action = file_menu.addAction("Quit")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self._on_quit_triggered)

        view_menu = bar.addMenu("&View")
        self.refresh_action = view_menu.addAction("Refresh")
        self.refresh_action.setShortcuts([QKeySequence("F5"), QKeySequence("Ctrl+R")])
        self.attention_action = view_menu.addAction("Orders needing attention")
        view_menu.addSeparator()
        theme_menu = view_menu.addMenu("Theme")
        self.theme_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for mode, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            action = theme_menu.addAction(label)
            action.setCheckable(True)
            action.setData(mode)
            group.addAction(action)
            self.theme_actions[mode] = action
        current = self.themes.mode if self.themes is not None else "system"
        self.theme_actions[current].setChecked(True)
        group.triggered.connect(self._on_theme_action)

        help_menu = bar.addMenu("&Help")
        self.shortcuts_action = help_menu.addAction("Shortcuts")
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        about = help_menu.addAction("About Skins Console")
        about.triggered.connect(self._show_about)

    def _build_shortcuts(self) -> None:
        self.search_shortcuts = [
            QShortcut(QKeySequence("Ctrl+F"), self),
            QShortcut(QKeySequence("/"), self),
        ]
        for shortcut in self.search_shortcuts:
            shortcut.activated.connect(self._on_search_shortcut)
        self.sell_shortcut = QShortcut(QKeySequence("Ctrl+N"), self)
        self.tab_shortcuts = []
        for number in range(5):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number + 1}"), self)
            shortcut.activated.connect(lambda n=number: self._switch_tab(n))
            self.tab_shortcuts.append(shortcut)

    def _switch_tab(self, number: int) -> None:
        if number < self.tabs.count():
            self.tabs.setCurrentIndex(number)

    def _on_search_shortcut(self) -> None:
        # "/" must still type a slash in text fields.
        focus = QApplication.focusWidget()
        if (
            self.sender() is self.search_shortcuts[1]
            and focus is not None
            and (
                focus.inherits("QLineEdit")
                or focus.inherits("QPlainTextEdit")
                or focus.inherits("QTextEdit")
            )
        ):
            if hasattr(focus, "insert"):
                focus.insert("/")
            elif isinstance(focus, (QPlainTextEdit, QTextEdit)):
                focus.insertPlainText("/")
            return
        tab = self.tabs.currentWidget()
        if hasattr(tab, "focus_search"):
            tab.focus_search()

    # --- errors and banners --------------------------------------------------------------

    def show_user_error(self, exc: UserFacingError) -> None:
        provider = getattr(exc, "provider", None) or "The provider"
        message = window_message(exc)
        retry = ("Retry", self._retry)
        edit = ("Edit profile", self.edit_profile_action.trigger)
        if isinstance(exc, AuthError):
            self.banner.show_message(
                f"{provider} rejected the credentials (401): {message} Tracking is paused "
                "until they are fixed.",
                tone="bad",
                key=f"auth:{provider}",
                actions=[edit, retry],
            )
            self._mark_health(provider, "down", "credentials rejected")
        elif isinstance(exc, ForbiddenError):
            self.banner.show_message(
                f"{provider} refused this computer (403 — IP address not allowed or account "
                f"disabled): {message}",
                tone="bad",
                key=f"forbidden:{provider}",
                actions=[edit, retry],
            )
            self._mark_health(provider, "down", "403: IP not allowed")
        elif isinstance(exc, (ApiConnectionError, ApiTimeoutError, ServerError)):
            self.banner.show_message(
                f"{provider} cannot be reached right now ({message}). Showing the last "
                "stored data; nothing is lost.",
                tone="warn",
                key=f"offline:{provider}",
                actions=[retry],
            )
            self._mark_health(provider, "down", message)
        elif isinstance(exc, (ProfileError, SecretStoreError)):
            self.banner.show_message(message, tone="bad", key="profile", actions=[edit])
        elif isinstance(exc, ApiError):
            self.banner.show_message(
                f"{provider}: {message}", tone="warn", key=f"api:{provider}", actions=[retry]
            )
        else:
            self.banner.show_message(message, tone="warn", key="error")

    def clear_provider_banner(self, provider: str) -> None:
        for prefix in ("auth", "forbidden", "offline", "api"):
            self.banner.clear(f"{prefix}:{provider}")

    def _mark_health(self, provider: str, state: str, detail: str) -> None:
        dot = {"SkinsNode": self.header.skinsnode_dot, "Skinslink": self.header.skinslink_dot}.get(
            provider
        )
        if dot is not None:
            dot.set_state(state, detail)

    def _retry(self) -> None:
        self.banner.clear()
        self.refresh_action.trigger()

    # --- theme ---------------------------------------------------------------------------

    def _on_theme_action(self, action: QAction) -> None:
        if self.themes is not None:
            self.themes.set_mode(action.data())
        if self.controller is not None:
            self.controller.save_theme(action.data())

    def _on_theme_changed(self, theme) -> None:
        self.sandbox_stripe.apply_theme(theme)
        self.banner.apply_theme(theme)
        self.header.apply_theme(theme)
        for index in range(self.tabs.count()):
            tab = self.tabs.widget(index)
            if tab is None:
                continue
            if hasattr(tab, "apply_theme"):
                tab.apply_theme(theme)
            tab.update()

    # --- help ----------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        rows = "".join(
            f"<tr><td><b>{keys}</b></td><td>&nbsp;&nbsp;{what}</td></tr>"
            for keys, what in SHORTCUTS
        )
        # Not modal: the operator keeps it open beside the window while trying the keys.
        self.shortcuts_box = self._show_information(
            "Keyboard shortcuts", f"<table>{rows}</table>", modal=False
        )

    def _show_about(self) -> None:
        from skins_console import __version__

        self._show_information(
            "About Skins Console",
            f"Skins Console {__version__}\nOperator console for SkinsNode and Skinslink.",
        )

    def _show_information(self, title: str, text: str, *, modal: bool = True) -> QMessageBox:
        """An information box over the window, deleted when closed (a message box is modal
        unless told otherwise)."""
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if not modal:
            box.setModal(False)
        box.show()
        return box

    # --- window state --------------------------------------------------------------------

    def saved_state(self) -> str:
        """Geometry, dock/toolbar state and the current tab, as base64 text for settings."""
        payload = {
            "version": _STATE_VERSION,
            "geometry": base64.b64encode(bytes(self.saveGeometry().data())).decode("ascii"),
            "state": base64.b64encode(bytes(self.saveState().data())).decode("ascii"),
            "tab": self.tabs.currentIndex(),
        }
        return base64.b64encode(json.dumps(payload).encode("utf-8")).decode("ascii")

    def restore_state(self, text: str) -> bool:
        """Anything unreadable (an old or hand-edited value) is ignored, never fatal.

        Returns whether the saved geometry was applied."""
        if not text:
            return False
        try:
            payload = json.loads(base64.b64decode(text.encode("ascii"), validate=True))
            if not isinstance(payload, dict) or payload.get("version") != _STATE_VERSION:
                return False
            geometry = base64.b64decode(str(payload.get("geometry", "")), validate=True)
            state = base64.b64decode(str(payload.get("state", "")), validate=True)
            tab = int(payload.get("tab", 0))
        except (ValueError, TypeError, UnicodeError):
            return False
        restored = self.restoreGeometry(QByteArray(geometry))
        self.restoreState(QByteArray(state))
        # Saved on another monitor, a bigger screen or by an older version that grew the
        # window: it must open whole on the screen it lands on.
        self.fit_to_screen()
        if 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)
        return restored

    def fit_to_screen(self) -> None:
        """Move (and if need be shrink) the window inside the screen it is on."""
        frame = self.frameGeometry()
        screen = QGuiApplication.screenAt(frame.center()) or QGuiApplication.primaryScreen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        inner = self.geometry()
        left, top = inner.x() - frame.x(), inner.y() - frame.y()
        right = frame.right() - inner.right()
        bottom = frame.bottom() - inner.bottom()
        target = clamp_to_screen(frame, screen.availableGeometry())
        if target != frame:
            self.setGeometry(target.adjusted(left, top, -right, -bottom))

    # --- closing -------------------------------------------------------------------------

    def _on_quit_triggered(self) -> None:
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)
