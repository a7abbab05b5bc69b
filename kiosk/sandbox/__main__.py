from kiosk.sandbox.cli import main

raise SystemExit(main())
