"""Guards the PySide6 pin: 6.12.0 dropped a reference to None/True on every void call and
signal emit, and Python 3.11 (no immortal objects) aborts after a few thousand of them."""

import subprocess
import sys

SCRIPT = """
import sys
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
class O(QObject):
    fired = Signal()
o, label = O(), QLabel()
none, true = sys.getrefcount(None), sys.getrefcount(True)
for _ in range(20000):
    o.fired.emit()
    o.setObjectName("x")
    label.setText("y")
print(sys.getrefcount(None) - none, sys.getrefcount(True) - true)
"""


def test_void_calls_and_emits_keep_none_and_true_alive():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    none_delta, true_delta = map(int, result.stdout.split())
    # On 3.12+ the counts of immortal objects are fixed; before, a leak shows as a drop.
    assert none_delta > -1000 and true_delta > -1000, (none_delta, true_delta)
