"""``python -m skins_console.selftest``: the selftest without the command line around it."""

from skins_console.selftest.runner import main

raise SystemExit(main())
