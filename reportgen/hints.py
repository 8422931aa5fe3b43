"""Say what a mistyped name was probably meant to be: look-alike letters and typos."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

__all__ = ["did_you_mean", "foreign_letters"]

# Letters of other scripts that look like Latin ones (Cyrillic, Greek, full-width forms
# fold by NFKC), so that "metrics" written with a Cyrillic IE is recognised.
_LOOK_ALIKE = str.maketrans({
    "а": "a", "в": "b", "с": "c", "е": "e", "ё": "e", "һ": "h", "і": "i", "ј": "j",
    "к": "k", "м": "m", "о": "o", "р": "p", "г": "r", "ѕ": "s", "т": "t",
    "у": "y", "х": "x", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ı": "i",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "Ј": "J", "К": "K",
    "М": "M", "О": "O", "Р": "P", "Ѕ": "S", "Т": "T", "Х": "X", "У": "Y",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
})


def _skeleton(name: str) -> str:
    """Fold width, case, look-alike letters and invisible characters."""
    folded = unicodedata.normalize("NFKC", name).translate(_LOOK_ALIKE)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf").casefold()


def foreign_letters(name: str) -> str:
    """Describe the characters of ``name`` that are not plain ASCII ('' when none)."""
    odd = dict.fromkeys(c for c in name if not c.isascii())
    return ", ".join(f"'{c}' U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')}"
                     for c in odd)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """Return a hint naming the known name ``name`` most likely stands for ('' if none).

    A name that differs only by look-alike letters (or case, width, invisible characters)
    is named with the letters that differ; otherwise the closest spelling, if close.
    """
    names = sorted(set(known))
    same = [k for k in names if _skeleton(k) == _skeleton(name) and k != name]
    if same:
        odd = foreign_letters(name)
        why = f"; it contains {odd}" if odd else ""
        return f"did you mean {same[0]!r}{why}"
    close = difflib.get_close_matches(_skeleton(name), [_skeleton(k) for k in names], 1, 0.6)
    if close:
        match = next(k for k in names if _skeleton(k) == close[0])
        odd = foreign_letters(name)
        why = f" ({name!r} contains {odd})" if odd else ""
        return f"did you mean {match!r}{why}"
    return ""
