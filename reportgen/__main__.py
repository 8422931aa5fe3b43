"""Run the command line with ``python -m reportgen``."""

import sys

from .cli import main

sys.exit(main())
