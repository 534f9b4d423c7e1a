"""The Demo menu, shown only in demo mode: "Reset demo data…" and "Demo clock".

Both start a new demo run in the same window: the sandbox's clock cannot change its rate
in the middle of a run without breaking the times it has already issued (quote locks,
trade windows), so a new speed means a new sandbox world and fresh demo records. The menu
only asks (with a confirmation); ``GuiSession.restart_demo`` does the restart.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from skins_console.ui.dialog_futures import open_dialog

#: (speed, menu label): real time first, the default of ``--sandbox``
DEMO_SPEEDS: tuple[tuple[float, str], ...] = (
    (1.0, "Real time"),
    (10.0, "×10 (a 5-minute lock lasts 30 s)"),
    (60.0, "×60 (a 5-minute lock lasts 5 s)"),
)


def speed_words(speed: float) -> str:
    return "real time" if speed == 1 else f"a demo clock ×{speed:g}"


class DemoMenu(QObject):
    """``restart_requested(speed)``: the operator chose a new demo run at ``speed`` (the
    current speed for "Reset demo data"); nothing is asked yet."""

    restart_requested = Signal(float)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.speed = 1.0
        self.menu = QMenu("&Demo", window)
        bar = window.menuBar()
        actions = bar.actions()
        # Before Help, after File and View (other code finds View as the second menu).
        if actions:
            bar.insertMenu(actions[-1], self.menu)
        else:
            bar.addMenu(self.menu)
        self.reset_action = self.menu.addAction("Reset demo data…")
        self.reset_action.setToolTip("Clear this demo run's orders and deposits and start afresh")
        self.reset_action.triggered.connect(lambda: self.restart_requested.emit(self.speed))
        self.clock_menu = self.menu.addMenu("Demo clock")
        self._group = QActionGroup(self)
        self.clock_actions: dict[float, QAction] = {}
        for speed, label in DEMO_SPEEDS:
            action = self.clock_menu.addAction(label)
            action.setCheckable(True)
            action.setData(speed)
            self._group.addAction(action)
            self.clock_actions[speed] = action
        self._group.triggered.connect(self._on_clock_chosen)
        self.menu.menuAction().setVisible(False)

    def show_for(self, speed: float) -> None:
        """Demo mode at ``speed``: the menu appears with that clock checked."""
        self.speed = speed
        self.menu.menuAction().setVisible(True)
        checked = self.clock_actions.get(speed)
        for action in self.clock_actions.values():
            action.setChecked(action is checked)

    def _on_clock_chosen(self, action: QAction) -> None:
        speed = float(action.data())
        if speed == self.speed:
            return
        self.show_for(self.speed)  # stays on the running clock until the restart happens
        self.restart_requested.emit(speed)


async def confirm_demo_restart(window: QMainWindow, current: float, speed: float) -> bool:
    """Ask before a new demo run; its records are gone afterwards."""
    if speed == current:
        title, action = "Reset demo data", "Reset"
        text = "Start the demo afresh?"
    else:
        title, action = "Demo clock", "Restart the demo"
        text = f"Restart the demo with {speed_words(speed)}?"
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=window)
    box.setInformativeText(
        "This demo run's orders, deposits and quotes are cleared and the sandbox starts a "
        "new world. Your own profiles and records are not touched."
    )
    go = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    await open_dialog(box)
    chosen = box.clickedButton() is go
    box.deleteLater()
    return chosen
