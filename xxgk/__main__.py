"""``python -m xxgk``: the same as the ``xxgk`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
