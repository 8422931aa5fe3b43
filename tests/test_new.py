"""``reportgen new``: a starter project that builds as it is, in each language it offers.

Each case runs the command line as a user would (new, then build or check inside the new
folder) and reads what came out: the PDF's text, the HTML's structure, the numbers as each
language prints them. The guide (docs/writing-a-report.md) is held to its word: its
commands parse, and its worked example builds.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, Run, run_cli, snapshot

from reportgen.cli import _parser
from reportgen.scaffold import starter_languages

GUIDE = (ROOT / "docs" / "writing-a-report.md").read_text(encoding="utf-8")

# What each edition must print: the starter's numbers as that language writes them (with
# the qualifier phrase and unit), and its date. The seed states them as "12,500", "48",
# "1.2 million" (en), "12.500", "48", "1,2 Millionen" (de), "1.25万", "48", "120万" (zh).
PRINTED = {
    "en": ["about 12,500 trips", "more than 48 km", "1.2 million bicycles", "June 2023"],
    "de": ["etwa 12.500 Fahrten", "mehr als 48 km", "1,2 Millionen Räder", "Juni 2023"],
    "zh": ["约1.25万人次", "超过48公里", "120万辆次", "2023年6月"],
}
TITLES = {"en": "Cycling in Northbrook", "de": "Radfahren in Nordbrück", "zh": "北溪镇骑行"}
HTML_LANG = {"en": "en", "de": "de", "zh": "zh-Hans"}


def _pdf(path: Path) -> str:
    """Return the PDF's text in reading order (the notes sit in two columns), words joined."""
    return _flat(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                check=True).stdout)


def _flat(text: str) -> str:
    """Join the words of laid-out text (CJK needs no space between lines)."""
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text)


@dataclass
class Page(HTMLParser):
    """What a test reads of an HTML edition: lang, headings, table rows, ids, note quotes."""

    lang: str = ""
    h2: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    text: list[str] = field(default_factory=list)
    _open: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang") or ""
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "tr":
            self.rows.append([])
        if tag in ("h2", "th", "td"):
            self._open.append(tag)
            if tag in ("th", "td") and self.rows:
                self.rows[-1].append("")
            if tag == "h2":
                self.h2.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if not self._open:
            return
        if self._open[-1] == "h2":
            self.h2[-1] += data
        elif self.rows:
            self.rows[-1][-1] += data


def _page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _new(where: Path, *langs: str) -> Path:
    run = run_cli("new", "report", *[a for lang in langs for a in ("--lang", lang)], cwd=where)
    assert run.code == 0, run.err
    assert "wrote 10 files" in run.out
    return where / "report"


def _ok(run: Run) -> Run:
    assert run.code == 0, run.err
    return run


@pytest.fixture(scope="module", params=["en", "de", "zh"])
def single(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[str, Path]:
    """A one-language starter project, built with `reportgen build` inside it."""
    lang = str(request.param)
    project = _new(tmp_path_factory.mktemp(f"new-{lang}"), lang)
    _ok(run_cli("build", cwd=project))
    return lang, project


def test_the_starter_offers_english_german_and_chinese() -> None:
    assert set(starter_languages()) == {"en", "de", "zh"}


def test_the_pdf_prints_the_numbers_as_the_language_writes_them(single: tuple[str, Path]) -> None:
    lang, project = single
    assert sorted(p.name for p in (project / "out").glob("report.*[lf]")) == \
        ["report.html", "report.pdf"]
    text = _pdf(project / "out" / "report.pdf")
    assert TITLES[lang] in text
    for printed in PRINTED[lang]:
        assert printed in text, f"{printed!r} missing from the {lang} PDF"
    # The notes print each quote verbatim, in the seed's language.
    seed = next((project / "seeds").iterdir()).read_text(encoding="utf-8")
    assert _flat(seed.splitlines()[2].rstrip(".。")) in text


def test_the_html_is_the_theme_filled_with_the_records(single: tuple[str, Path]) -> None:
    lang, project = single
    page = _page(project / "out" / "report.html")
    assert page.lang == HTML_LANG[lang]
    assert len(page.h2) >= 4  # summary, key figures, timeline, notes (theme adds contents)
    values = {row[0].strip(): _flat(row[1]) for row in page.rows if len(row) == 2}
    assert len(values) == 3 + 1  # the header row and one row per figure
    for printed in PRINTED[lang][:3]:
        assert any(printed in v for v in values.values()), (printed, values)
    assert {"daily-trips", "protected-lanes", "bike-loans", "bridge-opens", "tbl-figures"} <= page.ids
    assert PRINTED[lang][3] in "".join(page.text)


def test_check_is_ok_and_every_seed_sentence_is_accounted_for(single: tuple[str, Path]) -> None:
    _, project = single
    run = _ok(run_cli("check", "--strict", cwd=project))
    assert run.out.startswith("ok: ")
    assert re.search(r": 4/5 sentences cited, 1 excluded, 0 uncited", run.out), run.out


def test_a_two_language_project_builds_both_editions(tmp_path: Path) -> None:
    project = _new(tmp_path, "en", "zh")
    config = (project / "reportgen.yaml").read_text(encoding="utf-8")
    assert "languages: [en, zh]" in config and "source_language: en" in config
    _ok(run_cli("build", cwd=project))
    out = project / "out"
    assert sorted(p.name for p in out.glob("report.*[lf]")) == \
        ["report.en.html", "report.en.pdf", "report.zh.html", "report.zh.pdf"]
    en, zh = (_pdf(out / f"report.{lang}.pdf") for lang in ("en", "zh"))
    for printed in PRINTED["en"]:
        assert printed in en
    # The Chinese edition prints the English source's numbers the Chinese way (万) ...
    for printed in PRINTED["zh"]:
        assert printed in zh
    # ... and quotes the English source verbatim in its notes.
    assert "The town now has more than 48 kilometres of protected cycle lanes" in zh
    page = _page(out / "report.en.html")
    assert page.lang == "en"
    assert "report.zh.html" in (out / "report.en.html").read_text(encoding="utf-8")


# --- refusals -------------------------------------------------------------------------------

def test_a_folder_that_holds_something_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "notes.txt").write_text("mine\n", encoding="utf-8")
    before = snapshot(tmp_path)
    run = run_cli("new", "report", cwd=tmp_path)
    assert run.code == 2
    assert run.err == "reportgen new: error: report exists and is not empty; give a new or " \
        "empty folder\n"
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind", ["file", "symlink"])
def test_a_file_or_a_link_is_refused(tmp_path: Path, kind: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if kind == "file":
        (tmp_path / "report").write_text("x", encoding="utf-8")
    else:
        (tmp_path / "report").symlink_to(elsewhere, target_is_directory=True)
    run = run_cli("new", "report", cwd=tmp_path)
    assert run.code == 2
    assert len(run.err.splitlines()) == 1 and "report" in run.err
    assert not any(elsewhere.iterdir())


def test_a_language_without_starter_text_is_refused(tmp_path: Path) -> None:
    run = run_cli("new", "report", "--lang", "en", "--lang", "fr", cwd=tmp_path)
    assert run.code == 2
    assert run.err == "reportgen new: error: no starter text in fr; available: de, en, zh\n"
    assert not (tmp_path / "report").exists()


def test_nothing_is_written_outside_the_new_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "other.txt").write_text("x", encoding="utf-8")
    run = _ok(run_cli("new", "empty", "--lang", "de", cwd=tmp_path))
    assert "next: cd empty && reportgen build" in run.out
    outside = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
                     if "empty" not in p.relative_to(tmp_path).parts[:1])
    assert outside == ["other.txt"]
    written = sorted(str(p.relative_to(tmp_path / "empty")) for p in (tmp_path / "empty").rglob("*")
                     if p.is_file())
    assert written == [".gitignore", "README.md", "data/figures.yaml", "data/report.yaml",
                       "data/schema.yaml", "data/sources.yaml", "reportgen.yaml",
                       "seeds/radverkehr-zaehlung.txt", "templates/report.html.j2",
                       "templates/strings.yaml"]
    readme = (tmp_path / "empty" / "README.md").read_text(encoding="utf-8")
    for name in written:
        if name != "README.md":
            assert f"`{name}`" in readme, f"the project's README does not explain {name}"


def test_the_parent_must_exist(tmp_path: Path) -> None:
    run = run_cli("new", "a/b", cwd=tmp_path)
    assert run.code == 2 and "does not exist" in run.err
    assert not any(tmp_path.iterdir())


# --- the guide --------------------------------------------------------------------------------

def _guide_commands() -> list[str]:
    blocks = re.findall(r"^```sh\n(.*?)^```", GUIDE, flags=re.M | re.S)
    return [line.split("#")[0].strip() for block in blocks for line in block.splitlines()
            if line.startswith("reportgen ")]


def test_the_guide_shows_each_command() -> None:
    commands = {c.split()[1] for c in _guide_commands()}
    assert commands == {"new", "build", "check"}


@pytest.mark.parametrize("command", _guide_commands())
def test_each_command_of_the_guide_parses(command: str) -> None:
    args = _parser().parse_args(shlex.split(command)[1:])
    assert args.command == command.split()[1]


def test_the_guides_worked_example_builds(tmp_path: Path) -> None:
    """Apply the guide's `append:` blocks to a new project: the new number and the chart."""
    project = _new(tmp_path, "en")
    blocks = re.findall(r"^```\w+ append:(\S+)\n(.*?)^```", GUIDE, flags=re.M | re.S)
    assert [name for name, _ in blocks] == ["seeds/cycling-count.txt", "data/centre.yaml",
                                            "data/report.yaml"]
    for name, text in blocks:
        with (project / name).open("a", encoding="utf-8") as handle:
            handle.write(text)
    # The chart goes where the guide says: `{{ t.figure("fig-figures") }}` in a chapter.
    template = project / "templates" / "report.html.j2"
    placed = re.search(r'`(\{\{ t\.figure\("fig-figures"\) \}\})`', GUIDE)
    assert placed
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("{% call t.figure(", placed.group(1) + "\n  {% call t.figure(", 1),
                        encoding="utf-8")
    run = _ok(run_cli("check", "--strict", cwd=project))
    assert ": 5/6 sentences cited, 1 excluded, 0 uncited" in run.out
    _ok(run_cli("build", "--format", "pdf", cwd=project))
    text = _pdf(project / "out" / "report.pdf")
    assert "14.5% share of trips into the town centre" in text or \
        re.search(r"14\.5%.{0,40}share of trips into the town centre", text)
    assert "Cyclists made up 14.5% of all trips into the town centre" in text
    assert "Exhibit 1 Trips on an average weekday" in text  # the chart, placed first
    assert "Exhibit 2 What the council counted" in text
