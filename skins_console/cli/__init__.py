"""``skins-console``: the headless command line over the services.

Without a command (or with ``--sandbox``) it starts the desktop app. Each command group
lives in ``commands/`` and returns a ``Report``; ``output.Renderer`` prints it as rich text
or one JSON document. See ``docs/ARCHITECTURE.md`` ("How to add a CLI command").
"""

from skins_console.cli.entry import main

__all__ = ["main"]
