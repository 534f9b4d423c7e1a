"""Live monitoring in the window: notifications, the tray, and the in-app webhook listener.

The tracker itself runs from :class:`WindowController`; this controller listens to the same
batched store changes and turns them into what the operator is told:

* timeline changes → :class:`NotificationService` (each change once; a "while you were
  away" summary at start), shown through the tray or the window's banner;
* a wallet view under the low-balance threshold, a paused tracker → once per crossing;
* the webhook listener, when enabled in Settings, runs on this loop; its address and
  counters are shown in the status bar;
* the profile's chat channels (Telegram, Discord): a :class:`ChatRelay` forwards the same
  notifications in the background; a failing channel shows one banner until it recovers;
* a team book (PostgreSQL): :class:`LiveChanges` puts the other consoles' writes on the
  change bus (so the tabs refresh as for local ones), and while the database is away a
  banner says so; it goes by itself when the feed reconnects.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel

from skins_console.core.errors import UserFacingError
from skins_console.services import change_bus
from skins_console.services.chat_notify import ChatRelay
from skins_console.services.live_changes import LiveChanges
from skins_console.services.notification_service import (
    Notification,
    NotificationService,
    group,
)
from skins_console.services.wallet_service import WalletView
from skins_console.services.webhook_listener import WEBHOOK, WebhookListener
from skins_console.ui.main_window import TAB_ORDERS
from skins_console.ui.tray import TrayNotifier

log = logging.getLogger(__name__)

_PROVIDER = {"order": "skinsnode", "deposit": "skinslink"}


class MonitoringController(QObject):
    def __init__(self, controller, *, use_tray: bool | None = None) -> None:
        super().__init__(controller)
        self._controller = controller
        self._ctx = controller.ctx
        self._runner = controller.runner
        self._window = controller.window
        self.notifications = NotificationService(self._ctx)
        self.tray = TrayNotifier(self._window, use_tray=use_tray)
        self.tray.open_record.connect(self.open_record)
        self.tray.quit_requested.connect(self._window.close)
        self.listener: WebhookListener | None = None
        self.chat = ChatRelay(self._ctx, on_problem=self._chat_problem)
        self.live = LiveChanges(self._ctx)
        self._listener_config: tuple[str, int] | None = None
        self._started = False
        self._collecting = False
        self._collect_again = False
        #: every notification shown this session, oldest first (tests and the menu read it)
        self.shown: list[Notification] = []
        self.listener_label = QLabel("")
        self._window.statusBar().addPermanentWidget(self.listener_label)
        self.listener_label.hide()
        view_menu = (
            self._window.menuBar().actions()[1].menu()
            if len(self._window.menuBar().actions()) > 1
            else None
        )
        self._view_menu = view_menu
        self._menu_parts: list = []
        if view_menu is not None:
            self._menu_parts = [view_menu.addSeparator(), view_menu.addMenu(self.tray.recent_menu)]
        controller.relay.changed.connect(self._on_changes)

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """After the profile is open: the away summary, then live notifications."""
        if self._ctx.profile is None:
            return
        self._started = True
        self._runner.spawn(
            self.notifications.start(),
            owner=self._window,
            on_success=self._show_all,
            description="reading what changed",
            background=True,
        )
        self.apply_settings()
        self.restart_chat()
        self._runner.spawn(
            self.live.start(),
            owner=self._window,
            key="live-changes",
            description="listening to the team database",
            background=True,
        )

    def restart_chat(self) -> None:
        """(Re)load the profile's chat channels: at start, after Settings changed them, and
        when the profile changes."""
        if not self._started:
            return
        self._runner.spawn(
            self.chat.start(),
            owner=self._window,
            key="chat-relay",
            on_error=self._chat_failed,
            description="starting chat notifications",
            background=True,
        )

    def _chat_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            self._chat_problem("Chat", f"Chat notifications are off: {exc.message}")
        else:
            self._runner.presenter.report(exc, context="starting chat notifications")

    def _chat_problem(self, _label: str, message: str) -> None:
        # Called once per failing streak by the dispatcher; the banner says it once too.
        banner = self._window.banner
        if banner.isVisible() and banner.key not in (None, "notification", "chat-channel"):
            self._window.statusBar().showMessage(message, 15_000)
            return
        banner.show_message(
            message,
            tone="warn",
            key="chat-channel",
            actions=[
                ("Settings…", self._window.settings_action.trigger),
                ("Dismiss", lambda: banner.clear("chat-channel")),
            ],
        )

    def apply_settings(self) -> None:
        """Start, stop or move the webhook listener to match the settings."""
        if not self._started:
            return
        s = self._ctx.settings
        wanted = (
            (s.webhook_listener_host, s.webhook_listener_port)
            if s.webhook_listener_enabled
            else None
        )
        if wanted == self._listener_config and (wanted is None or self.listener is not None):
            return
        self._runner.spawn(
            self._restart_listener(wanted),
            owner=self._window,
            key="webhook-listener",
            on_error=self._listener_failed,
            description="starting the webhook listener",
            background=True,
        )

    async def _restart_listener(self, wanted: tuple[str, int] | None) -> None:
        if self.listener is not None:
            await self.listener.stop()
            self.listener = None
        self._listener_config = wanted
        if wanted is None:
            self.listener_label.hide()
            return
        listener = WebhookListener(self._ctx, *wanted)
        await listener.start()
        self.listener = listener
        self._show_listener()

    def _listener_failed(self, exc: BaseException) -> None:
        self._listener_config = None
        self.listener = None
        self.listener_label.setText("Webhooks: not listening")
        self.listener_label.show()
        if isinstance(exc, UserFacingError):
            self._window.banner.show_message(
                exc.message,
                tone="warn",
                key="webhook-listener",
                actions=[("Settings…", self._window.settings_action.trigger)],
            )
        else:
            self._runner.presenter.report(exc, context="starting the webhook listener")

    async def shutdown(self) -> None:
        # A few seconds for the last messages; closing the window must not hang on a chat.
        await self.chat.stop(flush_timeout=3.0)
        await self.live.stop()
        if self.listener is not None:
            await self.listener.stop()
            self.listener = None
        self.tray.close()

    def dispose(self) -> None:
        """After :meth:`shutdown`: take this session's parts off the window (status bar
        label, the recent notifications menu, the tray icon) before another is wired."""
        self._window.statusBar().removeWidget(self.listener_label)
        self.listener_label.deleteLater()
        if self._view_menu is not None:
            for part in self._menu_parts:
                self._view_menu.removeAction(part)
        self.tray.deleteLater()

    # --- changes -----------------------------------------------------------------------------

    def _on_changes(self, batch: frozenset) -> None:
        if not self._started:
            return
        kinds = {kind for kind, _key in batch}
        if kinds & {change_bus.ORDER, change_bus.DEPOSIT}:
            self._collect()
        if change_bus.TRACKING in kinds:
            tracking = self._controller.backend.tracking
            self._show_one(
                self.notifications.check_tracking(tracking.paused, tracking.paused_detail)
            )
        if WEBHOOK in kinds:
            self._show_listener()
        if change_bus.DATABASE in kinds:
            self._show_database()
        if change_bus.PROFILE in kinds:
            self._collect()
            self.restart_chat()

    def _collect(self) -> None:
        # One collection at a time: cancelling one midway could skip events whose cursor
        # was already saved, so a burst during a run just asks for one more run.
        if self._collecting:
            self._collect_again = True
            return
        self._collecting = True
        self._runner.spawn(
            self.notifications.collect(),
            owner=self._window,
            on_success=self._collected,
            on_error=self._collect_failed,
            description="checking for notifications",
            background=True,
        )

    def _collected(self, notes: list[Notification]) -> None:
        self._collecting = False
        self._show_all(notes)
        if self._collect_again:
            self._collect_again = False
            self._collect()

    def _collect_failed(self, exc: BaseException) -> None:
        self._collecting = False
        log.warning("collecting notifications failed", exc_info=exc)

    def on_wallet(self, view: WalletView) -> None:
        """A balance the Wallet tab shows (the controller passes it on: the tab is rebuilt
        when the profile changes)."""
        if view.offline or not self._started:
            return
        self._show_one(
            self.notifications.check_balance(
                view.available_cents, view.projected_cents, view.low_balance_threshold_cents
            )
        )

    # --- showing -------------------------------------------------------------------------

    def _show_all(self, notes: list[Notification]) -> None:
        if not notes:
            return
        self.shown.extend(notes)
        self.tray.notify(notes, group(notes))

    def _show_one(self, note: Notification | None) -> None:
        if note is not None:
            self._show_all([note])
            # States (low balance, tracking paused) are not timeline events: the relay
            # forwards the timeline on its own, these only from here.
            self.chat.submit([note])

    def _show_database(self) -> None:
        """The team database's state in the banner's fixed place: what the console does
        while it is away (sends nothing, shows the last known state, reconnects)."""
        banner = self._window.banner
        if self.live.away is None:
            banner.clear("database")
            return
        where = getattr(self._ctx.db, "display_url", "the team database")
        banner.show_message(
            f"The team database ({where}) cannot be reached: {self.live.away}. Nothing new is "
            "sent; you see the last known state. Reconnecting by itself…",
            tone="bad",
            key="database",
        )

    def _show_listener(self) -> None:
        if self.listener is None:
            return
        stats = self.listener.stats
        text = f"Webhooks: {self.listener.url} · {stats.received} received"
        if stats.rejected:
            text += f" · {stats.rejected} rejected"
        self.listener_label.setText(text)
        self.listener_label.setToolTip(
            "Point your tunnel or relay at this address and set the profile's webhook URL to "
            "the public address. Applied: "
            f"{stats.applied}, duplicates: {stats.duplicates}, ignored (older): {stats.ignored}"
        )
        self.listener_label.show()

    def open_record(self, record_kind: str, key: str) -> None:
        self.tray.show_window()
        self._window.tabs.setCurrentIndex(TAB_ORDERS)
        self._controller.orders.select(_PROVIDER.get(record_kind, record_kind), key)
