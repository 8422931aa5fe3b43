"""The build as a pipeline: stages without import cycles, our own log, one-language reports,
--set and --config, a check that renders every edition, and fonts exposed to templates."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, pdftotext, run_cli

PACKAGE = ROOT / "reportgen"


# --- the import graph -------------------------------------------------------------------

def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_only(tree: ast.Module) -> set[int]:
    """Return the ids of nodes under ``if TYPE_CHECKING:`` (imports for annotations only)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def import_graph() -> dict[str, set[str]]:
    """Return, for every module of the package, the package modules it imports.

    Imports inside functions count (a cycle hidden by a late import is still a cycle);
    imports under ``if TYPE_CHECKING:`` do not (they never run).
    """
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_only(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(parent + ([node.module] if node.module else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    """Prove the finder works, so the next test cannot pass vacuously."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = import_graph()
    assert "reportgen.stages.plan" in graph["reportgen.build"]
    assert "reportgen.render" in graph["reportgen.stages.render"]  # a late import counts


def test_no_import_cycles_in_the_package() -> None:
    """No module of reportgen imports, directly or not, a module that imports it back."""
    assert cycles(import_graph()) == []


def test_build_reads_like_a_table_of_contents() -> None:
    """build.py runs the stages; it is no longer a hub of every module."""
    graph = import_graph()
    own = {m for m in graph["reportgen.build"] if not m.startswith("reportgen.stages")}
    assert own <= {"reportgen", "reportgen.config", "reportgen.problems", "reportgen.progress",
                   "reportgen.worker"}, own
    stages = {m.rpartition(".")[2] for m in graph["reportgen.build"]
              if m.startswith("reportgen.stages.")}
    assert stages == {"plan", "gather", "render", "layout", "write"}
    # The plan, which answers a build with nothing to do, imports no heavy stage.
    assert not {"reportgen.render", "reportgen.pdf", "reportgen.charts", "reportgen.exhibits"} \
        & graph["reportgen.stages.plan"]


# --- the log: reportgen's steps, not the libraries' ---------------------------------------

def test_verbose_logs_our_steps_not_library_internals(mini: Path) -> None:
    run = run_cli("build", "--project", mini, "-v")
    assert run.code == 0, run.err
    lines = [line for line in run.err.splitlines() if line.strip()]
    ours = [line for line in lines if line.startswith("DEBUG reportgen.")]
    for step in ("stages.plan: plan:", "stages.gather: gather:", "stages.render: charts en:",
                 "stages.render: render parks.zh.pdf:", "stages.layout: layout parks.en.pdf:",
                 "stages.write: write: moved", "steps: validate"):
        assert any(step in line for line in ours), f"{step!r} not logged:\n{run.err}"
    strangers = [line for line in lines if not line.startswith(
        ("DEBUG reportgen.", "INFO reportgen", "WARNING reportgen"))]
    assert strangers == [], "\n".join(strangers)
    assert not re.search(r"matplotlib|fontTools|weasyprint|findfont|PIL", run.err, re.I)


# --- one-language reports, --set and --config ---------------------------------------------

def english_only(project: Path) -> None:
    """Drop the Chinese texts of the mini project: a report written in English alone."""
    for name in ("data/parks.yaml", "templates/strings.yaml"):
        path = project / name
        text = re.sub(r'zh: (?:"[^"]*"|[^,}]*), ', "", path.read_text(encoding="utf-8"))
        assert "zh:" not in text
        path.write_text(text, encoding="utf-8")


def test_single_language_report_has_no_language_in_its_names(mini: Path) -> None:
    english_only(mini)
    run = run_cli("build", "--project", mini, "--set", "languages=[en]")
    assert run.code == 0, run.err
    out = mini / "out"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == \
        ["parks.html", "parks.manifest.json", "parks.pdf"]
    assert "The city has over 120" in pdftotext(out / "parks.pdf")
    manifest = json.loads((out / "parks.manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["outputs"]) == {"parks.pdf", "parks.html"}
    # The pattern is configurable: keep the language after all, or name it freely.
    run = run_cli("build", "--project", mini, "--set", "languages=[en]", "--set",
                  "output_name='{basename}-{lang}'", "--format", "html")
    assert run.code == 0, run.err
    assert (out / "parks-en.html").is_file()


def test_editions_seen_by_templates_follow_the_names(mini: Path) -> None:
    template = mini / "templates" / "report.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "<body>", "<body><p id=eds>{% for e in editions %}[{{ e.lang }} {{ e.files.pdf }} "
        "{{ e.files.html }} {{ e.current }}]{% endfor %}</p>", 1), encoding="utf-8")
    run = run_cli("build", "--project", mini, "--format", "html", "--lang", "en")
    assert run.code == 0, run.err
    html = (mini / "out" / "parks.en.html").read_text(encoding="utf-8")
    assert "[zh parks.zh.pdf parks.zh.html False][en parks.en.pdf parks.en.html True]" in html
    english_only(mini)
    run = run_cli("build", "--project", mini, "--format", "html", "--set", "languages=[en]")
    assert run.code == 0, run.err
    assert "[en parks.pdf parks.html True]</p>" in \
        (mini / "out" / "parks.html").read_text(encoding="utf-8")


def test_set_is_typed_and_checked_like_the_file(mini: Path) -> None:
    run = run_cli("build", "--project", mini, "--set", "page_limit=lots")
    assert run.code == 1
    assert "--set page_limit:1:1: page_limit: expected a whole number, got 'lots'" in run.err
    run = run_cli("build", "--project", mini, "--set", "colour=red")
    assert run.code == 1 and "unknown configuration key 'colour'" in run.err
    run = run_cli("build", "--project", mini, "--set", "nonsense")
    assert run.code == 1 and "--set: expected key=value, got 'nonsense'" in run.err
    run = run_cli("build", "--project", mini, "--set", "basename=summary", "--format", "html")
    assert run.code == 0, run.err
    assert {"summary.zh.html", "summary.en.html"} <= {p.name for p in (mini / "out").iterdir()}


def test_config_file_option_reads_another_file(mini: Path) -> None:
    other = mini / "print.yaml"
    other.write_text((mini / "reportgen.yaml").read_text(encoding="utf-8").replace(
        "basename: parks", "basename: printed"), encoding="utf-8")
    run = run_cli("build", "--project", mini, "--config", other, "--format", "html")
    assert run.code == 0, run.err
    assert (mini / "out" / "printed.en.html").is_file()
    other.write_text("page_limit: [1]\n", encoding="utf-8")
    run = run_cli("build", "--project", mini, "--config", other)
    assert run.code == 1 and f"{other}:1:13: page_limit: expected a single value" in run.err


# --- check renders every edition; fonts reach the templates -------------------------------

def test_check_renders_every_template_of_every_edition(mini: Path) -> None:
    run = run_cli("check", "--project", mini)
    assert run.code == 0, run.err
    assert "all 4 outputs render" in run.out
    template = mini / "templates" / "report.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "<body>", '<body>{% if target == "html" and lang == "en" %}{{ nosuch }}{% endif %}', 1),
        encoding="utf-8")
    run = run_cli("check", "--project", mini)
    assert run.code == 1, run.out
    assert "templates/report.html.j2:6: template error: 'nosuch' is undefined" in run.err
    assert not (mini / "out" / "parks.en.html").exists()  # check lays nothing out


def test_templates_get_the_configured_fonts(mini: Path) -> None:
    template = mini / "templates" / "report.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "<body>", "<body><p id=f>{{ fonts|join('+') }}</p>"
        "<style>p { font-family: {{ fonts.css }}, sans-serif }</style>", 1), encoding="utf-8")
    run = run_cli("build", "--project", mini, "--format", "html", "--lang", "en")
    assert run.code == 0, run.err
    html = (mini / "out" / "parks.en.html").read_text(encoding="utf-8")
    assert "<p id=f>Noto Sans CJK SC</p>" in html
    assert 'font-family: "Noto Sans CJK SC", sans-serif' in html


@pytest.mark.parametrize(("setting", "expected"), [
    ("languages=[zh, xx]", "language 'xx' cannot be served: Babel has no CLDR locale data"),
    ("languages=[zh, en, en]", "en listed more than once"),
    ("languages=[]", "expected at least one language"),
    ("html_lang={en: 'en/../x'}", "tag for en 'en/../x' is not a language code"),
    ("output_name='{basename}'", "gives every edition the same file name"),
    ("output_name='{basename}/{lang}'", "'/' cannot appear in a file name"),
    ("output_name='{title}'", "expected a name pattern using {basename} and {lang}"),
])
def test_languages_and_names_are_refused_when_read(mini: Path, setting: str,
                                                   expected: str) -> None:
    run = run_cli("check", "--project", mini, "--set", setting)
    assert run.code == 1, run.out
    assert expected in run.err and "Traceback" not in run.err


def test_stages_can_be_run_one_by_one(mini: Path) -> None:
    """A long-lived process keeps the gathered project and renders again on its own."""
    from reportgen.config import load_config
    from reportgen.stages.gather import gather
    from reportgen.stages.plan import plan
    from reportgen.stages.render import render

    config = load_config(mini)
    work = plan(config, ["en"], ["html"])
    assert [o.name for o in work.outputs] == ["parks.en.html"] and not work.up_to_date
    project = gather(config)
    output = work.outputs[0]
    render(project, output, work)
    first = output.html
    template = mini / "templates" / "report.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("<body>", "<body>again", 1),
                        encoding="utf-8")
    render(project, output, work)  # the same project, templates read afresh
    assert "again" in output.html and "again" not in first
    assert project.charts_drawn <= 1  # the chart was drawn (or cached) once, not per render
    shutil.rmtree(mini / "out", ignore_errors=True)
