"""Time the warm preview: what ``reportgen serve`` does after a one-paragraph edit.

``measure_warm`` keeps one session (configuration, gathered data, Jinja environment) and
one PDF process, as the server does, and times, per edit: the HTML of both editions
(``Session.html``: re-gather what changed, render, check), and one edition's PDF after
it (render for print, lay out and write in the warm process); and a save that changes no
byte (``Session.note`` finds nothing changed, so the server builds nothing). It also
reports the memory the two processes hold with both editions' PDFs laid out. The
server adds its quiet time (``watch.QUIET_SECONDS``) before each build. Run:

    python benchmarks/warm.py PROJECT [--runs N] [--lang LANG]

(PROJECT is edited: give it a copy.)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reportgen.config import load_config  # noqa: E402
from reportgen.pdf import write_pdf  # noqa: E402
from reportgen.press import Press  # noqa: E402
from reportgen.session import Session  # noqa: E402

__all__ = ["WarmFigures", "measure_warm"]


@dataclass
class WarmFigures:
    """Seconds per edit (wall and CPU), the first (cold) figures, and memory."""

    lang: str
    first_html: float = 0.0  # the first HTML of both editions in a fresh session
    first_pdf: float = 0.0  # the first PDF of ``lang`` in a fresh PDF process (after import)
    html: list[float] = field(default_factory=list)  # edit -> both HTML editions
    html_cpu: list[float] = field(default_factory=list)
    viewed: list[float] = field(default_factory=list)  # edit -> ``lang``'s HTML (shown first)
    pdf: list[float] = field(default_factory=list)  # edit -> ``lang``'s PDF (HTML first)
    pdf_cpu: list[float] = field(default_factory=list)  # both processes' CPU seconds
    laid_out: list[str] = field(default_factory=list)  # "parts laid out/parts", if known
    no_change: list[float] = field(default_factory=list)  # a save without an edit
    rss_mb: float = 0.0  # resident memory of the session and the PDF process
    pss_mb: float = 0.0  # the same, shared pages counted once
    session_mb: float = 0.0  # resident memory of the session alone (HTML, data, templates)

    def summary(self) -> str:
        """One line per figure, medians over the runs."""
        def med(values: list[float]) -> float:
            return statistics.median(values) if values else float("nan")
        parts = f" (parts laid out: {', '.join(self.laid_out)})" if self.laid_out else ""
        return "\n".join([
            f"warm no change (saved, same bytes)        {med(self.no_change):6.4f} s",
            f"warm HTML, both editions, one paragraph   {med(self.html):6.3f} s "
            f"(CPU {med(self.html_cpu):.3f} s; first {self.first_html:.2f} s)",
            f"warm HTML, {self.lang} (the edition viewed, shown first) {med(self.viewed):6.3f} s",
            f"warm PDF {self.lang}, one paragraph (incl. HTML) {med(self.pdf):6.2f} s "
            f"(CPU {med(self.pdf_cpu):.2f} s; first {self.first_pdf:.2f} s){parts}",
            f"warm server memory, both editions held    {self.rss_mb:6.0f} MB RSS, "
            f"{self.pss_mb:.0f} MB PSS (session {self.session_mb:.0f} MB, PDF process "
            f"{self.rss_mb - self.session_mb:.0f} MB)",
        ])

    def medians(self) -> dict[str, Any]:
        """The figures as JSON: each list's median, and the lists."""
        answer: dict[str, Any] = asdict(self)
        for name, values in list(answer.items()):
            if isinstance(values, list) and values and isinstance(values[0], float):
                answer[f"median_{name}"] = statistics.median(values)
        return answer


def _cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid``."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory(pid: int) -> tuple[float, float]:
    """Resident and proportional set size of ``pid`` in MB."""
    found = {"Rss": 0.0, "Pss": 0.0}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                if key in found:
                    found[key] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return found["Rss"], found["Pss"]


def measure_warm(project: Path, edit: Callable[[int], None], changed: list[Path],
                 runs: int = 5, lang: str = "") -> WarmFigures:
    """Time ``runs`` edits (``edit(i)`` changes the files ``changed``) in a warm session.

    ``lang`` is the edition whose PDF is timed (default: the first configured).
    """
    session = Session(lambda: load_config(project.resolve()))
    started = time.perf_counter()
    session.html()
    config = session.config
    assert config is not None
    figures = WarmFigures(lang or config.languages[0], first_html=time.perf_counter() - started)
    press = Press(config.memory_limit_mb)
    press.start()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            def lay_out(edition: str) -> str:
                job = session.pdf_job(edition, Path(tmp) / f"{edition}.pdf")
                result = press.run(write_pdf, job, config.render_timeout, edition)
                if result.errors:
                    raise SystemExit(f"{edition}: {result.errors}")
                return f"{getattr(result, 'laid_out', '?')}/{getattr(result, 'parts', '?')}"

            press.run(len, "", config.render_timeout, "warm-up")  # WeasyPrint imported
            started = time.perf_counter()
            lay_out(figures.lang)
            figures.first_pdf = time.perf_counter() - started
            for other in config.languages:  # both editions held, as the server holds them
                if other != figures.lang:
                    lay_out(other)
            for _ in range(max(runs, 10)):
                for path in changed:
                    path.write_bytes(path.read_bytes())
                started = time.perf_counter()
                if session.note(changed):
                    session.html()  # not expected: the bytes are the same
                figures.no_change.append(time.perf_counter() - started)
            for i in range(runs):
                edit(i)
                session.note(changed)
                assert press.pid is not None
                cpu, pdf_cpu, started = time.process_time(), _cpu(press.pid), time.perf_counter()
                session.refresh()  # what Session.html does, the viewed edition timed apart
                names = session.names("html")
                for lang in sorted(names, key=lambda lang: lang != figures.lang):
                    session.page(lang)
                    if lang == figures.lang:
                        figures.viewed.append(time.perf_counter() - started)
                figures.html.append(time.perf_counter() - started)
                figures.html_cpu.append(time.process_time() - cpu)
                session.settle()  # as the server does after a build, before the PDFs
                figures.laid_out.append(lay_out(figures.lang))
                figures.pdf.append(time.perf_counter() - started)
                figures.pdf_cpu.append(time.process_time() - cpu + _cpu(press.pid) - pdf_cpu)
            press.run(len, "", config.render_timeout, "settled")  # after its give-back
            own, child = _memory(os.getpid()), _memory(press.pid or 0)
            figures.rss_mb, figures.pss_mb = own[0] + child[0], own[1] + child[1]
            figures.session_mb = own[0]
        finally:
            press.close()
    if not any(part[0].isdigit() for part in figures.laid_out):
        figures.laid_out = []
    return figures


def paragraph_editor(path: Path, words: list[str]) -> Callable[[int], None]:
    """An edit of one English paragraph of ``path``: a new sentence ends it, per run."""
    original = path.read_text(encoding="utf-8")
    match = re.search(r"^      en: (\w[^\n\[]*\.)$", original, re.MULTILINE)
    if match is None:
        raise SystemExit(f"{path.name}: no English paragraph to edit")

    def apply(i: int) -> None:
        start, end = match.span(1)
        word = words[i % len(words)]
        path.write_text(original[:start] + match.group(1) + " " + word.capitalize() + "."
                        + original[end:], encoding="utf-8")
    return apply


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lang", default="")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    points = args.project / "data" / "points.yaml"
    words = ["amberx", "birchx", "cedarx", "dunex", "emberx", "fjordx", "grovex", "heathx"]
    figures = measure_warm(args.project, paragraph_editor(points, words), [points.resolve()],
                           args.runs, args.lang)
    if args.json:
        print(json.dumps(figures.medians()))
        return 0
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(figures.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
