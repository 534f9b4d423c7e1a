"""Everything Qt: the window, its tabs and dialogs, the task runner and the tray."""
