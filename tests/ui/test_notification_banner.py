"""Which banner a notification may replace: an information line yes, a condition no."""

from __future__ import annotations

from skins_console.services.notification_service import Notification
from skins_console.ui.main_window import MainWindow
from skins_console.ui.tray import TrayNotifier

EXPIRED = Notification(
    kind="order_expired",
    title="Order expired",
    body="AK-47 | Redline (Field-Tested): the buyer did not accept the trade offer in time.",
    record_kind="order",
    key="sc-1",
)


def test_an_information_line_does_not_hide_an_expired_order(qtbot):
    """Demo mode without a keyring shows an information line; an order expiring after it
    must still reach the banner (it went to the status bar, under the banner, unseen)."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    tray = TrayNotifier(window, use_tray=False)
    window.banner.show_message("Demo credentials are kept in memory.", tone="info", key="keyring")
    tray.notify([EXPIRED])
    assert window.banner.key == "notification" and window.banner.tone == "bad"
    assert window.banner.label.text().startswith("Order expired: AK-47")
    assert [b.text() for b in window.banner.action_buttons()] == ["Open", "Dismiss"]


def test_a_condition_to_act_on_keeps_the_banner(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    tray = TrayNotifier(window, use_tray=False)
    window.banner.show_message("SkinsNode rejected the credentials.", tone="bad", key="auth:x")
    tray.notify([EXPIRED])
    assert window.banner.key == "auth:x"
    assert window.statusBar().currentMessage().startswith("Order expired: AK-47")
    assert tray.history[0] is EXPIRED  # kept in Recent notifications all the same
