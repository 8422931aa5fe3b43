"""CSV tables in data/: records typed by the schema, problems at the cell, drawn in charts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import MINI, run_cli

from reportgen.config import load_config
from reportgen.dataset import load_dataset
from reportgen.problems import ReportError
from reportgen.provenance import check_provenance
from reportgen.schema import Date, Items, Quantity, Source
from reportgen.seeds import load_seeds

LANGUAGES = ("zh", "en")
CONFIG = load_config(MINI)
HEADER = ("id,subject,measure.zh,measure.en,quantity.value,quantity.unit,quantity.qualifier,"
          "quantity.stated,source.seed,source.quote\n")
ROWS = ("park-count,city,公园数量,parks,120,count,gt,超过120个,parks.txt,全市公园数量超过120个\n"
        "visitors,city,年游客,visits a year,3.5e7,visits,approx,约3500万,parks.txt,年游客约3500万人次\n"
        "lakeside-area,lakeside,面积,area,45,hectares,eq,45公顷,parks.txt,面积为45公顷\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The mini fixture with its facts moved from YAML into data/facts.csv."""
    dest = tmp_path / "mini"
    shutil.copytree(MINI, dest)
    data = dest / "data" / "parks.yaml"
    text = data.read_text(encoding="utf-8")
    start, end = text.index("facts:\n"), text.index("exhibits:\n")
    data.write_text(text[:start] + text[end:], encoding="utf-8")
    (dest / "data" / "facts.csv").write_text(HEADER + ROWS, encoding="utf-8")
    return dest


def load(project: Path):  # type: ignore[no-untyped-def]
    return load_dataset(project / "data", LANGUAGES, project)


def problems_of(project: Path) -> list[str]:
    with pytest.raises(ReportError) as caught:
        load(project)
    return [str(p) for p in caught.value.problems]


def write_table(project: Path, text: str, name: str = "facts.csv") -> None:
    (project / "data" / name).write_text(text, encoding="utf-8")


def test_table_rows_are_records_typed_by_the_schema(project: Path) -> None:
    """Load each row as a record: nested columns, numbers, references and sources."""
    dataset = load(project)
    facts = dataset.records("facts")
    assert [r.id for r in facts] == ["park-count", "visitors", "lakeside-area"]
    visitors = dataset.by_id["visitors"]
    assert visitors["measure"] == {"zh": "年游客", "en": "visits a year"}
    assert visitors["quantity"] == Quantity(3.5e7, "visits", "approx", "约3500万",
                                            visitors["quantity"].mark)
    assert visitors["subject"] is dataset.by_id["city"]
    assert visitors.mark_of("quantity").file == "data/facts.csv"
    assert (visitors.mark.line, visitors["quantity"].mark.column) == (3, 33)
    assert isinstance(visitors["source"], Source)
    # The exhibit in YAML refers to a record of the table.
    assert dataset.records("exhibits")[0]["series"][0]["ref"] is dataset.by_id["park-count"]
    seeds, problems = load_seeds(project / "seeds", "seeds")
    assert problems == [] and check_provenance(dataset, seeds, CONFIG) == []


def test_lists_glosses_quotes_and_line_breaks_in_cells(project: Path) -> None:
    """Number list items from 1; quoted cells keep commas, quotes and line breaks."""
    write_table(project, "\ufeffid,name.zh,name.en,opened,sources.1.seed,sources.1.quote,"
                "sources.1.gloss.en,sources.2.seed,sources.2.quote\n"
                'north,北园,"North Park, ""old""",1998-06,parks.txt,湖滨公园建于1998年,'
                '"built in\n1998",parks.txt,城市公园报告\n'
                "south,南园,South Park,,,,,,\n", "places.csv")
    dataset = load(project)
    north, south = dataset.by_id["north"], dataset.by_id["south"]
    assert north["name"]["en"] == 'North Park, "old"' and north["opened"] == Date(1998, 6)
    sources = north["sources"]
    assert isinstance(sources, Items) and [s.quote for s in sources] == [
        "湖滨公园建于1998年", "城市公园报告"]
    assert sources[0].gloss == {"en": "built in\n1998"}
    assert "opened" not in south and "sources" not in south  # empty cells: absent fields
    assert south.mark.line == 4  # the quoted line break counts


CELL_CASES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # name: (old text of the table, new text, expected pieces of one problem)
    "not-a-number": (",3.5e7,", ",n/a,", ("data/facts.csv:3:33:",
                                         "facts.quantity.value: expected a finite number, got 'n/a'")),
    "dangling-ref": ("lakeside-area,lakeside,", "lakeside-area,lakesid,",
                     ("data/facts.csv:4:15:", "no record has the id 'lakesid'",
                      "did you mean 'lakeside'")),
    "unknown-qualifier": (",approx,", ",about,", ("data/facts.csv:3:46:", "unknown qualifier 'about'")),
    "missing-required": ("\nvisitors,city,", "\nvisitors,,", ("data/facts.csv:3:1:",
                                                              "missing required field 'subject'")),
    "impossible-value": ("45,hectares", "4.5.1,hectares", ("data/facts.csv:4:32:",
                                                          "expected a finite number")),
    "huge-number": ("45,hectares", "9" * 5000 + ",hectares", ("data/facts.csv:4:32:",
                                                            "expected a finite number, got '9999")),
    "quote-not-in-seed": ("年游客约3500万人次", "年游客约3600万人次",
                          ("data/facts.csv:3:", "quote not found in parks.txt")),
    "unknown-column": ("quantity.stated,", "quantity.stated,colour,",
                       ("data/facts.csv:1:98:", "column 'colour': unknown field 'colour'")),
    "misspelt-part": ("quantity.stated,", "quantity.sated,",
                      ("data/facts.csv:1:82:", "column 'quantity.sated': a quantity has no 'sated'")),
    "text-part-too-deep": ("measure.en,", "measure.en.x,",
                           ("data/facts.csv:1:23:", "'measure.en' is one language of a text")),
    "duplicate-column": ("measure.en,", "measure.zh,", ("data/facts.csv:1:23:",
                                                        "column 'measure.zh' appears twice")),
    "cell-count": ("45公顷,parks.txt,面积为45公顷\n", "45公顷,parks.txt,面积为45公顷,extra\n",
                   ("data/facts.csv:4:", "row has 11 cells, the header 10")),
    "unclosed-quote": (",约3500万,", ',"约3500万,', ("data/facts.csv:3:53:",
                                                   "the quoted cell opened here is never closed")),
    "stray-quote": (",约3500万,", ',约3500"万,', ("data/facts.csv:3:58:",
                                                 "a '\"' inside a cell that is not quoted")),
    "control-character": (",约3500万,", ",约3500\x07万,", ("data/facts.csv:3:58:",
                                                          "control character U+0007")),
}


@pytest.mark.parametrize("case", CELL_CASES)
def test_table_problems_point_at_their_cell(project: Path, case: str) -> None:
    """Locate every problem of a table at file:line:column of its cell."""
    old, new, expected = CELL_CASES[case]
    table = project / "data" / "facts.csv"
    text = table.read_text(encoding="utf-8")
    assert old in text
    table.write_text(text.replace(old, new, 1), encoding="utf-8")
    try:
        dataset = load(project)
    except ReportError as exc:
        found = [str(p) for p in exc.problems]
    else:
        seeds, _ = load_seeds(project / "seeds", "seeds")
        found = [str(p) for p in check_provenance(dataset, seeds, CONFIG)]
    assert any(all(e in line for e in expected) for line in found), "\n".join(found)


def test_a_header_problem_is_reported_once_not_per_row(project: Path) -> None:
    write_table(project, HEADER.replace("measure.en", "measure.fr") + ROWS)
    found = problems_of(project)
    assert found[0] == "data/facts.csv:1:23: column 'measure.fr': unknown language 'fr' " \
        "(expected zh, en)"
    # The rows are not read; the references to their records wait for the fix.
    assert found[1:] == ["data: 8 more problems held back: references to ids that may be "
                         "defined in the data that could not be read (fix the problems above "
                         "first)"]


def test_table_of_an_unknown_collection_or_a_single_one_is_refused(project: Path) -> None:
    write_table(project, "id\nx\n", "fatcs.csv")
    found = problems_of(project)
    assert any(line.startswith("data/fatcs.csv: unknown collection 'fatcs'")
               and "did you mean 'facts'" in line for line in found), found
    (project / "data" / "fatcs.csv").unlink()
    write_table(project, "id\nx\n", "f\u0430cts.csv")  # a Cyrillic a: looks like facts.csv
    found = problems_of(project)
    assert any(line.startswith("data/f\u0430cts.csv: unknown collection 'f\u0430cts'")
               and "CYRILLIC SMALL LETTER A" in line for line in found), found
    (project / "data" / "f\u0430cts.csv").unlink()
    write_table(project, "title.zh,title.en\n园,Parks\n", "report.csv")
    assert any("'report' holds one record: write it in a YAML file" in line
               for line in problems_of(project))


def test_table_collection_feeds_a_chart(project: Path) -> None:
    """Draw an exhibit whose bars are records of a table, in both editions."""
    run = run_cli("build", "--project", project, "--format", "html")
    assert run.code == 0, run.err
    for lang, label, value in (("en", "Parks", "over 120"), ("zh", "公园", "超过120个")):
        page = (project / "out" / f"parks.{lang}.html").read_text(encoding="utf-8")
        svg = re.search(r"<svg.*?</svg>", page, re.S)
        assert svg is not None
        assert f">{label}<" in svg.group(0) and value in page
