"""The guarantees, attacked: one table of hostile attempts, each run as a user would.

Every case copies one good build of the mini fixture, changes the data so a build has work
to do, applies one attempt and runs ``reportgen build``. A case that must fail checks exit
code 1, a located message, no traceback, out/ byte-for-byte unchanged and no temporary
file left; a case that must succeed checks the outputs are whole and right. Nothing outside
the project may change: a ``victim`` folder beside it is watched in every case.
docs/hardening.md lists the same cases with their outcomes.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import mutations
import pytest
from conftest import ROOT, Run, pdftotext, run_cli, snapshot

from reportgen.cache import Cache
from reportgen.output import LOCK_NAME, TEMP_PREFIX, commit, new_temp
from reportgen.problems import ReportError

DATA = "data/parks.yaml"
CONFIG = "reportgen.yaml"
TEMPLATE = "templates/report.html.j2"
Teardown = Callable[[], None] | None
Setup = Callable[[Path], Teardown]


# --- building blocks of attempts --------------------------------------------------------

def edit(old: str, new: str, name: str = DATA) -> Setup:
    """Replace the first ``old`` by ``new`` in the project file ``name``."""
    return mutations.edit(old, new, name)


def configure(line: str) -> Setup:
    """Set a key of reportgen.yaml: drop the lines that set it now, add ``line`` at the end."""
    def apply(project: Path) -> Teardown:
        path = project / CONFIG
        key = line.split(":", 1)[0]
        kept: list[str] = []
        inside = False
        for text in path.read_text(encoding="utf-8").splitlines():
            inside = text.startswith(f"{key}:") or (inside and text.startswith(" "))
            if not inside:
                kept.append(text)
        path.write_text("\n".join([*kept, line]) + "\n", encoding="utf-8")
        return None
    return apply


def undated(project: Path) -> Teardown:
    """Remove the configured report date."""
    path = project / CONFIG
    path.write_text("".join(x for x in path.read_text(encoding="utf-8").splitlines(True)
                            if not x.startswith("date:")), encoding="utf-8")
    return None


def put(name: str, data: bytes) -> Setup:
    """Write a file (creating its folder) inside the project."""
    def apply(project: Path) -> Teardown:
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        path.write_bytes(data)
        return None
    return apply


def every(*setups: Setup) -> Setup:
    """Apply several setups; tear them all down afterwards."""
    def apply(project: Path) -> Teardown:
        downs = [down for setup in setups if (down := setup(project)) is not None]

        def teardown() -> None:
            for down in reversed(downs):
                down()
        return teardown
    return apply


def planted_link(name: str, target: str) -> Setup:
    """Plant a symbolic link at ``name`` pointing outside the project."""
    def apply(project: Path) -> Teardown:
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        path.symlink_to(project.parent / target)
        return None
    return apply


def out_linked_to_victim(project: Path) -> Teardown:
    """Replace the output folder by a link to the folder beside the project."""
    shutil.rmtree(project / "out")
    (project / "out").symlink_to(project.parent / "victim")
    return None


def folder_at(name: str) -> Setup:
    """Replace the file ``name`` by a folder holding one file."""
    def apply(project: Path) -> Teardown:
        path = project / name
        path.unlink(missing_ok=True)
        path.mkdir()
        (path / "keep.txt").write_text("mine", encoding="utf-8")
        return None
    return apply


def immutable(name: str) -> Setup:
    """Mark an output immutable (chattr +i) for the run."""
    def apply(project: Path) -> Teardown:
        path = project / name
        subprocess.run(["chattr", "+i", str(path)], check=True)

        def teardown() -> None:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        return teardown
    return apply


def lock_held(project: Path) -> Teardown:
    """Hold the output folder's lock, as a build in another container would."""
    fd = os.open(project / "out" / LOCK_NAME, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return lambda: os.close(fd)


def forged_pdfs(project: Path) -> Teardown:
    """Replace every cached PDF by a forged one with a correct checksum; delete an output.

    The data edit is undone, so the build looks the PDF up under the key it was cached by.
    """
    edit("en: The whole city}", "en: The city}")(project)
    store = Cache(project / "out" / ".cache", "pdf")
    entries = [p for p in store.folder.iterdir() if not p.name.startswith(".")]
    assert entries
    for entry in entries:
        store.put(entry.name, b"1\n%PDF-1.7 forged, and no end of file")
    (project / "out" / "parks.en.pdf").unlink()
    return None


def fake_git(project: Path) -> Teardown:
    """Put a `git` on PATH that leaves a mark when run."""
    bin_dir = project.parent / "fakebin"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "git"
    script.write_text(f"#!/bin/sh\ntouch {project.parent / 'victim' / 'git-was-run'}\n",
                      encoding="utf-8")
    script.chmod(0o755)
    return None


# --- what the outcome must show ---------------------------------------------------------

def victim_untouched(project: Path, run: Run) -> None:
    victim = project.parent / "victim"
    assert sorted(p.name for p in victim.iterdir()) == ["precious.txt", "victim.en.pdf"]
    assert (victim / "precious.txt").read_text(encoding="utf-8") == "precious"


def glyph_cache_rewritten(project: Path, run: Run) -> None:
    cache = project / "out" / ".cache"
    assert (cache / "cmaps.tmp").is_symlink()  # left alone, never written through
    stored = json.loads((cache / "cmaps.json").read_text(encoding="utf-8"))
    assert isinstance(stored, dict) and all(isinstance(v, list) for v in stored.values())


def git_never_run(project: Path, run: Run) -> None:
    assert not (project.parent / "victim" / "git-was-run").exists()
    manifest = json.loads((project / "out" / "parks.manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["settings"]["report_date"] == "2020-09-13"  # newest data file


def real_pdf_shipped(project: Path, run: Run) -> None:
    assert "The city has over 120" in pdftotext(project / "out" / "parks.en.pdf")


def manifest_rewritten(project: Path, run: Run) -> None:
    manifest = json.loads((project / "out" / "parks.manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["outputs"]) == {"parks.zh.pdf", "parks.zh.html", "parks.en.pdf",
                                        "parks.en.html"}
    assert all(isinstance(e["pages"], int) for n, e in manifest["outputs"].items()
               if n.endswith(".pdf"))


def cache_left_a_file(project: Path, run: Run) -> None:
    assert (project / "out" / ".cache").read_bytes() == b"not a folder"
    assert "is not a folder: building without the cache" in run.err


def prefixed_folder_kept(project: Path, run: Run) -> None:
    assert (project / "out" / ".reportgen-keep" / "keep.txt").read_text(encoding="utf-8") == "mine"


@dataclass(frozen=True)
class Case:
    """One attempt: what is done, how the build is run, and what it must show."""

    issue: str
    setup: Setup
    code: int = 1
    says: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    how: str = "cli"  # or "interrupt" (Ctrl-C after 0.6 s), "closed-stdout" (| true)
    then: Callable[[Path, Run], None] | None = None


GLYPH = "\U00013000"  # EGYPTIAN HIEROGLYPH A001: in no configured font

CASES: dict[str, Case] = {
    # 11 #2: names that would leave out/
    "basename-leaves-out": Case(
        "11 #2", configure("basename: ../../victim/victim"),
        says=("basename: expected a file name, got '../../victim/victim'",),
        then=victim_untouched),
    "language-with-slash": Case(
        "11 #2", configure('languages: [zh, "en/../../victim/x"]'),
        says=("languages: language 'en/../../victim/x' is not a language code",),
        then=victim_untouched),
    # A fresh attack: the output folder itself a link leading out of the project.
    "out-is-a-link-out": Case(
        "11 #1", out_linked_to_victim,
        says=("the output folder links to ", "outside the project"), then=victim_untouched),
    # 11 #3: a planted link at the glyph cache's old fixed temporary name
    "link-at-glyph-cache-temp": Case(
        "11 #3", every(planted_link("out/.cache/cmaps.tmp", "victim/precious.txt"),
                       put("out/.cache/cmaps.json", b"{}")),
        code=0, then=glyph_cache_rewritten),
    # 11 #4: no program of the project's (its .git/config) is ever run
    "git-not-run-for-the-date": Case(
        "11 #4", every(undated, fake_git), code=0, env={"PATH": "fakebin"}, then=git_never_run),
    # 11 #7: one expression must not take the machine's memory
    "template-center-1.5-GB": Case(
        "11 #7", every(configure("memory_limit_mb: 1024"),
                       edit("<body>", '<body>{{ "x"|center(1500000000) }}', TEMPLATE)),
        says=("templates/report.html.j2:6: template error: ran out of memory",
              "memory_limit_mb: 1024 MiB"), args=("--lang", "en", "--format", "html")),
    "template-string-doubled-40-times": Case(
        "11 #7", every(configure("memory_limit_mb: 1024"), edit(
            "<body>", '<body>{% set ns = namespace(s="x") %}{% for i in range(40) %}'
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}", TEMPLATE)),
        says=("templates/report.html.j2:6: template error: ran out of memory",),
        args=("--lang", "en", "--format", "html")),
    # 11 #9: every target is checked before the first move
    "target-is-a-folder": Case(
        "11 #9", folder_at("out/parks.en.pdf"),
        says=("parks.en.pdf: out/parks.en.pdf is a folder, so the output cannot be written",)),
    "target-is-immutable": Case(
        "11 #9", immutable("out/parks.zh.html"),
        says=("parks.zh.html: out/parks.zh.html is marked immutable or append-only",)),
    # 11 #10: builds sharing out/ (containers: PIDs mean nothing across them)
    "out-locked-by-another-build": Case(
        "11 #10", lock_held, says=("out: another build is writing to this output folder",)),
    "temp-file-of-a-foreign-pid": Case(
        "11 #10", put(f"out/{TEMP_PREFIX}1-parks.en.pdf.tmp", b"left by a build in another "
                      b"container, whose pid 1 is alive here"), code=0),
    # 11 #11: the cache is trusted like out/, but a damaged PDF is never shipped
    "cached-pdf-forged-and-truncated": Case(
        "11 #11", forged_pdfs, code=0, then=real_pdf_shipped),
    # 11 #12: no raw tracebacks
    "ctrl-c-in-the-first-second": Case(
        "11 #12", lambda p: None, code=130, how="interrupt",
        says=("interrupted; previous outputs are untouched",)),
    "memory-limit-overflows": Case(
        "11 #12", configure("memory_limit_mb: 99999999999999"),
        says=("memory_limit_mb: expected a whole number from 64 to 1,048,576",)),
    "stdout-closed-after-success": Case(
        "11 #12", lambda p: None, code=0, how="closed-stdout"),
    # 11 mediums: configuration
    "surrogate-in-author": Case(
        "11 medium", configure('author: {zh: "\\ud800", en: x}'),
        says=("author: contains a lone surrogate U+D800",)),
    "impossible-date": Case(
        "11 medium", configure('date: "2024-13-45"'),
        says=("date: date: '2024-13-45' is not a date in the calendar",)),
    "source-date-epoch-too-large": Case(
        "11 medium", undated, env={"SOURCE_DATE_EPOCH": "99999999999999999"},
        says=("SOURCE_DATE_EPOCH: expected whole seconds since 1970-01-01",)),
    "number-format-zero-threshold": Case(
        "11 medium", configure('number_format: {en: [[0, " x"]]}'),
        says=("number_format: en: threshold 0 must be above 0",)),
    "number-format-without-word": Case(
        "11 medium", configure("number_format: {en: [[1.0e6]]}"),
        says=("number_format: en: expected [threshold, word] pairs",)),
    "language-listed-twice": Case(
        "11 medium", configure("languages: [zh, en, en]"),
        says=("languages: en listed more than once",)),
    "language-unknown-to-babel": Case(
        "12 §2", configure("languages: [zh, qq]"),
        says=("language 'qq' cannot be served: Babel has no CLDR locale data",)),
    "font-family-like-an-option": Case(
        "11 medium", configure('fonts: ["--help"]'),
        says=("fonts: expected a font family name such as 'Noto Sans CJK SC', got '--help'",)),
    "render-timeout-huge": Case(
        "11 medium", configure("render_timeout: 99999999999"),
        says=("render_timeout: expected a whole number from 1 to 86,400",)),
    # 11 mediums: glyph problems name where the text comes from
    "glyph-missing-in-data": Case(
        "11 medium", edit("name: {zh: 湖滨公园, en: Lakeside Park}",
                          f"name: {{zh: 湖滨公园, en: Lakeside Park {GLYPH}}}"),
        says=("error: 1 problem found", "data/parks.yaml:17:11: places.name of 'lakeside': "
              "character", "U+13000", "drawn in parks.en.pdf")),
    "glyph-missing-in-strings": Case(
        "11 medium", edit('en: "Figure {n}"', f'en: "Figure {{n}} {GLYPH}"',
                          "templates/strings.yaml"),
        says=("templates/strings.yaml:1:16: string 'exhibit_label': character", "U+13000")),
    "glyph-missing-in-template": Case(
        "11 medium", edit("<body>", f"<body>{GLYPH}", TEMPLATE),
        says=("templates/report.html.j2:6:7: template text: character", "U+13000")),
    # 11 mediums: a damaged cache or manifest is a miss, never a failure
    "glyph-cache-is-a-list": Case("11 medium", put("out/.cache/cmaps.json", b"[]"), code=0),
    "glyph-cache-is-a-number": Case("11 medium", put("out/.cache/cmaps.json", b"5"), code=0),
    "manifest-is-a-list": Case("11 medium", put("out/parks.manifest.json", b"[]"), code=0,
                               then=manifest_rewritten),
    "manifest-is-a-number": Case("11 medium", put("out/parks.manifest.json", b"5"), code=0,
                                 then=manifest_rewritten),
    "manifest-pages-not-a-number": Case(
        "11 medium", lambda p: edit('"pages": 1', '"pages": "one"', "out/parks.manifest.json")(p),
        code=0, then=manifest_rewritten),
    "cache-is-a-file": Case(
        "11 medium", put("out/.cache", b"not a folder"), code=0, then=cache_left_a_file),
    "folder-named-like-a-temp-file": Case(
        "11 medium", folder_at("out/.reportgen-keep"), code=0, then=prefixed_folder_kept),
}


# --- running a case -----------------------------------------------------------------------

@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """A copy of the good build, its data changed so a build has work, and a victim beside."""
    dest = tmp_path / "mini"
    shutil.copytree(built, dest)
    data = dest / DATA
    data.write_text(data.read_text(encoding="utf-8").replace(
        "en: The city}", "en: The whole city}"), encoding="utf-8")
    os.utime(data, (1600000000, 1600000000))  # 2020-09-13: dates an undated report
    os.utime(dest / "data" / "schema.yaml", (1500000000, 1500000000))
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("precious", encoding="utf-8")
    (victim / "victim.en.pdf").write_text("precious", encoding="utf-8")
    return dest


def _run(case: Case, project: Path) -> Run:
    env = {**os.environ, **case.env}
    if "PATH" in case.env:
        env["PATH"] = f"{project.parent / case.env['PATH']}:{os.environ['PATH']}"
    command = [sys.executable, "-m", "reportgen", "build", "--project", str(project),
               *case.args]
    if case.how == "cli":
        run = run_cli("build", "--project", project, *case.args, env=env)
        return run
    # As a terminal starts a command: Ctrl-C at its default, even where the test runner was
    # started with it ignored (a shell's background job), which Python would keep.
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_sigint_at_default)
    assert proc.stdout is not None and proc.stderr is not None
    if case.how == "interrupt":
        time.sleep(0.6)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        out, err = proc.communicate(timeout=120)
        _wait_for_group(proc.pid)
        return Run(proc.returncode, out, err)
    proc.stdout.close()  # the reader is gone, as with `reportgen build | true`
    err = proc.stderr.read()
    proc.wait(timeout=300)
    return Run(proc.returncode, "", err)


def _sigint_at_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_group(pgid: int) -> None:
    """Wait until every process of the build's group is gone (its PDF processes too)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError("the build's PDF processes outlived it")


def _leftovers(project: Path) -> list[Path]:
    return [p for p in project.rglob("*") if p.is_file() and
            (p.name.startswith(TEMP_PREFIX) or p.name.endswith(".tmp"))
            and not p.is_symlink()]


@pytest.mark.parametrize("name", CASES)
def test_attempt(project: Path, name: str) -> None:
    case = CASES[name]
    teardown = case.setup(project)
    before = snapshot(project / "out")
    try:
        run = _run(case, project)
    finally:
        if teardown:
            teardown()
    assert run.code == case.code, f"exit {run.code}:\n{run.out}{run.err}"
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    for text in case.says:
        assert text in run.err, f"{text!r} not in:\n{run.err}"
    if case.code != 0:
        assert snapshot(project / "out") == before, "out/ changed"
    else:
        for name_ in ("parks.zh.pdf", "parks.en.pdf"):
            assert (project / "out" / name_).read_bytes().startswith(b"%PDF-")
    assert _leftovers(project) == []
    victim_untouched(project, run)
    if case.then:
        case.then(project, run)


# --- the commit itself: all or nothing, also when a move fails half-way -------------------

def test_commit_rolls_back_when_a_move_fails(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    finals = [tmp_path / f"f{i}" for i in range(4)]
    for i, final in enumerate(finals[:3]):
        final.write_text(f"old {i}", encoding="utf-8")  # f3 is new
    pairs = []
    for i, final in enumerate(finals):
        tmp = new_temp(final)
        tmp.write_text(f"new {i}", encoding="utf-8")
        assert tmp.name.startswith(TEMP_PREFIX) and str(os.getpid()) not in tmp.name
        pairs.append((tmp, final))
    real_replace = os.replace
    moved: list[str] = []

    def flaky(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == "f2" and TEMP_PREFIX in Path(src).name and \
                not Path(src).name.endswith(".old"):
            raise OSError(5, "Input/output error")
        moved.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr("reportgen.output.os.replace", flaky)
    with pytest.raises(ReportError) as caught:
        commit(pairs, "out")
    assert "f2: cannot replace out/f2: Input/output error (the previous outputs are back in " \
           "place)" in str(caught.value)
    assert [f.read_text(encoding="utf-8") for f in finals[:3]] == ["old 0", "old 1", "old 2"]
    assert not finals[3].exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f0", "f1", "f2"]
    monkeypatch.undo()
    pairs = []
    for final in finals:
        tmp = new_temp(final)
        tmp.write_text("new", encoding="utf-8")
        pairs.append((tmp, final))
    commit(pairs, "out")
    assert [f.read_text(encoding="utf-8") for f in finals] == ["new"] * 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f0", "f1", "f2", "f3"]


def test_build_process_memory_bound_is_lifted_afterwards() -> None:
    """The build's own bound (11 #7) stops a huge allocation, then leaves the process as it was."""
    import resource

    from reportgen.worker import bounded_memory

    before = resource.getrlimit(resource.RLIMIT_AS)
    with bounded_memory(64) as limit_mb:
        assert limit_mb >= 512  # at least 512 MiB above what the process held
        assert resource.getrlimit(resource.RLIMIT_AS)[0] == limit_mb * 1024 * 1024
        with pytest.raises(MemoryError):
            bytearray(2 * limit_mb * 1024 * 1024)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert len(bytearray(8 * 1024 * 1024)) == 8 * 1024 * 1024
