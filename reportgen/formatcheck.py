"""The phrases and units the data declares, checked before any number is: each format
prints its number once and no number of its own, and no word of another bound; each word
belongs to phrases of one bound.

A format prints beside every quantity of its unit or phrase, where no quote checks it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

from .problems import Problem
from .schema import Text

if TYPE_CHECKING:
    from .dataset import Dataset
    from .numbers import Reader

__all__ = ["check_formats", "has_word"]


def check_formats(dataset: Dataset, reader: Callable[[str], Reader]) -> list[Problem]:
    """Each phrase's format holds '{q}', each unit's '{n}', once, and no number of its own.

    A format prints beside every quantity of its unit or phrase, where no quote checks it:
    a digit, a numeral or a scale word in it ("{n}0 ha", "{q} million") would change every
    number it prints.
    """
    problems: list[Problem] = []
    for collection, slot in (("qualifiers", "{q}"), ("units", "{n}")):
        for record in dataset.records(collection):
            fmt = record.get("format")
            mark = record.marks.get("format", record.mark)
            for lang, text in (fmt.items() if isinstance(fmt, Text) else ()):
                where = f"{collection}.{record.id}.format.{lang}"
                if text.count(slot) != 1:
                    problems.append(Problem(mark, f"{where}: {text!r} has {text.count(slot)} "
                                            f"{slot}", f"write {slot} once, where the number goes"))
                    continue
                number = _number_in_pattern(reader(lang), text, slot)
                if number:
                    problems.append(Problem(
                        mark, f"{where}: {text!r} holds a number of its own ({number!r})",
                        f"the number comes from the quantity: keep only {slot} and words"))
    _check_phrase_words(dataset, problems)
    return problems


def _number_in_pattern(reader: Reader, text: str, slot: str) -> str:
    """Return a digit or numeral of ``text``, or a scale word right after its slot, or ''."""
    for char in text.replace(slot, " "):
        if unicodedata.numeric(char, None) is not None:
            return char
    # A scale word reads as part of the number before it: "{n} million", "{n}万".
    after = text.split(slot, 1)[1].lstrip().casefold()
    for word in reader.scale:
        folded = word.casefold()
        if after.startswith(folded) and (not word.isascii() or len(after) == len(folded)
                                         or not after[len(folded)].isalpha()):
            return word
    return ""


def _check_phrase_words(dataset: Dataset, problems: list[Problem]) -> None:
    """A word a source bounds numbers with belongs to phrases of one bound only."""
    seen: dict[str, tuple[str, str]] = {}
    for record in dataset.records("qualifiers"):
        bound = str(record.get("bound", ""))
        for word in record.get("words") or ():
            key = str(word).casefold()
            other = seen.setdefault(key, (bound, record.id))
            if other[0] != bound:
                problems.append(Problem(
                    record.marks.get("words", record.mark),
                    f"qualifiers.{record.id}.words: {word!r} is also a word of "
                    f"'{other[1]}' (bound {other[0]}), but this phrase's bound is {bound}",
                    "a word says one thing about the number: keep it in one phrase"))
    _check_format_words(dataset, seen, problems)


def _check_format_words(dataset: Dataset, words: dict[str, tuple[str, str]],
                        problems: list[Problem]) -> None:
    """A phrase's format prints no word the sources use for another bound: a ``gt`` phrase
    printed "about {q}" would say the opposite of its source ("about" bounds ``approx``)."""
    for record in dataset.records("qualifiers"):
        bound, fmt = str(record.get("bound", "")), record.get("format")
        # Words of its own bound first: "不低于" (at least) holds "低于" (under).
        own = sorted((w for w, (b, _) in words.items() if b == bound), key=len, reverse=True)
        for lang, text in (fmt.items() if isinstance(fmt, Text) else ()):
            printed = str(text).replace("{q}", " ").casefold()
            for word in own:
                printed = printed.replace(word, " ")
            for word, (other, owner) in words.items():
                if other != bound and has_word(printed, word):
                    problems.append(Problem(
                        record.marks.get("format", record.mark),
                        f"qualifiers.{record.id}.format.{lang}: {str(text)!r} says {word!r}, "
                        f"a word of '{owner}' (bound {other}), but this phrase's bound is "
                        f"{bound}", "print the words of this phrase's own bound"))
                    break


def has_word(text: str, word: str) -> bool:
    """Whether ``word`` (casefolded) is in ``text`` as a word of its own (anywhere, for a
    script that does not space its words)."""
    at = text.find(word)
    while word and at >= 0:
        before = text[at - 1] if at else " "
        after = text[at + len(word)] if at + len(word) < len(text) else " "
        if not (_letter(word[0]) and _letter(before)) \
                and not (_letter(word[-1]) and _letter(after)):
            return True
        at = text.find(word, at + 1)
    return False


def _letter(char: str) -> bool:
    """Whether ``char`` is a letter of a script that spaces its words (not 月 or 월)."""
    return char.isalpha() and unicodedata.east_asian_width(char) not in ("W", "F")
