"""Typography of edition text: the locale's quotation marks, apostrophes, unbreakable spaces.

Applied by the engine to the text it prints from data, from UI strings and from its own
formatters — never to verbatim source quotes, which print exactly as the seed has them.
docs/templates.md ("Typography") states the rules; they hold for any language:

- quotes: straight ``"`` and ``'`` become the locale's quotation marks (CLDR, see
  quotes_cldr.py), nested quotes its alternate marks, and an apostrophe (U+2019);
- number glue: the space between a number and a *number word* of the edition (a month
  name or a compact-number word from CLDR such as "million" or "Mrd.", a unit word or
  symbol from the ``units`` records, a label word such as "Exhibit" from a UI string with
  ``{n}``) is a no-break space U+00A0, so "RMB 500 billion" and "Exhibit 11" never break;
- engine phrases (formatted quantities, dates, exhibit labels) and UI strings keep every
  space next to a number or a ``{placeholder}`` unbreakable;
- a note marker is glued to the character before it with a word joiner (U+2060);
- the last two Han characters of a text are glued the same way, so a paragraph or a table
  cell never ends with one character alone on its line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from babel import Locale, UnknownLocaleError

from .quotes_cldr import DEFAULT_QUOTES, QUOTES

__all__ = ["APOSTROPHE", "NBSP", "WORD_JOINER", "Typography", "quotes_for"]

NBSP = "\u00a0"
WORD_JOINER = "\u2060"
APOSTROPHE = "\u2019"

# A quote after one of these (or at the start, or after white space) opens; before one of
# the closers (or at the end, or before white space) it closes.
_OPEN_AFTER = set("([{<“‘«‹„‚「『—–-/\u3000")
_CLOSE_BEFORE = set(".,;:!?)]}>…。，；：！？、）」』")
_KEPT_TEXTS = 100_000  # typeset texts a typography keeps (a warm process renders them again)
_DIGIT = re.compile(r"\d")  # number glue needs a digit beside a space
_ENGINE_SPACE = re.compile(r"(?<=[\d}]) | (?=[\d{])")
# The last two Han characters of a text, before any closing punctuation.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LAST_TWO_HAN = re.compile(f"([{_HAN}])([{_HAN}][\\s。，、；：！？」』）》”’.,;:!?)]*)$")


@functools.lru_cache(maxsize=64)
def quotes_for(tag: str) -> str:
    """Return primary open, close, alternate open, close marks for a BCP 47 ``tag``."""
    candidates = [tag]
    try:
        locale = Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError):
        locale = None
    if locale is not None:
        parts = [locale.language, locale.script, locale.territory]
        candidates += ["-".join(p for p in parts if p),
                       "-".join(p for p in parts[:2] if p), locale.language]
    for candidate in candidates:
        pieces = candidate.split("-")
        while pieces:
            found = QUOTES.get("-".join(pieces))
            if found:
                return found
            pieces.pop()
    return DEFAULT_QUOTES


@functools.lru_cache(maxsize=64)
def _cldr_words(tag: str) -> tuple[frozenset[str], frozenset[str]]:
    """Return (words that follow a number, words that precede one) from CLDR for ``tag``."""
    try:
        locale = Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError):
        return frozenset(), frozenset()
    months: set[str] = set()
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            months.update(locale.months.get(context, {}).get(width, {}).values())
    months = {m for m in months if m and not any(c.isdigit() for c in m)}
    after = set(months)
    for width in ("long", "short"):  # {width: {plural form: {magnitude: pattern}}}
        for patterns in locale.compact_decimal_formats.get(width, {}).values():
            for pattern in patterns.values():
                after.update(_words_beside_zero(getattr(pattern, "pattern", str(pattern))))
    return frozenset(after), frozenset(months)


def _words_beside_zero(pattern: str) -> list[str]:
    """Return the words separated by a space from the number in a CLDR pattern ("0 Mio'.'")."""
    tokens = pattern.replace("'", "").replace(NBSP, " ").split(" ")
    words = []
    for i, token in enumerate(tokens):
        if "0" in token:
            words += [t for t in tokens[i - 1:i] + tokens[i + 1:i + 2] if t and "0" not in t]
    return words


def _latin(char: str) -> bool:
    return char.isalnum() and ord(char) < 0x2E80


def _alternation(words: Iterable[str], side: str) -> str:
    """Return a regex matching any of ``words`` as a whole word on the given ``side``."""
    parts = []
    for word in sorted(set(words), key=lambda w: (-len(w), w)):
        if not word.strip():
            continue
        text = re.escape(word)
        if side == "before" and _latin(word[0]):
            text = r"(?<!\w)" + text
        if side == "after" and _latin(word[-1]):
            text += r"(?!\w)"
        parts.append(text)
    return "|".join(parts) or r"(?!x)x"


class Typography:
    """The typographic rules of one edition language."""

    def __init__(self, tag: str, after: Iterable[str] = (), before: Iterable[str] = ()) -> None:
        self.tag = tag
        self.marks = quotes_for(tag)
        cldr_after, cldr_before = _cldr_words(tag)
        self._after = re.compile(r"(\d) (" + _alternation(set(after) | cldr_after, "after") + ")")
        self._before = re.compile("(" + _alternation(set(before) | cldr_before, "before")
                                  + r") (?=\d)")
        self._prose: dict[str, str] = {}  # text -> typeset, kept as long as the typography

    def prose(self, text: str) -> str:
        """Return edition text from data with the locale's quotes and number glue."""
        done = self._prose.get(text)
        if done is None:
            if len(self._prose) >= _KEPT_TEXTS:
                self._prose.clear()
            done = self._prose[text] = self._typeset(text)
        return done

    def _typeset(self, text: str) -> str:
        if '"' in text or "'" in text:
            text = self.quotes(text)
        if " " in text and _DIGIT.search(text):
            text = self._after.sub(lambda m: m.group(1) + NBSP + m.group(2), text)
            text = self._before.sub(lambda m: m.group(1) + NBSP, text)
        return _LAST_TWO_HAN.sub("\\1" + WORD_JOINER + "\\2", text)

    def phrase(self, text: str) -> str:
        """Return a phrase the engine made (a quantity, a date, a label, a UI string)."""
        if '"' in text or "'" in text:
            text = self.quotes(text)
        return _ENGINE_SPACE.sub(NBSP, text) if " " in text else text

    def quotes(self, text: str) -> str:
        """Replace straight quotes and apostrophes by the locale's marks."""
        p_open, p_close, a_open, a_close = (self.marks[i] for i in range(4))
        stack: list[str] = []
        out: list[str] = []
        for i, char in enumerate(text):
            if char not in "\"'":
                out.append(char)
                continue
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < len(text) else " "
            opens_here = before.isspace() or before in _OPEN_AFTER
            closes_here = after.isspace() or after in _CLOSE_BEFORE
            if char == '"':
                if opens_here and not closes_here:
                    opening = True
                elif closes_here and not opens_here:
                    opening = False
                else:
                    opening = "p" not in stack
                if opening:
                    stack.append("p")
                elif "p" in stack:
                    del stack[len(stack) - 1 - stack[::-1].index("p"):]
                out.append(p_open if opening else p_close)
            elif before.isalnum() and after.isalnum():
                out.append(APOSTROPHE)  # don't, Yu'e
            elif opens_here and not after.isspace() and not after.isdigit():
                stack.append("a")
                out.append(a_open)
            elif stack and stack[-1] == "a" and not before.isspace():
                stack.pop()
                out.append(a_close)
            else:
                out.append(APOSTROPHE)  # investors', '90s
        return "".join(out)
