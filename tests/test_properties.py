"""Random and mutated data files: the only outcomes are a dataset or a clean ReportError."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import MINI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.config import load_config
from reportgen.dataset import load_dataset
from reportgen.problems import Problem, ReportError
from reportgen.provenance import check_provenance
from reportgen.seeds import load_seeds

LANGUAGES = ("zh", "en")
CONFIG = load_config(MINI)
GOOD = (MINI / "data" / "parks.yaml").read_text(encoding="utf-8")
GOOD_TREE: dict[str, Any] = yaml.safe_load(GOOD)

_SETTINGS = settings(max_examples=300, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])

# Pieces that hit the loader's and the schema's edge cases more often than random text.
_TOKENS = ["", " ", "\t", "\n", "- ", ": ", "{", "}", "[", "]", ",", "&a ", "*a", "!!str ",
           "!x ", "<<: ", "---\n", "...\n", "%YAML 1.1\n", "'", '"', "#", "|", ">", "~",
           "null", "NO", "on", "yes", "1.10", "012", "0x1F", ".nan", ".inf", "-.inf", "1e999",
           "2013-13-40", "[[", "]]", "[[nowhere]]", "[[park-count]]", "\ufeff", "\x00", "\x85",
           "\u2028", "\U0001F600", "湖滨", "id", "subject", "quantity", "value", "stated",
           "source", "seed", "quote", "parks.txt", "lakeside", "city", "park-count",
           "超过120个", "约3500万", "45公顷", "zh", "en", "text", "a" * 200]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a copy of the mini project whose data file each example overwrites."""
    dest = tmp_path_factory.mktemp("props") / "mini"
    shutil.copytree(MINI, dest)
    return dest


def _check(project: Path, data: bytes) -> None:
    """Load and check ``data`` as the project's data file: a dataset or ReportError only."""
    (project / "data" / "parks.yaml").write_bytes(data)
    try:
        dataset = load_dataset(project / "data", LANGUAGES, project)
    except ReportError as exc:
        _assert_clean(exc.problems)
        return
    seeds, problems = load_seeds(project / "seeds", "seeds")
    problems = check_provenance(dataset, seeds, CONFIG)
    _assert_clean(problems)


def _assert_clean(problems: list[Problem]) -> None:
    assert problems is not None
    for problem in problems:
        assert isinstance(problem, Problem) and problem.mark.file and problem.message
        assert str(problem)  # every problem prints


@st.composite
def _text_mutations(draw: st.DrawFn) -> bytes:
    """Splice tokens, random text and raw bytes into the good file at random places."""
    text = GOOD
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 12))
        piece = draw(st.one_of(st.sampled_from(_TOKENS), st.text(max_size=8)))
        text = text[:at] + piece + text[at + cut:]
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=4)) + data[at:]
    return data


@st.composite
def _line_mutations(draw: st.DrawFn) -> bytes:
    """Delete, duplicate, swap or re-indent whole lines of the good file."""
    lines = GOOD.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent"]))
        if action == "delete" and len(lines) > 1:
            del lines[i]
        elif action == "duplicate":
            lines.insert(j, lines[i])
        elif action == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "indent":
            lines[i] = "  " + lines[i]
        else:
            lines[i] = lines[i].lstrip(" ")
    return "".join(lines).encode("utf-8")


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                     st.text(max_size=12), st.sampled_from(_TOKENS))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Return the path of every node below ``node``."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def _tree_mutations(draw: st.DrawFn) -> bytes:
    """Replace, delete or add one node of the parsed good file; dump it back as YAML."""
    import copy

    tree = copy.deepcopy(GOOD_TREE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(tree)[1:]))
        parent = tree
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(_VALUES)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["id", "colour", "source", "name", "zh", "value"]))] = \
                draw(_VALUES)
        else:
            parent.append(draw(_VALUES))
        if not _paths(tree)[1:]:
            break
    style = draw(st.sampled_from([None, True, False]))
    return yaml.safe_dump(tree, allow_unicode=True, default_flow_style=style).encode("utf-8")


def test_good_file_loads(workdir: Path) -> None:
    """Load the unmutated file with no problem, so mutations start from a valid dataset."""
    (workdir / "data" / "parks.yaml").write_text(GOOD, encoding="utf-8")
    dataset = load_dataset(workdir / "data", LANGUAGES, workdir)
    seeds, problems = load_seeds(workdir / "seeds", "seeds")
    assert not problems and not check_provenance(dataset, seeds, CONFIG)


@_SETTINGS
@given(data=_text_mutations())
def test_text_mutations_give_dataset_or_report_error(workdir: Path, data: bytes) -> None:
    """Survive characters and bytes spliced anywhere into the data file."""
    _check(workdir, data)


@_SETTINGS
@given(data=_line_mutations())
def test_line_mutations_give_dataset_or_report_error(workdir: Path, data: bytes) -> None:
    """Survive lines deleted, duplicated, swapped and re-indented."""
    _check(workdir, data)


@_SETTINGS
@given(data=_tree_mutations())
def test_tree_mutations_give_dataset_or_report_error(workdir: Path, data: bytes) -> None:
    """Survive well-formed YAML whose records have the wrong shapes and values."""
    _check(workdir, data)
