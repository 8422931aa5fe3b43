"""Verify that every fact is quoted from its seed: quotes, stated numbers and qualifiers,
dates, numbers in prose and glosses, against the seeds (``seeds.py``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .dataset import Dataset
from .formatcheck import check_formats, has_word
from .formats import edition_locale
from .kept import Checked, Kept
from .numbers import CONTROL_CANDIDATES, Readers, control_characters, source_language
from .phrases import Phrases, Quote, check_quantity, number_text
from .problems import Mark, Problem
from .references import INLINE_REF
from .schema import Date, FieldSpec, Quantity, Record, Source, Text
from .seeds import CONTROL_HINT, Seeds, fold

if TYPE_CHECKING:
    from .config import Config

__all__ = ["MIN_QUOTE", "check_provenance"]

# A quote holds at least this many letters or digits ("T+0赎回"): a shorter one ("。")
# occurs anywhere and proves nothing.
MIN_QUOTE = 4
_LONG_ENOUGH = re.compile(r"(?:[^\W_][\W_]*){" + str(MIN_QUOTE) + "}")


@dataclass
class _Check:
    """What checking one dataset needs, and the problems found so far."""

    dataset: Dataset
    seeds: Seeds
    config: Config
    readers: Readers
    phrases: Phrases
    problems: list[Problem] = field(default_factory=list)
    quotes: dict[int, list[Quote]] = field(default_factory=dict)
    read: dict[tuple[str, str], Quote] = field(default_factory=dict)

    def fail(self, mark: Mark, message: str, hint: str = "") -> None:
        self.problems.append(Problem(mark, message, hint))


def check_provenance(dataset: Dataset, seeds: Seeds, config: Config,
                     kept: Kept | None = None) -> list[Problem]:
    """Check quotes, stated numbers and qualifiers, dates and numbers in prose against the seeds.

    ``kept`` (a long-lived process, one configuration) holds what the last check of each
    record found: a record read as before, checked against the same seeds and phrases and
    naming the same records, is not checked again (``kept.Kept.check``).
    """
    check = _Check(dataset, seeds, config, Readers.from_config(config),
                   Phrases.of(dataset.records("qualifiers"), dataset.records("units")))
    check.problems.extend(check_formats(
        dataset, lambda lang: check.readers(edition_locale(config, lang))))
    shared = kept.shared(_shared_reads(dataset, seeds, kept)) if kept is not None else ()

    def target(rid: str) -> Any:  # what an inline reference names, as kept
        found = dataset.by_id.get(rid)
        origin = kept.origin(found) if found is not None and kept is not None else None
        return rid if found is None else found if origin is None else origin

    for records in dataset.collections.values():
        for record in records:
            known = kept.check(record, shared, target) if kept is not None else None
            if known is None:
                fields = list(dataset.fields(record))
                start = len(check.problems)
                settled = _check_one(check, record, fields)
                if kept is not None:
                    named = _named(fields)
                    kept.keep_check(record, Checked(shared, named, tuple(map(target, named)),
                                                    check.problems[start:], settled))
                continue
            check.problems.extend(known.problems)
            if known.settled is not None:
                _settle(dataset, record, _replay(known.settled))
    return check.problems


def _replay(settled: list[Quantity]) -> Callable[[Quantity], Quantity]:
    """Settle a record's quantities as its last check did, in the same field order."""
    again = iter(settled)
    return lambda _: next(again)


def _check_one(check: _Check, record: Record, fields: list[tuple[FieldSpec, Any]]
               ) -> list[Quantity] | None:
    """Check one record; return its quantities as settled (None: none was settled)."""
    _check_controls(check, record, fields)
    if record.collection == "coverage_exclusions":
        _check_exclusion(record, check.seeds, check.problems)
        return None
    return _check_record(check, record, fields)


def _shared_reads(dataset: Dataset, seeds: Seeds, kept: Kept) -> tuple[Any, ...]:
    """What every record's check reads besides the record: the seeds (by name and text)
    and the phrases and units (the records they were copied from)."""
    phrases = [kept.origin(r) for name in ("qualifiers", "units") for r in dataset.records(name)]
    return (*(part for item in seeds.folded.items() for part in item), None, *phrases, None)


def _named(fields: list[tuple[FieldSpec, Any]]) -> tuple[str, ...]:
    """The ids the inline references of a record's texts name."""
    return tuple(match.group(1) for _, value in fields if isinstance(value, Text)
                 for text in value.values() for match in INLINE_REF.finditer(text))


def _check_controls(check: _Check, record: Record, fields: list[tuple[FieldSpec, Any]]) -> None:
    """Refuse invisible format and direction controls in every text of ``record``."""
    found = [(spec, mark, where, text) for spec, value in fields
             for mark, where, text in _strings(record, spec, value)]
    joined = "\n".join(text for *_, text in found)
    if joined.isascii() or not CONTROL_CANDIDATES.search(joined):
        return  # the common case, answered by one search of all the record's texts
    for spec, mark, where, text in found:
        hits = list(control_characters(text))
        if hits:
            index, name = hits[0]
            more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
            check.fail(mark, f"{record.id or record.collection}.{spec.name}{where}: "
                       f"invisible control character {name} at character {index + 1}{more}",
                       CONTROL_HINT)


def _strings(record: Record, spec: FieldSpec, value: Any) -> list[tuple[Mark, str, str]]:
    """Return (mark, where, text) for every string a field value holds."""
    mark = record.marks.get(spec.name, record.mark)
    if isinstance(value, str):
        return [(mark, "", value)]
    if isinstance(value, Text):
        return [(mark, f".{lang}", text) for lang, text in value.items()]
    if isinstance(value, Source):
        gloss = getattr(value, "gloss", None)
        return [(value.mark, ".quote", value.quote), (value.mark, ".seed", value.seed)] + [
            (value.mark, f".gloss.{lang}", str(text))
            for lang, text in (gloss.items() if isinstance(gloss, dict) else ())]
    if isinstance(value, Quantity):
        return [(value.mark, ".stated", value.stated), (value.mark, ".unit", value.unit),
                (value.mark, ".phrase", value.phrase)]
    return []


def _check_exclusion(record: Record, seeds: Seeds, problems: list[Problem]) -> None:
    seed, quote = record.get("seed", ""), record.get("quote", "")
    if seed not in seeds.texts:
        problems.append(Problem(record.marks.get("seed", record.mark), f"unknown seed {seed!r}",
                                "expected one of " + ", ".join(seeds.texts)))
    elif not seeds.contains(seed, quote):
        problems.append(Problem(record.marks.get("quote", record.mark),
                                f"excluded sentence not found in {seed}", "copy it verbatim"))


def _quotes(check: _Check, record: Record, fields: list[tuple[FieldSpec, Any]] | None = None,
            report: bool = False) -> list[Quote]:
    """Return the record's quotes found in their seeds (reporting the others once)."""
    known = check.quotes.get(id(record))
    if known is not None:
        return known
    quotes: list[Quote] = []
    for spec, value in fields if fields is not None else check.dataset.fields(record):
        if spec.type != "source" or not isinstance(value, Source):
            continue
        source, seeds = value, check.seeds
        if report and not _LONG_ENOUGH.search(source.quote):
            letters = sum(ch.isalnum() for ch in source.quote)
            check.fail(source.mark, f"quote too short: {source.quote!r} ({letters} letters "
                       f"or digits)", f"quote at least {MIN_QUOTE} letters or digits of the "
                       "sentence that states the fact")
        elif source.seed not in seeds.texts:
            if report:
                check.fail(source.mark, f"unknown seed {source.seed!r}",
                           "expected one of " + ", ".join(seeds.texts))
        elif (offset := seeds.find(source.seed, source.quote)) < 0:
            if report:
                check.fail(source.mark, f"quote not found in {source.seed}: "
                           f"{_short(source.quote)}", "quote the seed verbatim, in its own script")
        else:
            quotes.append(_quote(check, source.seed, source.quote, offset))
    if report:
        check.quotes[id(record)] = quotes
    return quotes


def _quote(check: _Check, seed: str, quote: str, offset: int) -> Quote:
    """Return a quote read in its seed's language (once per seed and quote)."""
    key = (seed, quote)
    found = check.read.get(key)
    if found is None:
        text = fold(quote)
        reader = check.readers(source_language(check.config, seed))
        found = check.read[key] = Quote(seed, text, reader, tuple(reader.tokens(text)),
                                        check.seeds.folded[seed], offset)
    return found


def _check_record(check: _Check, record: Record, fields: list[tuple[FieldSpec, Any]]
                  ) -> list[Quantity] | None:
    quotes = _quotes(check, record, fields, report=True)
    if not check.dataset.quoted(record):
        return None  # plain data (provenance: none): its numbers are simply numbers
    label = record.id or record.collection
    settled: list[Quantity] = []

    def settle(q: Quantity) -> Quantity:
        settled.append(check_quantity(label, q, quotes, check.phrases, check.problems))
        return settled[-1]

    _settle(check.dataset, record, settle)
    values = {t.value for q in quotes for t in q.tokens}
    for spec, value in fields:
        mark = record.marks.get(spec.name, record.mark)
        if isinstance(value, Date) and spec.provenance != "external":
            _check_date(check, f"{label}.{spec.name}", mark, value, quotes, values)
        elif isinstance(value, Text) and spec.numbers != "free":
            for lang, text in value.items():
                _check_prose(check, f"{label}.{spec.name}.{lang}", mark, lang, text, values)
        elif isinstance(value, Source):
            _check_gloss(check, label, value)
    return settled


def _check_date(check: _Check, where: str, mark: Mark, date: Date, quotes: list[Quote],
                values: set[float]) -> None:
    """A date's year, month and day are each stated by the record's quotes: as numbers,
    or the month by its name in the quote's language ("October 2023", "2023年10月")."""
    hint = "quote the sentence that states it, or mark the field 'provenance: external'"
    if not _stated_in(date.year, values):
        check.fail(mark, f"{where}: year {date.year} is not in the record's quotes", hint)
        return
    if date.month and not _stated_in(date.month, values) \
            and not any(_names_month(q, date.month) for q in quotes):
        check.fail(mark, f"{where}: month {date.month} of {date} is not in the record's "
                   "quotes (as a number or by its name)", hint)
    elif date.day and not _stated_in(date.day, values):
        check.fail(mark, f"{where}: day {date.day} of {date} is not in the record's quotes",
                   hint)


def _names_month(quote: Quote, month: int) -> bool:
    """Whether ``quote`` writes the name of ``month`` in its language (CLDR: full or
    abbreviated, in a date or alone), as a word of its own."""
    from babel.dates import get_month_names

    from .numbers import babel_locale

    locale = babel_locale(quote.reader.tag)
    text = quote.text.casefold()
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            if has_word(text, str(get_month_names(width, context, locale)[month]).casefold()):
                return True
    return False


def _check_prose(check: _Check, where: str, mark: Mark, lang: str, text: str,
                 values: set[float]) -> None:
    """Every number of ``text`` (labels of references included) is a number of the quotes."""
    reader = check.readers(edition_locale(check.config, lang))
    prose = INLINE_REF.sub(" ", text)
    for token in reader.read(prose):
        said = prose[token.start:token.end]
        if not _stated_in(token.value, values):
            check.fail(mark, f"{where}: number {_said(said, token.value)} is not in the "
                       "record's quotes",
                       "write it as an inline reference [[id]] to the record that states it")
    for match in INLINE_REF.finditer(text):
        rid, label = match.group(1), match.group(2)
        target = check.dataset.by_id.get(rid)
        if not label or target is None:
            continue
        tokens = reader.read(label)
        if not tokens:
            continue
        if any(isinstance(v, Quantity) for v in target.values()):
            check.fail(mark, f"{where}: the label of {match.group(0)!r} states a number; a "
                       "reference to a quantity prints the quantity itself",
                       f"write [[{rid}]]")
            continue
        allowed = values | {t.value for q in _quotes(check, target) for t in q.tokens}
        for token in tokens:
            if not _stated_in(token.value, allowed):
                check.fail(mark, f"{where}: number {label[token.start:token.end]!r} in the "
                           f"label of {match.group(0)!r} is not in the quotes",
                           "drop the number from the label, or quote the sentence that states it")


def _check_gloss(check: _Check, label: str, source: Source) -> None:
    """Numbers of a source's gloss (its translation) are numbers of its quote."""
    gloss = getattr(source, "gloss", None)
    if not isinstance(gloss, dict) or not check.seeds.contains(source.seed, source.quote):
        return
    quote_reader = check.readers(source_language(check.config, source.seed))
    values = {t.value for t in quote_reader.tokens(fold(source.quote))}
    for lang, text in gloss.items():
        reader = check.readers(edition_locale(check.config, lang))
        for token in reader.read(str(text)):
            if not _stated_in(token.value, values):
                check.fail(source.mark, f"{label}: gloss.{lang}: number "
                           f"{_said(str(text)[token.start:token.end], token.value)} is not a "
                           "number of its quote",
                           "translate the numbers the quote states, and no others")


def _said(text: str, value: float) -> str:
    """Return a number as written, with what it reads as when that is not plain: '1,998,998'."""
    plain = number_text(value)
    return plain if text == plain else f"{text!r} (reads as {plain})"


def _stated_in(value: float, values: set[float]) -> bool:
    """Return whether ``value`` is one of ``values`` (up to float rounding and sign: prose
    says "fell 5%" of a quote's "-5%")."""
    value = abs(value)
    return value in values or -value in values or any(_same(value, abs(v)) for v in values)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _settle(dataset: Dataset, record: Record, settle: Callable[[Quantity], Quantity]) -> None:
    """Replace every quantity of ``record`` by ``settle(quantity)``, nested ones included."""
    spec = dataset.spec(record.collection)
    for name, sub in spec.fields.items():
        if name in record:
            record[name] = _settle_value(record[name], sub, settle)


def _settle_value(value: Any, spec: FieldSpec, settle: Callable[[Quantity], Quantity]) -> Any:
    if isinstance(value, Quantity):
        return settle(value)
    if spec.type == "list" and spec.of is not None and isinstance(value, list):
        value[:] = [_settle_value(v, spec.of, settle) for v in value]
    elif spec.type == "object" and isinstance(value, dict) and not isinstance(value, Record):
        for name, sub in spec.fields.items():
            if name in value:
                value[name] = _settle_value(value[name], sub, settle)
    return value


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
