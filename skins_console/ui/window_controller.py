"""Wires one :class:`MainWindow` to the services of one context.

The window is layout; the tabs read and write through :class:`Backend` (the Buyers and
Attention tabs through the buyer book and the attention queue); this controller builds the
tabs, runs the polling timers and the tracker, turns store changes into reloads and opens
the dialogs (always with ``open()``, never ``exec()``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QTimer

from skins_console.core.errors import UserFacingError
from skins_console.core.models import CatalogItem, utcnow
from skins_console.core.records import DepositRecord, OrderRecord, ProfileRecord
from skins_console.services import change_bus
from skins_console.services.chat_notify import ChatSetup
from skins_console.services.wallet_service import WalletView
from skins_console.ui.backend import Backend
from skins_console.ui.catalog_tab import CatalogTab
from skins_console.ui.change_relay import ChangeRelay
from skins_console.ui.main_window import (
    TAB_CATALOG,
    TAB_ORDERS,
    TAB_QUOTE,
    TAB_REPORTS,
    TAB_WALLET,
    MainWindow,
)
from skins_console.ui.merchant_tabs import MerchantTabs
from skins_console.ui.monitoring import MonitoringController
from skins_console.ui.orders_tab import OrdersTab
from skins_console.ui.profile_dialog import ProfileDialog
from skins_console.ui.quote_tab import QuoteTab
from skins_console.ui.reports_tab import ReportsTab
from skins_console.ui.sell_dialog import SellDialog
from skins_console.ui.settings_dialog import SettingsDialog
from skins_console.ui.throttle import Throttle
from skins_console.ui.thumbnails import ThumbnailCache
from skins_console.ui.wallet_tab import WalletTab

log = logging.getLogger(__name__)
T = TypeVar("T")


#: the runner keys of the loads that read the current profile's book and providers
_PROFILE_WORK = (
    "catalog.refresh",
    "orders.reload",
    "orders.changed",
    "wallet.refresh",
    "wallet.history",
    "wallet.recount",
)


class WindowController(QObject):
    def __init__(self, window: MainWindow, backend: Backend) -> None:
        super().__init__(window)
        self.window = window
        self.backend = backend
        self.ctx = backend.ctx
        self.runner = window.runner
        window.controller = self
        #: opens a profile kept in another book (set by the GUI session: it re-opens the
        #: context, which only it owns); None: such profiles cannot be switched to
        self.open_other_book: Callable[[str], None] | None = None
        self.dialogs: list = []
        self._stop_tracking = asyncio.Event()
        self.thumbnails = ThumbnailCache(self.runner, self.ctx.paths.thumbnails_dir, owner=window)
        self._build_tabs()
        self.relay = ChangeRelay(self.ctx.bus, self)
        # Store changes refresh these views at most once a second; explicit refreshes and
        # the operator's own actions still reload at once.
        self._reload_orders_soon = Throttle(lambda: self.orders.read_changed(), 1000, self)
        # Lambdas, not bound methods: a profile switch rebuilds the tabs these reach.
        self._reload_history_soon = Throttle(lambda: self.wallet.reload_history(), 1000, self)
        self._recount_wallet_soon = Throttle(lambda: self.wallet.recount(), 1000, self)
        self.relay.changed.connect(self._on_changes)
        self._connect_window()
        self.monitoring = MonitoringController(self)
        self._timers()

    # --- construction --------------------------------------------------------------------

    def _build_tabs(self) -> None:
        b, runner = self.backend, self.runner
        self.catalog = CatalogTab(
            runner,
            load_cached=b.cached_catalog,
            fetch=b.fetch_catalog,
            store=b.store_catalog,
            thumbnails=self.thumbnails,
        )
        self.orders = OrdersTab(runner, b)
        self.wallet = WalletTab(runner, b)
        default_game = "csgo"
        if self.ctx.profile is not None:
            from skins_console.services.deposit_service import skinslink_game

            try:
                default_game = skinslink_game(self.ctx.profile.default_game)
            except UserFacingError:
                pass
        self.quote = QuoteTab(runner, b, default_game=default_game)
        self.window.set_tabs(self.catalog, self.orders, self.wallet, self.quote)
        self.reports = ReportsTab(runner, b)
        self.window.tabs.addTab(self.reports, "Reports")
        self.merchant = MerchantTabs(self)  # the Buyers and Attention tabs
        # The wallet's movements are explained by order statuses, not by every poll.
        self.orders.activity_moved.connect(lambda: self._reload_history_soon())
        # So is what open orders reserve: counted again, the balance is not read again.
        self.orders.activity_moved.connect(lambda: self._recount_wallet_soon())
        self.wallet.view_shown.connect(self._on_wallet_shown)
        self.catalog.sell_requested.connect(self.open_sell_dialog)
        self.catalog.catalog_shown.connect(lambda _at: self._synced("SkinsNode"))
        self.quote.deposit.deposit_created.connect(lambda _r: self.orders.reload())
        self.quote.quote_shown.connect(lambda _q: self._synced("Skinslink"))

    def _connect_window(self) -> None:
        w = self.window
        # Kept so that dispose() can undo them: a new demo run wires the same window anew.
        self._window_links: list[tuple[Any, Callable[..., object]]] = [
            (w.refresh_action.triggered, self.refresh_current),
            (w.attention_action.triggered, self.show_attention),
            (w.new_profile_action.triggered, lambda: self.open_profile_dialog(None)),
            (w.edit_profile_action.triggered, lambda: self.open_profile_dialog(self.ctx.profile)),
            (w.settings_action.triggered, self.open_settings),
            # Tabs are looked up at trigger time: a profile switch rebuilds them.
            (w.export_action.triggered, lambda: self.orders.export()),
            (w.header.profile_chosen, self.switch_profile),
            (w.closing, self._on_window_closing),
            (w.sell_shortcut.activated, lambda: self.catalog.request_sell()),
        ]
        for signal, slot in self._window_links:
            signal.connect(slot)

    def _timers(self) -> None:
        settings = self.ctx.settings
        self.wallet_timer = QTimer(self)
        self.wallet_timer.timeout.connect(self.refresh_wallet)
        self.health_timer = QTimer(self)
        self.health_timer.timeout.connect(self.check_health)
        self.catalog_timer = QTimer(self)
        self.catalog_timer.timeout.connect(self._refresh_catalog_on_schedule)
        self.apply_settings()
        del settings

    def apply_settings(self) -> None:
        s = self.ctx.settings
        self.ctx.cadence = self.ctx.cadence.with_order_interval(s.poll_orders_seconds)
        self.wallet_timer.start(s.poll_wallet_seconds * 1000)
        self.health_timer.start(s.poll_health_seconds * 1000)
        self.catalog_timer.start(s.catalog_refresh_minutes * 60_000)
        if self.window.themes is not None and self.window.themes.mode != s.theme:
            self.window.themes.set_mode(s.theme)
            self.window.theme_actions[s.theme].setChecked(True)
        self.monitoring.apply_settings()

    # --- start ---------------------------------------------------------------------------

    def start(self) -> None:
        """Show what the store has at once, then refresh from the providers."""
        self.show_profile(self.ctx.profile)
        self.window.restore_state(self.ctx.settings.window_state)
        if not self.quote.names.toPlainText():
            self.quote.names.setPlainText(self.ctx.settings.quote_names)
        self.reload_profiles()
        if self.ctx.profile is None:
            return
        self.catalog.start()
        self.orders.reload()
        self.merchant.start()
        self.wallet.start()
        self.check_health()
        self._start_tracking()
        self.monitoring.start()

    def _start_tracking(self) -> None:
        self._stop_tracking = asyncio.Event()
        self.runner.spawn(
            self.backend.tracking.run_forever(self._stop_tracking),
            owner=self.window,
            key="tracking",
            description="tracking orders",
            background=True,
        )

    def show_profile(self, profile: ProfileRecord | None) -> None:
        sandbox = bool(profile and profile.is_sandbox)
        self.window.sandbox_stripe.setVisible(sandbox)
        self.window.sandbox_stripe.set_clock_speed(1.0 / self.ctx.cadence.time_scale)
        title = "Skins Console"
        if profile is not None:
            title += f" — {profile.name}" + (" (SANDBOX)" if sandbox else "")
        self.window.setWindowTitle(title)

    def reload_profiles(self) -> None:
        self.runner.spawn(
            self.backend.profile_choices(),
            owner=self.window,
            key="profiles",
            on_success=lambda choices: self.window.header.set_profiles(
                choices[0], self.ctx.profile.name if self.ctx.profile else None, choices[1]
            ),
            description="listing profiles",
        )

    # --- refreshing ----------------------------------------------------------------------

    def refresh_current(self) -> None:
        index = self.window.tabs.currentIndex()
        if index == TAB_CATALOG:
            self.catalog.refresh()
        elif index == TAB_ORDERS:
            self.orders.reload()
            self.backend.tracking.wake()
        elif index == TAB_WALLET:
            self.wallet.refresh()
        elif index == TAB_QUOTE and self.quote.quote is not None:
            self.quote.request_quote()
        elif index == TAB_REPORTS:
            self.reports.refresh()
        self.merchant.refresh_if_current(index)
        self.check_health()

    def show_attention(self) -> None:
        self.window.tabs.setCurrentIndex(TAB_ORDERS)
        self.orders.show_needs_attention()

    def refresh_wallet(self) -> None:
        self._read_for_header(
            self.backend.fetch_wallet, "header.wallet", self._show_wallet, "refreshing the balance"
        )

    def _read_for_header(
        self,
        read: Callable[[], Coroutine[Any, Any, T]],
        key: str,
        show: Callable[[T], object],
        description: str,
    ) -> None:
        """One of the header's figures, read again (on its timer, or now); nothing to read
        without a profile."""
        if self.ctx.profile is None:
            return
        self.runner.spawn(
            read(), owner=self.window, key=key, on_success=show, description=description
        )

    def _show_wallet(self, view: WalletView) -> None:
        self.wallet.show_view(view)

    def _on_wallet_shown(self, view: WalletView) -> None:
        self.window.header.set_wallet(
            view.available_cents,
            view.projected_cents,
            view.currency,
            low=view.low,
            offline=view.offline,
        )
        self.monitoring.on_wallet(view)
        if not view.offline:
            self._synced("SkinsNode")

    def _refresh_catalog_on_schedule(self) -> None:
        # A method, not the tab's bound ``refresh``: a profile switch rebuilds the Catalog
        # tab. Nor a lambda: the timer's connection would keep the controller alive.
        self.catalog.refresh()

    def check_health(self) -> None:
        self._read_for_header(
            self.backend.health, "header.health", self._on_health, "checking SkinsNode health"
        )

    def _on_health(self, ok: bool) -> None:
        self.window.header.skinsnode_dot.set_state(
            "ok" if ok else "degraded", "healthy" if ok else "reports not ok"
        )
        if ok:
            self.window.clear_provider_banner("SkinsNode")

    def _synced(self, provider: str) -> None:
        self.window.header.set_synced(utcnow())
        dot = (
            self.window.header.skinsnode_dot
            if provider == "SkinsNode"
            else self.window.header.skinslink_dot
        )
        dot.set_state("ok", "answered just now")
        self.window.clear_provider_banner(provider)

    def _on_changes(self, batch: frozenset) -> None:
        kinds = {kind for kind, _key in batch}
        if kinds & {change_bus.ORDER, change_bus.DEPOSIT}:
            self.orders.note_changes(
                [key for kind, key in batch if kind == change_bus.ORDER],
                [key for kind, key in batch if kind == change_bus.DEPOSIT],
            )
            self._reload_orders_soon()
            self.reports.mark_stale()
            self.window.header.set_synced(utcnow())
            self._follow_sell_dialogs({key for kind, key in batch if kind == change_bus.ORDER})
        self.merchant.on_changes(batch)
        if change_bus.DEPOSIT in kinds:
            self.window.header.skinslink_dot.set_state("ok", "answered recently")
            self._follow_quote_deposit({key for kind, key in batch if kind == change_bus.DEPOSIT})
        if change_bus.WALLET in kinds:
            self._reload_history_soon()
        if change_bus.TRACKING in kinds:
            self._show_tracking_state()

    def _follow_sell_dialogs(self, keys: set) -> None:
        """An open order dialog's message for the buyer follows its order."""

        def show(sell: SellDialog, loaded: tuple[list[OrderRecord], list[DepositRecord]]) -> None:
            for order in loaded[0]:
                sell.show_order(order)

        for dialog in self.dialogs:
            record = getattr(dialog, "result_record", None)
            key = getattr(record, "external_id", None)
            if isinstance(dialog, SellDialog) and key is not None and key in keys:
                self.runner.spawn(
                    self.backend.load_changed({key}, set()),
                    owner=dialog,
                    on_success=partial(show, dialog),
                    description="reading the order's status",
                )

    def _follow_quote_deposit(self, keys: set) -> None:
        """The Quote tab's deposit panel follows the tracker, like the Orders tab."""
        shown = self.quote.deposit.result_record
        key = getattr(shown, "merchant_tx_id", None)
        if key is None or key not in keys:
            return

        def show(loaded: tuple[list[OrderRecord], list[DepositRecord]]) -> None:
            for deposit in loaded[1]:
                self.quote.deposit.show_tracked(deposit)

        self.runner.spawn(
            self.backend.load_changed(set(), {key}),
            owner=self.window,
            key="quote.deposit.follow",
            on_success=show,
            description="reading the deposit's status",
        )

    def _show_tracking_state(self) -> None:
        paused = self.backend.tracking.paused
        if paused:
            self.window.banner.show_message(
                f"{paused[0].upper()}{paused[1:]}: {self.backend.tracking.paused_detail or ''}",
                tone="bad",
                key="tracking",
                actions=[
                    ("Edit profile", self.window.edit_profile_action.trigger),
                    ("Retry", self.backend.tracking.wake),
                ],
            )
        else:
            self.window.banner.clear("tracking")

    # --- dialogs -------------------------------------------------------------------------

    def _keep(self, dialog) -> None:
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _code: self._forget(dialog))

    def _forget(self, dialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
        dialog.deleteLater()

    def open_sell_dialog(self, item: CatalogItem) -> SellDialog:
        dialog = SellDialog(
            self.runner,
            item,
            self.backend,
            trade_window=self.ctx.cadence.delay(600),
            parent=self.window,
        )
        dialog.order_placed.connect(self._on_order_placed)
        self.merchant.prefill(dialog)
        self._keep(dialog)
        dialog.open()
        return dialog

    def _on_order_placed(self, record) -> None:
        """Show the truth at once: the sold item leaves the catalog, the balance moves."""
        self.orders.reload()
        # The tracker may have moved the order (offer sent) before the dialog knew its id,
        # and that change was not followed: read it once now, then follow its changes.
        self._follow_sell_dialogs({record.external_id})
        if record.status not in ("rejected", "failed", "draft"):
            self.catalog.mark_sold(record.catalog_item_id)
            self.refresh_wallet()

    def open_profile_dialog(self, profile: ProfileRecord | None) -> ProfileDialog:
        dialog = ProfileDialog(self.runner, self.backend, profile=profile, parent=self.window)
        dialog.saved.connect(self._on_profile_saved)
        dialog.team_changed.connect(self._on_team_part_changed)
        self._keep(dialog)
        dialog.open()
        return dialog

    def _on_profile_saved(self, record: ProfileRecord) -> None:
        self.reload_profiles()
        if self.ctx.profile is not None and self.ctx.profile.name == record.name:
            self.show_profile(self.ctx.profile)
            self.window.banner.clear()
            self.refresh_wallet()
            self.check_health()
        elif self.backend.in_other_book(record.name):
            # A new team profile: opened now only when nothing else is open.
            if self.ctx.profile is None and self.open_other_book is not None:
                self.open_other_book(record.name)
        elif self.ctx.profile is None or record.active:
            self.restart_for_profile()

    def _on_team_part_changed(self, name: str) -> None:
        # The open team book still signs in with the old password and operator name.
        current = self.ctx.profile
        if current is not None and current.name == name and self.open_other_book is not None:
            self.open_other_book(name)

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(
            self.runner,
            self.ctx.settings,
            self.ctx.profile,
            save_profile_fields=self.backend.save_profile_fields,
            chat=ChatSetup(self.ctx) if self.ctx.profile is not None else None,
            parent=self.window,
        )
        dialog.chat_channels_changed.connect(self.monitoring.restart_chat)
        dialog.applied.connect(self.apply_settings)
        dialog.applied.connect(self.refresh_wallet)
        dialog.edit_profile_requested.connect(lambda: self.open_profile_dialog(self.ctx.profile))
        self._keep(dialog)
        dialog.open()
        return dialog

    def save_theme(self, mode: str) -> None:
        self.ctx.settings.theme = mode
        self._save_settings()

    def _save_settings(self) -> None:
        if self.ctx.settings.path is None:
            return
        try:
            self.ctx.settings.save()
        except UserFacingError as exc:
            self.window.show_user_error(exc)

    # --- profiles ------------------------------------------------------------------------

    def switch_profile(self, name: str) -> None:
        if self.ctx.profile is not None and self.ctx.profile.name == name:
            return
        if self.open_other_book is not None and self.backend.in_other_book(name):
            self.open_other_book(name)
            return
        self.runner.spawn(
            self.backend.profiles.use(name),
            owner=self.window,
            key="profile.switch",
            on_success=lambda _record: self.restart_for_profile(),
            description="switching profile",
        )

    def restart_for_profile(self) -> None:
        """Everything shown belongs to one profile: rebuild the tabs for the new one."""
        self._stop_tracking.set()
        self.runner.cancel("tracking")
        self._cancel_profile_work()
        old_tabs = [self.window.tabs.widget(i) for i in range(self.window.tabs.count())]
        self.backend.tracking = type(self.backend.tracking)(self.ctx)
        self.merchant.close()
        self._build_tabs()
        for tab in old_tabs:
            if tab is not None:
                tab.deleteLater()
        self.window.banner.clear()
        self.window.header.set_wallet(None, None, "USD", low=False, offline=False)
        self.start()

    # --- closing -------------------------------------------------------------------------

    def _on_window_closing(self) -> None:
        self._stop_tracking.set()
        self.ctx.settings.window_state = self.window.saved_state()
        try:
            self.ctx.settings.quote_names = self.quote.names.toPlainText()
        except UserFacingError:
            log.info("the Quote tab's names are too long to keep; not saved")
        self._save_settings()

    def _cancel_profile_work(self) -> None:
        for key in _PROFILE_WORK:
            self.runner.cancel(key)

    async def shutdown(self) -> None:
        # No timer may start work once the runner closes (it refuses new tasks).
        for timer in (self.wallet_timer, self.health_timer, self.catalog_timer):
            timer.stop()
        # The runner outlives this controller when another book is opened in the window:
        # its loads must not go on with the context about to be closed.
        self._cancel_profile_work()
        self._reload_orders_soon.cancel()
        self._reload_history_soon.cancel()
        self._recount_wallet_soon.cancel()
        self.merchant.stop()
        self._stop_tracking.set()
        await self.monitoring.shutdown()
        self.relay.close()
        await self.thumbnails.aclose()

    def dispose(self) -> None:
        """After :meth:`shutdown`: hand the window back empty (its tabs, menus and status bar
        without this controller's parts), so another context can be wired to it."""
        for signal, slot in self._window_links:
            signal.disconnect(slot)
        self._window_links = []
        self.merchant.close()
        old_tabs = [self.window.tabs.widget(i) for i in range(self.window.tabs.count())]
        self.window.tabs.clear()
        for tab in old_tabs:
            if tab is not None:
                tab.deleteLater()
        self.monitoring.dispose()
        self.window.banner.clear()
        if self.window.controller is self:
            self.window.controller = None
        self.deleteLater()
