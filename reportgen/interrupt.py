"""The one exception that stops a command when Ctrl-C (or, for a long-running command,
SIGTERM) comes: ``__main__`` ends a build with it, ``serve`` and ``build --watch`` their
loops. It imports nothing, so the start-up path can raise it before anything is loaded."""

from __future__ import annotations

__all__ = ["Interrupted"]


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM asked the command to stop.

    Not KeyboardInterrupt: CPython remembers a KeyboardInterrupt raised inside code run by
    exec() (dataclasses and namedtuple make their methods so, e.g. on a module's first
    import) as unhandled, and then ends the process by SIGINT, even after the command
    handled it.
    """
