"""Hostile files in a project: links out of their folder, pipes, devices, sockets, huge files.

Every read of a project file goes through reportgen.files: a file is read only when its
real path stays inside its own folder and it is a regular file of bounded size. Each case
starts from a copy of one good build, plants one hostile file, runs the CLI as a user
would and checks: exit 1, one located message naming the file (and where it points), no
traceback, nothing hangs, the last good outputs untouched and no secret in them.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import run_cli, snapshot
from test_bad_input import add_to_body, fails, leftovers

from reportgen.files import MAX_FILE_BYTES, MAX_SEED_BYTES, MAX_TOTAL_BYTES

SECRET = "TOP-SECRET-7f3a"
Plant = Callable[[Path], object]


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Iterator[Path]:
    """Return a fresh copy of the good build, with a secret file beside it."""
    dest = tmp_path / "mini"
    shutil.copytree(built, dest)
    (tmp_path / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    yield dest
    for path in dest.rglob("*"):  # sockets and pipes: nothing to keep
        if path.is_socket() or path.is_fifo():
            path.unlink()


def link(name: str, target: str | Callable[[Path], Path]) -> Plant:
    """Plant a symbolic link ``name`` (relative to the project) pointing at ``target``."""
    def apply(project: Path) -> None:
        to = target(project) if callable(target) else Path(target)
        (project / name).symlink_to(to)
    return apply


def fifo(name: str) -> Plant:
    """Plant a named pipe: reading it would wait forever for a writer."""
    return lambda project: os.mkfifo(project / name)


def folder(name: str) -> Plant:
    """Plant a folder where a file is expected."""
    return lambda project: (project / name).mkdir()


def sparse(name: str, size: int) -> Plant:
    """Plant a file that claims ``size`` bytes without taking the disk space."""
    def apply(project: Path) -> None:
        with open(project / name, "wb") as handle:
            handle.truncate(size)
    return apply


def unix_socket(name: str) -> Plant:
    """Plant a listening Unix socket."""
    def apply(project: Path) -> None:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(project / name))
        server.close()
    return apply


def then(*plants: Plant) -> Plant:
    """Apply every plant in turn."""
    def apply(project: Path) -> None:
        for plant in plants:
            plant(project)
    return apply


def _secret(project: Path) -> Path:
    return project.parent / "secret.txt"


# name -> (what to plant, command, expected pieces of the message)
CASES: dict[str, tuple[Plant, str, tuple[str, ...]]] = {
    # Issue 11 #1: a template link reads any file into both outputs.
    "template-link-asset": (
        then(link("templates/leak.css", _secret), add_to_body('{{ asset("leak.css") }}')),
        "build", ("templates/leak.css: cannot read the file: it links to ", "secret.txt, "
                  "outside the templates folder")),
    "template-folder-link-to-root": (
        then(link("templates/sys", "/"), add_to_body('{% include "sys/etc/hostname" %}')),
        "build", ("templates/sys/etc/hostname: cannot read the file: it links to /etc/hostname, "
                  "outside the templates folder",)),
    "template-include-link": (
        then(link("templates/part.html", _secret), add_to_body('{% include "part.html" %}')),
        "build", ("templates/part.html: cannot read the file: it links to ",)),
    # Issue 11 #8: special files hung the input hashing before any check.
    "data-link-to-urandom": (link("data/extra.yaml", "/dev/urandom"), "build",
                             ("data/extra.yaml: cannot read the file: it links to /dev/urandom, "
                              "outside the data folder",)),
    "seed-fifo": (fifo("seeds/extra.txt"), "build",
                  ("seeds/extra.txt: cannot read the file: it is a named pipe (FIFO), not a "
                   "regular file",)),
    "template-link-to-dev-zero": (
        then(link("templates/zero.css", "/dev/zero"), add_to_body('{{ asset("zero.css") }}')),
        "build", ("templates/zero.css: cannot read the file: it links to /dev/zero",)),
    "template-fifo-asset": (
        then(fifo("templates/pipe.css"), add_to_body('{{ asset("pipe.css") }}')),
        "build", ("templates/pipe.css: cannot read the file: it is a named pipe (FIFO)",)),
    "check-seed-dev-zero": (link("seeds/zero.txt", "/dev/zero"), "check",
                            ("seeds/zero.txt: cannot read the file: it links to /dev/zero",)),
    "check-seed-fifo": (fifo("seeds/pipe.txt"), "check",
                        ("seeds/pipe.txt: cannot read the file: it is a named pipe (FIFO)",)),
    # The same rules for every other kind of input.
    "data-fifo": (fifo("data/pipe.yaml"), "build",
                  ("data/pipe.yaml: cannot read the file: it is a named pipe (FIFO)",)),
    "data-folder": (folder("data/more.yaml"), "build",
                    ("data/more.yaml: cannot read the file: it is a folder, not a regular file",)),
    "data-socket": (unix_socket("data/sock.yaml"), "build",
                    ("data/sock.yaml: cannot read the file: it is a socket, not a regular file",)),
    "data-link-to-secret": (link("data/extra.yaml", _secret), "check",
                            ("data/extra.yaml: cannot read the file: it links to ", "secret.txt")),
    "data-link-into-seeds": (link("data/extra.yaml", lambda p: p / "seeds" / "parks.txt"),
                             "build", ("data/extra.yaml: cannot read the file: it links to ",
                                       "seeds/parks.txt, outside the data folder")),
    "data-table-fifo": (fifo("data/places.csv"), "build",
                        ("data/places.csv: cannot read the file: it is a named pipe (FIFO)",)),
    "schema-link-out": (then(lambda p: (p / "data" / "schema.yaml").rename(p.parent / "s.yaml"),
                             link("data/schema.yaml", lambda p: p.parent / "s.yaml")), "check",
                        ("data/schema.yaml: cannot read the file: it links to ", "s.yaml")),
    "strings-fifo": (then(lambda p: (p / "templates" / "strings.yaml").unlink(),
                          fifo("templates/strings.yaml")), "build",
                     ("templates/strings.yaml: cannot read the file: it is a named pipe",)),
    "config-link-out": (then(lambda p: (p / "reportgen.yaml").rename(p.parent / "c.yaml"),
                             link("reportgen.yaml", lambda p: p.parent / "c.yaml")), "build",
                        ("reportgen.yaml: cannot read the file: it links to ", "c.yaml, outside "
                         "the mini folder")),
    "config-fifo": (then(lambda p: (p / "reportgen.yaml").unlink(), fifo("reportgen.yaml")),
                    "check", ("reportgen.yaml: cannot read the file: it is a named pipe",)),
    "data-folder-link-out": (then(lambda p: (p / "data").rename(p.parent / "elsewhere"),
                                  link("data", lambda p: p.parent / "elsewhere")), "build",
                             ("data: the data folder links to ", "elsewhere, outside the project",)),
    "seeds-folder-link-out": (then(lambda p: (p / "seeds").rename(p.parent / "texts"),
                                   link("seeds", lambda p: p.parent / "texts")), "check",
                              ("seeds: the seeds folder links to ", "texts, outside the project",)),
    # Size caps: per file, and for all inputs together (sparse files: nothing is read).
    "seed-over-cap": (sparse("seeds/huge.txt", MAX_SEED_BYTES + 1), "check",
                      (f"seeds/huge.txt: file is {MAX_SEED_BYTES + 1:,} bytes, over the limit of "
                       f"{MAX_SEED_BYTES:,} bytes",)),
    "template-file-over-cap": (sparse("templates/huge.png", MAX_FILE_BYTES + 1), "build",
                               (f"templates/huge.png: file is {MAX_FILE_BYTES + 1:,} bytes, over "
                                f"the limit of {MAX_FILE_BYTES:,} bytes",)),
    "inputs-over-total": (then(*(sparse(f"templates/img{i}.png", MAX_FILE_BYTES)
                                 for i in range(MAX_TOTAL_BYTES // MAX_FILE_BYTES + 1))), "check",
                          ("templates: the inputs total ", f"over the limit of "
                           f"{MAX_TOTAL_BYTES:,} bytes")),
}


def check_fails(project: Path, *expected: str) -> None:
    """Run ``reportgen check`` expecting a clean failure with located messages."""
    run = run_cli("check", "--project", project, timeout=120)
    assert run.code == 1, run.out + run.err
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    assert run.err.startswith("error: "), run.err
    for text in expected:
        assert text in run.err, f"{text!r} not in:\n{run.err}"


@pytest.mark.parametrize("case", CASES)
def test_hostile_file_is_refused_with_a_located_message(project: Path, case: str) -> None:
    """Refuse the planted file by name, quickly, and leave the last good outputs alone."""
    plant, command, expected = CASES[case]
    plant(project)
    before = snapshot(project / "out")
    if command == "check":
        check_fails(project, *expected)
    else:
        fails(project, *expected)
    assert snapshot(project / "out") == before
    assert not leftovers(project)
    for path in (project / "out").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_links_inside_their_folder_and_unused_special_files_are_fine(project: Path) -> None:
    """Read a link that stays in its folder; ignore a pipe nobody reads (and never hang)."""
    (project / "templates" / "real.css").write_text("p { color: #123456 }", encoding="utf-8")
    link("templates/alias.css", lambda p: p / "templates" / "real.css")(project)
    add_to_body("<style>{{ asset('alias.css') }}</style>")(project)
    fifo("templates/unused.pipe")(project)
    link("templates/elsewhere", "/")(project)
    run = run_cli("build", "--project", project, "--format", "html", timeout=120)
    assert run.code == 0, run.err
    page = next((project / "out").glob("*.en.html")).read_text(encoding="utf-8")
    assert "p { color: #123456 }" in page
