"""A warm session after any edit gives what a cold one gives on the same files.

Each case is one an attacker found: the session decided what to look at again from the
paths it was told of, from Jinja's cache or from its last rendering, and showed a stale
page or a wrong problem. Each compares ``Session.html()`` after the edit with a fresh
session's, pages or problems.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import MINI, ROOT, copy_briefing

from reportgen.config import load_config
from reportgen.problems import ReportError
from reportgen.render import THEME_DIR
from reportgen.session import Session

THEMED = ROOT / "tests" / "fixtures" / "themed"


def _outcome(session: Session) -> dict[str, str] | list[str]:
    try:
        return session.html()
    except ReportError as exc:
        return [str(p) for p in exc.problems]


def _warm_equals_cold(project: Path, edit: Callable[[], list[Path]]) -> dict[str, str] | list[str]:
    """Build warm, ``edit`` (it returns the paths a watcher reports), build warm again;
    assert that equals a cold build, and return it."""
    session = Session(lambda: load_config(project))
    before = _outcome(session)
    assert isinstance(before, dict), before
    session.note(edit())
    warm = _outcome(session)
    assert warm == _outcome(Session(lambda: load_config(project)))
    return warm


def _copy(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("out"))
    return dest


@pytest.fixture
def briefing(tmp_path: Path) -> Path:
    return copy_briefing(tmp_path / "briefing")


def test_an_exhibit_renamed_reads_as_in_a_cold_build(briefing: Path) -> None:
    """The last rendering's exhibit order named an id that no longer exists."""
    data = briefing / "data" / "exhibits.yaml"

    def rename() -> list[Path]:
        data.write_text(data.read_text(encoding="utf-8").replace(
            "  - id: fig-rates\n", "  - id: fig-rate\n"), encoding="utf-8")
        return [data]
    problems = _warm_equals_cold(briefing, rename)
    assert any("exhibit('fig-rates'): no exhibit has this id" in p for p in problems)


def test_an_exhibit_removed_with_its_place_builds(briefing: Path) -> None:
    data = briefing / "data" / "exhibits.yaml"
    text = data.read_text(encoding="utf-8")
    start = text.index("  - id: fig-rates\n")
    end = text.index("\n  - id: ", start + 1) + 1
    uses = [p for p in (briefing / "templates").rglob("*.j2")
            if 'm.figure("fig-rates")' in p.read_text(encoding="utf-8")]
    assert uses

    def remove() -> list[Path]:
        data.write_text(text[:start] + text[end:], encoding="utf-8")
        for path in uses:
            path.write_text("\n".join(line for line in path.read_text(encoding="utf-8")
                                      .split("\n") if 'm.figure("fig-rates")' not in line),
                            encoding="utf-8")
        return [data, *uses]
    pages = _warm_equals_cold(briefing, remove)
    assert isinstance(pages, dict)


def test_a_data_file_touched_moves_the_report_date(briefing: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The date follows the newest data file: a save of the same bytes moves it."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    for path in (briefing / "data").iterdir():
        os.utime(path, (1577836800, 1577836800))  # 2020-01-01
    data = briefing / "data" / "units.yaml"
    session = Session(lambda: load_config(briefing))
    assert "2020年1月1日" in session.html()["briefing.zh.html"]

    def touch() -> list[Path]:
        data.write_bytes(data.read_bytes())  # the same bytes, today's time
        return [data]
    assert session.note(touch())
    warm = session.html()
    assert warm == Session(lambda: load_config(briefing)).html()
    assert "2020年1月1日" not in warm["briefing.zh.html"]


def test_a_template_folder_over_its_size_limit_is_refused(tmp_path: Path) -> None:
    project = _copy(MINI, tmp_path / "mini")
    big = project / "templates" / "cover.png"

    def grow() -> list[Path]:
        with open(big, "wb") as handle:
            handle.truncate(65 << 20)
        return [big]
    problems = _warm_equals_cold(project, grow)
    assert any("templates/cover.png: file is 68,157,440 bytes, over the limit" in p
               for p in problems)


@pytest.mark.parametrize("templates", ["templates", "data/templates"])
def test_a_new_theme_override_is_used(tmp_path: Path, templates: str) -> None:
    """A new file stands in for a theme file, wherever the templates folder is (inside
    the data folder too)."""
    project = _copy(THEMED, tmp_path / "themed")
    if templates != "templates":
        os.rename(project / "templates", project / templates)
        config = project / "reportgen.yaml"
        config.write_text(config.read_text(encoding="utf-8") + f"templates: {templates}\n",
                          encoding="utf-8")
    own = project / templates / "theme" / "html" / "nav.html.j2"

    def override() -> list[Path]:
        own.parent.mkdir(parents=True)
        own.write_text((THEME_DIR / "html" / "nav.html.j2").read_text(encoding="utf-8")
                       .replace("<nav", "<nav data-own", 1), encoding="utf-8")
        return [own]
    pages = _warm_equals_cold(project, override)
    assert isinstance(pages, dict) and all("data-own" in page for page in pages.values())


def test_a_file_swapped_for_a_link_out_of_its_folder_is_refused(tmp_path: Path) -> None:
    """The same bytes, but read through a link out of the project: refused as cold."""
    project = _copy(MINI, tmp_path / "mini")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    seed = project / "seeds" / "parks.txt"

    def swap() -> list[Path]:
        shutil.move(seed, elsewhere / "parks.txt")
        os.symlink(elsewhere / "parks.txt", seed)
        return [seed]
    problems = _warm_equals_cold(project, swap)
    assert any("outside the seeds folder" in p for p in problems)


def _linked(folder: Path, name: str, into: str) -> Path:
    """Move ``folder/name`` into ``folder/into/`` and leave a link in its place; return
    the moved file (the one an editor saves)."""
    (folder / into).mkdir()
    (folder / name).rename(folder / into / name)
    os.symlink(f"{into}/{name}", folder / name)
    return folder / into / name


def test_strings_edited_through_a_link_are_read_again(tmp_path: Path) -> None:
    project = _copy(MINI, tmp_path / "mini")
    real = _linked(project / "templates", "strings.yaml", "i18n")

    def edit() -> list[Path]:
        real.write_text(real.read_text(encoding="utf-8").replace("Figure {n}", "Chart {n}"),
                        encoding="utf-8")
        return [real]
    pages = _warm_equals_cold(project, edit)
    assert isinstance(pages, dict) and "Chart" in pages["parks.en.html"]


def test_an_edit_read_by_a_build_before_it_was_noted_is_not_lost(tmp_path: Path) -> None:
    """A build reads an edit it was not told of; the edit is then undone, and only the
    undo is noted: the page must not keep what the build read."""
    project = _copy(MINI, tmp_path / "mini")
    data, strings = project / "data" / "parks.yaml", project / "templates" / "strings.yaml"
    original = data.read_text(encoding="utf-8")
    session = Session(lambda: load_config(project))
    session.html()
    strings.write_text(strings.read_text(encoding="utf-8") + "x: {zh: x, en: x}\n",
                       encoding="utf-8")
    data.write_text(original.replace("en: Lakeside Park}", "en: Lakeside Park X}"),
                    encoding="utf-8")
    session.note([strings])
    assert "Lakeside Park X" in session.html()["parks.en.html"]
    data.write_text(original, encoding="utf-8")
    assert session.note([data])
    warm = session.html()
    assert "Lakeside Park X" not in warm["parks.en.html"]
    assert warm == Session(lambda: load_config(project)).html()


def test_a_linked_template_edited_without_a_new_time_is_compiled_again(tmp_path: Path) -> None:
    project = _copy(MINI, tmp_path / "mini")
    real = _linked(project / "templates", "report.html.j2", "src")

    def edit() -> list[Path]:
        before = os.stat(real)
        real.write_text(real.read_text(encoding="utf-8").replace('class="summary"',
                                                                 'class="lead"'),
                        encoding="utf-8")
        os.utime(real, ns=(before.st_atime_ns, before.st_mtime_ns))
        return [real]
    pages = _warm_equals_cold(project, edit)
    assert isinstance(pages, dict) and 'class="lead"' in pages["parks.en.html"]


def test_a_save_of_the_same_bytes_calls_for_no_rebuild(tmp_path: Path) -> None:
    project = _copy(MINI, tmp_path / "mini")
    session = Session(lambda: load_config(project))
    session.html()
    paths = [p for p in project.rglob("*") if p.is_file() and p.name != "reportgen.yaml"
             and "out" not in p.relative_to(project).parts]
    for path in paths:
        path.write_bytes(path.read_bytes())
    assert not session.note(paths)


# --- found by a second attack, after the session compared every file -------------------


@pytest.mark.parametrize("make", ["folder", "dangling link", "pipe"])
def test_anything_new_in_the_data_or_seeds_is_seen(tmp_path: Path, make: str) -> None:
    project = _copy(MINI, tmp_path / "mini")

    def add() -> list[Path]:
        if make == "folder":
            path = project / "data" / "extra.yaml"
            path.mkdir()
        elif make == "dangling link":
            path = project / "data" / "extra.yaml"
            os.symlink("tables/extra.yaml", path)
        else:
            path = project / "seeds" / "more.txt"
            os.mkfifo(path)
        return [path]
    session = Session(lambda: load_config(project))
    session.html()
    paths = add()
    assert session.note(paths)
    warm = _outcome(session)
    assert warm == _outcome(Session(lambda: load_config(project)))
    assert isinstance(warm, list)


def _footer(project: Path, name: str) -> None:
    report = project / "templates" / "report.html.j2"
    report.write_text(report.read_text(encoding="utf-8").replace(
        "</body>", '{% include "' + name + '" ignore missing %}</body>'), encoding="utf-8")


def test_a_linked_template_folder_retargeted_or_edited_is_read_again(tmp_path: Path) -> None:
    project = _copy(MINI, tmp_path / "mini")
    templates = project / "templates"
    for version in ("v1", "v2"):
        (templates / version).mkdir()
        (templates / version / "foot.html.j2").write_text(f"<p>footer {version}</p>\n",
                                                          encoding="utf-8")
        os.utime(templates / version / "foot.html.j2", (1700000000, 1700000000))
    os.symlink("v1", templates / "parts")
    _footer(project, "parts/foot.html.j2")

    def retarget() -> list[Path]:
        os.symlink("v2", templates / "parts.new")
        os.replace(templates / "parts.new", templates / "parts")
        return [templates / "parts"]
    pages = _warm_equals_cold(project, retarget)
    assert isinstance(pages, dict) and "footer v2" in pages["parks.en.html"]

    real = templates / "v2" / "foot.html.j2"

    def edit() -> list[Path]:  # through the link, its time kept (cp -p, a coarse clock)
        real.write_text("<p>footer three</p>\n", encoding="utf-8")
        os.utime(real, (1700000000, 1700000000))
        return [real]
    pages = _warm_equals_cold(project, edit)
    assert isinstance(pages, dict) and "footer three" in pages["parks.en.html"]


def test_a_folder_moved_into_the_templates_calls_for_a_rebuild(tmp_path: Path) -> None:
    project = _copy(MINI, tmp_path / "mini")
    _footer(project, "extra/foot.html.j2")
    session = Session(lambda: load_config(project))
    session.html()
    incoming = project / "incoming"
    incoming.mkdir()
    (incoming / "foot.html.j2").write_text("<p>footer</p>\n", encoding="utf-8")
    os.rename(incoming, project / "templates" / "extra")  # a watcher reports the folder only
    assert session.note([project / "templates" / "extra"])
    assert "<p>footer</p>" in session.html()["parks.en.html"]


def test_an_edit_undone_while_a_build_read_it_is_not_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reportgen.stages.gather as stage

    project = _copy(MINI, tmp_path / "mini")
    data = project / "data" / "parks.yaml"
    original = data.read_text(encoding="utf-8")
    session = Session(lambda: load_config(project))
    session.html()
    gather = stage.gather

    def edited_meanwhile(*args: object, **kwargs: object) -> object:
        data.write_text(original.replace("en: Lakeside Park}", "en: Lakeside Park X}"),
                        encoding="utf-8")
        try:
            return gather(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            data.write_text(original, encoding="utf-8")

    strings = project / "templates" / "strings.yaml"
    strings.write_text(strings.read_text(encoding="utf-8") + "x: {zh: x, en: x}\n",
                       encoding="utf-8")
    session.note([strings])
    monkeypatch.setattr(stage, "gather", edited_meanwhile)
    assert "Lakeside Park X" in session.html()["parks.en.html"]
    monkeypatch.setattr(stage, "gather", gather)
    assert session.note([data])  # the bytes are back, but the build read others
    assert session.html() == Session(lambda: load_config(project)).html()


def test_a_configuration_reached_through_a_link_is_read_again(tmp_path: Path) -> None:
    project = _copy(MINI, tmp_path / "mini")
    (project / "conf").mkdir()
    os.rename(project / "reportgen.yaml", project / "conf" / "reportgen.yaml")
    os.symlink("conf/reportgen.yaml", project / "reportgen.yaml")
    real = project / "conf" / "reportgen.yaml"

    def rename() -> list[Path]:
        real.write_text(real.read_text(encoding="utf-8").replace("basename: parks",
                                                                 "basename: gardens"),
                        encoding="utf-8")
        return [real]
    pages = _warm_equals_cold(project, rename)
    assert isinstance(pages, dict) and sorted(pages) == ["gardens.en.html", "gardens.zh.html"]


def test_a_configuration_saved_after_the_notice_is_read_too(tmp_path: Path) -> None:
    project = _copy(MINI, tmp_path / "mini")
    session = Session(lambda: load_config(project))
    session.html()
    data, config = project / "data" / "parks.yaml", project / "reportgen.yaml"
    data.write_text(data.read_text(encoding="utf-8").replace("en: Lakeside Park}",
                                                             "en: Lakeside Park X}"),
                    encoding="utf-8")
    assert session.note([data])
    config.write_text(config.read_text(encoding="utf-8").replace("basename: parks",
                                                                 "basename: gardens"),
                      encoding="utf-8")
    assert session.html() == Session(lambda: load_config(project)).html()


def test_an_output_folder_become_a_link_out_is_refused(tmp_path: Path) -> None:
    project = _copy(MINI, tmp_path / "mini")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def link() -> list[Path]:
        shutil.rmtree(project / "out", ignore_errors=True)
        os.symlink(elsewhere, project / "out")
        return [project / "out"]
    problems = _warm_equals_cold(project, link)
    assert any("the output folder links to" in p for p in problems)
