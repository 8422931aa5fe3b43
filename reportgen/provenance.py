"""Verify that every fact is quoted from its seed and report which sentences are cited."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .dataset import INLINE_REF, Dataset
from .files import MAX_SEED_BYTES, read_text
from .problems import Mark, Problem, ReportError
from .schema import Date, Quantity, Record, Source, Text

__all__ = ["Coverage", "Seeds", "check_provenance", "coverage", "load_seeds", "read_number"]

_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")
# A sentence counts as cited when a quote shares at least this many characters with it
# (or all of it, when it is shorter): long enough that chance overlaps don't count.
_MIN_OVERLAP = 6


def _fold(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


@dataclass
class Seeds:
    """Source texts by file name, with white space folded for matching."""

    texts: dict[str, str] = field(default_factory=dict)
    folded: dict[str, str] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)

    def contains(self, seed: str, quote: str) -> bool:
        """Return whether ``quote`` occurs verbatim in ``seed`` (white space folded)."""
        return _fold(quote) in self.folded.get(seed, "")


def load_seeds(folder: Path, display: str, required: bool = True
               ) -> tuple[Seeds, list[Problem]]:
    """Read every ``*.txt`` of ``folder`` as UTF-8 (safely: see :mod:`reportgen.files`).

    ``required`` false: a dataset that cites no seed builds without any.
    """
    seeds, problems = Seeds(), []
    listed = sorted(p for p in folder.glob("*.txt") if not p.name.startswith(".")) \
        if folder.is_dir() else []
    for path in listed:
        try:
            text = read_text(path, folder, f"{display}/{path.name}", MAX_SEED_BYTES)
        except ReportError as exc:
            problems.extend(exc.problems)
            continue
        seeds.texts[path.name] = text
        seeds.folded[path.name] = _fold(text)
        seeds.paths[path.name] = path
    if not seeds.texts and not problems and required:
        problems.append(Problem(Mark(display), "no seed texts (*.txt) found",
                                "copy the source articles into the seeds folder"))
    return seeds, problems


def read_number(stated: str, scale_words: Mapping[str, float]) -> float | None:
    """Read a stated number: Arabic digits, then scale characters that multiply it."""
    match = _DIGITS.search(stated)
    if match:
        value, rest = float(match.group()), stated[match.end():]
        for char in rest:
            if char not in scale_words:
                break
            value *= scale_words[char]
        return value
    run = [c for c in _first_run(stated, scale_words)]
    if not run:
        return None
    value = 1.0
    for char in run:
        value *= scale_words[char]
    return value


def _first_run(text: str, words: Mapping[str, float]) -> str:
    start = next((i for i, c in enumerate(text) if c in words), None)
    if start is None:
        return ""
    end = start
    while end < len(text) and text[end] in words:
        end += 1
    return text[start:end]


def check_provenance(dataset: Dataset, seeds: Seeds,
                     scale_words: Mapping[str, float]) -> list[Problem]:
    """Check quotes, stated numbers, dates and digits in prose against the seeds."""
    problems: list[Problem] = []
    for records in dataset.collections.values():
        for record in records:
            if record.collection == "coverage_exclusions":
                _check_exclusion(record, seeds, problems)
            else:
                _check_record(dataset, record, seeds, scale_words, problems)
    return problems


def _check_exclusion(record: Record, seeds: Seeds, problems: list[Problem]) -> None:
    seed, quote = record.get("seed", ""), record.get("quote", "")
    if seed not in seeds.texts:
        problems.append(Problem(record.marks.get("seed", record.mark), f"unknown seed {seed!r}",
                                "expected one of " + ", ".join(seeds.texts)))
    elif not seeds.contains(seed, quote):
        problems.append(Problem(record.marks.get("quote", record.mark),
                                f"excluded sentence not found in {seed}", "copy it verbatim"))


def _check_record(dataset: Dataset, record: Record, seeds: Seeds,
                  scale_words: Mapping[str, float], problems: list[Problem]) -> None:
    sources = [v for spec, v in dataset.fields(record) if spec.type == "source"
               and isinstance(v, Source)]
    quotes = []
    for source in sources:
        if source.seed not in seeds.texts:
            problems.append(Problem(source.mark, f"unknown seed {source.seed!r}",
                                    "expected one of " + ", ".join(seeds.texts)))
        elif not seeds.contains(source.seed, source.quote):
            problems.append(Problem(source.mark, f"quote not found in {source.seed}: "
                                    f"{_short(source.quote)}",
                                    "quote the seed verbatim, in its own script"))
        else:
            quotes.append(_fold(source.quote))
    if not dataset.quoted(record):
        return  # plain data (provenance: none): its numbers are simply numbers
    label = record.id or record.collection
    for spec, value in dataset.fields(record):
        mark = record.marks.get(spec.name, record.mark)
        if isinstance(value, Quantity):
            _check_quantity(label, value, quotes, scale_words, problems)
        elif isinstance(value, Date) and spec.provenance != "external":
            if not any(str(value.year) in q for q in quotes):
                problems.append(Problem(mark, f"{label}.{spec.name}: year {value.year} is not "
                                        "in the record's quotes",
                                        "quote the sentence that states it, or mark the field "
                                        "'provenance: external'"))
        elif isinstance(value, Text) and spec.numbers != "free":
            for lang, text in value.items():
                for number in _digits(text):
                    if not any(number in q for q in quotes):
                        problems.append(Problem(mark, f"{label}.{spec.name}.{lang}: number "
                                                f"{number} is not in the record's quotes",
                                                "write it as an inline reference [[id]] to "
                                                "the record that states it"))


def _check_quantity(label: str, q: Quantity, quotes: list[str],
                    scale_words: Mapping[str, float], problems: list[Problem]) -> None:
    if not any(_fold(q.stated) in quote for quote in quotes):
        problems.append(Problem(q.mark, f"{label}: stated {q.stated!r} is not in the record's "
                                "quotes", "copy the number as the seed writes it"))
        return
    read = read_number(q.stated, scale_words)
    if read is None or abs(read - q.value) > 1e-9 * max(1.0, abs(q.value)):
        problems.append(Problem(q.mark, f"{label}: stated {q.stated!r} reads as {read}, but "
                                f"value is {q.value:g}", "make value match what the seed states"))


def _digits(text: str) -> Iterator[str]:
    return (m.group() for m in _DIGITS.finditer(INLINE_REF.sub(" ", text)))


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# --- coverage ------------------------------------------------------------------------


@dataclass
class Coverage:
    """Per seed: how many sentences are cited, excluded, and which are neither."""

    seed: str
    total: int
    cited: int
    excluded: list[tuple[str, str]]
    uncited: list[str]


def coverage(dataset: Dataset, seeds: Seeds) -> list[Coverage]:
    """Report, per seed, the sentences no quote overlaps."""
    quotes: dict[str, list[str]] = {name: [] for name in seeds.texts}
    for records in dataset.collections.values():
        for record in records:
            if record.collection == "coverage_exclusions":
                continue
            for spec, value in dataset.fields(record):
                if spec.type == "source" and isinstance(value, Source) and value.seed in quotes:
                    quotes[value.seed].append(_fold(value.quote))
    exclusions = [(r.get("seed", ""), _fold(r.get("quote", "")), r.get("reason", ""))
                  for r in dataset.records("coverage_exclusions")]
    report = []
    for name, text in seeds.texts.items():
        sentences = [_fold(s) for s in _SENTENCE_END.split(text) if _is_sentence(s)]
        cited, excluded, uncited = 0, [], []
        for sentence in sentences:
            if any(_overlaps(sentence, q) for q in quotes[name]):
                cited += 1
                continue
            reason = next((why for seed, quote, why in exclusions
                           if seed == name and (quote in sentence or sentence in quote)), None)
            if reason is not None:
                excluded.append((sentence, reason))
            else:
                uncited.append(sentence)
        report.append(Coverage(name, len(sentences), cited, excluded, uncited))
    return report


def _is_sentence(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _overlaps(sentence: str, quote: str) -> bool:
    need = min(len(sentence), _MIN_OVERLAP)
    if quote in sentence or sentence in quote:
        return len(quote) >= need
    # A quote may span two sentences: check whether its start or end lies in this one.
    return any(quote[:k] in sentence or quote[-k:] in sentence
               for k in (max(need, min(len(quote), 12)),))
