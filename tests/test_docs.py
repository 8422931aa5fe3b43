"""Documented ⇔ exists: commands, options, configuration keys, template names, UI strings.

The truth is read from the code — the argparse parser, ``dataclasses.fields(Config)``, the
context, functions and filters a real render of the mini fixture hands its template, the
strings a build without strings.yaml asks for. The documentation is read from markdown
tables (README.md, docs/templates.md) and from code in the docs. Adding a command, key,
function, filter or string therefore needs one doc row, and a stale row fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import pytest
from conftest import MINI, ROOT

from reportgen import render
from reportgen.build import build, gather
from reportgen.cli import _parser
from reportgen.config import Config, config_help, load_config
from reportgen.configdoc import KINDS, config_reference
from reportgen.page import Note
from reportgen.problems import ReportError

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))}
ALL_DOCS = {"README.md": README, **{f"docs/{k}": v for k, v in DOCS.items()}}
TEMPLATES_MD = DOCS["templates.md"]


# --- reading the docs -------------------------------------------------------------------

def rows(markdown: str, heading: str) -> list[str]:
    """Return the names in the first column of the table under ``heading``."""
    lines = markdown.splitlines()
    assert heading in lines, f"{heading!r} is missing from the document"
    names = []
    for line in lines[lines.index(heading) + 1:]:
        if line.startswith("#"):
            break
        match = re.match(r"\| `([^`]+)`", line)
        if match:
            names.append(re.sub(r"\(.*\)$", "", match.group(1)))
    return names


def code(markdown: str) -> Iterator[str]:
    """Yield each code span and each line of each code block."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", markdown, flags=re.M | re.S)
    for block in blocks:
        yield from block.splitlines()
    prose = re.sub(r"^```[^\n]*\n.*?^```", "", markdown, flags=re.M | re.S)
    yield from re.findall(r"`([^`\n]+)`", prose)


# --- the command line ---------------------------------------------------------------------

def _commands() -> dict[str, argparse.ArgumentParser]:
    for action in _parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options() -> list[str]:
    parsers = [_parser(), *_commands().values()]
    return sorted({o for p in parsers for a in p._actions for o in a.option_strings
                   if o.startswith("--") and o != "--help"})


@pytest.mark.parametrize("option", _options())
def test_option_is_documented(option: str) -> None:
    assert re.search(rf"`{re.escape(option)}\b", README), f"{option} is missing from README.md"


@pytest.mark.parametrize("command", sorted(_commands()))
def test_command_is_documented(command: str) -> None:
    assert any(re.search(rf"(^|[\s/])reportgen {command}\b", c) for c in code(README)), \
        f"`reportgen {command}` is missing from README.md"


def _documented_commands() -> list[tuple[str, str]]:
    return sorted({(name, m.group(1)) for name, text in ALL_DOCS.items() for c in code(text)
                   if (m := re.search(r"(?:^|[\s/])reportgen ([a-z][a-z-]*)\b", c))})


@pytest.mark.parametrize(("doc", "command"), _documented_commands())
def test_documented_command_exists(doc: str, command: str) -> None:
    assert command in _commands(), f"{doc} names `reportgen {command}`, which does not exist"


def _documented_options() -> list[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for name, text in ALL_DOCS.items():
        for c in code(text):
            if c.startswith("--") or re.search(r"(^|[\s/])reportgen ", c):
                found.update((name, o) for o in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", c))
    return sorted(found)


@pytest.mark.parametrize(("doc", "option"), _documented_options())
def test_documented_option_exists(doc: str, option: str) -> None:
    assert option in [*_options(), "--help"], f"{doc} names {option}, which does not exist"


# --- configuration ------------------------------------------------------------------------

KEYS = [key for key, _, _ in config_help()]


def test_config_reference_is_generated_from_the_code() -> None:
    assert DOCS["config.md"] == config_reference(), \
        "docs/config.md is stale: run `python -m reportgen.configdoc > docs/config.md`"


def test_every_kind_of_key_has_a_name_in_the_reference() -> None:
    kinds = {f.metadata.get("kind") for f in dataclasses.fields(Config)} - {"internal"}
    assert kinds <= set(KINDS), f"name these kinds in reportgen/configdoc.py: {kinds - set(KINDS)}"


@pytest.mark.parametrize("key", KEYS)
def test_config_key_is_documented(key: str) -> None:
    assert f"| `{key}` |" in DOCS["config.md"]


def _documented_keys() -> list[tuple[str, str]]:
    pattern = r"`([A-Za-z_][\w.]*)`\s*(?:\(?in|of|from) `reportgen\.yaml`"
    return sorted({(name, m) for name, text in ALL_DOCS.items()
                   for m in re.findall(pattern, text)})


@pytest.mark.parametrize(("doc", "key"), _documented_keys())
def test_documented_config_key_exists(doc: str, key: str) -> None:
    assert key.split(".")[0] in KEYS, f"{doc} names `{key}` in reportgen.yaml: no such key"


def test_readme_points_to_the_config_reference() -> None:
    assert "docs/config.md" in README


def test_readme_gives_the_two_commands_first() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make build" in first_block and "make test" in first_block


# --- the template API ---------------------------------------------------------------------

@dataclass
class Api:
    """What a real render handed its template."""

    context: set[str] = field(default_factory=set)
    meta: set[str] = field(default_factory=set)
    filters: set[str] = field(default_factory=set)
    globals: set[str] = field(default_factory=set)
    exhibit: set[str] = field(default_factory=set)
    editions: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """Build the mini fixture's HTML edition, recording what its template was given."""
    project = tmp_path_factory.mktemp("api") / "mini"
    shutil.copytree(MINI, project)
    seen = Api()
    original = render.template_context
    plain = jinja2.Environment()

    def probe(env: jinja2.Environment, page: Any, given: Any) -> dict[str, Any]:
        context = original(env, page, given)
        seen.context |= set(context)
        seen.meta |= set(context["meta"])
        seen.filters |= set(env.filters) - set(plain.filters)
        seen.globals |= set(env.globals) - set(plain.globals)
        seen.editions |= {f.name for e in context["editions"] for f in dataclasses.fields(e)}
        exhibit = context["exhibit"]

        def recorded(rid: str) -> Any:
            out = exhibit(rid)
            seen.exhibit |= set(out)
            return out

        context["exhibit"] = recorded
        return context

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "template_context", probe)
        build(load_config(project), ["en"], ["html"])
    assert seen.exhibit, "the mini fixture places an exhibit"
    yield seen


def _functions(api: Api) -> set[str]:
    return {n for n in api.context | api.globals if n not in _variables(api)}


def _variables(api: Api) -> set[str]:
    return set(rows(TEMPLATES_MD, "## Context"))


def test_context_variables_and_functions_are_documented(api: Api) -> None:
    documented = set(rows(TEMPLATES_MD, "## Context")) | set(rows(TEMPLATES_MD, "## Functions"))
    assert api.context | api.globals == documented, (
        f"undocumented: {sorted((api.context | api.globals) - documented)}; "
        f"documented but missing: {sorted(documented - api.context - api.globals)}")


def test_functions_are_callable(api: Api) -> None:
    assert set(rows(TEMPLATES_MD, "## Functions")) == _functions(api)


def test_filters_are_documented(api: Api) -> None:
    assert api.filters == set(rows(TEMPLATES_MD, "## Filters"))


def test_meta_keys_are_documented(api: Api) -> None:
    assert {f"meta.{k}" for k in api.meta} == set(rows(TEMPLATES_MD, "### meta"))


def test_exhibit_keys_are_documented(api: Api) -> None:
    assert api.exhibit == set(rows(TEMPLATES_MD, "### exhibit(id)"))


def test_edition_fields_are_documented(api: Api) -> None:
    assert api.editions == set(rows(TEMPLATES_MD, "### editions"))


def test_note_fields_are_documented() -> None:
    shown = {f.name for f in dataclasses.fields(Note)}
    assert shown == set(rows(TEMPLATES_MD, "### notes()"))


# --- UI strings ---------------------------------------------------------------------------

def _engine_strings(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Return the strings a build asks for when neither theme nor project holds them."""
    from reportgen.stages import gather as gather_stage

    monkeypatch.setattr(gather_stage, "theme_strings", dict)
    shutil.copytree(MINI, tmp / "mini")
    (tmp / "mini" / "templates" / "strings.yaml").write_text(
        "unrelated: {zh: 无关, en: unrelated}\n", encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        gather(load_config(tmp / "mini"))
    return {m for p in caught.value.problems for m in re.findall(r"missing string '(\w+)'",
                                                                 p.message)}


def test_strings_the_engine_reads_are_documented(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine_strings(tmp_path, monkeypatch)
    assert engine, "the engine reads at least exhibit_label"
    assert engine == set(rows(TEMPLATES_MD, "## UI strings the engine reads"))


def _theme_strings() -> set[str]:
    from reportgen.yamlload import Map, load_file

    keys: set[str] = set()
    for path in sorted(render.THEME_DIR.rglob("strings*.yaml")):
        node = load_file(path, display_name=str(path))
        if isinstance(node, Map):
            keys |= {k.value for k, _ in node.pairs}
    return keys


def test_theme_strings_are_documented() -> None:
    theme = _theme_strings()
    documented = set(rows(TEMPLATES_MD, "## UI strings of the theme")) \
        if "## UI strings of the theme" in TEMPLATES_MD.splitlines() else set()
    assert theme == documented, (f"undocumented: {sorted(theme - documented)}; "
                                 f"documented but missing: {sorted(documented - theme)}")


# --- dependencies -------------------------------------------------------------------------

def _declared_packages() -> set[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    return {re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0].lower() for spec in specs}


def test_every_dependency_says_why_it_is_there() -> None:
    """The README's package table names each package of pyproject.toml, and only those."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("The Python packages (`pyproject.toml`)")
    table = text[start:text.index("\n\n", text.index("| --- |", start))]
    documented = {name.lower() for row in table.splitlines()[3:]
                  for name in re.findall(r"`([\w.-]+)`", row.split("|")[1])}
    assert documented == _declared_packages()
