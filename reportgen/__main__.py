"""Run the command line with ``python -m reportgen`` (and as the ``reportgen`` script)."""

import sys

__all__ = ["run"]


def run() -> int:
    """Run the command line; Ctrl-C while it is still starting up is no traceback either."""
    try:
        from .cli import main

        return main()
    except KeyboardInterrupt:
        print("interrupted; previous outputs are untouched", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(run())
