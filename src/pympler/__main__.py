"""``python -m pympler``: the command line of :mod:`pympler.cli`."""
import sys

from pympler.cli import main

if __name__ == "__main__":
    sys.exit(main())
