"""A warm process validates and checks again only what an edit changed (reportgen.kept).

Every gathering with what the last one kept must equal a cold gathering of the same
files: the same records, settled the same way, or the same problems in the same order.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, copy_briefing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import Mutation, edit

from reportgen.config import load_config
from reportgen.kept import Kept
from reportgen.problems import ReportError
from reportgen.schema import Fields, Items, Record
from reportgen.stages.gather import gather

MINI = ROOT / "tests" / "fixtures" / "mini"


def _dump(value: Any, top: bool = True) -> Any:
    """Records as plain values: a reference shows the id it names, marks included."""
    if isinstance(value, Record) and not top:
        return ("ref", value.id)
    if isinstance(value, Fields):
        return (type(value).__name__, getattr(value, "collection", ""), repr(value.mark),
                sorted((k, repr(m)) for k, m in value.marks.items()),
                {k: _dump(v, False) for k, v in value.items()})
    if isinstance(value, Items):
        return ("items", repr(value.mark), [repr(m) for m in value.marks],
                [_dump(v, False) for v in value])
    return repr(value)


def _gathered(project: Path, kept: Kept | None) -> Any:
    """The dataset and seeds gathered, or the problems found, as comparable values."""
    try:
        found = gather(load_config(project), kept)
    except ReportError as exc:
        return [str(p) for p in exc.problems]
    dataset = found.dataset
    return ({name: [_dump(r) for r in records] for name, records in dataset.collections.items()},
            sorted(dataset.by_id), found.seeds.folded)


def _split(work: Path) -> Path:
    """The mini fixture copied to ``work``, its places in a file of their own, the summary
    naming a place with a number in the reference's label (allowed: the place's quote
    states it)."""
    shutil.copytree(MINI, work)
    data = work / "data" / "parks.yaml"
    text = data.read_text(encoding="utf-8")
    start, end = text.index("places:\n"), text.index("facts:\n")
    (work / "data" / "places.yaml").write_text(text[start:end], encoding="utf-8")
    text = text[:start] + text[end:]
    text = text.replace("(see [[fig-parks]])", "(see [[fig-parks]]; [[lakeside|1998 park]])")
    data.write_text(text, encoding="utf-8")
    return work


@pytest.fixture
def split_mini(tmp_path: Path) -> Path:
    return _split(tmp_path / "mini")


def _toggle(old: str, new: str, name: str) -> tuple[Mutation, Mutation]:
    """An edit, and the edit that undoes it."""
    return edit(old, new, name), edit(new, old, name)


_PLACE_QUOTE, _PLACE_BACK = _toggle(
    '    opened: 1998\n    sources: [{seed: parks.txt, quote: "湖滨公园建于1998年"}]',
    '    sources: [{seed: parks.txt, quote: "湖滨公园"}]', "data/places.yaml")
_QUALIFIER_WORDS, _QUALIFIER_BACK = _toggle("words: [超过, over, more than]",
                                            "words: [over, more than]", "data/parks.yaml")
_SEED, _SEED_BACK = _toggle("全市公园数量超过120个", "全市公园数量超过121个", "seeds/parks.txt")
_SCHEMA, _SCHEMA_BACK = _toggle("      opened: {type: date}",
                                "      opened: {type: date, required: true}", "data/schema.yaml")
_PLACE_GONE, _PLACE_HERE = _toggle("  - id: lakeside\n", "  - id: lakeshore\n", "data/places.yaml")
_SYNTAX, _SYNTAX_BACK = _toggle("places:\n", "places: [\n", "data/places.yaml")
_FACT, _FACT_BACK = _toggle('stated: "约3500万"', 'stated: "约3600万"', "data/parks.yaml")

# Each step changes what some unchanged record's check reads: the record its label names,
# the phrases, the seeds, the schema, the ids; each is undone by the step after it.
_STEPS: list[tuple[str, Mutation]] = [
    ("the named place loses the number", _PLACE_QUOTE), ("it gets it back", _PLACE_BACK),
    ("a phrase loses a word", _QUALIFIER_WORDS), ("it gets it back", _QUALIFIER_BACK),
    ("a seed changes a number", _SEED), ("it changes back", _SEED_BACK),
    ("the schema requires a field", _SCHEMA), ("and back", _SCHEMA_BACK),
    ("a named record is renamed", _PLACE_GONE), ("and back", _PLACE_HERE),
    ("a file cannot be read", _SYNTAX), ("it can again", _SYNTAX_BACK),
    ("a stated number is wrong", _FACT), ("it is right again", _FACT_BACK),
]


def test_a_kept_gathering_equals_a_cold_one_after_every_edit(split_mini: Path) -> None:
    kept = Kept()
    first = _gathered(split_mini, kept)
    assert isinstance(first, tuple), first  # the fixture gathers without problems
    outcomes = []
    for what, mutation in _STEPS:
        mutation(split_mini)
        warm, cold = _gathered(split_mini, kept), _gathered(split_mini, None)
        assert warm == cold, what
        outcomes.append(isinstance(warm, tuple))
    # The steps do reach problems (so the comparison covers them) and come back from them.
    assert outcomes == [False, True] * 7
    assert _gathered(split_mini, kept) == first


def test_an_unchanged_record_naming_a_changed_one_is_checked_again(split_mini: Path) -> None:
    kept = Kept()
    _gathered(split_mini, kept)
    _PLACE_QUOTE(split_mini)
    problems = _gathered(split_mini, kept)
    assert any("'1998' in the label of '[[lakeside|1998 park]]' is not in the quotes" in p
               for p in problems), problems
    assert kept.validated == 2  # the places file's records; the report's file is unchanged
    assert kept.checked == 3  # the two places and the report, which names one of them


def test_a_paragraph_edit_validates_and_checks_only_what_it_changed(tmp_path: Path) -> None:
    """The shipped briefing: one paragraph of points.yaml edited."""
    work = copy_briefing(tmp_path / "briefing")
    kept = Kept()
    first = gather(load_config(work), kept)
    total = first.records
    assert kept.validated == kept.checked == total
    points = work / "data" / "points.yaml"
    text = points.read_text(encoding="utf-8")
    in_points = text.count("\n  - id: ")
    at = text.index("      en: ") + len("      en: ")
    points.write_text(text[:at] + "Quietly, " + text[at:], encoding="utf-8")
    again = gather(load_config(work), kept)
    assert kept.validated == in_points < total
    assert kept.checked < total // 2
    cold = gather(load_config(work))
    assert [_dump(r) for rs in again.dataset.collections.values() for r in rs] == \
        [_dump(r) for rs in cold.dataset.collections.values() for r in rs]
    # Nothing changed: nothing is validated or checked.
    gather(load_config(work), kept)
    assert kept.validated == kept.checked == 0


def test_records_handed_out_are_copies(split_mini: Path) -> None:
    """Resolving and settling change the records handed out, never the kept ones."""
    kept = Kept()
    one = gather(load_config(split_mini), kept).dataset
    two = gather(load_config(split_mini), kept).dataset
    fact, again = one.by_id["park-count"], two.by_id["park-count"]
    assert fact is not again and fact["subject"] is one.by_id["city"]
    assert again["subject"] is two.by_id["city"]
    origin = kept.origin(again)
    assert origin is not None and origin is not again and origin is not fact
    assert origin["subject"] == "city"  # kept as validated: the id, unresolved


_TOGGLES: list[tuple[Mutation, Mutation]] = [
    (_PLACE_QUOTE, _PLACE_BACK), (_QUALIFIER_WORDS, _QUALIFIER_BACK), (_SEED, _SEED_BACK),
    (_SCHEMA, _SCHEMA_BACK), (_PLACE_GONE, _PLACE_HERE), (_SYNTAX, _SYNTAX_BACK),
    (_FACT, _FACT_BACK),
]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.integers(0, len(_TOGGLES) - 1), min_size=1, max_size=8))
def test_any_order_of_edits_gathers_as_a_cold_reading(tmp_path_factory: pytest.TempPathFactory,
                                                      steps: list[int]) -> None:
    """Edits applied and undone in any order, several at once: kept equals cold each time."""
    work = _split(tmp_path_factory.mktemp("kept") / "mini")
    kept = Kept()
    _gathered(work, kept)
    applied = [False] * len(_TOGGLES)
    for step in steps:
        forward, back = _TOGGLES[step]
        (back if applied[step] else forward)(work)
        applied[step] = not applied[step]
        assert _gathered(work, kept) == _gathered(work, None), (steps, applied)
