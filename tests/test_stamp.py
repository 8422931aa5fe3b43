"""A build with nothing to do is answered from file metadata (``stamp.py``), never wrongly.

The stamp may answer "up to date" only when nothing the build depends on changed: each
case below changes one thing and the next build must notice it (a full check, and a
rebuild where the change matters); a damaged or planted stamp is ignored.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import MINI, Run, run_cli

from reportgen import stamp

_FAST = "answered from the stamp"


def _build(project: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    run = run_cli("build", "-v", *args, cwd=project,
                  env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600", **(env or {})})
    assert run.code == 0, run.err
    return run


@pytest.fixture(scope="module")
def stamped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini project, built, then found up to date (which stamps it)."""
    dest = tmp_path_factory.mktemp("stamped") / "mini"
    shutil.copytree(MINI, dest)
    _build(dest)
    return dest


@pytest.fixture
def project(stamped: Path, tmp_path: Path) -> Path:
    """A copy of the stamped project, metadata and all (a copy changes every ctime: stamp
    it again)."""
    dest = tmp_path / "mini"
    shutil.copytree(stamped, dest, symlinks=True)
    first = _build(dest)
    assert _FAST not in first.err and "up to date" in first.out  # copied: checked in full
    return dest


def test_nothing_changed_is_answered_from_the_stamp(project: Path) -> None:
    run = _build(project)
    assert _FAST in run.err
    assert run.out.startswith("up to date: 4 files (")
    quiet = run_cli("build", "-q", cwd=project, env={**os.environ,
                                                     "SOURCE_DATE_EPOCH": "1767225600"})
    assert (quiet.code, quiet.out) == (0, "")


def test_a_plain_build_is_answered_before_the_command_line_is_imported(project: Path) -> None:
    """``reportgen build [-q] [--project DIR]``: no YAML, Jinja or WeasyPrint, no argparse."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
    for args in (["build"], ["build", "-q", "--project", str(project)],
                 ["build", f"--project={project}"]):
        # Each spelling of the command has its own stamp: the first run makes it.
        subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=project, env=env,
                       capture_output=True, timeout=120, check=True)
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "reportgen", *args],
                              cwd=project, env=env, capture_output=True, text=True,
                              timeout=120, check=True)
        imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
                    if line.startswith("import time:")}
        assert "reportgen.stamp" in imported
        assert not imported & {"yaml", "jinja2", "weasyprint", "argparse", "reportgen.cli",
                               "reportgen.config", "typing"}, (args, sorted(imported))
        if "-q" in args:
            assert done.stdout == ""
            continue
        assert done.stdout.startswith("up to date: 4 files (")


def _same_size_edit(project: Path) -> None:
    path = project / "data" / "parks.yaml"
    info = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Lakeside", "Lakesidf", 1), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # the old modification time


def _touched(project: Path) -> None:
    os.utime(project / "templates" / "strings.yaml")


def _new_template(project: Path) -> None:
    (project / "templates" / "unused.html.j2").write_text("<p>unused</p>", encoding="utf-8")


def _output_removed(project: Path) -> None:
    next((project / "out").glob("*.pdf")).unlink()


def _output_edited(project: Path) -> None:
    html = next((project / "out").glob("*.html"))
    html.write_bytes(html.read_bytes().replace(b"<body", b"<body data-x", 1))


def _config_touched(project: Path) -> None:
    os.utime(project / "reportgen.yaml")


@pytest.mark.parametrize(("change", "rebuilt"), [
    (_same_size_edit, True),  # same size, same modification time: the change time tells
    (_touched, False),
    (_new_template, True),  # every file of templates/ is an input
    (_output_removed, True),
    (_output_edited, True),
    (_config_touched, False),
], ids=["same-size-edit-old-mtime", "touched", "new-template", "output-removed",
        "output-edited", "config-touched"])
def test_a_change_is_never_answered_from_the_stamp(project: Path,
                                                   change: Callable[[Path], None],
                                                   rebuilt: bool) -> None:
    change(project)
    run = _build(project)
    assert _FAST not in run.err
    assert ("built " in run.out) is rebuilt, run.out
    again = _build(project)  # checked in full, stamped again
    assert _FAST in again.err and "up to date" in again.out


def test_other_arguments_or_environment_are_checked_in_full(project: Path) -> None:
    assert _FAST not in _build(project, "--lang", "en").err
    assert _FAST not in _build(project, env={"SOURCE_DATE_EPOCH": "1767312000"}).err


@pytest.mark.parametrize("planted", ["garbage", "link", "other-key", "folder"])
def test_a_damaged_or_planted_stamp_is_ignored(project: Path, tmp_path: Path,
                                               planted: str) -> None:
    path = project / stamp.STAMP
    data = json.loads(path.read_text(encoding="utf-8"))
    path.unlink()
    if planted == "garbage":
        path.write_bytes(b"\xff{not json")
    elif planted == "link":
        elsewhere = tmp_path / "stamp.json"
        elsewhere.write_text(json.dumps(data), encoding="utf-8")
        path.symlink_to(elsewhere)
    elif planted == "other-key":
        data["key"]["argv"] = ["build", "--lang", "zz"]
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.mkdir()
    run = _build(project)
    assert _FAST not in run.err and "up to date" in run.out


def test_an_input_edited_during_the_build_leaves_no_stamp(project: Path) -> None:
    from reportgen.config import load_config

    config = load_config(project)
    target = project / stamp.STAMP
    target.unlink()
    taken = stamp.snapshot(config, stamp.meta(project / "reportgen.yaml"))
    assert taken.unchanged()
    (project / "data" / "parks.yaml").write_text(
        (project / "data" / "parks.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    taken.record(stamp.key(["build"], project), [], project / "out" / "x.json", target)
    assert not target.exists()


def test_a_first_build_into_a_new_output_folder_is_stamped(project: Path) -> None:
    shutil.rmtree(project / "out")
    assert "built " in _build(project).out
    assert _FAST in _build(project).err


def test_a_stamp_is_never_read_or_written_outside_the_project(project: Path,
                                                              tmp_path: Path) -> None:
    """out/.cache planted as a link elsewhere: the stamp there is not read, nor written."""
    outside = tmp_path / "outside"
    outside.mkdir()
    cache = project / "out" / ".cache"
    data = json.loads((cache / "stamp.json").read_text(encoding="utf-8"))
    shutil.rmtree(cache)
    cache.symlink_to(outside)
    data["meta"][str(project / "out")] = stamp.meta(project / "out")  # valid but for where
    (outside / "stamp.json").write_text(json.dumps(data), encoding="utf-8")
    run = _build(project)
    assert _FAST not in run.err and "up to date" in run.out
    (outside / "stamp.json").unlink()
    _build(project)
    assert list(outside.iterdir()) == []


def test_the_stamp_watches_the_packages_the_manifest_versions() -> None:
    """stamp.py cannot import manifest.py (it reads the configuration): the lists agree."""
    from reportgen.manifest import TOOLS

    assert tuple(module for module, _ in TOOLS) == stamp._TOOLS
