"""Layout figures for the benchmark, each measured in the process that runs this file.

    python benchmarks/layout_figures.py reference [SECTIONS]
        Lay out and write a fixed reference document with WeasyPrint alone: every other
        figure is also given as a multiple of it, so runs on different machines and loads
        compare.
    python benchmarks/layout_figures.py warm HTML BASE_DIR EDITS
        In one process, write the PDF of HTML (a final edition HTML), then EDITS times a
        one-paragraph edit of it: times of each, parts laid out, pages replayed, and whether
        the last warm PDF equals a single-document layout of the same HTML (bytes).
    python benchmarks/layout_figures.py profile HTML BASE_DIR
        Lay out HTML as one document as reportgen does (its hooks installed, the cycle
        collector paused), with timers on WeasyPrint's stages and on the layout of every
        block, float, flex, grid, table and line: where the layout time goes, by the
        element (tag and classes) the CSS applies to.
    python benchmarks/layout_figures.py layout HTML BASE_DIR
        Lay out HTML as one document as reportgen does, untimed but for its CPU seconds;
        with the pages it has and the pages it laid out.
    python benchmarks/layout_figures.py load RECORDS
        Load a generated dataset of RECORDS records with reportgen's loader: records/s.

Each prints one JSON object on its last line.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = ("amber", "birch", "cedar", "dune", "ember", "fjord", "grove", "heath", "inlet",
         "juniper", "kelp", "larch", "moss", "nettle", "oak", "pine", "quartz", "reed", "sedge",
         "thistle")


def reference_html(sections: int = 6) -> str:
    """A fixed document: headings, justified paragraphs, a table, floats and a list."""
    css = ("@page { size: A4; margin: 20mm; @bottom-right { content: counter(page) } }"
           "body { font: 10pt/1.45 sans-serif } p { text-align: justify; margin: 0 0 6pt }"
           "h2 { break-before: page; font-size: 16pt } .box { float: right; width: 40%; "
           "margin: 0 0 6pt 8pt; padding: 6pt; border: 0.5pt solid #888 }"
           "table { border-collapse: collapse; width: 100% } td { border: 0.5pt solid #aaa;"
           " padding: 2pt 4pt }")
    body = []
    for page in range(sections):
        words = [WORDS[(page * 7 + i * 3) % len(WORDS)] for i in range(900)]
        text = " ".join(words)
        body.append(f"<h2>Section {page + 1}</h2><div class='box'>{text[:400]}</div>"
                    f"<p>{text[:2400]}</p><ul>" + "".join(
                        f"<li>{w} {w} {w}</li>" for w in words[:8]) + "</ul><table>" + "".join(
                        f"<tr><td>{w}</td><td>{i}</td><td>{w[::-1]}</td></tr>"
                        for i, w in enumerate(words[:14])) + f"</table><p>{text[2400:4200]}</p>")
    return (f"<html lang='en'><head><meta charset='utf-8'><style>{css}</style></head>"
            f"<body>{''.join(body)}</body></html>")


def reference(sections: int) -> dict[str, Any]:
    import weasyprint

    started, cpu = time.perf_counter(), time.process_time()
    document = weasyprint.HTML(string=reference_html(sections)).render()
    with tempfile.TemporaryDirectory() as tmp:
        document.write_pdf(Path(tmp) / "reference.pdf")
    return {"pages": len(document.pages), "seconds": time.perf_counter() - started,
            "cpu": time.process_time() - cpu}


def paragraphs(html: str) -> list[int]:
    """Offsets just inside the paragraphs of running text (60 characters or more)."""
    body = html.index("<body")
    return [m.end() for m in re.finditer(r"<p(?:\s[^>]*)?>(?=[^<]{60})", html)
            if m.start() > body]


def warm(html_path: Path, base: Path, edits: int) -> dict[str, Any]:
    from reportgen.pdf import PdfJob, PdfResult, _fetcher, write_pdf

    html = html_path.read_text(encoding="utf-8")
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        def write(text: str, name: str) -> dict[str, Any]:
            started, cpu = time.perf_counter(), time.process_time()
            result = write_pdf(PdfJob(text, base, Path(tmp) / name, "bench", 1000,
                                      key="bench"))
            assert not result.errors, result.errors
            return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                    "parts": result.parts, "laid_out": result.laid_out,
                    "replayed": result.replayed, "pages": result.pages,
                    "laid": list(result.laid)}

        cold = write(html, "cold.pdf")
        edited = html
        for i in range(edits):
            # Each edit adds a word to one more paragraph of the current text, as an author
            # going through the document would.
            spots = paragraphs(edited)
            spot = spots[(i * 7) % len(spots)]
            edited = edited[:spot] + f"{WORDS[i % len(WORDS)].capitalize()}x " + edited[spot:]
            runs.append(write(edited, f"warm{i}.pdf"))
        import weasyprint

        document = weasyprint.HTML(string=edited, base_url=str(base) + "/",
                                   url_fetcher=_fetcher(base, PdfResult())).render(
            pdf_tags=True)
        single = Path(tmp) / "single.pdf"
        last = Path(tmp) / f"warm{edits - 1}.pdf"
        options = _options(edited)
        document.write_pdf(single, **options)
        equal = single.read_bytes() == last.read_bytes()
    return {"cold": cold, "warm": runs, "equal": equal,
            "median_seconds": statistics.median(r["seconds"] for r in runs),
            "median_cpu": statistics.median(r["cpu"] for r in runs)}


def _options(html: str) -> dict[str, Any]:
    """The write options reportgen.pdf uses for a job without attachments or variant."""
    import hashlib

    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    return {"attachments": [], "pdf_identifier": identifier, "pdf_tags": True,
            "custom_metadata": True}


class _Timers:
    """Exclusive CPU time of nested layout calls, by kind and element."""

    def __init__(self) -> None:
        self.stack: list[list[Any]] = []
        self.spent: dict[tuple[str, str], float] = defaultdict(float)
        self.calls: dict[tuple[str, str], int] = defaultdict(int)

    def wrap(self, function: Callable[..., Any], kind: str, box_at: int | None) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            box = args[box_at] if box_at is not None and len(args) > box_at else None
            key = (_kind(kind, box), _signature(box))
            self.stack.append([key, time.process_time(), 0.0])
            try:
                return function(*args, **kwargs)
            finally:
                entry = self.stack.pop()
                elapsed = time.process_time() - entry[1]
                self.spent[key] += elapsed - entry[2]
                self.calls[key] += 1
                if self.stack:
                    self.stack[-1][2] += elapsed
        return timed


def _kind(kind: str, box: Any) -> str:
    if kind != "block" or box is None:
        return kind
    if box.style["column_width"] != "auto" or box.style["column_count"] != "auto":
        return "columns"
    return {"TableBox": "table", "FlexBox": "flex", "GridBox": "grid",
            "BlockReplacedBox": "image"}.get(type(box).__name__, "block")


def _signature(box: Any) -> str:
    if box is None:
        return ""
    element = getattr(box, "element", None)
    classes = (element.get("class") or "").split() if element is not None else []
    return (box.element_tag or "?") + "".join(f".{c}" for c in classes[:2])


def layout(html_path: Path, base: Path) -> dict[str, Any]:
    """A cold one-document layout as a build's PDF process makes it: CPU s and pages."""
    from reportgen.pdf import PdfResult, _fetcher, session, warm_up
    from reportgen.worker import gc_paused

    html = html_path.read_text(encoding="utf-8")
    warm_up(check_subsetter=False)
    started = time.process_time()
    with gc_paused():
        rendering = session()[0].render(html, base, _fetcher(base, PdfResult()), split=False)
    return {"layout_cpu": time.process_time() - started,
            "pages": len(rendering.document.pages), "pages_laid": rendering.pages_laid}


def profile(html_path: Path, base: Path) -> dict[str, Any]:
    import weasyprint.layout.block as block
    import weasyprint.layout.inline as inline
    import weasyprint.layout.page as page

    from reportgen.pdf import PdfResult, _fetcher, session, warm_up
    from reportgen.worker import gc_paused

    html = html_path.read_text(encoding="utf-8")
    warm_up(check_subsetter=False)
    layouter = session()[0]
    timers = _Timers()
    block.block_level_layout_switch = timers.wrap(block.block_level_layout_switch, "block", 1)
    for module in (block, inline, page):
        module.float_layout = timers.wrap(module.float_layout, "float", 1)
    inline.flex_layout = timers.wrap(inline.flex_layout, "flex", 1)
    inline.split_first_line = timers.wrap(inline.split_first_line, "text (Pango)", None)
    made = [0]
    make_page = page.make_page

    def counted(*args: Any, **kwargs: Any) -> Any:
        made[0] += 1
        return make_page(*args, **kwargs)
    page.make_page = counted
    stages: list[tuple[float, str]] = []

    class _Steps(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            parts = record.getMessage().split(" - ")
            if len(parts) > 1 and (not stages or stages[-1][1] != parts[1]):
                stages.append((time.process_time(), parts[1]))

    progress = logging.getLogger("weasyprint.progress")
    progress.setLevel(logging.INFO)
    progress.addHandler(_Steps())
    with gc_paused():
        document = layouter.render(html, base, _fetcher(base, PdfResult()),
                                   split=False).document
    with tempfile.TemporaryDirectory() as tmp:
        document.write_pdf(Path(tmp) / "profile.pdf", pdf_tags=True)
    stages.append((time.process_time(), "end"))
    steps: dict[str, float] = defaultdict(float)
    for (at, name), (after, _) in itertools.pairwise(stages):
        steps[name] += after - at
    kinds: dict[str, float] = defaultdict(float)
    for (kind, _), seconds in timers.spent.items():
        kinds[kind] += seconds
    top = sorted(timers.spent.items(), key=lambda item: -item[1])[:14]
    return {"pages": len(document.pages), "pages_made": made[0], "steps": dict(steps),
            "kinds": dict(kinds),
            "top": [[kind, name, round(s, 3), timers.calls[(kind, name)]]
                    for (kind, name), s in top]}


def load(records: int) -> dict[str, Any]:
    from reportgen.dataset import load_dataset

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        (data / "schema.yaml").write_text(
            "collections:\n  groups:\n    fields:\n      id: {type: id, required: true}\n"
            "      name: {type: text, required: true}\n  things:\n    fields:\n"
            "      id: {type: id, required: true}\n      name: {type: text, required: true}\n"
            "      group: {type: ref, to: [groups]}\n"
            "      kind: {type: enum, values: [small, large]}\n", encoding="utf-8")
        (data / "groups.yaml").write_text("groups:\n" + "".join(
            f"  - {{id: g-{w}, name: {{en: {w.capitalize()} group}}}}\n" for w in WORDS),
            encoding="utf-8")
        per_file = 10_000  # files stay well under the loader's size limit
        for start in range(0, records - len(WORDS), per_file):
            lines = ["things:\n"]
            for i in range(start, min(start + per_file, records - len(WORDS))):
                word = WORDS[i % len(WORDS)]
                lines.append(f"  - {{id: t{i}, name: {{en: The {word} thing}}, "
                             f"group: g-{word}, kind: {'small' if i % 2 else 'large'}}}\n")
            (data / f"things-{start // per_file:03d}.yaml").write_text("".join(lines),
                                                                     encoding="utf-8")
        started, cpu = time.perf_counter(), time.process_time()
        dataset = load_dataset(data, ("en",), Path(tmp))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    loaded = sum(len(v) for v in dataset.collections.values())
    return {"records": loaded, "seconds": seconds, "cpu": cpu, "per_second": loaded / cpu}


def main() -> int:
    command, *args = sys.argv[1:]
    if command == "reference":
        out = reference(int(args[0]) if args else 6)
    elif command == "warm":
        out = warm(Path(args[0]), Path(args[1]), int(args[2]))
    elif command == "layout":
        out = layout(Path(args[0]), Path(args[1]))
    elif command == "profile":
        out = profile(Path(args[0]), Path(args[1]))
    elif command == "load":
        out = load(int(args[0]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
