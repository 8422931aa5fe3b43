"""The theme shipped with the engine (reportgen/theme/): reused by other projects unchanged.

Two projects other than the briefing extend ``theme/report.html.j2``: the one-language
library review in ``tests/fixtures/themed`` (its own subject, schema and strings) and the
bilingual parks project in ``tests/fixtures/mini`` with its ``themed.html.j2`` template.
Neither copies a line of the theme.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from conftest import MINI, ROOT, pdftotext, run_cli

from reportgen.themestrings import THEME_STRINGS, theme_strings

THEMED = Path(__file__).resolve().parent / "fixtures" / "themed"
THEME = ROOT / "reportgen" / "theme"


class _Links(HTMLParser):
    """Collect the attributes of every <a>, and the text of the whole page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append({k: v or "" for k, v in attrs})

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _links(html: Path) -> _Links:
    parser = _Links()
    parser.feed(html.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def themed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the one-language library review once; return its out folder."""
    project = tmp_path_factory.mktemp("themed") / "themed"
    shutil.copytree(THEMED, project)
    run = run_cli("build", "--project", project)
    assert run.code == 0, run.err
    return project / "out"


@pytest.fixture(scope="module")
def parks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the bilingual parks project's HTML through its theme-based template."""
    project = tmp_path_factory.mktemp("parks") / "mini"
    shutil.copytree(MINI, project)
    config = project / "reportgen.yaml"
    config.write_text(re.sub(r"(?m)^template: .*$", "template: themed.html.j2",
                             config.read_text(encoding="utf-8")), encoding="utf-8")
    # A project may override one language of a theme string and keep the theme's others.
    with (project / "templates" / "strings.yaml").open("a", encoding="utf-8") as strings:
        strings.write("contents: {en: Overview}\n")
    run = run_cli("build", "--project", project, "--format", "html")
    assert run.code == 0, run.err
    return project / "out"


def test_theme_strings_cover_english_german_and_chinese() -> None:
    raw = yaml.safe_load(THEME_STRINGS.read_text(encoding="utf-8"))
    strings = theme_strings()
    assert set(strings) == set(raw)
    for name, entry in strings.items():
        assert set(entry) == {"en", "de", "zh"}, name
        assert all(text.strip() for text in entry.values()), name
    # What the engine itself prints comes with the theme, so a project need not repeat it.
    assert {"exhibit_label", "corrected_legend", "stated_as"} <= set(strings)
    assert strings["contents"]["de"] == "Inhalt"


def test_one_language_report_reuses_the_theme(themed: Path) -> None:
    text = " ".join(pdftotext(themed / "libraries.pdf").split())
    # The theme's cover, contents and list of exhibits, with page numbers from the layout.
    assert "County libraries: two branches, one lending scheme" in text
    assert "Prepared by Civic Data Desk" in text and "30 September 2024" in text
    assert re.search(r"Contents Summary[ .]+ 2 Branches[ .]+ \d", text), text
    assert re.search(r"List of exhibits Table 1 Two branches, two ways of serving their "
                     r"readers[ .]+ \d+ ", text), text
    # The project's string overrides the theme's ("Exhibit {n}"); the theme's notes section
    # gives the verbatim quote, and the source line names the publisher and title.
    assert "Exhibit" not in text
    assert "Notes and source quotes" in text
    assert "The Hill Street branch runs homework clubs four evenings" in text
    assert "Source: County Library Service, “Branch libraries in the county, annual review”" \
        in text
    # Nothing of the theme was copied into the project.
    templates = THEMED / "templates"
    assert not list(templates.rglob("*.css"))
    assert "<header" not in (templates / "report.html.j2").read_text(encoding="utf-8")


def test_one_language_report_shows_no_language_switch(themed: Path) -> None:
    assert sorted(p.name for p in themed.glob("libraries.*")) == [
        "libraries.html", "libraries.manifest.json", "libraries.pdf"]
    page = _links(themed / "libraries.html")
    html = (themed / "libraries.html").read_text(encoding="utf-8")
    assert '<html lang="en-GB"' in html
    assert not [a for a in page.links if "hreflang" in a or ".html" in a.get("href", "")]
    assert not re.search(r'class="(lang-switch|other-edition|toc-bar-lang)"', html)


def test_each_edition_links_the_others_by_their_file_names(parks: Path) -> None:
    for lang, other, tag in (("en", "zh", "zh-Hans"), ("zh", "en", "en")):
        page = _links(parks / f"parks.{lang}.html")
        switches = [a for a in page.links if "hreflang" in a]
        assert switches, lang
        for a in switches:
            assert a["hreflang"] == tag
            assert a["href"].split("#")[0] == f"parks.{other}.html"
            # Mailed alone, the page says where the other edition is.
            assert f"parks.{other}.html" in a["title"]
        # Section switches keep the reader's place: the same anchor in the other edition.
        assert f"parks.{other}.html#s-places" in {a["href"] for a in switches}


def test_a_project_string_overrides_one_language_of_the_theme(parks: Path) -> None:
    # Labels and their numbers are glued with no-break spaces (typography): read them as spaces.
    en = "".join(_links(parks / "parks.en.html").text).replace("\xa0", " ")
    zh = "".join(_links(parks / "parks.zh.html").text).replace("\xa0", " ")
    assert "Overview" in en and "Contents" not in en
    assert "目录" in zh  # the theme's Chinese word, not overridden
    assert "Figure 1" in en and "图 1" in zh  # mini's own exhibit label, over the theme's


def test_no_template_hard_codes_a_file_name_or_a_language_pair() -> None:
    templates = [*THEME.rglob("*.j2"), *(ROOT / "templates").rglob("*.j2")]
    assert len(templates) > 10
    for path in templates:
        source = path.read_text(encoding="utf-8")
        assert "other_lang" not in source, path
        assert not re.search(r"briefing\.(\{\{|zh|en)", source), path
        assert not re.search(r'href="[\w.-]*\.html', source), path
    # The briefing's own document is a short file: the theme does the rest.
    briefing = (ROOT / "templates" / "briefing.html.j2").read_text(encoding="utf-8")
    assert '{% extends "theme/report.html.j2" %}' in briefing
    assert len(briefing.splitlines()) < 40
