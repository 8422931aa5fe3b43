"""`reportgen schema` in words, and `--json`: a JSON Schema that editors validate data with.

The JSON Schema is checked the way an editor uses it: each data file is read as
yaml-language-server reads YAML (1.2 core schema: plain true/false are booleans, plain
numbers are numbers, everything else is text) and validated with a standard validator.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import MINI, ROOT, run_cli
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from reportgen.contract import BUILTIN_COLLECTIONS
from reportgen.yamlload import Map, Node, Scalar, load_file

_INT = re.compile(r"[-+]?[0-9]+\Z|0o[0-7]+\Z|0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")


def as_editor_reads(node: Node) -> Any:
    """Return the JSON value of a YAML node under the YAML 1.2 core schema."""
    if isinstance(node, Map):
        return {key.value: as_editor_reads(value) for key, value in node.pairs}
    if not isinstance(node, Scalar):
        return [as_editor_reads(item) for item in node.items]
    text = node.value
    if not node.plain:
        return text
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE", "false", "False", "FALSE"):
        return text.lower() == "true"
    if _INT.match(text):
        return int(text, 0) if text.startswith("0") and len(text) > 1 else int(text)
    if _FLOAT.match(text) or text.lower() in (".inf", "-.inf", "+.inf", ".nan"):
        return float(text.replace(".inf", "inf").replace(".nan", "nan"))
    return text


def schema_of(project: Path) -> dict[str, Any]:
    """Run `reportgen schema --json` for ``project``; return the parsed JSON Schema."""
    run = run_cli("schema", "--json", "--project", project)
    assert run.code == 0, run.err
    schema: dict[str, Any] = json.loads(run.out)
    Draft202012Validator.check_schema(schema)
    return schema


FIXTURES = ROOT / "tests" / "fixtures"
# Every project the repository ships: the briefing and the test projects.
PROJECTS = {"briefing": ROOT, "lending": FIXTURES / "lending", "mini": MINI,
            "themed": FIXTURES / "themed"}
DATA_FILES = [(project, path.name) for project, folder in PROJECTS.items()
              for path in sorted((folder / "data").glob("*.yaml")) if path.name != "schema.yaml"]


@pytest.fixture(scope="module")
def project_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each shipped project, made once per test module."""
    return {}


@pytest.fixture(scope="module")
def briefing_schema(project_schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The JSON Schema of the shipped briefing's data files."""
    return project_schemas.setdefault("briefing", schema_of(ROOT))


def test_schema_prints_every_collection_with_fields_and_help() -> None:
    """List the record kinds, built-in ones marked, each field with type and help."""
    run = run_cli("schema", "--project", ROOT)
    assert run.code == 0, run.err
    out = run.out
    assert out.startswith("Record kinds (")
    for name in BUILTIN_COLLECTIONS:
        assert f"\n{name} (built in) — " in out
    assert "\nmetrics — Every number the sources state, with what it measures.\n" in out
    assert re.search(r"\n  subject +ref to entities or products, required\n", out)
    assert re.search(r"\n  corrected +date \(provenance external, corrects date\)\n", out)
    # A list of objects shows the objects' fields below it.
    assert re.search(r"\n  series +list of object — the records drawn, in order\n"
                     r" +ref +ref to a record of any collection, required", out)


def test_every_shipped_project_has_data_files() -> None:
    """The parametrised test below sees the data files of each project (not an empty glob)."""
    assert {project for project, _ in DATA_FILES} == set(PROJECTS)
    assert ("briefing", "metrics.yaml") in DATA_FILES
    assert ("lending", "lending.yaml") in DATA_FILES


@pytest.mark.parametrize(("project", "path"), DATA_FILES, ids=[f"{p}/{n}" for p, n in DATA_FILES])
def test_every_shipped_data_file_satisfies_the_json_schema(
        project_schemas: dict[str, dict[str, Any]], project: str, path: str) -> None:
    """Validate each data file of each shipped project as an editor would."""
    if project not in project_schemas:
        project_schemas[project] = schema_of(PROJECTS[project])
    instance = as_editor_reads(load_file(PROJECTS[project] / "data" / path))
    assert isinstance(instance, dict) and instance, path
    errors = list(Draft202012Validator(project_schemas[project]).iter_errors(instance))
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_mini_fixture_satisfies_its_json_schema(mini_schema: dict[str, Any]) -> None:
    instance = as_editor_reads(load_file(MINI / "data" / "parks.yaml"))
    assert list(Draft202012Validator(mini_schema).iter_errors(instance)) == []


BROKEN: dict[str, tuple[str, str, str]] = {
    # name: (old text in the mini fixture's parks.yaml, new text, what the validator says)
    "unknown-field": ("    measure: {zh: 面积", "    colour: red\n    measure: {zh: 面积",
                      "'colour' was unexpected"),
    "missing-required": ("    measure: {zh: 面积", "    meazure: {zh: 面积",
                         "'measure' is a required property"),
    "text-missing-language": ("measure: {zh: 面积, en: area}", "measure: {zh: 面积}",
                              "'en' is a required property"),
    "number-as-text": ("value: 45,", 'value: "45",', "'45' is not of type 'number'"),
    "bad-qualifier": ("qualifier: eq,", "qualifier: equal,", "'equal' is not one of"),
    "bad-id": ("- id: lakeside-area", "- id: Lakeside Area", "does not match '^[a-z0-9][a-z0-9-]*$'"),
    "bad-date": ("opened: 1998", "opened: 1998-6", "is not valid under any of the given schemas"),
}


@pytest.fixture(scope="module")
def mini_schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON Schema of the mini fixture's data files."""
    project = tmp_path_factory.mktemp("schema") / "mini"
    shutil.copytree(MINI, project)
    return schema_of(project)


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_data_file_fails_json_schema_validation(
        mini_schema: dict[str, Any], tmp_path: Path, case: str) -> None:
    """Flag the mistakes an editor should underline."""
    old, new, message = BROKEN[case]
    text = (MINI / "data" / "parks.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "parks.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    errors = list(Draft202012Validator(mini_schema).iter_errors(as_editor_reads(load_file(path))))
    assert any(message in e.message for e in errors), [e.message for e in errors]


def test_unknown_collection_fails_json_schema_validation(briefing_schema: dict[str, Any]) -> None:
    errors = list(Draft202012Validator(briefing_schema).iter_errors({"metricz": []}))
    assert [e.message for e in errors] == [
        "Additional properties are not allowed ('metricz' was unexpected)"]


def test_schema_command_reports_a_broken_schema(tmp_path: Path) -> None:
    """Refuse to describe a schema that does not check out, with the located problem."""
    project = tmp_path / "mini"
    shutil.copytree(MINI, project)
    schema = project / "data" / "schema.yaml"
    schema.write_text(schema.read_text(encoding="utf-8").replace(
        "opened: {type: date}", "opened: {type: date, required: yes}"), encoding="utf-8")
    run = run_cli("schema", "--json", "--project", project)
    assert run.code == 1 and run.out == ""
    assert "data/schema.yaml:6:38: required: expected true or false, got 'yes'" in run.err


DOC = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    return DOC.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("name", BUILTIN_COLLECTIONS)
def test_every_builtin_collection_is_documented_in_one_place(name: str) -> None:
    """docs/data-format.md lists each built-in collection with every field, in one table."""
    rows = [line for line in _section("Built-in collections").splitlines()
            if line.startswith(f"| `{name}` |")]
    assert len(rows) == 1, f"{name} needs one row in 'Built-in collections'"
    for field_name in BUILTIN_COLLECTIONS[name].fields:
        assert f"`{field_name}`" in rows[0], f"{name}.{field_name} is not documented"


def test_documented_limits_are_the_engine_limits() -> None:
    """The limits table of docs/data-format.md gives the values the engine enforces."""
    from reportgen.dataset import MAX_RECORDS
    from reportgen.files import (
        MAX_FILE_BYTES,
        MAX_SEED_BYTES,
        MAX_TABLE_BYTES,
        MAX_TEMPLATE_BYTES,
        MAX_TOTAL_BYTES,
        MAX_YAML_BYTES,
    )
    from reportgen.validate import MAX_INTEGER_DIGITS
    from reportgen.yamlload import MAX_DEPTH

    table = _section("Files").split("### What is read, and how much", 1)[1]
    rows = {line.split(" | ")[0].strip("| "): line.rsplit(" | ", 1)[1].strip(" |")
            for line in table.splitlines() if line.startswith("| ") and "---" not in line}
    mib = 1024 * 1024
    expected = {
        "one YAML file (`data/*.yaml`, `schema.yaml`, `strings.yaml`, `reportgen.yaml`)":
            f"{MAX_YAML_BYTES // mib} MiB",
        "one table (`data/*.csv`)": f"{MAX_TABLE_BYTES // mib} MiB",
        "one seed (`seeds/*.txt`)": f"{MAX_SEED_BYTES // mib} MiB",
        "one template, stylesheet or asset read as text": f"{MAX_TEMPLATE_BYTES // mib} MiB",
        "any other file of `data/`, `seeds/` or `templates/` (images, fonts)":
            f"{MAX_FILE_BYTES // mib} MiB",
        "`data/`, `seeds/` and `templates/` together": f"{MAX_TOTAL_BYTES // mib} MiB",
        "records of one collection": f"{MAX_RECORDS:,}",
        "nesting of lists and mappings in a YAML file": f"{MAX_DEPTH} levels",
        "digits of an `integer`": f"{MAX_INTEGER_DIGITS}",
    }
    assert {k: v for k, v in rows.items() if k != "limit"} == expected
