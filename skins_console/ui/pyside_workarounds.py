"""Work around PySide6 6.12.0 dropping references to ``None`` and ``True``.

PySide6 6.12.0 returns ``None`` from every void C++ method (``setText``, ``QTimer.start``,
``update``…) and ``True`` from ``SignalInstance.emit()``/``disconnect()`` without taking a
reference, as if they were immortal. From Python 3.12 on they are, and nothing happens; on
Python 3.11 each such call decrements the count, a few hundred calls bring it to zero and
the interpreter aborts with "Fatal Python error: none_dealloc" / "bool_dealloc"
(reproduced: 5,000 emits or ``setText`` calls in a fresh process; PySide6 6.11.3 does not
have the bug). The project runs on 3.11 with 6.12.0 pinned, so any window would die within
minutes.

:func:`apply` detects the leak with a probe and, only when present on a CPython without
immortal objects, gives ``None``, ``True`` and ``False`` a reference count no run can
exhaust, which is what Python 3.12 does for them. Remove this module when PySide6 is pinned
to a release without the bug or the project moves to Python ≥ 3.12.
"""

from __future__ import annotations

import ctypes
import logging
import platform
import sys

log = logging.getLogger(__name__)

_MARGIN = 1 << 40
_applied = False


def leaks_on_emit() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        fired = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.fired.emit()
    return sys.getrefcount(True) < before


def leaks_on_void_call() -> bool:
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before


def apply() -> bool:
    """Returns whether the compensation was applied (once per process)."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or platform.python_implementation() != "CPython":
        return False
    if not (leaks_on_emit() or leaks_on_void_call()):
        return False
    for constant in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(constant))
        refcount.value += _MARGIN
    _applied = True
    log.info("PySide6 reference leak detected; None/True/False made effectively immortal")
    return True
