"""Typography of edition text: the locale's quotes, unbreakable number spaces, note markers
that never start a line, no repeated or heading markers — and verbatim quotes untouched."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import MINI

from reportgen.build import build
from reportgen.config import load_config
from reportgen.typography import NBSP, WORD_JOINER, Typography, quotes_for

TEMPLATE = "templates/report.html.j2"
DATA = "data/parks.yaml"


@pytest.mark.parametrize(("tag", "marks"), [
    ("en", "“”‘’"), ("en-GB", "“”‘’"), ("de", "„“‚‘"), ("de-CH", "„“‚‘"), ("fr", "«»«»"),
    ("fr-CH", "«»‹›"), ("fr-CA", "«»”“"),
    ("zh", "“”‘’"), ("zh-Hans", "“”‘’"), ("zh-Hant", "「」『』"), ("zh-TW", "「」『』"),
    ("ja", "「」『』"), ("xx", "“”‘’"),
])
def test_quotation_marks_come_from_cldr(tag: str, marks: str) -> None:
    assert quotes_for(tag) == marks


@pytest.mark.parametrize(("tag", "text", "expected"), [
    ("en", 'He said "loans are \'safe\' now".', "He said “loans are ‘safe’ now”."),
    ("en", "Ant's and Yu'e Bao's investors' money in the '90s",
     "Ant’s and Yu’e Bao’s investors’ money in the ’90s"),
    ("en", '"Open" at the start, "close" at the end"', "“Open” at the start, “close” at the end”"),
    ("de", 'Er sagte "das ist \'gut\'" heute.', "Er sagte „das ist ‚gut‘“ heute."),
    ("zh-Hans", '他说"你好"，然后走了。', "他说“你好”，然后走了。"),
    ("zh-Hant", '他說"你好"。', "他說「你好」。"),
])
def test_straight_quotes_become_the_locales(tag: str, text: str, expected: str) -> None:
    # (the word joiner glues a text's last two Han characters, tested below)
    assert Typography(tag).prose(text).replace(WORD_JOINER, "") == expected


@pytest.mark.parametrize(("tag", "text", "glued"), [
    ("en", "over RMB 500 billion in 2020", ["RMB 500", "500 billion"]),
    ("en", "on 3 November 2020 and in May 2021", ["3 November", "November 2020", "May 2021"]),
    ("en", "see Exhibit 11 for 50 million users", ["Exhibit 11", "50 million"]),
    ("de", "am 3 März 2020 mit 5 Mrd. Euro und 2 Millionen", ["3 März", "5 Mrd.", "2 Millionen"]),
    ("zh-Hans", "见图表 5", ["图表 5"]),
])
def test_number_words_are_glued_to_their_number(tag: str, text: str, glued: list[str]) -> None:
    out = Typography(tag, after=["visits"], before=["RMB", "Exhibit", "图表"]).prose(text)
    for pair in glued:
        assert pair.replace(" ", NBSP) in out, out
    assert out.replace(NBSP, " ") == text  # nothing else changes


def test_other_spaces_still_break() -> None:
    out = Typography("en").prose("The city has 120 parks in total, and may 5 more")
    assert out == "The city has 120 parks in total, and may 5 more"


def test_engine_phrases_keep_spaces_next_to_numbers() -> None:
    typo = Typography("en")
    assert typo.phrase("over RMB 500 billion") == f"over RMB{NBSP}500{NBSP}billion"
    assert typo.phrase("Exhibit {n}") == f"Exhibit{NBSP}{{n}}"
    assert typo.phrase("{d} {m} {y}") == f"{{d}}{NBSP}{{m}}{NBSP}{{y}}"


# --- through a build of the mini fixture ----------------------------------------------

@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "mini"
    shutil.copytree(MINI, dest)
    return dest


def _edit(project: Path, name: str, old: str, new: str) -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _html(project: Path, lang: str = "en") -> str:
    build(load_config(project), [lang], ["html"])
    return (project / "out" / f"parks.{lang}.html").read_text(encoding="utf-8")


def test_edition_text_gets_quotes_and_glue_but_quotes_stay_verbatim(project: Path) -> None:
    _edit(project, "seeds/parks.txt", "全市公园数量超过120个", "全市公园数量超过120个，\"公园城市\"")
    _edit(project, DATA, 'quote: "全市公园数量超过120个"',
          "quote: '全市公园数量超过120个，\"公园城市\"'")
    _edit(project, DATA, 'en: "The city has [[park-count]] parks and [[visitors]] (see '
                         '[[fig-parks]])."',
          'en: "The city\'s \\"park city\\" has [[park-count]] parks and [[visitors]] (see '
          '[[fig-parks]])."')
    page = _html(project)
    assert "The city’s “park city” has over" in page
    assert f"over{NBSP}120" in page and f"about{NBSP}35{NBSP}million visits" in page
    assert f">Figure{NBSP}1</a>" in page
    assert "全市公园数量超过120个，&#34;公园城市&#34;" in page  # the note: verbatim, straight


def test_a_note_is_cited_once_per_sentence(project: Path) -> None:
    _edit(project, DATA, "(see [[fig-parks]]).", "(see [[fig-parks]]), over [[park-count]] again. "
          "Next [[park-count]].")
    page = _html(project)
    summary = page.split('<p class="summary">', 1)[1].split("</p>", 1)[0]
    assert summary.count('href="#note-1"') == 2, summary  # first sentence once, the next once
    assert summary.count(WORD_JOINER + '<sup class="cite') == summary.count('<sup class="cite')
    assert f'over{NBSP}120{WORD_JOINER}<sup class="cite after-number">' in summary


def test_headings_and_titles_carry_no_markers(project: Path) -> None:
    _edit(project, TEMPLATE, "</body>",
          '{{ heading(2, "h-title", data.exhibits[0].title) }}'
          '<ol id="xl">{% for xid, n, title in exhibit_list() %}<li><a href="#{{ xid }}">'
          "{{ title }}</a></li>{% endfor %}</ol><p id=\"xt\">{{ x.title }}</p></body>")
    page = _html(project)
    heading = page.split('<h2 id="h-title">', 1)[1].split("</h2>", 1)[0]
    listed = page.split('<ol id="xl">', 1)[1].split("</ol>", 1)[0]
    caption = page.split('<p id="xt">', 1)[1].split("</p>", 1)[0]
    for text in (heading, listed, caption):
        assert f"over{NBSP}120" in text and "cite" not in text and "note-" not in text, text
    toc_entry = page.split("<title>", 1)[1]
    assert "<sup" not in toc_entry.split("</title>", 1)[0]


def test_markers_never_start_a_line_in_weasyprint() -> None:
    """Lay a Chinese paragraph full of marker groups out at many widths: no line starts with
    a marker, and no group breaks after its comma."""
    import weasyprint
    from weasyprint.formatting_structure import boxes

    text = "据网易号文章称，蚂蚁集团旗下的余额宝在推出后不久规模就超过了一千亿元"

    def starts(glue: str) -> int:
        marks = "".join(f'{text[:10 + 3 * i]}{glue}<sup class="cite"><a>{i + 1}</a>,{glue}'
                        f"<a>{i + 20}</a></sup>" for i in range(8))
        found = 0
        for width in range(60, 200, 9):
            page = weasyprint.HTML(string=f'<p style="width:{width}pt;font-family:Noto Sans CJK '
                                          f'SC;font-size:10pt;margin:0">{marks}</p>').render()
            for line in _lines(page.pages[0]._page_box, boxes):
                first = _first_text(line, boxes)
                found += bool(first and first[1] and first[0].strip(WORD_JOINER))
        return found

    assert starts("") > 0  # without the joiner, markers do start lines: the test can see it
    assert starts(WORD_JOINER) == 0


def _lines(box: Any, boxes: Any) -> list[Any]:
    if isinstance(box, boxes.LineBox):
        return [box]
    return [line for child in getattr(box, "children", []) for line in _lines(child, boxes)]


def _first_text(box: Any, boxes: Any, in_sup: bool = False) -> tuple[str, bool] | None:
    """Return the first text of a line box, and whether it is inside a <sup>."""
    if isinstance(box, boxes.TextBox):
        return str(box.text), in_sup
    for child in getattr(box, "children", []):
        found = _first_text(child, boxes, in_sup or getattr(child, "element_tag", "") == "sup")
        if found:
            return found
    return None


@pytest.mark.parametrize(("text", "expected"), [
    ("摩斯多方安全计算平台", "摩斯多方安全计算平\u2060台"),
    ("满足用户个性化理财需求。", "满足用户个性化理财需\u2060求。"),
    ("注册用户超4800万", "注册用户超4800万"),  # a digit before the last Han: nothing to glue
    ("台", "台"),
    ("Ant Group", "Ant Group"),
])
def test_a_text_never_ends_with_one_han_character_alone(text: str, expected: str) -> None:
    """The layout preflight found single characters alone on a cell's last line."""
    assert Typography("zh").prose(text) == expected
