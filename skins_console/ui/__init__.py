"""Everything Qt. Importing the package applies the PySide6 workaround it needs first."""

from skins_console.ui import pyside_workarounds as _pyside_workarounds

_pyside_workarounds.apply()
