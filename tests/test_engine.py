"""End-to-end behaviour of the engine on a small project about city parks."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import Run, pdftotext, run_cli, snapshot


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collect()
    parser.feed(html)
    return parser.tags


def _build(project: Path, *args: str | Path) -> Run:
    return run_cli("build", "--project", project, *args)


def test_builds_both_editions_with_sources_and_numbers(mini: Path) -> None:
    run = _build(mini)
    assert run.code == 0, run.err
    assert "built 4 files" in run.out
    zh = pdftotext(mini / "out" / "parks.zh.pdf")
    assert "全市有超过120个" in zh and "年游客约3500万人次" in zh
    assert "湖滨公园建于1998年" in zh  # the note quotes its seed verbatim
    en = pdftotext(mini / "out" / "parks.en.pdf")
    assert "The city has over 120" in en and "about 35 million visits" in en
    assert "Figure 1" in en


def test_html_edition_inlines_charts_and_links_notes(mini: Path) -> None:
    assert _build(mini, "--format", "html", "--lang", "en").code == 0
    html = (mini / "out" / "parks.en.html").read_text(encoding="utf-8")
    tags = _tags(html)
    assert ("html", {"lang": "en"}) in tags
    assert any(t == "svg" for t, _ in tags)
    ids = {a.get("id") for _, a in tags}
    hrefs = [href for t, a in tags if t == "a" and (href := a.get("href") or "").startswith("#")]
    assert hrefs and all(h[1:] in ids for h in hrefs)
    assert not (mini / "out" / "parks.en.pdf").exists()


def test_same_input_gives_same_bytes(mini: Path, tmp_path: Path) -> None:
    assert _build(mini, "--out", tmp_path / "a").code == 0
    assert _build(mini, "--out", tmp_path / "b").code == 0
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def _break(project: Path, old: str, new: str, name: str = "data/parks.yaml") -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def good(built: Path, tmp_path: Path) -> Path:
    """Return a copy of the mini project with the outputs of a good build in out/."""
    dest = tmp_path / "mini"
    shutil.copytree(built, dest)
    return dest


def _fails(project: Path, *expected: str) -> str:
    before = snapshot(project / "out")
    run = _build(project)
    assert run.code == 1, run.out + run.err
    assert "Traceback" not in run.err
    for text in expected:
        assert text in run.err
    assert snapshot(project / "out") == before
    assert not [p for p in (project / "out").iterdir() if p.name.startswith(".reportgen-")]
    return run.err


# (file, text, replacement, what the message must say)
_SLIPS = {
    "quote not in seed": ("data/parks.yaml", "湖滨公园建于1998年", "湖滨公园建于1999年",
                          ("data/parks.yaml:19:", "quote not found in parks.txt")),
    "stated number differs from value": ("data/parks.yaml", "value: 45,", "value: 46,",
                                         ("data/parks.yaml:34:", "value is 46, but the quote "
                                          "states '45', which reads as 45", "set value: 45")),
    "number typed into prose": ("data/parks.yaml", "en: The city}", "en: The city of 7 hills}",
                                ("number 7 is not in the record's quotes",)),
    "YAML syntax error": ("data/parks.yaml", '    format: {zh: "{n}个", en: "{n}"}',
                          '    format: {zh: "{n}个", en: "{n}"', ("data/parks.yaml:4:3:",
                                                              "opened at line 3")),
    "character without glyph": ("data/parks.yaml", "name: {zh: 湖滨公园, en: Lakeside Park}",
                                "name: {zh: 湖滨公园, en: Lakeside Park 𓀀}", ("U+13000", "no glyph")),
    "template typo": ("templates/report.html.j2", "{{ p.name }}", "{{ p.nmae }}",
                      ("templates/report.html.j2:10", "nmae")),
}


@pytest.mark.parametrize("slip", sorted(_SLIPS))
def test_a_slip_fails_naming_file_and_line_and_keeps_outputs(good: Path, slip: str) -> None:
    name, old, new, expected = _SLIPS[slip]
    _break(good, old, new, name)
    _fails(good, *expected)


def test_all_schema_problems_are_reported_together(good: Path) -> None:
    _break(good, "measure: {zh: 公园数量, en: parks}", "measure: {zh: 公园数量, en: parks}\n    colour: red")
    _break(good, "subject: lakeside", "subject: nowhere")
    err = _fails(good, "unknown field 'colour'", "no record has the id 'nowhere'")
    assert "2 problems" in err


def test_unknown_language_is_a_usage_error(mini: Path) -> None:
    run = _build(mini, "--lang", "fr")
    assert run.code == 2
    assert "fr" in run.err


def test_html_edition_that_would_fetch_anything_is_refused(good: Path) -> None:
    mini = good
    before = snapshot(mini / "out")
    _break(mini, "<body>", '<body><img src="http://169.254.169.254/" alt="">'
           '<svg><image href="file:///etc/passwd"/></svg>', "templates/report.html.j2")
    run = _build(mini, "--format", "html")
    assert run.code == 1
    assert "http://169.254.169.254/" in run.err and "file:///etc/passwd" in run.err
    assert "self-contained" in run.err
    assert snapshot(mini / "out") == before


@pytest.mark.parametrize(("summary", "skipped"), [
    # The last sentence prints park-count's marker: the record's cite right after it
    # does not print it again ("120³.³" reads as a mistake).
    (None, True),
    # Another sentence follows: its end is not the sentence that carries the marker.
    ("The city has [[park-count]] parks. It is green.", False),
    # The marker is in an earlier sentence.
    ("The city has [[park-count]] parks. It has [[visitors]].", False),
], ids=["last-sentence", "sentence-after", "earlier-sentence"])
def test_a_cite_after_a_text_leaves_out_the_notes_its_last_sentence_cites(
        tmp_path: Path, summary: str | None, skipped: bool) -> None:
    from reportgen.config import load_config
    from reportgen.session import Session

    work = tmp_path / "mini"
    shutil.copytree(Path(__file__).parent / "fixtures" / "mini", work)
    template = work / "templates" / "report.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace(
        '<p class="summary">{{ data.report.summary }}</p>',
        '<p class="summary">{{ data.report.summary }}'
        '{{ cite(record("park-count"), after=data.report.summary) }}</p>'
        '<p id="plain">{{ plain(data.report.summary) }}'
        '{{ cite(record("park-count"), after=plain(data.report.summary)) }}</p>'), encoding="utf-8")
    if summary is not None:
        data = work / "data" / "parks.yaml"
        text = data.read_text(encoding="utf-8")
        old = "en: \"The city has [[park-count]] parks and [[visitors]] (see [[fig-parks]]).\""
        assert old in text
        data.write_text(text.replace(old, f"en: {summary!r}".replace("'", '"')),
                        encoding="utf-8")
    html = Session(lambda: load_config(work)).html()["parks.en.html"]
    summary_html = html.split('<p class="summary">', 1)[1].split("</p>", 1)[0]
    markers = summary_html.count('href="#note-1"')
    assert markers == (1 if skipped else 2), summary_html
    # After a text printed without markers, every note is cited.
    plain_html = html.split('<p id="plain">', 1)[1].split("</p>", 1)[0]
    assert plain_html.count('href="#note-1"') == 1, plain_html
