"""A report from an English source with an English and a German edition.

The engine reads the source's numbers as English prints them ("€180 billion", "150
million", "12.5%") and prints each edition's numbers and dates as its language does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import pdftotext, run_cli

from reportgen.build import gather
from reportgen.config import load_config
from reportgen.problems import ReportError

LENDING = Path(__file__).resolve().parent / "fixtures" / "lending"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build both editions of the lending project once."""
    project = tmp_path_factory.mktemp("lending") / "lending"
    shutil.copytree(LENDING, project)
    run = run_cli("build", "--project", project)
    assert run.code == 0, run.err
    assert "built 4 files" in run.out
    return project / "out"


def _text(path: Path) -> str:
    return " ".join(pdftotext(path).replace("\u00a0", " ").replace("\u202f", " ").split())


def test_german_edition_prints_german_numbers_and_dates(built: Path) -> None:
    text = _text(built / "lending.de.pdf")
    for expected in ("mehr als 150 Millionen Kunden", "etwa 180 Milliarden €", "12,5 %",
                     "unter 2 %", "Oktober 2023 Neue Verbraucherkreditregeln"):
        assert expected in text, text
    assert "October" not in text.split("1. it served")[0]  # no English month in the prose
    # Notes keep the source's words verbatim.
    assert "Checkout lenders lent about €180 billion last year" in text


def test_english_edition_prints_english_numbers_and_dates(built: Path) -> None:
    text = _text(built / "lending.en.pdf")
    for expected in ("more than 150 million shoppers", "about €180 billion", "12.5%",
                     "below 2%", "October 2023 New consumer-credit rules"):
        assert expected in text, text
    html = (built / "lending.en.html").read_text(encoding="utf-8")
    assert 'lang="en-GB"' in html and "about €180 billion" in html


def _gather_with(tmp_path: Path, old: str, new: str) -> str:
    project = tmp_path / "lending"
    shutil.copytree(LENDING, project)
    data = project / "data" / "lending.yaml"
    text = data.read_text(encoding="utf-8")
    assert old in text
    data.write_text(text.replace(old, new, 1), encoding="utf-8")
    try:
        gather(load_config(project))
    except ReportError as exc:
        return str(exc)
    return ""


@pytest.mark.parametrize(("old", "new", "expected"), [
    # "€180 billion" misread as 180 would have printed "about €180".
    ("value: 1.8e11, unit: eur", "value: 180, unit: eur",
     "sector-lending: value is 180, but the quote states '180 billion', which reads as "
     "180000000000 (en) (set value: 180000000000)"),
    ("qualifier: approx, stated: \"€180 billion\"", "qualifier: gt, stated: \"€180 billion\"",
     "qualifier gt contradicts the source, which writes 'about' beside '180 billion'"),
    ("qualifier: lt, stated: \"2%\"", "qualifier: le, stated: \"2%\"",
     "qualifier le contradicts the source, which writes 'below' beside '2'"),
    ("de: Kunden im Jahr 2024}", "de: Kunden im Jahr 2.025}",  # German grouping: 2025
     "kasso-shoppers.measure.de: number '2.025' (reads as 2025) is not in"),
])
def test_english_numbers_are_checked_as_english(tmp_path: Path, old: str, new: str,
                                                 expected: str) -> None:
    report = _gather_with(tmp_path, old, new)
    assert expected in report, report


def test_german_prose_may_restate_a_number_the_german_way(tmp_path: Path) -> None:
    """'150 Millionen' in German prose is the '150 million' of the English quote."""
    assert _gather_with(tmp_path, "de: Kunden im Jahr 2024}",
                        "de: 'Kunden im Jahr 2.024 (150 Millionen)'}") == ""
