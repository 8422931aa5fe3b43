"""Hostile and broken input: each case fails cleanly and leaves the last good output alone.

Every failing case starts from a copy of one good build of the mini fixture, breaks one
thing, rebuilds with the CLI and checks: exit code 1, one located message per problem, no
traceback, out/ byte-for-byte unchanged and no temporary file left. Cases of valid but
hostile data (markup, template syntax, mathtext) check that the output shows it literally.
"""

from __future__ import annotations

import html
import http.server
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Run, pdftotext, run_cli, snapshot
from mutations import Mutation, both

from reportgen.build import build
from reportgen.config import load_config
from reportgen.output import TEMP_PREFIX
from reportgen.problems import ReportError
from reportgen.yamlload import load_bytes

DATA = "data/parks.yaml"
TEMPLATE = "templates/report.html.j2"
CONFIG = "reportgen.yaml"
_SUMMARY = re.compile(r"^error: (\d+) problems? found; nothing was written$")
_PROBLEM = re.compile(r"^  \S+(:\d+)*: .+")



@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """Return a fresh copy of the good build."""
    dest = tmp_path / "mini"
    shutil.copytree(built, dest)
    return dest


@pytest.fixture(scope="module")
def layout_ready() -> None:
    """Import WeasyPrint once here, so in-process builds fork layout workers that have it."""
    import weasyprint  # noqa: F401


def edit(old: str, new: str, name: str = DATA) -> Mutation:
    """Return a mutation replacing the first ``old`` by ``new`` in the file ``name``."""
    def apply(project: Path) -> None:
        path = project / name
        text = path.read_bytes()
        assert old.encode() in text, f"{old!r} not in {name}"
        path.write_bytes(text.replace(old.encode(), new.encode(), 1))
    return apply


def edit_bytes(old: bytes, new: bytes, name: str = DATA) -> Mutation:
    """Return a mutation replacing the first ``old`` by ``new``, as raw bytes."""
    def apply(project: Path) -> None:
        path = project / name
        assert old in path.read_bytes()
        path.write_bytes(path.read_bytes().replace(old, new, 1))
    return apply


def write(data: bytes, name: str = DATA) -> Mutation:
    """Return a mutation replacing the whole file ``name`` by ``data``."""
    def apply(project: Path) -> None:
        (project / name).write_bytes(data)
    return apply


def append(data: bytes, name: str = DATA) -> Mutation:
    """Return a mutation adding ``data`` to the end of the file ``name``."""
    def apply(project: Path) -> None:
        path = project / name
        path.write_bytes(path.read_bytes() + data)
    return apply


def add_to_body(markup: str) -> Mutation:
    """Return a mutation inserting ``markup`` at the start of the template's body."""
    return edit("<body>", "<body>" + markup, TEMPLATE)


def configure(text: str) -> Mutation:
    """Return a mutation adding settings to reportgen.yaml."""
    return append(text.encode(), CONFIG)


def leftovers(project: Path) -> list[Path]:
    """Return temporary files a build left anywhere in the project."""
    return [p for p in project.rglob("*")
            if p.name.startswith(TEMP_PREFIX) or p.suffix == ".tmp"]


def fails(project: Path, *expected: str, args: tuple[str, ...] = ()) -> Run:
    """Build the broken project; check the failure is clean and the outputs untouched."""
    before = snapshot(project / "out")
    run = run_cli("build", "--project", project, *args)
    assert run.code == 1, run.out + run.err
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    lines = [line for line in run.err.splitlines() if line.strip()]
    # Lines that are not ours (e.g. a C library complaining on stderr) are not counted.
    summary = next((i for i, line in enumerate(lines) if _SUMMARY.match(line)), None)
    assert summary is not None, run.err
    match = _SUMMARY.match(lines[summary])
    assert match is not None
    problems = [line for line in lines[summary + 1:] if line.startswith("  ")]
    assert len(problems) == int(match.group(1)), run.err
    assert all(_PROBLEM.match(line) for line in problems), run.err
    for text in expected:
        assert text in run.err, f"{text!r} not in:\n{run.err}"
    assert snapshot(project / "out") == before
    assert not leftovers(project)
    return run


def fails_in_process(project: Path, *expected: str, languages: list[str] | None = None,
                     formats: list[str] | None = None) -> str:
    """Build in this process (no interpreter start-up); check as :func:`fails` does."""
    before = snapshot(project / "out")
    with pytest.raises(ReportError) as caught:
        build(load_config(project), languages, formats)
    report = "\n".join(f"  {problem}" for problem in caught.value.problems)
    assert caught.value.problems and all(_PROBLEM.match(line) for line in report.splitlines())
    for text in expected:
        assert text in report, f"{text!r} not in:\n{report}"
    assert snapshot(project / "out") == before
    assert not leftovers(project)
    return report


# --- 1-8: data that cannot be read or does not fit the schema -------------------------

_BOMB = b"".join(
    b"l%d: &l%d [%s]\n" % (i, i, b", ".join([b"*l%d" % (i - 1)] * 9) if i else b"lol")
    for i in range(10))

DATA_CASES: dict[str, tuple[Mutation, tuple[str, ...]]] = {
    # 1. syntax
    "unclosed-bracket": (edit("measure: {zh: 公园数量, en: parks}", "measure: [zh: 公园数量, en: parks"),
                         ("data/parks.yaml:24:13:", "the list opened at line 23",
                          "expected ',' or ']'")),
    "bad-indentation": (edit("    measure: {zh: 公园数量", "      measure: {zh: 公园数量"),
                        ("data/parks.yaml:23:14:", "unexpected ':' here")),
    "tab-indentation": (edit("    measure: {zh: 公园数量", "\tmeasure: {zh: 公园数量"),
                        ("data/parks.yaml:23:1:", "tab character used for indentation")),
    # 2.
    "duplicate-key": (edit("    measure: {zh: 公园数量", "    subject: lakeside\n    measure: {zh: 公园数量"),
                      ("data/parks.yaml:23:5:", "duplicate key 'subject' (first defined at line 22)")),
    # 3. tags: refused by the loader, whatever they name
    "python-apply-tag": (edit("opened: 1998", 'opened: !!python/object/apply:os.system ["touch PWNED"]'),
                         ("data/parks.yaml:18:13:", "tag '!!python/object/apply:os.system' is not allowed")),
    "python-name-tag": (edit("opened: 1998", "opened: !!python/name:os.system"),
                        ("data/parks.yaml:18:13:", "tag '!!python/name:os.system' is not allowed")),
    "verbatim-tag": (edit("opened: 1998", "opened: !<tag:yaml.org,2002:python/object/new:os.system> [x]"),
                     ("data/parks.yaml:18:13:", "tag '!!python/object/new:os.system' is not allowed")),
    "local-tag": (edit("opened: 1998", "opened: !date 1998"), ("data/parks.yaml:18:13:", "tag '!date'")),
    "binary-tag": (edit("opened: 1998", "opened: !!binary MTk5OA=="), ("tag '!!binary' is not allowed",)),
    # 4.
    "alias-bomb": (lambda p: write(_BOMB + (p / DATA).read_bytes())(p),
                   ("data/parks.yaml:1:", "anchor '&l0' is not allowed", "alias '*l0' is not allowed")),
    "merge-key": (edit("    opened: 1998", "    <<: {opened: 1998}"), ("merge key '<<' is not allowed",)),
    # 5. YAML 1.1 plain scalars in text and string fields
    "yaml11-NO": (edit("en: parks}", "en: NO}"), ("data/parks.yaml:23:29:", "ambiguous value 'NO'",
                                                  "put it in quotes")),
    "yaml11-on": (edit("en: parks}", "en: on}"), ("data/parks.yaml:23:29:", "ambiguous value 'on'")),
    "yaml11-1.10": (edit("en: parks}", "en: 1.10}"), ("data/parks.yaml:23:29:", "ambiguous value '1.10'")),
    "yaml11-012": (edit("en: parks}", "en: 012}"), ("data/parks.yaml:23:29:", "ambiguous value '012'")),
    "yaml11-null-in-string": (edit('en: "{q}"}}', "en: ~}}"),
                              ("data/parks.yaml:9:", "qualifiers.format.en: ambiguous value '~'")),
    "yaml11-bool-id": (edit("id: count", "id: yes"),
                       ("data/parks.yaml:2:", "units.id: ambiguous value 'yes'")),
    # 6. document shape and size
    "empty-file": (write(b""), ("data/parks.yaml:1:1:", "file is empty: expected one YAML document")),
    "comments-only": (write(b"# nothing yet\n"), ("data/parks.yaml:1:1:", "file holds only comments")),
    "bare-document-start": (write(b"---\n"), ("data/parks.yaml:1:1:", "nothing follows '---'")),
    "two-documents": (append(b"---\nplaces: []\n"), ("data/parks.yaml:47:1:", "a second YAML document")),
    "over-size-cap": (append(b"# " + b"x" * (3 * 1024 * 1024) + b"\n"),
                      ("data/parks.yaml:", "over the limit of 2,097,152 bytes")),
    "too-deep": (edit("report:\n", "deep: " + "[" * 100 + "]" * 100 + "\nreport:\n"),
                 ("data/parks.yaml:44:", "nest deeper than 64 levels")),
    # 7. encoding
    "latin1-byte": (edit_bytes(b"en: parks}", b"en: parks\xe9}"),
                    ("data/parks.yaml:23:34:", "invalid UTF-8: byte 0xE9")),
    "nul-byte": (edit("en: parks}", "en: par\x00ks}"), ("data/parks.yaml:23:32:", "NUL character")),
    "utf8-bom": (lambda p: write(b"\xef\xbb\xbf" + (p / DATA).read_bytes())(p),
                 ("data/parks.yaml:1:1:", "byte-order mark", "UTF-8 without BOM")),
    "utf16-file": (lambda p: write((p / DATA).read_text(encoding="utf-8").encode("utf-16"))(p),
                   ("data/parks.yaml:1:1:", "UTF-16 byte-order mark")),
    # 8. schema, references and provenance
    "missing-required": (edit("    subject: city\n    measure: {zh: 公园数量", "    measure: {zh: 公园数量"),
                         ("data/parks.yaml:21:5:", "missing required field 'subject'")),
    "unknown-field": (edit("opened: 1998", "opened: 1998\n    colour: green"),
                      ("data/parks.yaml:19:5:", "unknown field 'colour'", "expected one of")),
    "wrong-type": (edit("opened: 1998", "opened: [1998]"),
                   ("data/parks.yaml:18:13:", "places.opened: expected a date, got a list")),
    "quoted-number": (edit("value: 45,", 'value: "45",'),
                      ("data/parks.yaml:34:", "got quoted text '45'", "remove the quotes")),
    "nan-value": (edit("value: 120,", "value: .nan,"),
                  ("data/parks.yaml:24:23:", "expected a finite number, got '.nan'")),
    "inf-value": (edit("value: 120,", "value: -.inf,"),
                  ("data/parks.yaml:24:23:", "expected a finite number, got '-.inf'")),
    "overflow-value": (edit("value: 120,", "value: 1e999,"),
                       ("data/parks.yaml:24:23:", "expected a finite number, got '1e999'")),
    "duplicate-id": (edit("id: visitors", "id: park-count"),
                     ("data/parks.yaml:26:9:", "duplicate id 'park-count'",
                      "first used at data/parks.yaml:21")),
    "dangling-ref": (edit("{ref: park-count,", "{ref: park-cuont,"),
                     ("data/parks.yaml:42:", "no record has the id 'park-cuont'", "expected the id")),
    "dangling-inline-ref": (edit("parks and [[visitors]]", "parks and [[visitorz]]"),
                            ("data/parks.yaml:46:", "inline reference '[[visitorz]]' names no record")),
    "quote-not-in-seed": (edit("年游客约3500万人次\"", "年游客约3600万人次\""),
                          ("data/parks.yaml:30:", "quote not found in parks.txt")),
    "number-not-in-quote": (edit('stated: "45公顷"', 'stated: "46公顷"'),
                            ("data/parks.yaml:34:", "stated '46公顷' is not in the record's quotes")),
    "value-not-stated": (edit("value: 45,", "value: 46,"),
                         ("data/parks.yaml:34:", "value is 46, but the quote states '45', which "
                          "reads as 45", "set value: 45")),
    "unknown-seed": (edit('{seed: parks.txt, quote: "面积为45公顷"}',
                          '{seed: lakes.txt, quote: "面积为45公顷"}'),
                     ("data/parks.yaml:35:", "unknown seed 'lakes.txt'")),
    "schema-unknown-type": (edit("opened: {type: date}", "opened: {type: datetime}", "data/schema.yaml"),
                            ("data/schema.yaml:", "unknown type 'datetime'")),
    "config-bad-number": (configure("page_limit: lots\n"),
                          ("reportgen.yaml:", "page_limit: expected a whole number, got 'lots'")),
    "config-unknown-key": (configure("pagelimit: 5\n"),
                           ("reportgen.yaml:", "unknown configuration key 'pagelimit'")),
}


# One case of each kind runs the CLI as a user would; the rest build in-process, faster.
_DATA_BY_CLI = {"unclosed-bracket", "tab-indentation", "duplicate-key", "python-apply-tag",
                "alias-bomb", "yaml11-NO", "two-documents", "over-size-cap", "latin1-byte",
                "nul-byte", "missing-required", "nan-value", "quote-not-in-seed",
                "config-bad-number"}


@pytest.mark.parametrize("case", DATA_CASES)
def test_bad_data_fails_cleanly(project: Path, case: str) -> None:
    """Refuse the broken data file with located messages; keep the last outputs."""
    mutate, expected = DATA_CASES[case]
    mutate(project)
    if case in _DATA_BY_CLI:
        fails(project, *expected)
    else:
        fails_in_process(project, *expected)
    assert not (project / "PWNED").exists()


def test_alias_bomb_is_refused_at_once() -> None:
    """Refuse a billion-laughs document without expanding it."""
    started = time.perf_counter()
    with pytest.raises(ReportError) as caught:
        load_bytes(_BOMB, "bomb.yaml")
    assert time.perf_counter() - started < 0.5
    assert "alias '*l0' is not allowed" in str(caught.value)


def test_problems_are_capped_and_each_located() -> None:
    """Report at most a screenful of problems for a hostile file, each with its line."""
    with pytest.raises(ReportError) as caught:
        load_bytes(b"a: [" + b", ".join([b"*x"] * 10_000) + b"]\n", "many.yaml")
    assert 1 < len(caught.value.problems) <= 20
    assert all(p.mark.line == 1 for p in caught.value.problems)


def test_verbose_shows_traceback_only_of_internal_errors(project: Path) -> None:
    """Keep problem reports free of tracebacks, also with -v."""
    edit("opened: 1998", "opened: !!python/name:os.system")(project)
    run = fails(project, "is not allowed", args=("-v",))
    assert "Traceback" not in run.err


# --- 9-11: valid data holding markup, template syntax and mathtext --------------------

_HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(1)> {{ 7*7 }} {% raw %}x{% endraw %}'
_LABEL = r"Parks $\frac{a}{b}$ {n} {{x}} $\notacommand{$ $$"
_TITLE = r"The city has [[park-count]] parks $x_{i}$ {}"


def _yaml_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_markup_and_template_syntax_in_data_print_literally(project: Path) -> None:
    """Escape markup in HTML, print it as text in PDF, never evaluate template syntax."""
    append(f"标语：{_HOSTILE}。\n".encode(), "seeds/parks.txt")(project)
    edit("name: {zh: 全市, en: The city}",
         f"name: {{zh: {_yaml_quoted('全市<script>alert(1)</script>')}, "
         f"en: {_yaml_quoted('The city ' + _HOSTILE)}}}")(project)
    edit('quote: "城市公园报告"}]',
         f'quote: "城市公园报告"}}, {{seed: parks.txt, quote: {_yaml_quoted(_HOSTILE)}}}]')(project)
    edit("label: {zh: 公园, en: Parks}", f"label: {{zh: 公园, en: {_yaml_quoted(_LABEL)}}}")(project)
    edit('en: "The city has [[park-count]] parks"', f"en: {_yaml_quoted(_TITLE)}")(project)
    run = run_cli("build", "--project", project, "--lang", "en")
    assert run.code == 0, run.err
    page = (project / "out" / "parks.en.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<img src=x" not in page
    assert html.escape(_HOSTILE) in page.replace("&#34;", "&quot;")
    assert "{{ 7*7 }}" in page and "{% raw %}x{% endraw %}" in page and ">49<" not in page
    # Chart text is SVG text, wrapped onto two lines, with $ and braces kept as typed.
    assert r"Parks $\frac{a}{b}$ {n} {{x}} $\</text>" in page and ">notacommand{$ $$<" in page
    assert r"$x_{i}$ {}" in page
    text = " ".join(pdftotext(project / "out" / "parks.en.pdf").split())
    # Edition text is set with the locale's quotation marks: the straight quote prints curly.
    assert "The city " + " ".join(_HOSTILE.replace('"', "\u201c").split()) in text
    assert r"Parks $\frac{a}{b}$ {n} {{x}} $\ " in text and "notacommand{$ $$" in text
    assert r"parks $x_{i}$ {}" in text


def test_mathtext_label_draws_literally_in_chart(project: Path) -> None:
    """Draw a label that is broken mathtext as plain characters, without a crash."""
    edit("label: {zh: 公园, en: Parks}", r'label: {zh: "$\\sqrt{$", en: "$\\sqrt{$ $"}')(project)
    run = run_cli("build", "--project", project, "--format", "html")
    assert run.code == 0, run.err
    assert r"$\sqrt{$ $" in (project / "out" / "parks.en.html").read_text(encoding="utf-8")


# --- 12: URLs that must never reach WeasyPrint's fetcher ------------------------------

URL_CASES: dict[str, Mutation] = {
    "stylesheet-file": add_to_body('<link rel="stylesheet" href="file:///etc/passwd">'),
    "image-metadata-service": add_to_body('<img alt="m" src="http://169.254.169.254/latest/">'),
    "attachment-urandom": add_to_body('<a rel="attachment" href="file:///dev/urandom">x</a>'),
    "css-url-in-style": add_to_body('<div style="background: url(file:///etc/passwd)">x</div>'),
    "css-import-https": add_to_body('<style>@import url("https://example.com/x.css");</style>'),
    "font-face-dev-zero": add_to_body(
        "<style>@font-face { font-family: X; src: url(file:///dev/zero) }"
        " p { font-family: X }</style>"),
    "relative-escape": add_to_body('<img alt="d" src="../data/parks.yaml">'),
    "absolute-path": add_to_body('<img alt="p" src="/etc/passwd">'),
}


@pytest.mark.parametrize("case", URL_CASES)
@pytest.mark.usefixtures("layout_ready")
def test_url_outside_project_is_refused(project: Path, case: str) -> None:
    """Refuse every URL but data: and the templates folder's own files; fail the build."""
    URL_CASES[case](project)
    expected = ("parks.en.pdf: refused to fetch ", "only files of the templates folder")
    if case in ("stylesheet-file", "attachment-urandom"):
        fails(project, *expected, args=("--lang", "en", "--format", "pdf"))
    else:
        fails_in_process(project, *expected, languages=["en"], formats=["pdf"])


def test_symlink_out_of_templates_is_refused(project: Path) -> None:
    """Refuse a templates-folder file that is a link to a file elsewhere."""
    (project / "templates" / "style.css").symlink_to("/etc/passwd")
    add_to_body('<link rel="stylesheet" href="style.css">')(project)
    fails(project, "refused to fetch file://", "templates/style.css",
          args=("--lang", "en", "--format", "pdf"))


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared on purpose: the test reads what was asked

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def web_server() -> Iterator[str]:
    """Serve on a local port and record every request made."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.hits.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_url_is_never_requested(project: Path, web_server: str) -> None:
    """Fetch nothing over the network: the server sees no request at all."""
    add_to_body(f'<img alt="x" src="{web_server}/pixel.png">'
                f'<link rel="stylesheet" href="{web_server}/style.css">')(project)
    fails(project, f"refused to fetch {web_server}/", args=("--lang", "en", "--format", "pdf"))
    assert _Recorder.hits == []


@pytest.mark.usefixtures("layout_ready")
def test_project_file_and_data_uri_are_allowed(project: Path) -> None:
    """Apply a stylesheet of the templates folder and an image from a data: URI."""
    (project / "templates" / "extra.css").write_text("p { color: #333 }", encoding="utf-8")
    add_to_body('<link rel="stylesheet" href="extra.css"><img alt="dot" src="data:image/svg+xml,'
                '%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%221%22 height=%221%22/%3E">')(
        project)
    result = build(load_config(project), ["en"], ["pdf"])
    assert result.files == [project / "out" / "parks.en.pdf"] and not result.warnings


@pytest.mark.usefixtures("layout_ready")
def test_weasyprint_error_fails_the_build(project: Path) -> None:
    """Fail the build when WeasyPrint logs an error (here: an image it cannot decode)."""
    add_to_body('<img alt="broken" src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAE">')(
        project)
    fails_in_process(project, "parks.en.pdf: ", "image", languages=["en"], formats=["pdf"])


# --- 13: template errors --------------------------------------------------------------

TEMPLATE_CASES: dict[str, tuple[Mutation, tuple[str, ...]]] = {
    "syntax-error": (edit("{{ p.name }}", "{{ p.name }", TEMPLATE),
                     ("templates/report.html.j2:10:", "template syntax error")),
    "undefined-variable": (edit("{{ p.name }}", "{{ nosuchvar }}", TEMPLATE),
                           ("templates/report.html.j2:10:", "'nosuchvar' is undefined")),
    "include-parent": (add_to_body('{% include "../data/parks.yaml" %}'),
                       ("templates/report.html.j2:6:", "template not found: ../data/parks.yaml",
                        "only from the templates folder")),
    "include-absolute": (add_to_body('{% include "/etc/passwd" %}'),
                         ("templates/report.html.j2:6:", "template not found: /etc/passwd")),
    "asset-parent": (add_to_body('{{ asset("../seeds/parks.txt") }}'),
                     ("templates/report.html.j2:6:", "template not found: ../seeds/parks.txt")),
    "sandbox-escape": (add_to_body("{{ ''.__class__.__mro__[1].__subclasses__() }}"),
                       ("templates/report.html.j2:6:", "unsafe")),
    "huge-string": (add_to_body('{{ "x" * 10**9 }}'),
                    ("templates/report.html.j2:6:", "more than 10,000,000")),
    "huge-power": (add_to_body("{{ 10 ** 1000000 }}"), ("templates/report.html.j2:6:", "too large")),
    "huge-range": (add_to_body("{% for i in range(10**9) %}{% endfor %}"),
                   ("templates/report.html.j2:6:", "Range too big")),
    "division-by-zero": (add_to_body("{{ 1 / 0 }}"),
                         ("templates/report.html.j2:6:", "division by zero")),
    "endless-recursion": (add_to_body("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"),
                          ("templates/report.html.j2:6:", "recursion")),
    "endless-loop": (both(configure("render_timeout: 2\n"), add_to_body(
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}")),
        ("templates/report.html.j2:6:", "rendering took longer than 2 s")),
}


@pytest.mark.parametrize("case", TEMPLATE_CASES)
def test_template_error_names_template_and_line(project: Path, case: str) -> None:
    """Report a broken or hostile template with its file and line."""
    mutate, expected = TEMPLATE_CASES[case]
    mutate(project)
    if case in ("syntax-error", "include-parent", "endless-loop"):
        fails(project, *expected, args=("--lang", "en"))
    else:
        fails_in_process(project, *expected, languages=["en"], formats=["html"])


# --- 14: pathological layout ----------------------------------------------------------

def test_page_cap_stops_thousands_of_page_breaks(project: Path) -> None:
    """Refuse a document longer than page_limit."""
    configure("page_limit: 20\n")(project)
    add_to_body('{% for i in range(100) %}<p style="break-after: page">x</p>{% endfor %}')(project)
    fails(project, "parks.en.pdf: the PDF would have 10", "more than the limit of 20 (page_limit",
          args=("--lang", "en", "--format", "pdf"))


def test_render_timeout_stops_runaway_layout(project: Path) -> None:
    """Stop laying out a huge document after render_timeout seconds."""
    configure("render_timeout: 2\n")(project)
    add_to_body('{% for i in range(50000) %}<p style="break-after: page">x</p>{% endfor %}')(
        project)
    started = time.monotonic()
    fails(project, "parks.en.pdf: rendering took longer than 2 s (render_timeout",
          args=("--lang", "en", "--format", "pdf"))
    assert time.monotonic() - started < 30


def test_huge_font_size_fails_cleanly(project: Path) -> None:
    """Report a font size WeasyPrint cannot lay out as a problem of the edition."""
    add_to_body('<p style="font-size: 1e9px">Huge words</p>')(project)
    fails(project, "parks.en.pdf: WeasyPrint could not lay out the document",
          args=("--lang", "en", "--format", "pdf"))
