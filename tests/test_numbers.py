"""Numbers read as sources print them, and printed as each edition's language writes them."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from conftest import MINI, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.build import gather
from reportgen.config import load_config
from reportgen.dataset import load_dataset
from reportgen.formats import Formatter
from reportgen.numbers import Numerals, Readers, numeral_value
from reportgen.problems import ReportError
from reportgen.provenance import check_provenance
from reportgen.schema import Date, Quantity, Record, Source, Text
from reportgen.seeds import load_seeds

ZH = Numerals(
    {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
     "八": 8, "九": 9},
    {"十": 10, "百": 100, "千": 1000},
    {"万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8},
)
READERS = Readers({"bn": 1e9}, {"zh": ZH})


def _read(tag: str, text: str) -> list[tuple[str, float]]:
    return [(text[t.start:t.end], t.value) for t in READERS(tag).tokens(text)]


READINGS = [
    ("en", "more than 600,000 merchants", [("600,000", 6e5)]),
    ("en", "€180 billion in 2024", [("180 billion", 1.8e11), ("2024", 2024)]),
    ("en", "$2.8 billion", [("2.8 billion", 2.8e9)]),
    ("en", "a 5bn fund", [("5bn", 5e9)]),  # scale_words from the configuration
    ("en", "1,998,998 visitors", [("1,998,998", 1998998)]),
    ("en", "in 2025 M&A slowed", [("2025", 2025)]),  # a lone letter after a space is no scale
    ("en", "2011,2012", [("2011", 2011), ("2012", 2012)]),  # not a grouping
    ("de", "1,5 Mrd. Euro", [("1,5 Mrd.", 1.5e9)]),
    ("de", "1.234.567 Kunden, 0,5 %", [("1.234.567", 1234567), ("0,5", 0.5)]),
    ("de", "500 Millionen", [("500 Millionen", 5e8)]),
    ("fr", "1\u202f234,5 et 2,5\u00a0Md", [("1\u202f234,5", 1234.5), ("2,5\u00a0Md", 2.5e9)]),
    ("hi", "12,34,567", [("12,34,567", 1234567)]),
    ("zh", "5000亿", [("5000亿", 5e11)]),
    ("zh", "三百五十亿", [("三百五十亿", 3.5e10)]),
    ("zh", "十二", [("十二", 12)]),
    ("zh", "两千", [("两千", 2000)]),
    ("zh", "超百万亿元", [("百万亿", 1e14)]),
    ("zh", "1.5万亿", [("1.5万亿", 1.5e12)]),
    ("zh", "约3500万人次", [("3500万", 3.5e7)]),
    ("zh", "超过120个", [("120", 120)]),
    ("zh-Hant", "注册用户超4800萬", [("4800萬", 4.8e7)]),
    ("en", "sales fell −5% (-0.5 points) in 2011-2025", [("−5", -5), ("-0.5", -0.5),
                                                        ("2011", 2011), ("2025", 2025)]),
]


@pytest.mark.parametrize(("tag", "text", "expected"), READINGS)
def test_reader_reads_whole_numbers_as_printed(tag: str, text: str,
                                               expected: list[tuple[str, float]]) -> None:
    assert _read(tag, text) == expected


@pytest.mark.parametrize(("numeral", "value"), [
    ("十二", 12), ("二十五", 25), ("一百二十", 120), ("两千", 2000), ("一千零五", 1005),
    ("三百五十亿", 3.5e10), ("一亿五千万", 1.5e8), ("一亿零五百万", 1.05e8), ("百万亿", 1e14),
    ("千亿", 1e11), ("万亿", 1e12), ("十万亿", 1e13), ("二〇一三", 2013), ("一万零五", 10005),
])
def test_numeral_algorithm(numeral: str, value: float) -> None:
    items = [(ZH.kind(c), float({**ZH.digits, **ZH.units, **ZH.groups}[c])) for c in numeral]
    assert numeral_value(items) == value


def test_briefing_configuration_reads_chinese_numerals() -> None:
    """The shipped configuration reads 十二 as 12 and 三百五十亿 as 3.5e10 (once 20 and 1.5e12)."""
    readers = Readers.from_config(load_config(ROOT))
    for tag in ("zh-Hans", "zh-Hant"):
        assert [t.value for t in readers(tag).tokens("十二，三百五十亿，千亿元")] == [12, 3.5e10, 1e11]
    assert [t.value for t in readers("zh-Hant").tokens("注冊用戶超4800萬")] == [4.8e7]


def test_readers_are_kept_for_the_same_settings_and_made_anew_for_others() -> None:
    """A warm session's gathers share readers (and what they read) until numerals change."""
    config = load_config(ROOT)
    readers = Readers.from_config(config)
    assert Readers.from_config(load_config(ROOT)) is readers
    first = readers("zh-Hans").tokens("三百五十亿")
    first.clear()  # a caller's list is its own: the kept answer stays whole
    assert [t.value for t in readers("zh-Hans").tokens("三百五十亿")] == [3.5e10]
    numerals = {**config.numerals, "zh": {**config.numerals["zh"], "units": {"十": 10.0}}}
    other = Readers.from_config(dataclasses.replace(config, numerals=numerals))
    assert other is not readers
    assert [t.value for t in other("zh-Hans").tokens("三百")] == [3.0]  # 百 no longer a unit


def _chinese(n: int) -> str:
    """Spell ``n`` (1 ≤ n < 10^16) in Chinese numerals, as a writer would: 三百五十亿."""
    digits = "零一二三四五六七八九"

    def section(x: int) -> str:
        out, zero = "", False
        for size, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = x // size % 10
            if d:
                out += ("零" if zero else "") + digits[d] + unit
                zero = False
            elif out:
                zero = True
        return out

    out, zero = "", False
    for size, unit in ((10**12, "万亿"), (10**8, "亿"), (10**4, "万"), (1, "")):
        part = n // size % 10**4 if size < 10**12 else n // size
        if part:
            text = section(part)
            out += ("零" if zero or (out and part < 1000) else "") + text + unit
            zero = False
        elif out:
            zero = True
    return out[1:] if out.startswith("一十") else out


_LOCALES = ("en", "de", "fr", "hi", "zh", "zh-Hant", "es", "ja")
_ROUND = settings(max_examples=150, deadline=None)


@_ROUND
@given(tag=st.sampled_from(_LOCALES), value=st.integers(0, 10**15),
       cents=st.integers(0, 99))
def test_grouped_decimal_round_trips(tag: str, value: int, cents: int) -> None:
    """Print a number as CLDR does for the language, inside a sentence; read it back."""
    number = value + cents / 100
    printed = format_decimal(number, locale=tag.replace("-", "_"), decimal_quantization=False)
    tokens = READERS(tag).tokens(f"x {printed} y")
    assert [t.value for t in tokens] == [pytest.approx(number, rel=1e-12)], printed


@_ROUND
@given(tag=st.sampled_from(_LOCALES), mantissa=st.integers(1, 9999),
       exponent=st.integers(0, 12))
def test_scaled_number_round_trips(tag: str, mantissa: int, exponent: int) -> None:
    """Print a number the way an edition prints it ("500 billion", "5000亿"); read it back."""
    value = float(mantissa * 10**exponent)
    printed = Formatter("x", {}, {}, locale=tag).scaled(value)
    tokens = READERS(tag).tokens(printed)
    assert [t.value for t in tokens] == [pytest.approx(value, rel=1e-12)], printed


@_ROUND
@given(tag=st.sampled_from(_LOCALES), points=st.integers(0, 100000))
def test_percentage_round_trips(tag: str, points: int) -> None:
    printed = Formatter("x", {}, {}, locale=tag).percent(points / 100)
    tokens = READERS(tag).read(printed)
    assert [t.value for t in tokens] == [pytest.approx(points / 100, rel=1e-12)], printed


@_ROUND
@given(value=st.integers(1, 10**15), tail=st.sampled_from(["", "元", "人次", "个"]))
def test_chinese_numeral_round_trips(value: int, tail: str) -> None:
    printed = _chinese(value)
    tokens = READERS("zh").tokens(f"共{printed}{tail}")
    assert [t.value for t in tokens] == [value], printed


def test_every_format_control_is_found() -> None:
    """The fast scan for invisible controls misses no Cf character of this Unicode version."""
    import sys
    import unicodedata

    from reportgen.numbers import CONTROL_CANDIDATES, control_characters

    controls = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert all(CONTROL_CANDIDATES.match(c) for c in controls)
    assert [i for i, _ in control_characters("a\u200bb\u202ec\u00add\U000e0041")] == [1, 3, 5, 7]
    assert list(control_characters("湖滨公园\u2060建于")) == [(4, "U+2060 WORD JOINER")]


# --- printing -------------------------------------------------------------------------


@pytest.mark.parametrize(("tag", "value", "expected"), [
    ("en", 5e11, "500 billion"), ("de", 5e11, "500 Milliarden"), ("zh-Hans", 5e11, "5000亿"),
    ("en", 4.8e7, "48 million"), ("zh-Hans", 4.8e7, "4800万"), ("de", 1.5e12, "1,5 Billionen"),
    ("en", 8000, "8,000"), ("de", 600000, "600.000"), ("de", 0.5, "0,5"),
    ("en", 1234567, "1,234,567"),  # not rounded to "1.23 million"
])
def test_scaled_numbers_follow_the_locale(tag: str, value: float, expected: str) -> None:
    assert Formatter("x", {}, {}, locale=tag).scaled(value) == expected


@_ROUND
@given(tag=st.sampled_from(_LOCALES), value=st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_number_prints(tag: str, value: float) -> None:
    """Print every finite value without an error; one that is big enough reads back."""
    f = Formatter("x", {}, {}, locale=tag)
    printed = f.scaled(value)
    assert printed and f.percent(value) and f.decimal(value)
    if 1 <= abs(value) < 1e15 and value == round(value, 2):
        tokens = READERS(tag).tokens(printed)
        assert [t.value for t in tokens] == [pytest.approx(value, rel=1e-12)], printed


def test_house_style_replaces_the_compact_form() -> None:
    f = Formatter("en", {}, {}, steps=[[1.0e9, "bn"], [1.0e6, "m"]], locale="en")
    assert [f.scaled(v) for v in (2.5e9, 3e6, 1234.5)] == ["2.5bn", "3m", "1,234.5"]
    assert Formatter("de", {}, {}, steps=[[1.0e9, " Mrd."]], locale="de").scaled(1.5e9) == "1,5 Mrd."


@pytest.mark.parametrize(("tag", "date", "expected"), [
    ("de", Date(2013, 6), "Juni 2013"), ("de", Date(2013, 6, 3), "3. Juni 2013"),
    ("zh-Hans", Date(2013, 6), "2013年6月"), ("zh-Hans", Date(2013), "2013年"),
    ("en", Date(2013, 6), "June 2013"), ("en-GB", Date(2013, 6, 3), "3 June 2013"),
    ("fr", Date(2020, 11), "novembre 2020"),
])
def test_dates_follow_the_locale(tag: str, date: Date, expected: str) -> None:
    assert Formatter("x", {}, {}, locale=tag).date(date) == expected


def test_percent_unit_prints_as_the_locale_writes_it() -> None:
    percent = {"percent": _record("units", id="percent", style="percent")}
    q = Quantity(8.5, "percent", "eq", "8.5%", MINI_MARK)
    assert Formatter("de", percent, {}, locale="de").number(q) == "8,5\u00a0%"
    assert Formatter("en", percent, {}, locale="en").number(q) == "8.5%"


def test_phrase_wording_pinned_found_and_default() -> None:
    phrases = {
        "over": _record("qualifiers", id="over", bound="gt", format=Text(en="over {q}")),
        "passed": _record("qualifiers", id="passed", bound="gt", format=Text(en="past {q}")),
    }
    f = Formatter("en", {}, phrases, locale="en")
    q = Quantity(1e9, "x", "gt", "10亿", MINI_MARK)
    assert f.quantity(q) == "over 1 billion"  # the bound's first phrase
    assert f.quantity(dataclasses.replace(q, phrase="passed")) == "past 1 billion"
    assert f.quantity(dataclasses.replace(q, qualifier="le")) == "≤1 billion"  # no phrase
    assert f.symbol(q) == ">" and f.symbol(dataclasses.replace(q, qualifier="eq")) == ""


MINI_MARK = load_dataset(MINI / "data", ("zh", "en"), MINI).by_id["park-count"].mark


def _record(collection: str, **fields: object) -> Record:
    record = Record(collection, MINI_MARK)
    record.update(fields)
    return record


# --- the shipped briefing --------------------------------------------------------------


def test_briefing_prints_each_bound_in_its_sources_words() -> None:
    """The rural loan is 'as low as' 3.5% (低至), Tencent's bad debts '1.2% or less' (以下)."""
    project = gather(load_config(ROOT))
    printed = {lang: {r.id: project.formatter(lang).quantity(r["quantity"])
                      for r in project.dataset.records("metrics")} for lang in ("zh", "en")}
    assert printed["zh"]["m-rural-loan-rate"] == "低至3.5%"
    assert printed["en"]["m-rural-loan-rate"] == "as low as 3.5%"
    assert printed["zh"]["m-tencent-baddebt"] == "1.2%以下"
    assert printed["en"]["m-tencent-baddebt"] == "1.2% or less"
    assert printed["zh"]["m-ant-tencent-share"] == "60%以上"
    assert printed["zh"]["m-yuebao-scale"] == "突破1000亿元"
    assert printed["en"]["m-lufax-aum"] == "RMB 500 billion"
    for text in printed["en"].values():
        assert "at least" not in text
    for text in printed["zh"].values():
        assert "及以上" not in text and "及以下" not in text


# --- glosses (a source's translation) -----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Glossed(Source):
    gloss: Text | None = None


@pytest.mark.parametrize(("gloss", "problem"), [
    ("over 120 parks", ""),
    ("over 130 parks", "park-count: gloss.en: number 130 is not a number of its quote"),
    ("over 1,200 parks", "gloss.en: number '1,200' (reads as 1200) is not a number of its quote"),
])
def test_numbers_of_a_gloss_are_numbers_of_its_quote(gloss: str, problem: str) -> None:
    dataset = load_dataset(MINI / "data", ("zh", "en"), MINI)
    record = dataset.by_id["park-count"]
    source = record["source"]
    record["source"] = _Glossed(source.seed, source.quote, source.mark, Text(en=gloss))
    seeds, _ = load_seeds(MINI / "seeds", "seeds")
    report = "\n".join(map(str, check_provenance(dataset, seeds, load_config(MINI))))
    assert (problem in report) if problem else report == ""


# --- configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(("setting", "expected"), [
    ("languages: [zh, tlh]", "languages: language 'tlh' cannot be served: Babel has no CLDR locale data"),
    ("languages: [zh, en/../x]", "'en/../x' is not a language code"),
    ("html_lang: {zh: zh-Hans, en: english}", "html_lang: tag for en 'english' is not a language code"),
    ("number_format: {en: [[0, ' x']]}", "number_format: en: threshold 0 must be above 0"),
    ("number_format: {en: [[1.0e6]]}", "number_format: en: expected [threshold, word]"),
    ("numerals: {zh: {digit: {一: 1}}}", "numerals: zh: unknown key 'digit'"),
    ("numerals: {zh: {units: {十十: 10}}}", "numerals: zh.units.十十: expected one character"),
    ("scale_words: {bn: -1}", "scale_words: bn: expected a finite number above 0, got '-1'"),
])
def test_number_settings_are_refused_when_read(tmp_path: Path, setting: str, expected: str) -> None:
    project = tmp_path / "mini"
    shutil.copytree(MINI, project)
    config = project / "reportgen.yaml"
    key, lines, skip = setting.split(":")[0] + ":", [], False
    for line in config.read_text(encoding="utf-8").splitlines():
        skip = line.startswith(key) or (skip and line.startswith(" "))
        if not skip:
            lines.append(line)
    config.write_text("\n".join([*lines, setting, ""]), encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        load_config(project)
    assert expected in str(caught.value), str(caught.value)
