"""The seeds: source texts, read safely and folded for matching, and what of them is cited.

``load_seeds`` reads every ``*.txt`` of the seeds folder; ``Seeds`` finds a quote in them
(white space folded); ``coverage`` reports, per seed, the sentences no quote overlaps.
The provenance check (``provenance.py``) matches the data's quotes against them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .dataset import Dataset
from .files import MAX_SEED_BYTES, read_text
from .numbers import control_characters
from .problems import Mark, Problem, ReportError
from .schema import Source

__all__ = ["CONTROL_HINT", "Coverage", "Seeds", "coverage", "fold", "load_seeds"]

_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")
# A sentence counts as cited when a quote shares at least this many characters with it
# (or all of it, when it is shorter): long enough that chance overlaps don't count.
_MIN_OVERLAP = 6


def fold(text: str) -> str:
    """Return ``text`` with each run of white space one space, and none at either end."""
    return _SPACE.sub(" ", text).strip()


@dataclass
class Seeds:
    """Source texts by file name, with white space folded for matching."""

    texts: dict[str, str] = field(default_factory=dict)
    folded: dict[str, str] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)

    def contains(self, seed: str, quote: str) -> bool:
        """Return whether ``quote`` occurs verbatim in ``seed`` (white space folded)."""
        return fold(quote) in self.folded.get(seed, "")

    def find(self, seed: str, quote: str) -> int:
        """Return where ``quote`` starts in the folded ``seed``, or -1."""
        return self.folded.get(seed, "").find(fold(quote))


def load_seeds(folder: Path, display: str, required: bool = True
               ) -> tuple[Seeds, list[Problem]]:
    """Read every ``*.txt`` of ``folder`` as UTF-8; refuse invisible control characters.

    Seeds are read through :mod:`reportgen.files` (inside their folder, regular files,
    size capped). ``required`` false: a dataset that cites no seed builds without any.
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
        for index, name in control_characters(text):
            line = text.count("\n", 0, index) + 1
            column = index - (text.rfind("\n", 0, index) + 1) + 1
            problems.append(Problem(Mark(f"{display}/{path.name}", line, column),
                                    f"invisible control character {name}", CONTROL_HINT))
        seeds.texts[path.name] = text
        seeds.folded[path.name] = fold(text)
        seeds.paths[path.name] = path
    if not seeds.texts and not problems and required:
        problems.append(Problem(Mark(display), "no seed texts (*.txt) found",
                                "copy the source articles into the seeds folder"))
    return seeds, problems


CONTROL_HINT = "delete it: format and direction controls can hide or reorder digits"


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
                    quotes[value.seed].append(fold(value.quote))
    exclusions = [(r.get("seed", ""), fold(r.get("quote", "")), r.get("reason", ""))
                  for r in dataset.records("coverage_exclusions")]
    report = []
    for name, text in seeds.texts.items():
        sentences = [fold(s) for s in _SENTENCE_END.split(text) if _is_sentence(s)]
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
