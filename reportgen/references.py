"""References between records: each id once, ref fields replaced by the records they
name, inline ``[[id]]`` and ``[[id|label]]`` references checked, and glosses checked
against the languages of their seeds."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .hints import did_you_mean
from .problems import Mark, Problem
from .schema import Fields, FieldSpec, Items, Text

if TYPE_CHECKING:
    from .dataset import Dataset

__all__ = ["INLINE_REF", "check_glosses", "resolve"]

INLINE_REF = re.compile(r"\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]")
_MAX_GUESS = 2000  # ids compared to suggest the one a dangling reference meant


def _index(dataset: Dataset, problems: list[Problem]) -> None:
    for records in dataset.collections.values():
        for record in records:
            rid = record.id
            if not rid:
                continue
            first = dataset.by_id.get(rid)
            if first is not None:
                problems.append(Problem(record.mark_of("id"), f"duplicate id {rid!r}",
                                        f"first used at {first.mark}"))
            else:
                dataset.by_id[rid] = record


def resolve(dataset: Dataset, problems: list[Problem], lost_ids: set[str], lost_file: bool
            ) -> int:
    """Index the records by id, replace ref ids by the records they name, check inline
    [[id]] references; return how many problems were held back.

    A reference to an id that may be in data that could not be read (``lost_ids``; any id
    when a whole file was ``lost_file``) is counted, not reported: the root cause is.
    """
    _index(dataset, problems)
    return _Resolver(dataset, problems, lost_ids, lost_file).run()


class _Resolver:
    """Replace ref ids by the records they name; check inline [[id]] references."""

    def __init__(self, dataset: Dataset, problems: list[Problem], lost_ids: set[str],
                 lost_file: bool) -> None:
        self.dataset = dataset
        self.problems = problems
        self.lost_ids = lost_ids
        self.lost_file = lost_file
        self.held = 0

    def run(self) -> int:
        for records in self.dataset.collections.values():
            for record in records:
                spec = self.dataset.spec(record.collection)
                for name, sub in spec.fields.items():
                    if name in record:
                        record[name] = self.value(record[name], sub, record.mark_of(name))
        return self.held

    def dangling(self, rid: str, problem: Problem) -> None:
        """Report a reference to a missing id, unless a root cause above explains it."""
        if self.lost_file or rid in self.lost_ids:
            self.held += 1
        else:
            self.problems.append(problem)

    def guess(self, rid: str, collections: tuple[str, ...]) -> str:
        """Name the id meant, when few enough ids are candidates to compare quickly."""
        candidates = [r.id for c in collections for r in self.dataset.records(c)]
        return did_you_mean(rid, candidates) if len(candidates) <= _MAX_GUESS else ""

    def value(self, value: Any, spec: FieldSpec, mark: Mark) -> Any:
        dataset = self.dataset
        if spec.type == "ref" and isinstance(value, str):
            target = dataset.by_id.get(value)
            if target is None:
                # No ``to``: a reference to any collection.
                to = spec.to or tuple(dataset.collections)
                guess = self.guess(value, to)
                self.dangling(value, Problem(mark, f"{spec.name}: no record has the id {value!r}",
                                             (f"{guess}; " if guess else "") + "expected the id "
                                             "of a record" + (" in " + " or ".join(spec.to)
                                                              if spec.to else "")))
                return value
            if spec.to and target.collection not in spec.to:
                self.problems.append(Problem(mark, f"{spec.name}: {value!r} is a record of "
                                             f"{target.collection!r}",
                                             "expected one of " + ", ".join(spec.to)))
            return target
        if spec.type == "list" and spec.of is not None and isinstance(value, Items):
            for i, item in enumerate(value):
                value[i] = self.value(item, spec.of, value.mark_of(i))
        elif spec.type == "object" and isinstance(value, Fields):
            for name, sub in spec.fields.items():
                if name in value:
                    value[name] = self.value(value[name], sub, value.mark_of(name))
        elif spec.type == "text" and isinstance(value, Text):
            for lang, text in value.items():
                for match in INLINE_REF.finditer(text):
                    if match.group(1) not in dataset.by_id:
                        self.dangling(match.group(1), Problem(
                            mark, f"{spec.name}.{lang}: inline reference {match.group(0)!r} "
                            "names no record", "write [[id]] with the id of an existing record"))
        return value


def check_glosses(dataset: Dataset, source_language: Callable[[str], str],
                   problems: list[Problem]) -> None:
    """A gloss covers every edition language but the seed's own, and nothing else."""
    languages = dataset.schema.languages
    for records in dataset.collections.values():
        for record in records:
            for source in dataset.sources_of(record):
                if source.gloss is None:
                    continue
                own = source_language(source.seed)
                # An edition in the seed's language reads the quote itself: "zh" reads a
                # "zh-Hant" or "zh-Hans" seed; only the primary language subtag counts.
                base = own.split("-")[0].lower()
                if own in source.gloss or base in source.gloss:
                    given = own if own in source.gloss else base
                    problems.append(Problem(source.mark, f"gloss.{given}: the quote is already in "
                                            f"{own}; a gloss translates it into the other "
                                            "edition languages", f"remove the {own} entry"))
                missing = [lang for lang in languages
                           if lang.split("-")[0].lower() != base and lang not in source.gloss]
                if missing:
                    problems.append(Problem(source.mark, "gloss: missing " + ", ".join(missing),
                                            "a gloss has one entry per edition language other "
                                            f"than the seed's language ({own})"))
