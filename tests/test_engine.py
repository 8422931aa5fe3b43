"""End-to-end behaviour of the engine on a small project about city parks."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

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


def _build(project: Path, *args: str) -> Run:
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
    hrefs = [a["href"] for t, a in tags if t == "a" and a.get("href", "").startswith("#")]
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


def _good(project: Path) -> dict[str, bytes]:
    assert _build(project).code == 0
    return snapshot(project / "out")


def _fails(project: Path, before: dict[str, bytes], *expected: str) -> str:
    run = _build(project)
    assert run.code == 1, run.out + run.err
    assert "Traceback" not in run.err
    for text in expected:
        assert text in run.err
    assert snapshot(project / "out") == before
    assert not [p for p in (project / "out").iterdir() if p.name.startswith(".reportgen-")]
    return run.err


def test_quote_not_in_seed_fails_naming_file_and_line(mini: Path) -> None:
    before = _good(mini)
    _break(mini, "湖滨公园建于1998年", "湖滨公园建于1999年")
    _fails(mini, before, "data/parks.yaml:19:", "quote not found in parks.txt")


def test_stated_number_must_read_as_value(mini: Path) -> None:
    before = _good(mini)
    _break(mini, "value: 45,", "value: 46,")
    _fails(mini, before, "data/parks.yaml:", "reads as 45.0, but value is 46")


def test_number_typed_into_prose_is_refused(mini: Path) -> None:
    before = _good(mini)
    _break(mini, "en: The city}", "en: The city of 7 hills}")
    _fails(mini, before, "number 7 is not in the record's quotes")


def test_yaml_syntax_error_names_line_and_column(mini: Path) -> None:
    before = _good(mini)
    _break(mini, "    format: {zh: \"{n}个\", en: \"{n}\"}", "    format: {zh: \"{n}个\", en: \"{n}\"")
    _fails(mini, before, "data/parks.yaml:4:3:", "opened at line 3")


def test_all_schema_problems_are_reported_together(mini: Path) -> None:
    before = _good(mini)
    _break(mini, "measure: {zh: 公园数量, en: parks}", "measure: {zh: 公园数量, en: parks}\n    colour: red")
    _break(mini, "subject: lakeside", "subject: nowhere")
    err = _fails(mini, before, "unknown field 'colour'", "no record has the id 'nowhere'")
    assert "2 problems" in err


def test_character_without_glyph_is_refused(mini: Path) -> None:
    before = _good(mini)
    _break(mini, "name: {zh: 湖滨公园, en: Lakeside Park}", "name: {zh: 湖滨公园, en: Lakeside Park 𓀀}")
    _fails(mini, before, "U+13000", "no glyph")


def test_template_typo_names_template_and_line(mini: Path) -> None:
    before = _good(mini)
    _break(mini, "{{ p.name }}", "{{ p.nmae }}", "templates/report.html.j2")
    _fails(mini, before, "templates/report.html.j2:10", "nmae")


def test_unknown_language_is_a_usage_error(mini: Path) -> None:
    run = _build(mini, "--lang", "fr")
    assert run.code == 2
    assert "fr" in run.err


def test_html_edition_that_would_fetch_anything_is_refused(mini: Path) -> None:
    before = _good(mini)
    _break(mini, "<body>", '<body><img src="http://169.254.169.254/" alt="">'
           '<svg><image href="file:///etc/passwd"/></svg>', "templates/report.html.j2")
    run = _build(mini, "--format", "html")
    assert run.code == 1
    assert "http://169.254.169.254/" in run.err and "file:///etc/passwd" in run.err
    assert "self-contained" in run.err
    assert snapshot(mini / "out") == before
