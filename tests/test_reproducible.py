"""Same inputs give the same bytes, whatever the time zone, hash seed or process."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from conftest import run_cli

from reportgen.config import load_config
from reportgen.stages.plan import report_date


def _hashes(out: Path) -> dict[str, str]:
    """Hash the outputs and the manifest (not the hidden lock file and cache)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


def test_bytes_are_identical_across_environments(mini: Path, tmp_path: Path) -> None:
    base = {k: v for k, v in os.environ.items() if k not in ("TZ", "PYTHONHASHSEED")}
    one = {**base, "TZ": "UTC", "PYTHONHASHSEED": "1", "LC_ALL": "C.UTF-8"}
    two = {**base, "TZ": "Asia/Shanghai", "PYTHONHASHSEED": "4242", "LANG": "zh_CN.UTF-8"}
    assert run_cli("build", "--project", mini, "--out", tmp_path / "a", env=one).code == 0
    assert run_cli("build", "--project", mini, "--out", tmp_path / "b", env=two).code == 0
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert len(a) == 5  # two editions in two formats, and the manifest
    assert a == b


def test_pdf_dates_come_from_the_report_date(mini: Path) -> None:
    from pypdf import PdfReader

    assert run_cli("build", "--project", mini, "--format", "pdf", "--lang", "en").code == 0
    reader = PdfReader(mini / "out" / "parks.en.pdf")
    info = reader.metadata
    assert info is not None
    assert str(info["/CreationDate"]).startswith("D:20240501")  # reportgen.yaml date
    assert str(info["/ModDate"]).startswith("D:20240501")


def _undated(mini: Path) -> None:
    path = mini / "reportgen.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(x for x in lines if not x.startswith("date:")), encoding="utf-8")


def test_source_date_epoch_dates_an_undated_report(mini: Path, tmp_path: Path) -> None:
    _undated(mini)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}  # 2023-11-14
    assert run_cli("build", "--project", mini, "--out", tmp_path / "a", env=env).code == 0
    assert run_cli("build", "--project", mini, "--out", tmp_path / "b", env=env).code == 0
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")
    assert '"report_date": "2023-11-14"' in (tmp_path / "a" / "parks.manifest.json").read_text()


def test_report_date_falls_back_to_newest_data_file(mini: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _undated(mini)  # the copy lives outside git, so no commit dates it either
    os.utime(mini / "data" / "parks.yaml", (1600000000, 1600000000))  # 2020-09-13
    os.utime(mini / "data" / "schema.yaml", (1500000000, 1500000000))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert report_date(load_config(mini)).isoformat() == "2020-09-13"
