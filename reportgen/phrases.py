"""Check a stated quantity against its quote: the whole number, its value and its qualifier.

A quantity's ``stated`` must be a whole number of the quote (not "500万" inside "3500万"),
read in the seed's language to its ``value``; the words beside that number in the source
(超过, 以上, 低至, about, at least …) name a qualifier phrase of the ``qualifiers``
collection, whose bound must be the quantity's ``qualifier``. The phrase found is kept on
the quantity, so each edition prints the source's own wording.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from .numbers import Reader, Token
from .problems import Problem
from .schema import Quantity, Record

__all__ = ["Phrases", "Quote", "check_quantity", "number_text"]

# Characters that may stand between a number and its qualifier word besides unit words.
_PERCENT = frozenset("%％‰‱")
_CONTEXT = 48  # characters of the source looked at on each side of the number


@dataclass(frozen=True)
class Quote:
    """A quote checked against its seed, read in the seed's language."""

    seed: str
    text: str  # white space folded
    reader: Reader
    tokens: tuple[Token, ...]
    source: str  # the folded seed text
    offset: int  # where the quote starts in ``source``


@dataclass
class Phrases:
    """The ``qualifiers`` and ``units`` collections, indexed for the checks."""

    phrases: dict[str, Record]
    units: dict[str, Record]
    # (phrase id, word) by the word's last and first character, case folded
    by_last: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    by_first: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for pid, record in self.phrases.items():
            for word in map(str, record.get("words", [])):
                if word:
                    self.by_last.setdefault(word[-1].casefold(), []).append((pid, word))
                    self.by_first.setdefault(word[0].casefold(), []).append((pid, word))

    @classmethod
    def of(cls, qualifiers: Iterable[Record], units: Iterable[Record]) -> Phrases:
        """Index qualifier phrases and units by id."""
        return cls({r.id: r for r in qualifiers}, {r.id: r for r in units})

    def beside(self, source: str, start: int, end: int, unit: str) -> list[tuple[str, str]]:
        """Return (phrase id, word) for each phrase whose words stand beside source[start:end]."""
        record = self.units.get(unit)
        unit_words = [str(w) for w in (record.get("words", []) if record is not None else [])]
        before = _strip_end(source[max(0, start - _CONTEXT):start], unit_words)
        after = _strip_start(source[end:end + _CONTEXT], unit_words)
        found: list[tuple[str, str]] = []
        for side, text in (("before", before), ("after", after)):
            if not text:
                continue
            edge = (text[-1] if side == "before" else text[0]).casefold()
            index = self.by_last if side == "before" else self.by_first
            hits = [(len(word), pid, word) for pid, word in index.get(edge, ())
                    if _beside(text, word, side)]
            longest = max((n for n, _, _ in hits), default=0)
            found += [(pid, word) for n, pid, word in hits if n == longest]
        return found


def number_text(value: float) -> str:
    """Return ``value`` as a YAML number a user would write: 600000, 3.5, 5.0e11."""
    text = f"{value:.15g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa if '.' in mantissa else mantissa + '.0'}e{int(exponent)}"
    return text


def check_quantity(label: str, q: Quantity, quotes: list[Quote], phrases: Phrases,
                   problems: list[Problem]) -> Quantity:
    """Check ``q`` against the record's quotes; return it with its phrase settled."""
    if q.unit not in phrases.units:
        known = ", ".join(sorted(phrases.units)) or "none: declare them in a units collection"
        problems.append(Problem(q.mark, f"{label}: unknown unit {q.unit!r}",
                                f"expected one of: {known}"))
    pinned = phrases.phrases.get(q.phrase) if q.phrase else None
    if q.phrase and pinned is None:
        known = ", ".join(sorted(phrases.phrases)) or "none: declare them in a qualifiers collection"
        problems.append(Problem(q.mark, f"{label}: unknown qualifier phrase {q.phrase!r}",
                                f"expected one of: {known}"))
        return q
    if pinned is not None and pinned.get("bound") != q.qualifier:
        problems.append(Problem(q.mark, f"{label}: phrase {q.phrase!r} says "
                                f"{pinned.get('bound')}, but qualifier is {q.qualifier}",
                                f"pin a phrase whose bound is {q.qualifier}"))
        return q
    if not quotes:
        return q
    found = _find(label, q, quotes, problems)
    if found is None:
        return q
    quote, token = found
    if abs(token.value - q.value) > 1e-9 * max(1.0, abs(q.value), abs(token.value)):
        said = quote.text[token.start:token.end]
        problems.append(Problem(
            q.mark, f"{label}: value is {number_text(q.value)}, but the quote states "
            f"{said!r}, which reads as {number_text(token.value)} ({quote.reader.tag})",
            f"set value: {number_text(token.value)}"))
        return q
    return _settle(label, q, quote, token, phrases, problems)


def _find(label: str, q: Quantity, quotes: list[Quote],
          problems: list[Problem]) -> tuple[Quote, Token] | None:
    """Return the quote and the quote's token that ``stated`` names, or report why not."""
    stated = " ".join(q.stated.split())
    near: str = ""
    for quote in quotes:
        tokens = quote.reader.tokens(stated)
        if len(tokens) != 1:
            tokens = quote.reader.read(stated)
        if len(tokens) != 1:
            what = "no number" if not tokens else f"{len(tokens)} numbers"
            problems.append(Problem(q.mark, f"{label}: stated {q.stated!r} holds {what}",
                                    "give the one number as the seed writes it, with the words "
                                    "around it if you like"))
            return None
        own = tokens[0]
        at = quote.text.find(stated)
        while at >= 0:
            span = (at + own.start, at + own.end)
            match = next((t for t in quote.tokens if (t.start, t.end) == span), None)
            if match is not None:
                return quote, match
            around = next((t for t in quote.tokens if t.start <= span[0] < t.end
                           or span[0] <= t.start < span[1]), None)
            if around is not None and not near:
                near = quote.text[around.start:around.end]
            at = quote.text.find(stated, at + 1)
    if near:
        problems.append(Problem(q.mark, f"{label}: stated {q.stated!r} is part of the number "
                                f"{near!r} of the quote, not a number of its own",
                                "copy the whole number as the seed writes it"))
    else:
        problems.append(Problem(q.mark, f"{label}: stated {q.stated!r} is not in the record's "
                                "quotes", "copy the number as the seed writes it"))
    return None


def _settle(label: str, q: Quantity, quote: Quote, token: Token, phrases: Phrases,
            problems: list[Problem]) -> Quantity:
    """Check the qualifier against the words beside the number; keep the phrase found."""
    start, end = quote.offset + token.start, quote.offset + token.end
    beside = phrases.beside(quote.source, start, end, q.unit)
    said = quote.text[token.start:token.end]
    if beside:
        ids = [pid for pid, _ in beside]
        words = sorted({word for _, word in beside})
        fitting = [pid for pid in ids if phrases.phrases[pid].get("bound") == q.qualifier]
        if q.phrase and q.phrase not in ids:
            problems.append(Problem(q.mark, f"{label}: phrase {q.phrase!r} is pinned, but the "
                                    f"source writes {_list(words)} beside {said!r} "
                                    f"(phrase {_list(ids)})",
                                    "pin a phrase with these words, or drop 'phrase'"))
            return q
        if not fitting:
            bounds = sorted({str(phrases.phrases[pid].get("bound")) for pid in ids})
            problems.append(Problem(q.mark, f"{label}: qualifier {q.qualifier} contradicts the "
                                    f"source, which writes {_list(words)} beside {said!r} "
                                    f"(phrase {_list(ids)}: {' or '.join(bounds)})",
                                    f"set qualifier: {bounds[0]}"))
            return q
        return replace(q, phrase=q.phrase or fitting[0])
    if q.phrase or q.qualifier == "eq":
        return q
    candidates = [pid for pid, r in phrases.phrases.items() if r.get("bound") == q.qualifier]
    problems.append(Problem(q.mark, f"{label}: qualifier {q.qualifier}, but the source writes "
                            f"no qualifier word beside {said!r}",
                            "set qualifier: eq if the source states the number as such, or "
                            "pin the wording with 'phrase: <id>'"
                            + (f" ({_list(candidates)})" if candidates else "")))
    return q


def _list(items: Iterable[str]) -> str:
    return ", ".join(repr(i) for i in items)


def _beside(text: str, word: str, side: str) -> bool:
    """Return whether ``word`` ends ``text`` (before) or starts it (after), as a whole word."""
    if not word:
        return False
    n = len(word)
    piece = text[-n:] if side == "before" else text[:n]
    if len(piece) < n or piece.casefold() != word.casefold():
        return False
    if side == "before":
        edge, outer = word[0], text[-n - 1] if len(text) > n else ""
    else:
        edge, outer = word[-1], text[n] if len(text) > n else ""
    return not (_latin(edge) and outer and _latin(outer))


def _latin(char: str) -> bool:
    return char.isalpha() and unicodedata.east_asian_width(char) not in ("W", "F")


def _gap(char: str) -> bool:
    return char.isspace() or char in _PERCENT or unicodedata.category(char) == "Sc"


def _strip_end(text: str, unit_words: list[str]) -> str:
    """Drop white space, currency and percent signs and unit words from the end of ``text``."""
    for _ in range(4):
        while text and _gap(text[-1]):
            text = text[:-1]
        word = next((w for w in sorted(unit_words, key=len, reverse=True)
                     if w and text.casefold().endswith(w.casefold())), None)
        if word is None:
            break
        text = text[:-len(word)]
    return text


def _strip_start(text: str, unit_words: list[str]) -> str:
    """Drop white space, currency and percent signs and unit words from the start of ``text``."""
    for _ in range(4):
        while text and _gap(text[0]):
            text = text[1:]
        word = next((w for w in sorted(unit_words, key=len, reverse=True)
                     if w and text.casefold().startswith(w.casefold())), None)
        if word is None:
            break
        text = text[len(word):]
    return text
