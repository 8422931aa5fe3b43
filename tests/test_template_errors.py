"""Template errors name the record, collection, string or function meant, list what
exists, and point at the template line — never ``'dict object' has no attribute 'x'``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import snapshot

from reportgen.build import build
from reportgen.config import load_config
from reportgen.problems import ReportError

TEMPLATE = "templates/report.html.j2"
LINE = "{{ p.name }}"  # on line 10, inside the loop over data.places

# name: (text replacing "{{ p.name }}" on line 10, words the one problem must hold)
CASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "misspelt-field": ("{{ p.nmae }}", ("record 'city' (places) has no field 'nmae'",
                                        "did you mean 'name'?")),
    "unknown-field": ("{{ p.colour }}", ("record 'city' (places) has no field 'colour'",
                                         "fields of places: id, name, opened, sources")),
    "optional-field-left-out": ("{{ p.opened | date }}",
                                ("record 'city' (places) has no value for the optional field "
                                 "'opened'", "is defined")),
    "unknown-collection": ("{{ data.placez }}", ("no collection 'placez' in data",
                                                 "did you mean 'places'?")),
    "collection-as-record": ("{{ data.places.name }}",
                             ("data.places is a list of 2 records, it has no 'name'",
                              "{% for r in data.places %}")),
    "unknown-string": ("{{ strings.exhibit_lable }}", ("no UI string 'exhibit_lable'",
                                                       "did you mean 'exhibit_label'?")),
    "unknown-filter": ("{{ p.name | plian }}", ("No filter named 'plian'",
                                                "did you mean 'plain'?")),
    "unknown-function": ('{{ recrod("city") }}', ("'recrod' is undefined",
                                                 "did you mean 'record'?")),
    "unknown-record-id": ('{{ record("lakesid").name }}', ("record('lakesid'): no record has "
                                                           "this id", "did you mean 'lakeside'")),
    "unknown-exhibit": ('{{ exhibit("fig-prks").label }}', ("exhibit('fig-prks'): no exhibit",
                                                            "did you mean 'fig-parks'?")),
    "note-attribute": ("{% for n in notes() %}{{ n.quote }}{% endfor %}",
                       ("a note has no attribute 'quote'", "number, source, backrefs")),
    "source-attribute": ("{% for n in notes() %}{{ n.source.text }}{% endfor %}",
                         ("a source has no attribute 'text'", "seed, quote")),
    "edition-attribute": ("{% for e in editions %}{{ e.file }}{% endfor %}",
                          ("an edition link has no attribute 'file'", "did you mean 'files'?")),
}


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "mini"
    shutil.copytree(built, dest)
    return dest


@pytest.mark.parametrize("case", CASES)
def test_template_error_says_what_was_meant_and_what_exists(project: Path, case: str) -> None:
    replacement, words = CASES[case]
    path = project / TEMPLATE
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[9].count(LINE) == 1
    path.write_text(text.replace(LINE, replacement, 1), encoding="utf-8")
    before = snapshot(project / "out")
    with pytest.raises(ReportError) as caught:
        build(load_config(project), ["en"], ["html"])
    assert snapshot(project / "out") == before
    [problem] = [str(p) for p in caught.value.problems]
    assert problem.startswith(f"{TEMPLATE}:10:"), problem
    assert "dict object" not in problem and "View object" not in problem, problem
    for word in words:
        assert word in problem, problem


def test_exhibit_key_lists_the_keys(project: Path) -> None:
    path = project / TEMPLATE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{{ x.label }}", "{{ x.lable }}", 1), encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        build(load_config(project), ["en"], ["html"])
    [problem] = [str(p) for p in caught.value.problems]
    assert problem.startswith(f"{TEMPLATE}:12:") and "exhibit 'fig-parks' has no key 'lable'" \
        in problem and "did you mean 'label'?" in problem, problem
