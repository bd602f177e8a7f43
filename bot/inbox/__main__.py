import sys

from bot.inbox.cli import main

sys.exit(main())
