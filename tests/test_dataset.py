"""The shipped dataset: valid, fully sourced, Simplified in zh, and checked by `reportgen check`."""

from __future__ import annotations

import hashlib
import shutil
from html.parser import HTMLParser
from pathlib import Path

import opencc
import pytest
from conftest import ROOT, pdftotext, run_cli

from reportgen.build import gather
from reportgen.config import load_config
from reportgen.schema import Source, Text


@pytest.fixture(scope="module")
def project():  # type: ignore[no-untyped-def]
    """Load and validate the shipped data once."""
    return gather(load_config(ROOT))


def test_check_passes_and_every_sentence_is_cited_or_excluded() -> None:
    run = run_cli("check", "--strict", "--project", ROOT)
    assert run.code == 0, run.err
    assert "every quote, stated number and reference checks out" in run.out
    for seed in ("000_e1b9d0b4d17a4fed.txt", "002_f75984e713879139.txt"):
        assert f"{seed}: " in run.out
    assert "uncited:" not in run.out


def test_a_wrong_quote_fails_check(tmp_path: Path) -> None:
    project = tmp_path / "p"
    for name in ("data", "seeds", "templates"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "reportgen.yaml", project)
    metrics = project / "data" / "metrics.yaml"
    text = metrics.read_text(encoding="utf-8")
    # Quote 5,000 where the seed says 4,800: the kind of slip an analyst makes.
    assert "注册用户超4800万" in text
    metrics.write_text(text.replace("注册用户超4800万", "注册用户超5000万", 1), encoding="utf-8")
    run = run_cli("check", "--project", project)
    assert run.code == 1
    assert "data/metrics.yaml:" in run.err and "quote not found in 002_f75984e713879139.txt" in run.err


# The seeds exactly as received; a changed byte would invalidate every quote check.
_SEED_SHA256 = {
    "000_e1b9d0b4d17a4fed.txt": "f798c78ac9c918ec7415ba6b48ab9c5dee238106345d03e8052c671f3d100be8",
    "002_f75984e713879139.txt": "a80b9a49ef15ab027c59131128f16e17576b3d5f1abacd4ccd45671d98549a70",
}


def test_seeds_are_the_sources_as_received() -> None:
    found = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted((ROOT / "seeds").glob("*.txt"))}
    assert found == _SEED_SHA256


def _texts(project) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    out = []
    for records in project.dataset.collections.values():
        for record in records:
            for _spec, value in project.dataset.fields(record):
                if isinstance(value, Text):
                    out.append((record.id or record.collection, value["zh"]))
    return out


def test_zh_edition_is_simplified_chinese(project) -> None:  # type: ignore[no-untyped-def]
    to_simplified = opencc.OpenCC("t2s")
    traditional = [(rid, text) for rid, text in _texts(project)
                   if to_simplified.convert(text) != text]
    assert traditional == []


def test_every_company_named_in_the_seeds_has_a_record(project) -> None:  # type: ignore[no-untyped-def]
    names = " ".join(str(r["name"]["zh"]) + " " + " ".join(a["zh"] for a in r.get("aliases", []))
                     for r in project.dataset.records("entities"))
    for company in ("蚂蚁集团", "支付宝", "蚂蚁链", "腾讯金融科技", "微信支付", "微众银行", "度小满",
                    "陆金所", "360数科", "奇富科技", "乐信", "马上消费金融", "京东金融", "字节跳动",
                    "携程", "Grab", "百业源"):
        assert company in names, company


def test_every_number_of_the_seeds_is_a_metric(project) -> None:  # type: ignore[no-untyped-def]
    stated = {str(r["quantity"].stated) for r in project.dataset.records("metrics")}
    for number in ("30%", "8.5%", "25%", "3.5%", "5%", "1.2%", "60%", "40%", "2%", "5000亿",
                   "4800万", "5000万", "8000", "1.5%", "200万", "10亿"):
        assert any(number in s for s in stated), number


def test_impossible_dates_are_corrected_and_marked(project) -> None:  # type: ignore[no-untyped-def]
    corrected = {r.id: r for r in project.dataset.records("events") if "corrected" in r}
    assert len(corrected) >= 6
    for event in corrected.values():
        assert event["date"].year == 2025 or event["date"] != event["corrected"]
        assert "correction" in event, event.id
    assert len(project.dataset.records("corrections")) >= 6


class _Notes(HTMLParser):
    """Collect the verbatim quotes of the notes section."""

    def __init__(self) -> None:
        super().__init__()
        self.quotes: set[str] = set()
        self._depth = 0
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "blockquote":
            self._depth += 1
            self._buffer = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote" and self._depth:
            self._depth -= 1
            self.quotes.add("".join(self._buffer))

    def handle_data(self, data: str) -> None:
        if self._depth:
            self._buffer.append(data)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_sourced_fact_is_cited_in_the_report(project, briefing: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    quotes = {value.quote
              for records in project.dataset.collections.values() for record in records
              for _spec, value in project.dataset.fields(record) if isinstance(value, Source)}
    parser = _Notes()
    parser.feed((briefing / f"briefing.{lang}.html").read_text(encoding="utf-8"))
    assert quotes - parser.quotes == set()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_inline_reference_is_left_unexpanded(briefing: Path, lang: str) -> None:
    html = (briefing / f"briefing.{lang}.html").read_text(encoding="utf-8")
    assert "[[" not in html and "]]" not in html  # charts are inline SVG here, so covered too
    assert "[[" not in pdftotext(briefing / f"briefing.{lang}.pdf")
