from encke.client.cli import main

raise SystemExit(main())
