"""Drive a real ``reportgen serve`` from tests: start it, ask it over HTTP, stop it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["Client", "Served", "alive", "children", "edit"]

State = dict[str, Any]


class Client:
    """Talk to a preview server on 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str, headers: dict[str, str] | None = None,
            timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        opener = urllib.request.build_opener(_NoRedirect())
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def text(self, path: str) -> str:
        status, _, body = self.get(path)
        assert status == 200, (path, status, body[:200])
        return body.decode("utf-8")

    def state(self, since: int | None = None) -> State:
        path = "/_reportgen/state" if since is None else f"/_reportgen/wait?since={since}"
        return json.loads(self.text(path))  # type: ignore[no-any-return]

    def state_of(self, page: str) -> State:
        """The preview state a page carries for its script."""
        found = re.search(r'id="reportgen-preview-state">(.*?)</script>', self.text(page), re.S)
        assert found, f"{page} carries no preview state"
        return json.loads(found.group(1))  # type: ignore[no-any-return]

    def wait_for(self, test: Callable[[State], bool], timeout: float = 120,
                 what: str = "") -> State:
        """Wait (with the long poll) until the state passes ``test``; fail after ``timeout``."""
        end = time.monotonic() + timeout
        state = self.state()
        while not test(state):
            if time.monotonic() > end:
                raise AssertionError(f"timed out waiting for {what or test}: {state}")
            state = self.state(state["version"])
        return state

    def settled(self, timeout: float = 180) -> State:
        """Wait until no build runs and every PDF shows the pages shown."""
        return self.wait_for(lambda s: not s["building"] and s["builds"] > 0 and all(
            p["current"] and not p["busy"] for p in s["pdfs"].values()), timeout, "settled")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Served:
    """A ``reportgen serve`` process for one project, its output collected as it runs."""

    def __init__(self, project: Path, *args: str) -> None:
        self.project = project
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reportgen", "serve", "--project", str(project), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out: list[str] = []
        self.err: list[str] = []
        self._threads = [threading.Thread(target=self._drain, args=(s, b), daemon=True)
                         for s, b in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for thread in self._threads:
            thread.start()
        self.client = Client(self._port())

    def _drain(self, stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    def _port(self, timeout: float = 60) -> int:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for line in list(self.out):
                found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
                if found:
                    return int(found.group(1))
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"the server did not start: {''.join(self.out)}{''.join(self.err)}")

    def stop(self) -> int:
        """Press Ctrl-C (SIGINT), wait for the process, return its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("the server did not stop on Ctrl-C") from None
        for thread in self._threads:
            thread.join(timeout=5)
        return code


def children(pid: int) -> list[int]:
    """Return the ids of the live processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def edit(path: Path, old: str, new: str) -> str:
    """Replace ``old`` by ``new`` in the file (written in place); return the new text."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text
