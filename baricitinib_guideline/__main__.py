"""``python -m baricitinib_guideline``: the command line."""

import sys

from .cli import main

sys.exit(main())
