"""``reportgen serve`` and ``reportgen build --watch`` on a copy of the mini project.

A real server runs in its own process (``servekit.Served``) and is asked over HTTP, as the
browser asks it: pages, their policy and script, the long poll that tells a page to
reload, the problems shown over the last good page, the PDFs. Edits are made the ways
editors make them: in place, half written, through a temporary file and a rename, by
deleting and writing again, and in bursts.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import MINI, pdftotext, run_cli
from servekit import Client, Served, alive, children, edit

from reportgen.config import load_config
from reportgen.preview import BASE_POLICY, inject, preview_policy
from reportgen.serve import PREVIEW_FOLDER, Server
from reportgen.watch import Changes

TITLE_EN = "en: City parks}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the module's editing tests; each test leaves the project good."""
    project = tmp_path_factory.mktemp("serve") / "mini"
    shutil.copytree(MINI, project)
    server = Served(project)
    try:
        server.client.settled()
        yield server
    finally:
        server.stop()


def _problem_lines(stderr: str) -> list[str]:
    """The problems as the command line prints them (one indented line each)."""
    return [line.strip() for line in stderr.splitlines() if line.startswith("  ")]


def _page_state(page: str) -> dict[str, Any]:
    """The preview state a page carries for its script."""
    found = re.search(r'id="reportgen-preview-state">(.*?)</script>', page, re.S)
    assert found, "the page carries no preview state"
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def _before_script(page: str) -> str:
    """The page up to the server's script, without the response's nonce in its policy."""
    return re.sub(r"'nonce-[^']*'|&#x27;nonce-[^&]*&#x27;", "nonce", page.split("<script")[0])


def _fix(served: Served, path: Path, text: str) -> None:
    """Write ``text`` back and wait until the server shows a good build of it again."""
    builds = served.client.state()["builds"]
    path.write_text(text, encoding="utf-8")
    served.client.wait_for(lambda s: s["builds"] > builds and not s["problems"]
                           and not s["building"], what="good again")
    served.client.settled()


# --- serving ----------------------------------------------------------------------------

def test_serves_each_edition_with_its_script_on_loopback_only(served: Served) -> None:
    client, project = served.client, served.project
    port = client.port
    # Listening on 127.0.0.1 only (the kernel's table lists the bound address).
    table = Path("/proc/net/tcp").read_text(encoding="ascii")
    assert re.search(rf"^\s*\d+: 0100007F:{port:04X} 00000000:0000 0A", table, re.M), \
        "not listening on 127.0.0.1"
    status, headers, _ = client.get("/")
    assert status == 302 and headers["Location"] == "/parks.zh.html"

    status, headers, body = client.get("/parks.en.html")
    page = body.decode("utf-8")
    assert status == 200 and "City parks" in page and "Lakeside Park" in page
    nonce = re.search(r"script-src 'nonce-([^']+)'", headers["Content-Security-Policy"])
    assert nonce, headers["Content-Security-Policy"]
    assert "connect-src 'self'" in headers["Content-Security-Policy"]
    assert page.count(f'<script nonce="{nonce.group(1)}"') == 2
    assert headers["Cache-Control"] == "no-store"
    # Another response, another nonce.
    _, again, _ = client.get("/parks.en.html")
    assert again["Content-Security-Policy"] != headers["Content-Security-Policy"]

    # The copy on disk is the built page: no script. Nothing is written to out/ itself.
    saved = (project / "out" / PREVIEW_FOLDER / "parks.en.html").read_text(encoding="utf-8")
    assert "<script" not in saved and "Lakeside Park" in saved
    assert sorted(p.name for p in (project / "out").iterdir() if not p.name.startswith(".")) == []

    # The PDF, and a page that shows it and follows its updates.
    status, headers, pdf = client.get("/parks.en.pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf" and pdf[:5] == b"%PDF-"
    assert "Lakeside Park" in pdftotext(project / "out" / PREVIEW_FOLDER / "parks.en.pdf")
    view = client.text("/_reportgen/pdf/parks.en.pdf")
    assert 'id="reportgen-pdf"' in view and "/_reportgen/wait" in view


def test_refuses_other_hosts_and_unknown_paths(served: Served) -> None:
    client = served.client
    # A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding).
    status, _, body = client.get("/parks.en.html", {"Host": "attacker.example"})
    assert status == 403 and b"127.0.0.1" in body
    for path in ("/reportgen.yaml", "/../reportgen.yaml", "/%2e%2e/reportgen.yaml",
                 "/data/parks.yaml", "/out/.preview/parks.en.html", "/.reportgen.lock"):
        assert client.get(path)[0] == 404, path
    status, _, _ = client.get("/parks.en.html", {"Host": f"localhost:{client.port}"})
    assert status == 200


# --- editing ----------------------------------------------------------------------------

def test_an_edit_reloads_the_page_and_the_pdf(served: Served) -> None:
    client, data = served.client, served.project / "data" / "parks.yaml"
    original = data.read_text(encoding="utf-8")
    before = client.state()
    edit(data, TITLE_EN, "en: City parks and gardens}")
    # The long poll answers with a new page version: the page's script reloads.
    after = client.wait_for(lambda s: s["page_versions"]["parks.en.html"]
                            != before["page_versions"]["parks.en.html"], what="a reload")
    assert after["page_versions"]["parks.en.html"] == \
        client.state_of("/parks.en.html")["page_version"]
    assert "City parks and gardens" in client.text("/parks.en.html")
    after = client.wait_for(lambda s: s["built"] > before["built"], what="the whole build")
    assert after["problems"] == []
    settled = client.settled()
    assert settled["pdfs"]["parks.en.pdf"]["generation"] == settled["built"]
    text = pdftotext(served.project / "out" / PREVIEW_FOLDER / "parks.en.pdf")
    assert "City parks and gardens" in text
    _fix(served, data, original)


def test_the_pdf_view_lists_what_the_layout_preflight_found(served: Served) -> None:
    client, template = served.client, served.project / "templates" / "report.html.j2"
    original = template.read_text(encoding="utf-8")
    before = client.state()
    edit(template, "</body>", '<p style="position: absolute; top: 0; left: -30mm">'
                              "Words set outside the page</p></body>")
    client.wait_for(lambda s: s["built"] > before["built"], what="the build")
    settled = client.settled()
    notes = settled["pdfs"]["parks.en.pdf"]["notes"]
    assert any(note.startswith("page 1: ") and "outside" in note for note in notes), notes
    assert settled["problems"] == []  # a layout note is not a failed build
    _fix(served, template, original)
    assert client.settled()["pdfs"]["parks.en.pdf"]["notes"] == []


def test_a_syntax_error_shows_the_problems_over_the_last_good_page(
        served: Served, tmp_path: Path) -> None:
    client, data = served.client, served.project / "data" / "parks.yaml"
    original = data.read_text(encoding="utf-8")
    good = client.text("/parks.en.html")
    # Mid-typing: a quote opened and not yet closed.
    broken = original.replace(TITLE_EN, 'en: "City parks}')
    data.write_text(broken, encoding="utf-8")
    state = client.wait_for(lambda s: bool(s["problems"]) and not s["building"],
                            what="problems")
    # Exactly as the command line prints them, file:line:col first.
    copy = tmp_path / "mini"
    shutil.copytree(served.project, copy, ignore=shutil.ignore_patterns("out"))
    check = run_cli("check", "--project", copy)
    assert check.code == 1
    assert state["problems"] == _problem_lines(check.err)
    assert state["problems"][0].startswith("data/parks.yaml:")
    # The page is still the last good one, with the problems in its preview state.
    page = client.text("/parks.en.html")
    assert "City parks" in page and _before_script(page) == _before_script(good)
    assert _page_state(page)["problems"] == state["problems"]
    assert served.proc.poll() is None, "the server stopped"
    # The last good PDF stays, and stays marked as the pages' own.
    assert state["pdfs"]["parks.en.pdf"]["current"]
    _fix(served, data, original)
    assert client.state()["problems"] == []


def test_a_half_saved_file_then_the_whole_file(served: Served) -> None:
    client, data = served.client, served.project / "data" / "parks.yaml"
    original = data.read_text(encoding="utf-8")
    whole = original.replace(TITLE_EN, "en: City parks whole}").encode("utf-8")
    builds = client.state()["builds"]
    with open(data, "wb") as handle:
        handle.write(whole[: len(whole) // 2])
        handle.flush()
        client.wait_for(lambda s: s["builds"] > builds and not s["building"], what="a build")
        handle.write(whole[len(whole) // 2:])
    state = client.wait_for(lambda s: not s["problems"] and not s["building"]
                            and "whole" in client.text("/parks.en.html"), what="the whole file")
    assert state["builds"] > builds and served.proc.poll() is None
    _fix(served, data, original)


def test_an_editor_that_saves_through_a_temporary_file_and_a_rename(served: Served) -> None:
    client, data = served.client, served.project / "data" / "parks.yaml"
    original = data.read_text(encoding="utf-8")
    tmp = data.with_name(".goutputstream-ABC123")
    tmp.write_text(original.replace(TITLE_EN, "en: City parks renamed}"), encoding="utf-8")
    os.replace(tmp, data)
    client.wait_for(lambda s: "renamed" in client.text("/parks.en.html"), what="the rename")
    # Again: the watch follows the file's new inode.
    tmp.write_text(original.replace(TITLE_EN, "en: City parks renamed twice}"),
                   encoding="utf-8")
    os.replace(tmp, data)
    client.wait_for(lambda s: "renamed twice" in client.text("/parks.en.html"), what="again")
    _fix(served, data, original)


def test_a_template_deleted_and_written_again(served: Served) -> None:
    client = served.client
    template = served.project / "templates" / "report.html.j2"
    original = template.read_text(encoding="utf-8")
    template.unlink()
    state = client.wait_for(lambda s: bool(s["problems"]) and not s["building"],
                            what="a missing template")
    assert any("report.html.j2" in p for p in state["problems"]), state["problems"]
    assert "Lakeside Park" in client.text("/parks.en.html")  # the last good page
    template.write_text(original.replace('<p class="summary">', '<p class="summary">Again: '),
                        encoding="utf-8")
    client.wait_for(lambda s: not s["problems"] and "Again: " in client.text("/parks.en.html"),
                    what="the template back")
    _fix(served, template, original)
    assert "Again: " not in client.text("/parks.en.html")


def test_a_burst_of_saves_makes_one_rebuild(served: Served) -> None:
    client, data = served.client, served.project / "data" / "parks.yaml"
    original = data.read_text(encoding="utf-8")
    before = client.settled()
    for take in "abcdefgh":
        data.write_text(original.replace(TITLE_EN, f"en: City parks take {take}}}"),
                        encoding="utf-8")
    state = client.wait_for(lambda s: s["builds"] > before["builds"] and not s["building"],
                            what="the rebuild")
    time.sleep(1.0)  # time enough for a second rebuild to start, if one were coming
    state = client.state()
    assert state["builds"] == before["builds"] + 1, state
    assert state["problems"] == [] and "City parks take h" in client.text("/parks.en.html")
    _fix(served, data, original)


def test_a_save_without_a_change_rebuilds_nothing(served: Served) -> None:
    client, data = served.client, served.project / "data" / "parks.yaml"
    template = served.project / "templates" / "report.html.j2"
    before = client.settled()
    # Saved with the same bytes: in place, and through a rename.
    data.write_bytes(data.read_bytes())
    tmp = template.with_name(".report.html.j2.swp")
    tmp.write_bytes(template.read_bytes())
    os.replace(tmp, template)
    time.sleep(1.5)  # time enough for a rebuild to start, if one were coming
    state = client.state()
    assert state["builds"] == before["builds"] and not state["building"], state
    # The next real edit rebuilds as ever.
    original = data.read_text(encoding="utf-8")
    edit(data, TITLE_EN, "en: City parks resaved}")
    client.wait_for(lambda s: "resaved" in client.text("/parks.en.html"), what="the edit")
    _fix(served, data, original)


def test_a_broken_configuration_is_shown_and_fixed(served: Served) -> None:
    client, config = served.client, served.project / "reportgen.yaml"
    original = config.read_text(encoding="utf-8")
    config.write_text(original + "page_limit: many\n", encoding="utf-8")
    state = client.wait_for(lambda s: bool(s["problems"]), what="a config problem")
    assert state["problems"][0].startswith("reportgen.yaml:"), state["problems"]
    config.write_text(original.replace("basename: parks", "basename: gardens"), encoding="utf-8")
    state = client.wait_for(lambda s: not s["problems"] and "en" in s["pages"]
                            and s["pages"]["en"] == "gardens.en.html", what="the new name")
    assert "Lakeside Park" in client.text("/gardens.en.html")
    _fix(served, config, original)
    client.wait_for(lambda s: s["pages"].get("en") == "parks.en.html", what="the old name")


# --- an edit while a build runs ---------------------------------------------------------

def test_an_edit_during_a_rebuild_wins_and_the_stale_build_is_never_shown(mini: Path) -> None:
    said: list[str] = []
    server = Server(load_config(mini), lambda: load_config(mini), 0, said.append)
    server.watcher.close()  # the test tells the server what changed, in a known order
    client = Client(server.port)
    data = mini / "data" / "parks.yaml"
    original = data.read_text(encoding="utf-8")
    try:
        assert server.builder.step(timeout=60)
        first = client.state()
        assert first["builds"] == 1 and "City parks" in client.text("/parks.en.html")

        def newer_edit_arrives(generation: int) -> None:
            server.builder.on_rendered = None
            data.write_text(original.replace(TITLE_EN, "en: Newer parks}"), encoding="utf-8")
            server.changes.add([data])

        server.builder.on_rendered = newer_edit_arrives
        data.write_text(original.replace(TITLE_EN, "en: Older parks}"), encoding="utf-8")
        server.changes.add([data])
        assert server.builder.step(timeout=5)
        # The build of the older edit finished after the newer edit: it is not shown.
        shown = client.state()
        assert shown["built"] == first["built"] and shown["builds"] == 1
        page = client.text("/parks.en.html")
        assert "Older parks" not in page and "City parks" in page
        assert server.builder.step(timeout=5)
        shown = client.state()
        assert shown["built"] == server.changes.generation and shown["builds"] == 2
        page = client.text("/parks.en.html")
        assert "Newer parks" in page and "Older parks" not in page
        # The PDF catches up with the newer edit; until then it is not called current.
        while not (pdf := client.state()["pdfs"]["parks.en.pdf"])["current"]:
            assert pdf["generation"] != shown["built"]
            client.state(client.state()["version"])
        assert "Newer parks" in pdftotext(mini / "out" / PREVIEW_FOLDER / "parks.en.pdf")
    finally:
        server.close()
    assert not list((mini / "out" / PREVIEW_FOLDER).glob(".reportgen-*")), "temporary files left"


def test_a_save_without_a_change_after_a_left_build_still_shows_the_files(mini: Path) -> None:
    server = Server(load_config(mini), lambda: load_config(mini), 0, lambda _: None)
    server.watcher.close()
    client = Client(server.port)
    data = mini / "data" / "parks.yaml"
    original = data.read_text(encoding="utf-8")
    try:
        assert server.builder.step(timeout=60)

        def saved_again(generation: int) -> None:  # the same bytes, saved mid-build
            server.builder.on_rendered = None
            server.changes.add([data])

        server.builder.on_rendered = saved_again
        data.write_text(original.replace(TITLE_EN, "en: Edited parks}"), encoding="utf-8")
        server.changes.add([data])
        assert server.builder.step(timeout=5)
        assert "Edited parks" not in client.text("/parks.en.html")  # left for the newer save
        # The newer save changed no byte, but the edit it follows was never shown: build.
        assert server.builder.step(timeout=5)
        assert "Edited parks" in client.text("/parks.en.html")
        assert client.state()["built"] == server.changes.generation
    finally:
        server.close()


# --- stopping ---------------------------------------------------------------------------

def test_ctrl_c_stops_everything_and_leaves_no_file_or_process(mini: Path) -> None:
    with socket.socket() as probe:  # a port free a moment ago, asked for with --port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Served(mini, "--port", str(port))
    client = server.client
    # The address printed is the one asked for, on 127.0.0.1.
    assert client.port == port
    assert f"http://127.0.0.1:{port}/" in "".join(server.out)
    # Stop it while a PDF is being laid out: the warm PDF process must go too.
    client.wait_for(lambda s: any(p["busy"] for p in s["pdfs"].values())
                    or s["builds"] > 0, what="the first build")
    processes = children(server.proc.pid)
    assert processes, "the warm PDF process is not running"
    code = server.stop()
    err = "".join(server.err)
    assert code == 0, (err, "".join(server.out))
    assert "Traceback" not in err and "Error" not in err, err
    assert "stopped the preview server" in "".join(server.out)
    time.sleep(0.2)
    assert [p for p in processes if alive(p)] == [], "a process of the server is still running"
    preview = mini / "out" / PREVIEW_FOLDER
    assert not list(preview.glob(".reportgen-*")), "temporary files left"
    assert not [p for p in (mini / "out").iterdir() if p.name.startswith("parks.")]
    with pytest.raises(OSError):
        client.get("/", timeout=2)


# --- build --watch ----------------------------------------------------------------------

def test_build_watch_rebuilds_out_and_keeps_the_last_good_outputs(mini: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "reportgen", "build", "--watch", "--format",
                             "html", "--project", str(mini)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out: list[str] = []
    err: list[str] = []
    for stream, into in ((proc.stdout, out), (proc.stderr, err)):
        threading.Thread(target=lambda s=stream, i=into: i.extend(s), daemon=True).start()
    page = mini / "out" / "parks.en.html"
    data = mini / "data" / "parks.yaml"
    original = data.read_text(encoding="utf-8")

    def until(test: Callable[[], bool], what: str, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while not test():
            assert proc.poll() is None, "".join(out + err)
            assert time.monotonic() < end, f"timed out waiting for {what}: {''.join(out + err)}"
            time.sleep(0.05)

    try:
        until(lambda: page.exists() and "watching" in "".join(out), "the first build")
        assert "<script" not in page.read_text(encoding="utf-8")
        edit(data, TITLE_EN, "en: Watched parks}")
        until(lambda: "Watched parks" in page.read_text(encoding="utf-8"), "the rebuild")
        good = page.read_bytes()
        data.write_text(original.replace(TITLE_EN, 'en: "Watched parks}'), encoding="utf-8")
        until(lambda: "problem" in "".join(err), "the error")
        time.sleep(0.5)
        assert page.read_bytes() == good, "a failed build touched the output"
        copy = mini.parent / "copy"
        shutil.copytree(mini, copy, ignore=shutil.ignore_patterns("out"))
        check = run_cli("check", "--project", copy)
        assert _problem_lines("".join(err)) == _problem_lines(check.err)
        assert "error: 1 problem found; nothing was written" in "".join(err)
        data.write_text(original, encoding="utf-8")
        until(lambda: "Watched parks" not in page.read_text(encoding="utf-8"), "the fix")
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
    assert code == 0 and "Traceback" not in "".join(err), "".join(err)
    assert "stopped watching" in "".join(out)


# --- the preview's page and policy, and the change counter --------------------------------

def test_the_page_keeps_its_policy_and_only_allows_the_servers_script() -> None:
    page = ('<html><head><meta http-equiv="Content-Security-Policy" content="default-src '
            "'none'; style-src 'unsafe-inline'; script-src 'none'\"></head><body><p>x</p>"
            "</body></html>")
    shown, policy = inject(page, "N0nce", {"version": 1, "note": "</script><script>bad()"})
    assert policy == ("default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-N0nce'; "
                      "connect-src 'self'")
    assert f'content="{policy.replace(chr(39), "&#x27;")}"' in shown
    assert shown.index("<script") > shown.index("<p>x</p>") and shown.endswith("</body></html>")
    assert "</script><script>bad()" not in shown  # state cannot close its element
    assert preview_policy(BASE_POLICY, "n").startswith(BASE_POLICY)
    # A page without a policy gets the engine's.
    assert inject("<p>x</p>", "n", {})[1] == preview_policy(BASE_POLICY, "n")


def test_changes_wait_for_quiet_and_count_generations() -> None:
    changes = Changes()
    assert changes.take(timeout=0.01) is None
    changes.add([Path("/a")])
    first = changes.generation
    threading.Timer(0.03, lambda: changes.add([Path("/b")])).start()
    taken = changes.take(timeout=1, quiet=0.1)
    assert taken == (first + 1, {Path("/a"), Path("/b")})
    assert not changes.newer(taken[0])
    changes.add([])
    assert changes.newer(taken[0])


def test_a_connection_that_sends_nothing_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    from reportgen import httpd
    from reportgen.serve import Preview

    monkeypatch.setattr(httpd._Handler, "timeout", 0.5)
    server = httpd.make_server(Preview())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as idle:
            started = time.monotonic()
            assert idle.recv(1024) == b""  # closed by the server, not by us
            assert time.monotonic() - started < 5
    finally:
        server.shutdown()
        server.server_close()


def test_a_ctrl_c_swallowed_where_it_landed_still_stops_the_loops(tmp_path: Path) -> None:
    """Ctrl-C can land in a weakref callback or a finalizer, where Python prints "Exception
    ignored" and goes on: the loops of serve and build --watch see it was asked all the same."""
    from reportgen.interrupt import Interrupted
    from reportgen.watch import Changes, _Stopping, _watch_loop

    stopping = _Stopping()
    with contextlib.suppress(Interrupted):  # swallowed, as "Exception ignored in: <callback>" does
        stopping.handle(signal.SIGINT, None)
    assert stopping.asked
    stopping.handle(signal.SIGINT, None)  # a second Ctrl-C raises nothing more
    built: list[object] = []
    config = load_config(MINI)
    with pytest.raises(Interrupted):
        _watch_loop(config, lambda: config, built.append, built.append, Changes(), None,
                    stopping)
    assert built == []  # stopped before building anything
    ended = threading.Event()

    class Loop:  # Server.run's loop, without a server
        builder = type("B", (), {"step": staticmethod(lambda timeout: ended.wait(0.01))})()

        def _rewatch(self) -> None:
            pass

    Server.run(Loop(), until=lambda: stopping.asked)  # type: ignore[arg-type]
