"""The schema language checks itself; built-in collections; what the engine asks of a record.

Each case edits a fresh copy of the mini fixture and loads it in this process: the outcome
is a dataset, or problems located at file:line:column with the expected words.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import mutations
import pytest
from conftest import MINI, run_cli
from mutations import Mutation, both

from reportgen.config import load_config
from reportgen.contract import BUILTIN_COLLECTIONS
from reportgen.dataset import Dataset, load_dataset
from reportgen.problems import ReportError
from reportgen.provenance import check_provenance
from reportgen.schema import Date, Items, Quantity, Source
from reportgen.seeds import load_seeds

SCHEMA = "data/schema.yaml"
DATA = "data/parks.yaml"
LANGUAGES = ("zh", "en")
CONFIG = load_config(MINI)

@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return a fresh copy of the mini fixture."""
    dest = tmp_path / "mini"
    shutil.copytree(MINI, dest)
    return dest


def edit(old: str, new: str, name: str = SCHEMA) -> Mutation:
    """Replace the first ``old`` by ``new`` in ``name`` (default: the schema)."""
    return mutations.edit(old, new, name)


def append(text: str, name: str = DATA) -> Mutation:
    """Add ``text`` at the end of ``name`` (default: the data file)."""
    return mutations.append(text, name)


def load(project: Path) -> Dataset:
    """Load the project's data as the build does."""
    return load_dataset(project / "data", LANGUAGES, project)


def problems_of(project: Path) -> list[str]:
    """Load the data expecting a refusal; return every problem as printed."""
    with pytest.raises(ReportError) as caught:
        load(project)
    return [str(p) for p in caught.value.problems]


def has(found: list[str], *expected: str) -> None:
    """Assert one printed problem holds every expected piece."""
    assert any(all(e in line for e in expected) for line in found), "\n".join(found)


# --- the schema checks itself -------------------------------------------------------------

SCHEMA_CASES: dict[str, tuple[Mutation, tuple[str, ...]]] = {
    "required-yes": (edit("name: {type: text, required: true}", "name: {type: text, required: yes}"),
                     ("data/schema.yaml:5:36:", "required: expected true or false, got 'yes'")),
    "required-quoted": (edit("name: {type: text, required: true}",
                             'name: {type: text, required: "true"}'),
                        ("data/schema.yaml:5:36:", "expected true or false, got 'true'")),
    "single-on": (edit("    single: true", "    single: on"),
                  ("data/schema.yaml:16:13:", "single: expected true or false, got 'on'")),
    "unknown-type": (edit("opened: {type: date}", "opened: {type: datum}"),
                     ("data/schema.yaml:6:22:", "unknown type 'datum'", "did you mean 'date'")),
    "missing-type": (edit("opened: {type: date}", "opened: {help: when it opened}"),
                     ("data/schema.yaml:6:15:", "field 'opened' has no 'type'")),
    "unknown-field-key": (edit("opened: {type: date}", "opened: {type: date, requird: true}"),
                          ("data/schema.yaml:6:28:", "unknown key of field 'opened': 'requird'",
                           "did you mean 'required'")),
    "unknown-collection-key": (edit("  places:\n    fields:", "  places:\n    feilds:"),
                               ("data/schema.yaml:3:5:", "unknown collection key 'feilds'",
                                "did you mean 'fields'")),
    "unknown-top-key": (edit("collections:", "colections: {}\ncollections:"),
                        ("data/schema.yaml:1:1:", "unknown schema key 'colections'")),
    "values-on-string": (edit("opened: {type: date}", "opened: {type: date, values: [a]}"),
                         ("data/schema.yaml:6:28:", "'values' applies to enum fields, not date")),
    "enum-value-twice": (edit("opened: {type: date}", "opened: {type: enum, values: [a, b, a]}"),
                         ("data/schema.yaml:6:43:", "value 'a' is listed twice")),
    "ref-to-unknown": (edit("to: places", "to: plaecs"),
                       ("data/schema.yaml:11:32:", "'to' names no collection: 'plaecs'",
                        "did you mean 'places'")),
    "ref-without-to": (edit("subject: {type: ref, to: places, required: true}",
                            "subject: {type: ref, required: true}"),
                       ("data/schema.yaml:11:7:", "a ref needs 'to'")),
    "list-without-of": (edit("sources: {type: list, of: {type: source}}", "sources: {type: list}"),
                        ("data/schema.yaml:7:7:", "a list needs 'of'")),
    "required-on-item": (edit("of: {type: source}", "of: {type: source, required: true}"),
                         ("data/schema.yaml:7:48:", "'required' means nothing for the items")),
    "id-type-elsewhere": (edit("opened: {type: date}", "opened: {type: id}"),
                          ("data/schema.yaml:6:7:", "type 'id' is for the record's own 'id'")),
    "cyrillic-field-name": (edit("opened: {type: date}", "оpened: {type: date}"),
                            ("data/schema.yaml:6:7:", "field name 'оpened' is not a plain name",
                             "CYRILLIC SMALL LETTER O")),
    "names-unknown-field": (edit("  places:\n    fields:", "  places:\n    names: [title]\n    fields:"),
                            ("data/schema.yaml:3:13:", "collection 'places' has no field 'title'")),
    "names-wrong-type": (edit("  places:\n    fields:", "  places:\n    names: opened\n    fields:"),
                         ("data/schema.yaml:3:12:", "names: field 'opened' is a date")),
    "corrects-unknown": (edit("opened: {type: date}", "opened: {type: date}\n      fixed: "
                              "{type: date, corrects: openend}"),
                         ("data/schema.yaml:7:7:", "'corrects' must name another date field")),
    "provenance-unknown": (edit("  places:\n    fields:", "  places:\n    provenance: nope\n    fields:"),
                           ("data/schema.yaml:3:17:", "provenance: 'nope' is not allowed",
                            "expected one of quoted, none")),
    "numbers-unknown": (edit("measure: {type: text, required: true}",
                             "measure: {type: text, required: true, numbers: loose}"),
                        ("data/schema.yaml:12:54:", "numbers: 'loose' is not allowed")),
    "builtin-field-redeclared": (append("  coverage_exclusions:\n    fields:\n"
                                        "      seed: {type: string}\n", SCHEMA),
                                 ("data/schema.yaml:22:7:", "collection 'coverage_exclusions' is "
                                  "built in: field 'seed' is declared by the engine")),
    "builtin-single-changed": (append("  coverage_exclusions:\n    single: true\n", SCHEMA),
                               ("data/schema.yaml:21:5:", "its 'single' cannot be changed")),
}


@pytest.mark.parametrize("case", SCHEMA_CASES)
def test_schema_mistakes_are_located(project: Path, case: str) -> None:
    """Refuse a schema the engine would misread, at the key or value at fault."""
    mutate, expected = SCHEMA_CASES[case]
    mutate(project)
    has(problems_of(project), *expected)


def test_builtin_collection_needs_no_declaration_and_may_gain_fields(project: Path) -> None:
    """Validate a built-in collection undeclared; a re-declaration adds fields to it."""
    append("coverage_exclusions:\n  - {seed: parks.txt, quote: 城市公园报告, reason: title}\n")(project)
    record = load(project).records("coverage_exclusions")[0]
    assert record["reason"] == "title"
    append("  coverage_exclusions:\n    help: Left out.\n    fields:\n"
           "      note: {type: text}\n", SCHEMA)(project)
    append("  - {seed: parks.txt, quote: 湖滨公园建于1998年, reason: x, note: {zh: 注, en: note}}\n")(
        project)
    dataset = load(project)
    spec = dataset.spec("coverage_exclusions")
    assert list(spec.fields) == ["seed", "quote", "reason", "note"] and spec.builtin
    assert spec.help == "Left out." and dataset.records("coverage_exclusions")[1]["note"]["en"] == "note"
    assert BUILTIN_COLLECTIONS["coverage_exclusions"].fields.keys() == {"seed", "quote", "reason"}


# --- values that cannot be real -----------------------------------------------------------

DATA_CASES: dict[str, tuple[Mutation, tuple[str, ...]]] = {
    "february-31": (edit("opened: 1998", "opened: 1998-02-31", DATA),
                    ("data/parks.yaml:18:13:", "'1998-02-31' is not a real date: February 1998 "
                     "has 28 days")),
    "year-zero": (edit("opened: 1998", "opened: 0000-00-00", DATA),
                  ("data/parks.yaml:18:13:", "'0000-00-00' is not a real date: there is no year 0")),
    "month-zero": (edit("opened: 1998", "opened: 1998-00", DATA),
                   ("data/parks.yaml:18:13:", "there is no month 00")),
    "not-a-leap-year": (edit("opened: 1998", "opened: 1900-02-29", DATA),
                        ("data/parks.yaml:18:13:", "February 1900 has 28 days")),
    "year-five-digits": (edit("opened: 1998", "opened: 10000-01-01", DATA),
                         ("data/parks.yaml:18:13:", "expected a date YYYY, YYYY-MM or YYYY-MM-DD, "
                          "got '10000-01-01'")),
    "april-31": (edit("opened: 1998", 'opened: "1998-04-31"', DATA),
                 ("data/parks.yaml:18:13:", "April 1998 has 30 days")),
    "huge-integer": (both(edit("opened: {type: date}", "opened: {type: date}\n"
                               "      visitors: {type: integer}"),
                          edit("opened: 1998", "opened: 1998\n    visitors: " + "9" * 5000, DATA)),
                     ("data/parks.yaml:19:15:", "the whole number has 5,000 digits, more than 18")),
    "huge-number": (edit("value: 45,", "value: " + "9" * 5000 + ",", DATA),
                    ("data/parks.yaml:34:23:", "expected a finite number, got '9999", "…'")),
    "cyrillic-collection": (edit("places:\n", "plаces:\n", DATA),
                            ("data/parks.yaml:12:1:", "unknown collection 'plаces'",
                             "did you mean 'places'", "CYRILLIC SMALL LETTER A")),
    "fullwidth-collection": (edit("places:\n", "\uff50laces:\n", DATA),
                             ("data/parks.yaml:12:1:", "unknown collection '\uff50laces'",
                              "did you mean 'places'", "FULLWIDTH LATIN SMALL LETTER P")),
    "invisible-collection": (edit("places:\n", "pla\u200bces:\n", DATA),
                             ("data/parks.yaml:12:1:", "did you mean 'places'",
                              "U+200B ZERO WIDTH SPACE")),
    "greek-field": (edit("    name: {zh: 全市", "    nαme: {zh: 全市", DATA),
                    ("data/parks.yaml:14:5:", "unknown field 'nαme'", "did you mean 'name'",
                     "GREEK SMALL LETTER ALPHA")),
    "typo-collection": (edit("facts:\n", "fatcs:\n", DATA),
                        ("data/parks.yaml:20:1:", "unknown collection 'fatcs'",
                         "did you mean 'facts'")),
    "typo-ref": (edit("{ref: park-count,", "{ref: park-cuont,", DATA),
                 ("data/parks.yaml:42:15:", "no record has the id 'park-cuont'",
                  "did you mean 'park-count'")),
    "typo-qualifier": (edit("qualifier: gt,", "qualifier: gte,", DATA),
                       ("data/parks.yaml:24:52:", "unknown qualifier 'gte'", "did you mean 'gt'")),
}


def test_a_leap_day_is_a_real_date(project: Path) -> None:
    """29 February stands in a leap year (2000), as the counterpart of the refused 1900."""
    edit("opened: 1998", "opened: 2000-02-29", DATA)(project)
    assert load(project).by_id["lakeside"]["opened"] == Date(2000, 2, 29)


@pytest.mark.parametrize("case", DATA_CASES)
def test_impossible_and_look_alike_values_are_located(project: Path, case: str) -> None:
    """Refuse impossible dates and huge numbers; name the collection or field meant."""
    mutate, expected = DATA_CASES[case]
    mutate(project)
    has(problems_of(project), *expected)


# --- root causes first --------------------------------------------------------------------

def test_syntax_error_holds_back_the_references_it_breaks(project: Path) -> None:
    """Report one syntax error, not every reference to the records it hides."""
    text = (project / DATA).read_text(encoding="utf-8")
    head, tail = text.split("exhibits:\n")
    (project / DATA).write_text(head, encoding="utf-8")
    (project / "data" / "zreport.yaml").write_text("exhibits:\n" + tail, encoding="utf-8")
    edit("measure: {zh: 公园数量, en: parks}", "measure: [zh: 公园数量, en: parks", DATA)(project)
    found = problems_of(project)
    assert len(found) == 2, found
    assert found[0].startswith("data/parks.yaml:24:13: expected ',' or ']'")
    assert found[1].startswith("data: 8 more problems held back: references to ids")


def test_unknown_collection_holds_back_references_to_its_records(project: Path) -> None:
    """A misspelt collection is one problem; references to its records wait for the fix."""
    edit("facts:\n", "fatcs:\n", DATA)(project)
    edit("{ref: park-count,", "{ref: park-cuont,", DATA)(project)
    found = problems_of(project)
    # The misspelt reference stays: 'park-cuont' was never an id of the lost records.
    assert [line.split(": ", 1)[1].split(" (")[0] for line in found] == [
        "unknown collection 'fatcs'",
        "ref: no record has the id 'park-cuont'",
        "7 more problems held back: references to ids that may be defined in the data that "
        "could not be read",
    ]


def test_series_item_problem_points_at_its_own_line(project: Path) -> None:
    """Locate a bad series item on its line, not at the list's first line."""
    edit("      - {ref: park-count, label: {zh: 公园, en: Parks}}",
         "      - {ref: park-count, label: {zh: 公园, en: Parks}}\n"
         "      - {ref: visitors}\n      - {ref: lakeside-arae}", DATA)(project)
    has(problems_of(project), "data/parks.yaml:44:15:", "no record has the id 'lakeside-arae'")
    edit("{ref: lakeside-arae}", "{ref: lakeside-area}", DATA)(project)
    series = load(project).records("exhibits")[0]["series"]
    assert isinstance(series, Items)
    assert [m.line for m in series.marks] == [42, 43, 44, 45]
    assert series[2].mark.line == 44 and series[2].mark_of("ref").column == 15


def _split_off_exhibits(project: Path) -> None:
    """Move the exhibits and the report, which refer to the facts, to a file of their own."""
    text = (project / DATA).read_text(encoding="utf-8")
    head, tail = text.split("exhibits:\n")
    (project / DATA).write_text(head, encoding="utf-8")
    (project / "data" / "zreport.yaml").write_text("exhibits:\n" + tail, encoding="utf-8")


ROOT_CAUSES: dict[str, tuple[Mutation, str]] = {
    "unknown-collection": (edit("facts:\n", "fatcs:\n", DATA),
                           "data/parks.yaml:20:1: unknown collection 'fatcs' (did you mean "
                           "'facts'"),
    "yaml-syntax-error": (both(_split_off_exhibits,
                               edit("measure: {zh: 公园数量, en: parks}",
                                    "measure: [zh: 公园数量, en: parks", DATA)),
                          "data/parks.yaml:24:13: expected ',' or ']' in the list opened at "
                          "line 23, column 14"),
}


@pytest.mark.parametrize("case", ROOT_CAUSES)
def test_check_prints_the_root_cause_not_its_cascade(project: Path, case: str) -> None:
    """`reportgen check` prints one root cause; the "no record has the id" cascade is counted."""
    mutate, cause = ROOT_CAUSES[case]
    mutate(project)
    run = run_cli("check", "--project", project)
    assert run.code == 1 and "Traceback" not in run.err
    lines = run.err.splitlines()
    assert lines[0] == "error: 2 problems found; nothing was written", run.err
    assert lines[1].startswith(f"  {cause}"), run.err
    assert lines[2].startswith("  data: 8 more problems held back: references to ids that "
                               "may be defined in the data that could not be read"), run.err
    assert len(lines) == 3 and "no record has the id" not in run.err, run.err


def test_check_prints_a_series_item_problem_at_its_own_line(project: Path) -> None:
    """The CLI message of a bad third series item names line 44, not the list's line 42."""
    edit("      - {ref: park-count, label: {zh: 公园, en: Parks}}",
         "      - {ref: park-count, label: {zh: 公园, en: Parks}}\n"
         "      - {ref: visitors}\n      - {ref: lakeside-arae}", DATA)(project)
    run = run_cli("check", "--project", project)
    assert run.code == 1 and "Traceback" not in run.err
    assert run.err.splitlines()[1:] == [
        "  data/parks.yaml:44:15: ref: no record has the id 'lakeside-arae' "
        "(did you mean 'lakeside-area'; expected the id of a record)"], run.err


# --- what the engine asks of a record -----------------------------------------------------

def test_query_methods_answer_by_declared_meaning(project: Path) -> None:
    """Name, quantity and dates come from field types and declarations, not field names."""
    dataset = load(project)
    fact, lakeside = dataset.by_id["park-count"], dataset.by_id["lakeside"]
    assert dataset.label_of(lakeside, "en") == "Lakeside Park"
    # A fact has no naming field: it is named by the record its first ref points to.
    assert dataset.label_of(fact, "zh") == "全市"
    assert isinstance(dataset.quantity_of(fact), Quantity) and dataset.quantity_of(lakeside) is None
    assert dataset.date_of(lakeside) == Date(1998) and dataset.date_of(fact) is None
    assert [s.quote for s in dataset.sources_of(lakeside)] == ["湖滨公园建于1998年"]


def test_renamed_fields_are_found_by_declaration(project: Path) -> None:
    """A dataset naming its fields otherwise declares which name a record, and dates."""
    for old, new in (("name:", "title_text:"), ("opened:", "founded:")):
        edit(old, new)(project)
    edit("  places:\n    fields:", "  places:\n    names: [title_text]\n    fields:")(project)
    edit("      founded: {type: date}", "      founded: {type: date}\n"
         "      refounded: {type: date, provenance: external, corrects: founded}")(project)
    for old, new in (("    name: {zh: 全市", "    title_text: {zh: 全市"),
                     ("    name: {zh: 湖滨", "    title_text: {zh: 湖滨"),
                     ("opened: 1998", "founded: 1998\n    refounded: 2001")):
        edit(old, new, DATA)(project)
    dataset = load(project)
    lakeside = dataset.by_id["lakeside"]
    assert dataset.label_of(lakeside, "en") == "Lakeside Park"
    assert dataset.label_of(dataset.by_id["visitors"], "en") == "The city"
    assert dataset.date_of(lakeside) == Date(1998)
    assert dataset.corrected_date_of(lakeside) == Date(2001)


# --- source glosses -----------------------------------------------------------------------

def test_gloss_translates_the_quote_into_the_other_languages(project: Path) -> None:
    """Accept a gloss for each edition language but the seed's own; refuse the rest."""
    edit('quote: "面积为45公顷"}', 'quote: "面积为45公顷", gloss: {en: "an area of 45 hectares"}}',
         DATA)(project)
    source = load(project).by_id["lakeside-area"]["source"]
    assert isinstance(source, Source) and source.gloss == {"en": "an area of 45 hectares"}
    edit('gloss: {en: "an area of 45 hectares"}', 'gloss: {zh: 面积, en: area}', DATA)(project)
    has(problems_of(project), "data/parks.yaml:35:13:", "gloss.zh: the quote is already in zh")
    edit("gloss: {zh: 面积, en: area}", "gloss: {de: Fläche}", DATA)(project)
    has(problems_of(project), "data/parks.yaml:35:57:", "unknown language 'de'")
    edit("gloss: {de: Fläche}", "gloss: {}", DATA)(project)
    has(problems_of(project), "data/parks.yaml:35:13:", "gloss: missing en")
    edit("gloss: {}", "gloss: area", DATA)(project)
    has(problems_of(project), "data/parks.yaml:35:56:", "gloss: expected a mapping of language")


def test_gloss_languages_follow_the_seed_language(project: Path) -> None:
    """With an English seed, the gloss is the Chinese one."""
    edit('quote: "面积为45公顷"}', 'quote: "面积为45公顷", gloss: {zh: 面积为45公顷}}', DATA)(project)
    dataset = load_dataset(project / "data", LANGUAGES, project, source_language=lambda seed: "en")
    assert dataset.by_id["lakeside-area"]["source"].gloss == {"zh": "面积为45公顷"}


def test_an_edition_reads_a_seed_in_a_script_of_its_language(project: Path) -> None:
    """A zh edition needs no gloss of a zh-Hant seed; the other languages still do."""
    edit('quote: "面积为45公顷"}', 'quote: "面积为45公顷", gloss: {en: "an area of 45 hectares"}}',
         DATA)(project)
    dataset = load_dataset(project / "data", LANGUAGES, project,
                           source_language=lambda seed: "zh-Hant")
    assert dataset.by_id["lakeside-area"]["source"].gloss == {"en": "an area of 45 hectares"}
    edit('gloss: {en: "an area of 45 hectares"}', 'gloss: {zh: 面积, en: area}', DATA)(project)
    with pytest.raises(ReportError) as caught:
        load_dataset(project / "data", LANGUAGES, project, source_language=lambda seed: "zh-Hant")
    assert "gloss.zh: the quote is already in zh" in str(caught.value)


# --- provenance per collection ------------------------------------------------------------

def test_collection_without_provenance_holds_plain_numbers(project: Path) -> None:
    """A 'provenance: none' collection needs no stated words, no quote, no seed."""
    append("  counts:\n    provenance: none\n    fields:\n      id: {type: id, required: true}\n"
           "      note: {type: text}\n      quantity: {type: quantity, required: true}\n"
           "      counted: {type: date}\n", SCHEMA)(project)
    append("counts:\n  - id: benches\n    note: {zh: 共812张, en: 812 benches in 2019}\n"
           "    quantity: {value: 812, unit: count}\n    counted: 2019\n")(project)
    dataset = load(project)
    bench = dataset.by_id["benches"]
    assert bench["quantity"] == Quantity(812.0, "count", "eq", "", bench["quantity"].mark)
    seeds, problems = load_seeds(project / "seeds", "seeds")
    assert check_provenance(dataset, seeds, CONFIG) == [] and problems == []
    # A quoted collection still needs its stated words.
    edit('stated: "45公顷"}', "}", DATA)(project)
    has(problems_of(project), "data/parks.yaml:34:15:", "missing 'stated'")


def test_dataset_without_seeds_builds_when_nothing_cites_one(project: Path) -> None:
    """An empty seeds folder is a problem only when a record cites a seed."""
    for path in (project / "seeds").iterdir():
        path.unlink()
    seeds, problems = load_seeds(project / "seeds", "seeds", required=False)
    assert problems == [] and seeds.texts == {}
    seeds, problems = load_seeds(project / "seeds", "seeds")
    assert [p.message for p in problems] == ["no seed texts (*.txt) found"]


# --- limits -------------------------------------------------------------------------------

def test_records_per_collection_are_capped(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse a collection over the limit at the first record too many; hold back the rest."""
    monkeypatch.setattr("reportgen.dataset.MAX_RECORDS", 2)
    found = problems_of(project)
    assert [line.split(" (")[0] for line in found[:3]] == [
        f"data/parks.yaml:{line}:5: {name}: more than 2 records in one collection"
        for line, name in ((6, "units"), (11, "qualifiers"), (31, "facts"))]
    # The references to the facts left unread are held back, not reported one by one.
    assert len(found) == 4 and found[3].startswith("data: ") and "held back" in found[3]


def test_loading_restores_the_garbage_collector() -> None:
    """The collector is paused while a tree is built, and only then."""
    import gc

    from reportgen.yamlload import load_text

    assert gc.isenabled()
    load_text("a: [1, 2]\n", "f.yaml")
    assert gc.isenabled()
    gc.disable()
    try:
        load_text("a: 1\n", "f.yaml")
        assert not gc.isenabled()
    finally:
        gc.enable()
