"""`python -m bot` is `ccpl-bot`."""

import sys

from bot.cli import main

sys.exit(main())
