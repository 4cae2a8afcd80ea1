"""``python -m actionnetwork_async``: the command line (``actionnetwork``), ``demo`` included."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
