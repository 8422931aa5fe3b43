"""Run the command line with ``python -m reportgen`` (and as the ``reportgen`` script)."""

from __future__ import annotations

import os
import signal
import sys

from .interrupt import Interrupted

TYPE_CHECKING = False  # typing is not imported: "up to date" is answered before it would be
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["run"]


def _interrupt(signum: int, frame: object) -> None:
    raise Interrupted


def _swallowed(hook: Callable[[Any], object]) -> Callable[[Any], None]:
    """An unraisable hook that delivers a Ctrl-C again when it landed where Python can only
    print "Exception ignored" (a weakref callback, a finalizer), so it stops the command."""
    def unraisable(info: Any) -> None:
        if getattr(info, "exc_type", None) is Interrupted:
            import threading

            # Sent again from another thread: it lands once this callback has returned.
            again = threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGINT))
            again.daemon = True
            again.start()
            return
        hook(info)
    return unraisable


def _plain_build(argv: list[str]) -> str | None:
    """The project folder of ``build [-q] [--project DIR]``; None for any other command."""
    if not argv or argv[0] != "build":
        return None
    project, rest = ".", argv[1:]
    while rest:
        word = rest.pop(0)
        if word in ("-q", "--quiet"):
            continue
        if word == "--project" and rest:
            project = rest.pop(0)
        elif word.startswith("--project="):
            project = word.removeprefix("--project=")
        else:
            return None  # anything else is the command line's to read
    return project


def _up_to_date(argv: list[str]) -> bool:
    """Answer a build with nothing to do before the command line is even imported."""
    project = _plain_build(argv)
    if project is None or not os.path.isdir(project):
        return False
    from . import stamp

    root = os.path.realpath(project)
    line = stamp.answer(root, stamp.key(argv, root))
    if line is None:
        return False
    if "-q" not in argv and "--quiet" not in argv:
        print(line, flush=True)
    return True


def run() -> int:
    """Run the command line; Ctrl-C at any moment, start-up included, exits 130 quietly."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)  # not when started with Ctrl-C ignored
        sys.unraisablehook = _swallowed(sys.unraisablehook)
    try:
        if _up_to_date(sys.argv[1:]):
            return 0
        from .cli import main

        return main()
    except (KeyboardInterrupt, Interrupted):
        print("interrupted; previous outputs are untouched", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(run())
