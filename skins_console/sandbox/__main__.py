import sys

from skins_console.sandbox.cli import main

sys.exit(main())
