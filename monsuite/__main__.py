from monsuite.cli import main

raise SystemExit(main())
