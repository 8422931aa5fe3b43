"""Rebuilds do no work twice: unchanged inputs write nothing, a changed chart redraws alone."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from conftest import run_cli

from reportgen.cache import Cache

OUTPUTS = ("parks.zh.pdf", "parks.zh.html", "parks.en.pdf", "parks.en.html")


def _stat(out: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir() if p.is_file()}


def _edit(project: Path, old: str, new: str) -> None:
    path = project / "data" / "parks.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _drawn(out: str) -> int:
    match = re.search(r"\((\d+) drawn\)", out)
    assert match, out
    return int(match.group(1))


def test_no_change_rebuild_writes_nothing_and_imports_no_layout_engine(mini: Path) -> None:
    first = run_cli("build", "--project", mini)
    assert first.code == 0, first.err
    out = mini / "out"
    before = _stat(out)
    assert set(OUTPUTS) <= set(before)
    # -X importtime lists every module the process imported, on stderr.
    again = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "reportgen", "build", "--project", str(mini)],
        capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    assert "up to date: 4 files" in again.stdout
    imported = {line.split("|")[-1].strip() for line in again.stderr.splitlines()
                if line.startswith("import time:")}
    for heavy in ("weasyprint", "matplotlib", "jinja2", "fontTools"):
        assert heavy not in imported, f"{heavy} was imported by a no-change rebuild"
    assert _stat(out) == before


def test_deleted_or_edited_output_is_rebuilt(mini: Path) -> None:
    assert run_cli("build", "--project", mini).code == 0
    out = mini / "out"
    good = (out / "parks.en.html").read_bytes()
    good_pdf = (out / "parks.zh.pdf").read_bytes()
    (out / "parks.en.html").write_text("edited by hand", encoding="utf-8")
    (out / "parks.zh.pdf").unlink()
    run = run_cli("build", "--project", mini)
    assert run.code == 0, run.err
    assert "built 2 files" in run.out and "2 unchanged" in run.out
    assert (out / "parks.en.html").read_bytes() == good
    assert (out / "parks.zh.pdf").read_bytes() == good_pdf  # from the PDF cache
    assert "up to date" in run_cli("build", "--project", mini).out


def test_changed_chart_alone_is_redrawn(mini: Path) -> None:
    first = run_cli("build", "--project", mini)
    assert first.code == 0, first.err
    assert _drawn(first.out) == 2  # one chart, two editions
    _edit(mini, "label: {zh: 公园, en: Parks}", "label: {zh: 公园, en: All parks}")
    run = run_cli("build", "--project", mini)
    assert run.code == 0, run.err
    assert _drawn(run.out) == 1  # the English chart; the Chinese one is unchanged
    _edit(mini, "en: The city}", "en: The whole city}")  # prose only: no chart changes
    run = run_cli("build", "--project", mini)
    assert run.code == 0, run.err
    assert _drawn(run.out) == 0


def test_corrupt_cache_entry_is_a_miss(tmp_path: Path) -> None:
    cache = Cache(tmp_path, "things")
    cache.put("k", b"payload")
    assert cache.get("k") == b"payload"
    path = tmp_path / "things" / "k"
    path.write_bytes(path.read_bytes()[:-2] + b"XX")
    assert cache.get("k") is None
    path.write_bytes(b"")
    assert cache.get("k") is None
    assert cache.get("absent") is None
    assert (cache.hits, cache.misses) == (1, 3)


def test_corrupt_chart_cache_still_builds_right(mini: Path, tmp_path: Path) -> None:
    assert run_cli("build", "--project", mini, "--out", tmp_path / "clean").code == 0
    assert run_cli("build", "--project", mini).code == 0
    for entry in (mini / "out" / ".cache" / "charts").iterdir():
        entry.write_bytes(b"reportgen-cache-1\n" + b"0" * 64 + b"\n<svg>not a chart</svg>")
    (mini / "out" / "parks.en.html").unlink()
    run = run_cli("build", "--project", mini)
    assert run.code == 0, run.err
    assert (mini / "out" / "parks.en.html").read_bytes() == \
        (tmp_path / "clean" / "parks.en.html").read_bytes()


def test_manifest_records_inputs_tools_fonts_and_outputs(mini: Path) -> None:
    assert run_cli("build", "--project", mini).code == 0
    out = mini / "out"
    manifest = json.loads((out / "parks.manifest.json").read_text(encoding="utf-8"))
    inputs = manifest["inputs"]
    assert "data/parks.yaml" in inputs["files"] and "reportgen.yaml" in inputs["files"]
    assert "templates/report.html.j2" in inputs["files"] and "seeds/parks.txt" in inputs["files"]
    assert {"reportgen", "weasyprint", "matplotlib", "python"} <= set(inputs["tools"])
    assert inputs["fonts"][0]["family"] == "Noto Sans CJK SC"
    assert inputs["settings"]["report_date"] == "2024-05-01"
    assert str(mini) not in json.dumps(manifest)  # no machine-specific paths
    for name in OUTPUTS:
        entry = manifest["outputs"][name]
        assert entry["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest()
        assert entry["inputs"] == inputs["digest"]
    from pypdf import PdfReader

    info = PdfReader(out / "parks.en.pdf").metadata
    assert info is not None
    embedded = json.loads(str(info["/ReportgenManifest"]))
    assert embedded["inputs"]["digest"] == inputs["digest"]
    assert embedded["inputs"]["fonts"] == inputs["fonts"]


def test_progress_is_silent_off_a_terminal_and_with_quiet(mini: Path) -> None:
    import io

    from reportgen.progress import Progress

    class _Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    shown, piped, quiet = _Tty(), io.StringIO(), _Tty()
    for progress in (Progress(True, shown), Progress(True, piped), Progress(False, quiet)):
        progress.start("charts en")
        progress.done("charts en", "1 drawn")
    assert "charts en (1 drawn):" in shown.getvalue()
    assert piped.getvalue() == "" and quiet.getvalue() == ""
    run = run_cli("build", "--project", mini)  # stderr is a pipe: only the summary
    assert run.code == 0 and run.err == "", run.err
    assert run.out.count("\n") == 1
