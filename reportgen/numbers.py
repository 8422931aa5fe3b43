"""Read numbers the way a source prints them, in the source's own language.

A :class:`Reader` finds every number of a text as a whole token: Arabic digits with the
grouping separators and decimal mark of the language (CLDR, through Babel), followed by
scale words (CLDR compact patterns — "billion", "Mrd.", "亿" — plus the project's own),
or numerals written with characters (十二, 三百五十亿) read by one algorithm from the
digits, units and group units the configuration declares. Nothing here knows a language:
every word and character comes from CLDR or from the configuration.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from babel import Locale

    from .config import Config

__all__ = [
    "CONTROL_CANDIDATES",
    "Numerals",
    "Reader",
    "Readers",
    "Token",
    "babel_locale",
    "cldr_scale_words",
    "control_characters",
    "numeral_value",
    "source_language",
]

# Separators that print as a (narrow) space: a source may use any of them for grouping.
_SPACES = frozenset("\u00a0\u202f\u2009")
# Space a source may put between a number and its scale word ("2.8 billion", "1,5 Mrd.").
_GAP = frozenset(" \u00a0\u202f\u2009")
_APOSTROPHES = frozenset("'’")
_KEPT_TEXTS = 50_000  # texts whose numbers a reader keeps (then it starts afresh)


@functools.lru_cache(maxsize=64)
def babel_locale(tag: str) -> Locale:
    """Return Babel's locale for a BCP 47 tag (``zh-Hans``, ``de``, ``en_GB``).

    Raise ValueError saying why when CLDR has no data for it.
    """
    from babel import Locale, UnknownLocaleError

    if not tag or not all(part.isascii() and part.isalnum()
                          for part in tag.replace("_", "-").split("-")):
        raise ValueError(f"{tag!r} is not a language tag (BCP 47, e.g. en, de, zh-Hans)")
    try:
        return Locale.parse(tag.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"no CLDR locale data for {tag!r} ({exc}); reportgen prints numbers "
                         "and dates with Babel, which knows the languages of CLDR") from None


def source_language(config: Config, seed: str) -> str:
    """Return the language a seed is written in: its override, else ``source_language``."""
    return (config.seed_languages.get(seed) or config.source_language
            or (config.languages[0] if config.languages else "en"))


def control_characters(text: str) -> Iterator[tuple[int, str]]:
    """Yield (index, description) of every format or bidi control character in ``text``.

    Zero-width and direction controls (Unicode category Cf) are invisible: they can hide
    a digit's neighbours or reorder what a reader sees, so text may not hold them.
    """
    if text.isascii():
        return
    for match in CONTROL_CANDIDATES.finditer(text):
        char = match.group()
        if unicodedata.category(char) == "Cf":
            yield match.start(), f"U+{ord(char):04X} {unicodedata.name(char, 'format control')}"


# The blocks that hold every format control (category Cf) of Unicode 15.1, a little wider;
# each match is confirmed by its category. tests/test_numbers.py checks that every Cf
# character of the running Python's Unicode database is among them.
CONTROL_CANDIDATES = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001345f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]")


@dataclass(frozen=True)
class Numerals:
    """Numerals written with characters: digit values, units and group units.

    ``units`` multiply the digit before them (十 百 千); ``groups`` multiply everything
    before them that is smaller (万 亿). Declared per language in the configuration.
    """

    digits: Mapping[str, float] = field(default_factory=dict)
    units: Mapping[str, float] = field(default_factory=dict)
    groups: Mapping[str, float] = field(default_factory=dict)

    def kind(self, char: str) -> str:
        """Return 'd', 'u', 'g' or '' for a digit, unit, group unit or other character."""
        if char in self.digits:
            return "d"
        if char in self.units:
            return "u"
        if char in self.groups:
            return "g"
        return ""


def numeral_value(items: list[tuple[str, float]]) -> float:
    """Read a numeral from its items: ('d', digit), ('n', Arabic number), ('u', unit), ('g', group).

    十二 = 12, 三百五十亿 = 3.5e10, 一亿五千万 = 1.5e8, 百万亿 = 1e14, 二〇一三 = 2013.
    """
    result = section = 0.0
    number: float | None = None
    after_digit = False
    largest = 0.0
    for kind, value in items:
        if kind == "d":
            number = number * 10 + value if number is not None and after_digit else value
            after_digit = True
            continue
        after_digit = False
        if kind == "n":
            number = value
        elif kind == "u":
            section += (1.0 if number is None else number) * value
            number = None
        else:  # a group unit multiplies what precedes it, up to the last larger group
            part = section + (number or 0.0)
            if value > largest:
                base = result + part
                result = (base or 1.0) * value
                largest = value
            else:
                result += (part or 1.0) * value
            section, number = 0.0, None
    return result + section + (number or 0.0)


@dataclass(frozen=True)
class Token:
    """One number of a text: where it is, what it says and what it reads as."""

    start: int
    end: int
    value: float
    arabic: bool  # written with digits (0-9 or another script's decimal digits)
    unit_chars: int  # numeral units and group units among its characters

    @property
    def incidental(self) -> bool:
        """Return whether a reader would not take this token for a figure (一, 两, 十).

        A numeral without digits counts only when it is at least two characters long and
        has a unit: 十二, 两千, 三百五十亿, but not 一 in 统一 or 十 in 十年.
        """
        return not self.arabic and (self.end - self.start < 2 or self.unit_chars == 0)


@dataclass
class Reader:
    """Find and read the numbers of texts in one language."""

    tag: str
    decimal: str
    groups: frozenset[str]
    grouping: tuple[int, int]
    scale: dict[str, float]
    numerals: Numerals | None = None
    minus: frozenset[str] = frozenset("-\u2212")
    _words: list[str] = field(default_factory=list, repr=False)
    _start: re.Pattern[str] = field(default=re.compile(r"\d"), repr=False)
    _initials: frozenset[str] = field(default=frozenset(), repr=False)
    _read: dict[str, tuple[Token, ...]] = field(default_factory=dict, repr=False,
                                               compare=False)

    def __post_init__(self) -> None:
        self._words = sorted(self.scale, key=len, reverse=True)
        self._initials = frozenset(w[0].casefold() for w in self._words if w)
        chars = "" if self.numerals is None else "".join(
            [*self.numerals.digits, *self.numerals.units, *self.numerals.groups])
        self._start = re.compile(r"\d" + "".join(f"|{re.escape(c)}" for c in chars))

    def tokens(self, text: str) -> list[Token]:
        """Return every number in ``text`` as a whole token, left to right.

        The answers are kept (a warm session reads the same texts after every edit).
        """
        found = self._read.get(text)
        if found is None:
            if len(self._read) >= _KEPT_TEXTS:
                self._read.clear()
            found = self._read[text] = tuple(self._tokens(text))
        return list(found)

    def _tokens(self, text: str) -> list[Token]:
        out: list[Token] = []
        i = 0
        while True:
            match = self._start.search(text, i)
            if match is None:
                return out
            token = self._token(text, match.start())
            if token is None:
                i = match.start() + 1
                continue
            out.append(self._signed(text, token))
            i = token.end

    def _signed(self, text: str, token: Token) -> Token:
        """Return ``token`` negated when a minus sign stands before it (not "2011-2025")."""
        at = token.start - 1
        if at < 0 or text[at] not in self.minus or (at > 0 and text[at - 1].isalnum()):
            return token
        return Token(at, token.end, -token.value, token.arabic, token.unit_chars)

    def read(self, text: str) -> list[Token]:
        """Return the tokens of ``text`` a reader takes for figures."""
        return [t for t in self.tokens(text) if not t.incidental]

    # --- one token ---

    def _token(self, text: str, start: int) -> Token | None:
        items: list[tuple[str, float]] = []
        units = 0
        i = start
        arabic = False
        while i < len(text):
            char = text[i]
            if char.isdecimal():
                if items and items[-1][0] == "n":
                    break
                value, i = self._arabic(text, i)
                items.append(("n", value))
                arabic = True
                continue
            kind = self.numerals.kind(char) if self.numerals is not None else ""
            if not kind:
                break
            assert self.numerals is not None
            table = {"d": self.numerals.digits, "u": self.numerals.units,
                     "g": self.numerals.groups}[kind]
            items.append((kind, float(table[char])))
            units += kind != "d"
            i += 1
        if not items:
            return None
        value = items[0][1] if len(items) == 1 and items[0][0] == "n" else numeral_value(items)
        end = i
        while True:
            factor, after = self._scale_word(text, end)
            if not factor:
                break
            value *= factor
            end = after
            units += 1
        if not math.isfinite(value):
            return None
        return Token(start, end, value, arabic, units)

    def _arabic(self, text: str, start: int) -> tuple[float, int]:
        """Read digits with grouping and a decimal part; return the value and the end."""
        i = _digits_end(text, start)
        whole = _ascii(text[start:i])
        groups = self._grouped(text, i, len(whole))
        for group in groups:
            whole += _ascii(group[1:])
            i += len(group)
        digits = whole
        if i + 1 < len(text) and text[i] == self.decimal and text[i + 1].isdecimal():
            end = _digits_end(text, i + 1)
            digits += "." + _ascii(text[i + 1:end])
            i = end
        return float(digits), i

    def _grouped(self, text: str, at: int, first: int) -> list[str]:
        """Return the groups ("," + digits) that continue a number, as the language groups."""
        primary, secondary = self.grouping
        found: list[str] = []
        i = at
        while i + 1 < len(text) and text[i] in self.groups and text[i + 1].isdecimal():
            end = _digits_end(text, i + 1)
            found.append(text[i:end])
            i = end
        # Grouping holds when the last group has `primary` digits, the others `secondary`
        # and the first run no more than that: 1,998,998 and 12,34,567 but not 2024,2025.
        while found:
            sizes = [len(g) - 1 for g in found]
            if (sizes[-1] == primary and all(s == secondary for s in sizes[:-1])
                    and 1 <= first <= (secondary if len(found) > 1 else primary)):
                return found
            found.pop()
        return []

    def _scale_word(self, text: str, at: int) -> tuple[float, int]:
        """Return (factor, end) of a scale word at ``at``, or (0, at) when none follows.

        A space may stand between number and word when it binds them (no-break space, as
        CLDR prints "1,5 Mrd.") or the word is long enough not to be a letter of its own
        ("2.8 billion"; not "2025 M&A").
        """
        gap = at < len(text) and text[at] in _GAP
        i = at + 1 if gap else at
        if i >= len(text) or text[i].casefold() not in self._initials:
            return 0.0, at
        for word in self._words:
            piece = text[i:i + len(word)]
            if piece != word and not (len(word) >= 4 and piece.casefold() == word.casefold()):
                continue
            if gap and text[at] == " " and len(word) < 3 and not _wide(word[0]):
                continue
            end = i + len(word)
            if word[-1].isalpha() and not _wide(word[-1]) and end < len(text) \
                    and text[end].isalpha():
                continue  # "2.8 billions" or "5 Monate": the word goes on
            return self.scale[word], end
        return 0.0, at


_DIGITS = re.compile(r"\d+")


def _digits_end(text: str, start: int) -> int:
    match = _DIGITS.match(text, start)
    return match.end() if match else start


def _ascii(digits: str) -> str:
    """Return decimal digits of any script as ASCII digits (full-width digits too)."""
    if digits.isascii():
        return digits
    return "".join(str(unicodedata.decimal(c)) for c in digits)


def _wide(char: str) -> bool:
    """Return whether ``char`` is written without spaces around words (CJK, kana …)."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def cldr_scale_words(locale: Locale) -> dict[str, float]:
    """Return the scale words of CLDR's compact decimal patterns: 'billion': 1e9, '亿': 1e8."""
    words: dict[str, float] = {}
    formats: Any = locale.compact_decimal_formats
    for style in ("long", "short"):
        for forms in (formats.get(style) or {}).values():
            for magnitude, pattern in forms.items():
                text = getattr(pattern, "pattern", str(pattern)).split(";")[0]
                zeros = text.count("0")
                word = text.replace("'", "").replace("0", "").strip(" \u00a0\u202f")
                if not word or not zeros or not magnitude.isdigit():
                    continue
                words.setdefault(word, float(magnitude) / 10 ** (zeros - 1))
    return words


_KEPT_READERS: dict[str, Readers] = {}


class Readers:
    """A :class:`Reader` per language, built from CLDR and the project's number settings."""

    def __init__(self, scale_words: Mapping[str, float] | None = None,
                 numerals: Mapping[str, Numerals] | None = None) -> None:
        self.scale_words = dict(scale_words or {})
        self.numerals = dict(numerals or {})
        self._readers: dict[str, Reader] = {}

    @classmethod
    def from_config(cls, config: Config) -> Readers:
        """Return the readers for a project's ``scale_words`` and ``numerals``.

        The same settings give the same readers, kept: a warm session's next gather finds
        the texts they read before already read.
        """
        key = repr((sorted(config.scale_words.items()),
                    sorted((lang, sorted((k, sorted(v.items())) for k, v in spec.items()))
                           for lang, spec in config.numerals.items())))
        if key not in _KEPT_READERS:
            numerals = {lang: Numerals(spec.get("digits", {}), spec.get("units", {}),
                                       spec.get("groups", {}))
                        for lang, spec in config.numerals.items()}
            _KEPT_READERS.clear()
            _KEPT_READERS[key] = cls(config.scale_words, numerals)
        return _KEPT_READERS[key]

    def __call__(self, tag: str) -> Reader:
        """Return the reader for language ``tag``."""
        reader = self._readers.get(tag)
        if reader is None:
            reader = self._readers[tag] = self._make(tag)
        return reader

    def _make(self, tag: str) -> Reader:
        from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

        locale = babel_locale(tag)
        group = get_group_symbol(locale)
        groups = frozenset(_SPACES if group in _SPACES else _APOSTROPHES if group in _APOSTROPHES
                           else {group})
        pattern: Any = locale.decimal_formats.get(None)
        grouping = tuple(pattern.grouping) if pattern is not None else (3, 3)
        scale = cldr_scale_words(locale)
        scale.update(self.scale_words)
        numerals = self._numerals(tag, locale)
        minus = frozenset({"-", "\u2212", *(c for c in get_minus_sign_symbol(locale)
                                             if unicodedata.category(c) != "Cf")})
        return Reader(tag, get_decimal_symbol(locale), groups,
                      (int(grouping[0]), int(grouping[1])), scale, numerals, minus)

    def _numerals(self, tag: str, locale: Locale) -> Numerals | None:
        for key in (tag, tag.replace("_", "-"), str(locale).replace("_", "-"), locale.language):
            if key in self.numerals:
                return self.numerals[key]
        return None
