"""Faults around a build: kills, a full disk, unwritable output, no fonts, crashing workers.

Each test starts from a good build of the mini fixture and proves the last good outputs
survive the fault, byte for byte, and that the next build recovers.
"""

from __future__ import annotations

import faulthandler
import importlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT, Run, run_cli, snapshot

from reportgen.output import TEMP_PREFIX
from reportgen.prefork import Prefork
from reportgen.worker import JobFailed

DATA = "data/parks.yaml"


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """Return a fresh copy of the good build, with its data changed so outputs would change."""
    dest = tmp_path / "mini"
    shutil.copytree(built, dest)
    path = dest / DATA
    path.write_text(path.read_text(encoding="utf-8").replace(
        "en: The city}", "en: The whole city}"), encoding="utf-8")
    return dest


def temps(folder: Path) -> list[Path]:
    """Return the temporary files of builds in ``folder``."""
    return sorted(p for p in folder.rglob("*") if p.name.startswith(TEMP_PREFIX))


def clean_failure(run: Run, *expected: str) -> None:
    """Check a run failed with exit 1 and a located message, not a traceback."""
    assert run.code == 1, run.out + run.err
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    for text in expected:
        assert text in run.err, f"{text!r} not in:\n{run.err}"


# --- SIGKILL at several points of a build ---------------------------------------------

# Runs the CLI with one step replaced by a step that SIGKILLs the build, as the OOM killer
# or a power cut would: no handler, no clean-up.
_KILLER = r"""
import os, signal, sys, time
from pathlib import Path

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

point, argv = sys.argv[1], sys.argv[2:]
import reportgen.build as build
import reportgen.output as output
import reportgen.stages.write as write
if point == "after-validation":
    gather = build.gather
    build.gather = lambda *a, **k: (gather(*a, **k), die())[0]
elif point == "before-commit":
    write.commit = die
elif point == "mid-commit":
    def first_only(pairs, display="out"):
        pairs = list(pairs)
        os.replace(*pairs[0])
        die()
    write.commit = first_only
elif point == "during-layout":
    import reportgen.pdf as pdf
    def layout(job):
        Path(os.environ["CHILD_PID_FILE"]).write_text(str(os.getpid()))
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(30)  # an orphan would write its PDF after this
        return write_pdf(job)
    write_pdf, pdf.write_pdf = pdf.write_pdf, layout
from reportgen.cli import main
sys.exit(main(argv))
"""

KILL_POINTS = ["after-validation", "during-layout", "before-commit", "mid-commit"]


def _patch_names() -> None:
    """Check the steps the killer replaces still exist, so the test cannot pass vacuously."""
    build, output, pdf, write = (importlib.import_module(f"reportgen.{name}")
                                 for name in ("build", "output", "pdf", "stages.write"))
    assert write.commit is output.commit
    assert callable(build.gather) and callable(pdf.write_pdf)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has stopped running, which is what matters.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


@pytest.mark.parametrize("point", KILL_POINTS)
def test_sigkill_keeps_outputs_and_next_build_cleans_up(project: Path, tmp_path: Path,
                                                        point: str) -> None:
    """Kill the build with SIGKILL; every output stays whole and the next build recovers."""
    _patch_names()
    out = project / "out"
    before = snapshot(out)
    pid_file = tmp_path / "child.pid"
    env = {**os.environ, "CHILD_PID_FILE": str(pid_file)}
    proc = subprocess.run([sys.executable, "-c", _KILLER, point, "build", "--project",
                           str(project)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    if point == "during-layout":
        child = int(pid_file.read_text())
        deadline = time.monotonic() + 5
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the layout process outlived the killed build"
    if point in ("before-commit", "mid-commit"):
        assert temps(out), "the kill should have left temporary files to clean"
    killed = snapshot(out)

    run = run_cli("build", "--project", project)
    assert run.code == 0, run.err
    after = snapshot(out)
    assert not temps(project)
    # Each file is whole: the old one or the new one, never a mix or a fragment.
    for name, data in killed.items():
        if TEMP_PREFIX not in name:
            assert data in (before.get(name), after.get(name)), name
    if point != "mid-commit":
        assert {k: v for k, v in killed.items() if TEMP_PREFIX not in k} == before
    assert after != before


# --- disk full -------------------------------------------------------------------------

def _small_files(limit: int) -> None:
    # Writes past the limit fail with EFBIG instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_file_size_limit_fails_cleanly(project: Path) -> None:
    """Fail cleanly when writing hits the file size limit; keep the last outputs."""
    before = snapshot(project / "out")
    proc = subprocess.run([sys.executable, "-m", "reportgen", "build", "--project", str(project)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                          preexec_fn=lambda: _small_files(4096))
    clean_failure(Run(proc.returncode, proc.stdout, proc.stderr), "File too large")
    assert snapshot(project / "out") == before
    assert not temps(project)


@contextmanager
def tmpfs(where: Path, options: str) -> Iterator[Path]:
    """Mount a tmpfs at ``where`` for the test; skip when this user cannot mount."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a tmpfs (chmod does not stop root)")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def test_full_disk_fails_cleanly(project: Path, tmp_path: Path) -> None:
    """Fail cleanly when the output disk fills up; keep the last outputs on it."""
    # Room for the last outputs (4 KiB blocks) and a little more: too little for a second set.
    needed = sum(-(-p.stat().st_size // 4096) * 4 for p in (project / "out").rglob("*")
                 if p.is_file())
    with tmpfs(tmp_path / "disk", f"size={needed + 16}k") as disk:
        shutil.copytree(project / "out", disk, dirs_exist_ok=True)
        before = snapshot(disk)
        run = run_cli("build", "--project", project, "--out", disk)
        clean_failure(run, "No space left on device")
        assert snapshot(disk) == before
        assert not temps(disk)


# --- read-only or missing output folder ------------------------------------------------

def test_read_only_output_is_refused_before_any_work(project: Path, tmp_path: Path) -> None:
    """Refuse a read-only output folder first, before the data is even read."""
    (project / DATA).write_text("broken: [\n", encoding="utf-8")
    with tmpfs(tmp_path / "ro", "ro,size=64k") as ro:
        run = run_cli("build", "--project", project, "--out", ro)
        clean_failure(run, f"{ro}: cannot write to the output folder: Read-only file system",
                      "choose another folder with --out")
        # Only the output folder is reported: the broken data was never read.
        assert "1 problem found" in run.err and "parks.yaml" not in run.err
        run = run_cli("build", "--project", project, "--out", ro / "missing" / "out")
        clean_failure(run, "missing/out: cannot write to the output folder: Read-only file system")


def test_output_path_that_is_a_file_is_refused(project: Path) -> None:
    """Refuse an output path that is a regular file."""
    (project / "not-a-folder").write_text("x", encoding="utf-8")
    run = run_cli("build", "--project", project, "--out", project / "not-a-folder")
    clean_failure(run, "not-a-folder: cannot write to the output folder")
    assert (project / "not-a-folder").read_text(encoding="utf-8") == "x"


# --- no CJK font -----------------------------------------------------------------------

def test_missing_font_is_a_preflight_error(project: Path, tmp_path: Path) -> None:
    """Name the missing font and its package before anything is rendered."""
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n', encoding="utf-8")
    # A template error would show if rendering had started.
    template = project / "templates" / "report.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{{ p.name }}", "{{ nosuchvar }}"), encoding="utf-8")
    before = snapshot(project / "out")
    run = run_cli("build", "--project", project, env={**os.environ, "FONTCONFIG_FILE": str(config)})
    clean_failure(run, "font 'Noto Sans CJK SC' is not installed", "fonts-noto-cjk")
    assert "nosuchvar" not in run.err
    assert snapshot(project / "out") == before
    assert not temps(project)


# --- rendering workers: crash, hang, memory --------------------------------------------

def _segfault(job: int) -> int:
    faulthandler.disable()  # the crash is the point; no stack dump from pytest's handler
    os.kill(os.getpid(), signal.SIGSEGV)
    return job


def _hang(job: int) -> int:
    time.sleep(60)
    return job


def _allocate(job: int) -> int:
    hog = bytearray(job * 1024 * 1024)
    return len(hog)


def _raise(job: int) -> int:
    raise ValueError(f"bad job {job}")


def _exit(job: int) -> int:
    os._exit(job)


def _square(job: int) -> int:
    return job * job


def _address_space_mb() -> int:
    """Return this process's address-space size in MiB (children start from it)."""
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)


def test_starved_layout_fails_the_build_cleanly(project: Path) -> None:
    """Fail the build with a clear message when layout has too little memory."""
    config = project / "reportgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "memory_limit_mb: 64\n",
                      encoding="utf-8")
    before = snapshot(project / "out")
    run = run_cli("build", "--project", project, "--lang", "en", "--format", "pdf")
    clean_failure(run, "parks.en.pdf: ")
    assert snapshot(project / "out") == before
    assert not temps(project)


def _nothing() -> None:
    """Warm up nothing."""


@pytest.mark.parametrize(("func", "job", "memory", "timeout", "expected"), [
    (_square, 5, 0, 30, None),
    (_segfault, 1, 0, 30, r"died \(signal 11 \(SIGSEGV\)\)"),
    (_hang, 1, 0, 1, r"took longer than 1 s"),
    (_allocate, 4096, 256, 30, r"ran out of memory"),
    (_raise, 7, 0, 30, r"^x\.pdf: ValueError: bad job 7$"),
    (_exit, 3, 0, 30, r"died \(exit 3\)"),
], ids=["ok", "segfault", "hang", "memory", "exception", "exit"])
def test_prefork_process_contains_failures(func: Callable[[int], int], job: int, memory: int,
                                           timeout: float, expected: str | None) -> None:
    """Contain a crash, hang, memory runaway or exception of a prefork PDF process."""
    limit = _address_space_mb() + memory if memory else 0
    process = Prefork(_nothing, limit)
    try:
        process.submit(func, job)
        if expected is None:
            assert process.result(timeout, "x.pdf") == job * job
        else:
            with pytest.raises(JobFailed, match=expected):
                process.result(timeout, "x.pdf")
    finally:
        process.close()
    assert not process.process.is_alive()


# --- Ctrl-C while the command is still starting up ---------------------------------------

@pytest.mark.parametrize("delay", [0.1, 0.2, 0.3, 0.45])
def test_ctrl_c_during_start_up_exits_130_quietly(project: Path, delay: float) -> None:
    """Ctrl-C while modules are first imported (dataclasses run code through exec()) is
    answered like any other: exit 130, one line, the outputs untouched."""
    before = snapshot(project / "out")
    proc = subprocess.Popen([sys.executable, "-m", "reportgen", "build", "--project",
                             str(project)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err == "interrupted; previous outputs are untouched\n"
    assert snapshot(project / "out") == before


_SWALLOWED = """
import os, signal, sys, time, weakref
import reportgen.cli as cli
from reportgen.__main__ import run

build = cli.main

def main(argv=None):
    class Thing:
        pass
    def callback(_):  # Ctrl-C arrives while Python runs a weakref callback
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.5)
    thing = Thing()
    ref = weakref.ref(thing, callback)
    del thing
    time.sleep(0.5)
    print("went on after Ctrl-C", file=sys.stderr)
    return build(argv)

cli.main = main
sys.argv = ["reportgen", "build", "--project", sys.argv[1]]
sys.exit(run())
"""


def test_ctrl_c_landing_in_a_weakref_callback_still_stops_the_build(project: Path) -> None:
    """Python only prints "Exception ignored" for what a weakref callback raises: the
    interrupt is delivered again, and the build stops as for any Ctrl-C."""
    before = snapshot(project / "out")
    done = subprocess.run([sys.executable, "-c", _SWALLOWED, str(project)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert done.returncode == 130, done.stderr
    assert done.stderr == "interrupted; previous outputs are untouched\n"
    assert snapshot(project / "out") == before
