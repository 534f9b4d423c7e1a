from skins_console.cli import main

raise SystemExit(main())
