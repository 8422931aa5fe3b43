"""reportgen.files in-process: a file swapped while opened, links in and out of a folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from reportgen import files
from reportgen.problems import ReportError


def _messages(caught: pytest.ExceptionInfo[ReportError]) -> list[str]:
    return [str(p) for p in caught.value.problems]


def test_a_file_swapped_between_check_and_open_is_refused(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace the checked file by another just before it is opened: nothing is read."""
    (tmp_path / "parks.yaml").write_text("good: 1\n", encoding="utf-8")
    (tmp_path / "swap.yaml").write_text("planted: 1\n", encoding="utf-8")
    check = files._check

    def check_then_swap(path: Path, folder: Path, display: str) -> tuple[str, os.stat_result]:
        checked = check(path, folder, display)
        os.replace(tmp_path / "swap.yaml", tmp_path / "parks.yaml")
        return checked

    monkeypatch.setattr(files, "_check", check_then_swap)
    with pytest.raises(ReportError) as caught:
        files.read_bytes(tmp_path / "parks.yaml", tmp_path, "data/parks.yaml", 1024)
    assert _messages(caught) == ["data/parks.yaml: cannot read the file: it changed while "
                                 "being opened (run the build again)"]


def test_a_link_inside_the_folder_is_read_and_one_out_of_it_is_not(tmp_path: Path) -> None:
    folder, outside = tmp_path / "data", tmp_path / "secret.txt"
    folder.mkdir()
    outside.write_text("secret\n", encoding="utf-8")
    (folder / "real.yaml").write_text("a: 1\n", encoding="utf-8")
    (folder / "alias.yaml").symlink_to("real.yaml")
    (folder / "leak.yaml").symlink_to(outside)
    assert files.read_text(folder / "alias.yaml", folder, "data/alias.yaml", 1024) == "a: 1\n"
    with pytest.raises(ReportError) as caught:
        files.read_text(folder / "leak.yaml", folder, "data/leak.yaml", 1024)
    assert _messages(caught)[0].startswith(
        f"data/leak.yaml: cannot read the file: it links to {outside}, outside the data folder")


def test_a_file_over_its_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    """Refuse a file over the limit of its kind before reading it."""
    (tmp_path / "big.txt").write_bytes(b"x" * 2048)
    with pytest.raises(ReportError) as caught:
        files.read_bytes(tmp_path / "big.txt", tmp_path, "seeds/big.txt", 1024)
    assert _messages(caught) == ["seeds/big.txt: file is 2,048 bytes, over the limit of 1,024 "
                                 "bytes (split it into several files, or shorten it)"]


HARDENING = Path(__file__).resolve().parent.parent / "docs" / "hardening.md"
_CITED = re.compile(r"`(test_\w+\.py)::(test_\w+)(?:\[([\w-]+)\])?`|`\[([\w-]+)\]`")


def test_hardening_doc_cites_tests_that_exist() -> None:
    """Each test named in docs/hardening.md's table of hostile data files exists, case ids too."""
    section = HARDENING.read_text(encoding="utf-8").split(
        "### Hostile data files, and the test that proves each case", 1)[1].split("\n## ", 1)[0]
    cited = 0
    for row in (line for line in section.splitlines() if line.startswith("| ")):
        source = ""
        for match in _CITED.finditer(row.rsplit(" | ", 1)[1]):
            module, name, case, more = match.groups()
            if module:
                source = (HARDENING.parent.parent / "tests" / module).read_text(encoding="utf-8")
                assert f"\ndef {name}(" in source, f"{module}::{name}"
            for case_id in (case, more):
                if case_id:
                    assert f'"{case_id}"' in source, f"{case_id} in {row[:60]}"
            cited += 1
    assert cited > 40
