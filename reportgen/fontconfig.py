"""Ask fontconfig which file sets each font family: ``fc-match``, a few at once.

Kept to the standard library: the stamp (``stamp.py``) asks the same question on the way
to "up to date", before anything else is imported, and must get the plan's answer.
"""

from __future__ import annotations

import subprocess

TYPE_CHECKING = False  # typing is not imported (see above)
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["match"]

_AT_ONCE = 8  # fc-match processes running at once: each spends most of its time starting


def match(families: Sequence[str]) -> list[str]:
    """fc-match's answer for each family: "family names\\nfile\\nface index" ('' if none).

    Raises OSError when fc-match cannot be run.
    """
    answers: list[str] = []
    for start in range(0, len(families), _AT_ONCE):
        lookups = [subprocess.Popen(
            ["fc-match", "-f", "%{family}\n%{file}\n%{index}", f"{family}:style=Regular"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for family in families[start:start + _AT_ONCE]]
        answers += [lookup.communicate()[0] for lookup in lookups]
    return answers
