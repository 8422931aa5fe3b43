"""Time reportgen builds in fresh processes and print one table of figures.

Every run builds a private copy of the project (so edits never touch the repository),
with a fixed SOURCE_DATE_EPOCH. Figures: cold, no-change, one-chart, one-paragraph and
HTML-only builds (median and min), a cold build of each edition, WeasyPrint alone on the
largest edition (the floor of target 2), peak RSS of any process of a build, PDF sizes and
embedded fonts, and the time per page of synthetic datasets 1x, 2x, 5x and 10x the size of
the shipped one. ``layout_figures.py`` adds: a fixed reference document laid out by
WeasyPrint alone in the same run (every time is also given as a multiple of it, "x ref",
so runs on other machines or under other loads compare), one-paragraph edits of each
edition in a warm process (part-by-part layout, pages replayed), the profile of a cold
layout by stage and by the elements the CSS lays out, and records/s of the dataset loader
on a generated dataset.

    python benchmarks/bench.py [--runs N] [--scales 1,2,5,10] [--edits N] [--records N]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
FIGURES = str(Path(__file__).resolve().parent / "layout_figures.py")
WARM = str(Path(__file__).resolve().parent / "warm.py")
EPOCH = "1767225600"  # 2026-01-01: the report date of every run
WORDS = ("amber", "birch", "cedar", "dune", "ember", "fjord", "grove", "heath", "inlet",
         "juniper", "kelp", "larch", "moss", "nettle", "oak", "pine", "quartz", "reed")


@dataclass
class Run:
    """One build in a fresh process."""

    seconds: float
    peak_mb: float
    out: str
    cpu: float = 0.0  # user + system seconds of the build and all its processes


def _env() -> dict[str, str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(args: list[str], cwd: Path | None = None) -> Run:
    """Run a command in a fresh process; return its wall time and output."""
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True,
                          check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{proc.stdout}\n{proc.stderr}")
    return Run(seconds, 0.0, proc.stdout)


def build(project: Path, *extra: str) -> Run:
    """Build ``project`` in a fresh process (behind a wrapper that reports peak RSS)."""
    return measured([PY, "-m", "reportgen", "build", "--project", str(project), *extra])


# Runs a command and reports its own wall time (without this wrapper's start-up), and the
# CPU time and peak RSS of it and every process it reaped.
_WRAPPER = ("import resource,subprocess,sys,time;"
            "t=time.perf_counter();r=subprocess.run(sys.argv[1:]);t=time.perf_counter()-t;"
            "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
            "print('PEAK', u.ru_maxrss, 'CPU', u.ru_utime + u.ru_stime, 'WALL', t);"
            "sys.exit(r.returncode)")


def measured(args: list[str]) -> Run:
    """Run ``args`` in a fresh process behind the wrapper; return its own figures."""
    result = run([PY, "-c", _WRAPPER, *args])
    found = re.search(r"PEAK (\d+) CPU ([\d.]+) WALL ([\d.]+)", result.out)
    if found:
        result.peak_mb, result.cpu = int(found.group(1)) / 1024, float(found.group(2))
        result.seconds = float(found.group(3))
    return result


def fresh_copy(dest: Path, scale: int = 1) -> Path:
    """Copy the project's inputs to ``dest``; with scale > 1, multiply its platforms."""
    dest.mkdir(parents=True)
    # The last commit, not the working tree: figures must not depend on an edit in progress.
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD", "data", "seeds",
                              "templates", "reportgen.yaml"], capture_output=True, check=False)
    if archive.returncode == 0:
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    else:
        for name in ("data", "seeds", "templates"):
            shutil.copytree(ROOT / name, dest / name)
        shutil.copy(ROOT / "reportgen.yaml", dest / "reportgen.yaml")
    if scale > 1:
        _scale_data(dest / "data", scale)
    return dest


def _scale_data(data: Path, scale: int) -> None:
    """Add (scale - 1) copies of every entity, product and metric, under new ids."""

    class _Plain(yaml.SafeDumper):
        def ignore_aliases(self, data: object) -> bool:
            return True

    for name, kind in (("entities.yaml", "entities"), ("products.yaml", "products"),
                       ("metrics.yaml", "metrics")):
        path = data / name
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        records = doc[kind]
        ids = {r["id"] for r in records}
        grown = list(records)
        for k in range(2, scale + 1):
            for record in records:
                twin = copy.deepcopy(record)
                twin["id"] = f"{record['id']}-x{k}"
                for field in ("subject", "owner"):
                    if isinstance(twin.get(field), str) and twin[field] in ids:
                        twin[field] = f"{twin[field]}-x{k}"
                grown.append(twin)
        doc[kind] = grown
        path.write_text(yaml.dump(doc, Dumper=_Plain, allow_unicode=True, sort_keys=False,
                                  width=10_000), encoding="utf-8")


def edit(path: Path, pattern: str, words: list[str]) -> Callable[[int], None]:
    """Return an editor that rewrites the first match of ``pattern`` with a new word per run."""
    original = path.read_text(encoding="utf-8")
    match = re.search(pattern, original, re.MULTILINE)
    if match is None:
        raise SystemExit(f"{path.name}: nothing matches {pattern!r}")

    def apply(i: int) -> None:
        word = words[i % len(words)] + (words[(i // len(words)) % len(words)]
                                        if i >= len(words) else "")
        start, end = match.span(1)
        path.write_text(original[:start] + match.group(1) + " " + word.capitalize() + "."
                        + original[end:], encoding="utf-8")
    return apply


def series(name: str, runs: int, prepare: Callable[[int], None],
           go: Callable[[], Run]) -> tuple[str, list[Run]]:
    results = []
    for i in range(runs):
        prepare(i)
        results.append(go())
        print(f"  {name} {i + 1}/{runs}: {results[-1].seconds:.2f} s", file=sys.stderr)
    return name, results


def weasyprint_alone(html: Path, base: Path) -> Run:
    """Lay out and write one edition's final HTML with WeasyPrint alone (one document,
    no preflight), in a fresh process: the floor a build is measured against."""
    code = (
        "import sys,time;from pathlib import Path;import weasyprint;"
        "import weasyprint.layout.page as p;"
        "from reportgen.pdf import PdfResult,_fetcher;"
        "m=p.make_page;n=[0]\n"
        "def c(*a,**k):\n n[0]+=1;return m(*a,**k)\n"
        "p.make_page=c;b=Path(sys.argv[2]);"
        "weasyprint.HTML(string='<p>Aa 中文</p>').render();t=time.process_time();n[0]=0;"
        "d=weasyprint.HTML(string=Path(sys.argv[1]).read_text(encoding='utf-8'),"
        "base_url=str(b)+'/',url_fetcher=_fetcher(b,PdfResult())).render(pdf_tags=True);"
        "print('LAYOUT',time.process_time()-t,'LAID',n[0]);"
        "d.write_pdf(sys.argv[3],pdf_tags=True);print('PAGES',len(d.pages))"
    )
    with tempfile.TemporaryDirectory() as tmp:
        return measured([PY, "-c", code, str(html), str(base), str(Path(tmp) / "x.pdf")])


def final_html(project: Path, lang: str, dest: Path) -> None:
    """Write the HTML that the build hands WeasyPrint for ``lang`` (the PDF edition)."""
    run([PY, __file__, "--dump-html", str(project), lang, str(dest)])


def _dump_html(project: Path, lang: str, dest: Path) -> None:
    from reportgen.config import load_config
    from reportgen.stages.gather import gather
    from reportgen.stages.plan import plan
    from reportgen.stages.render import render

    config = load_config(project)
    work = plan(config, [lang], ["pdf"])
    output = (work.outputs + work.unchanged)[0]
    render(gather(config), output, work)
    dest.write_text(output.html, encoding="utf-8")


def pdf_fonts(pdf: Path) -> str:
    """Summarise pdffonts: how many fonts, and whether all are embedded subsets."""
    if shutil.which("pdffonts") is None:
        return "pdffonts missing"
    lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=False).stdout.splitlines()[2:]
    rows = [line.split() for line in lines if line.strip()]
    embedded = all(r[-5] == "yes" and r[-4] == "yes" for r in rows)
    return f"{len(rows)} fonts, {'all embedded subsets' if embedded else 'NOT all subset'}"


def stats(results: list[Run]) -> str:
    times = [r.seconds for r in results]
    return f"{statistics.median(times):7.2f} {min(times):7.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scales", default="1,2,5,10")
    parser.add_argument("--edits", type=int, default=5, help="warm edits per edition")
    parser.add_argument("--records", type=int, default=100_000,
                        help="records of the generated dataset the loader reads")
    parser.add_argument("--dump-html", nargs=3, metavar=("PROJECT", "LANG", "DEST"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump_html:
        _dump_html(Path(args.dump_html[0]), args.dump_html[1], Path(args.dump_html[2]))
        return 0
    runs = max(1, args.runs)
    work = Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
    try:
        return _bench(work, runs, [int(s) for s in args.scales.split(",") if s],
                      max(1, args.edits), args.records)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def figures(*args: str) -> dict[str, Any]:
    """Run a layout_figures.py command in a fresh process; return its JSON answer."""
    result = run([PY, FIGURES, *args])
    answer: dict[str, Any] = json.loads(result.out.strip().splitlines()[-1])
    return answer


def _bench(work: Path, runs: int, scales: list[int], edits: int, records: int) -> int:
    project = fresh_copy(work / "p")
    out = project / "out"
    rows: list[tuple[str, list[Run]]] = []

    def wipe(_: int) -> None:
        shutil.rmtree(out, ignore_errors=True)

    rows.append(series("reference document (WeasyPrint)", runs, lambda i: None,
                       lambda: measured([PY, FIGURES, "reference"])))
    rows.append(series("cold (both editions, 4 files)", runs, wipe, lambda: build(project)))
    pages = {name: int(n) for name, n in re.findall(r"(\S+\.pdf) (\d+) pages",
                                                    rows[-1][1][-1].out)}
    largest = max(pages, key=lambda n: pages[n])
    lang = largest.split(".")[-2]
    langs = [name.split(".")[-2] for name in sorted(pages, key=lambda n: -pages[n])]
    for other in langs:
        final_html(project, other, work / f"final.{other}.html")
    html = work / f"final.{lang}.html"
    rows.append(series(f"WeasyPrint alone ({largest})", runs, lambda i: None,
                       lambda: weasyprint_alone(html, project / "templates")))
    rows.append(series("no change", max(runs, 10), lambda i: None,
                       lambda: build(project, "-q")))

    chart = edit(project / "data" / "exhibits.yaml", r"label: \{zh: [^,\n]+, en: \"([^\"\n]+)\"\}",
                 list(WORDS))
    rows.append(series("one chart's data changed", runs, chart,
                       lambda: build(project, "-q")))
    paragraph = edit(project / "data" / "points.yaml", r"^      en: (\w[^\n\[]*\.)$",
                     [w + "x" for w in WORDS])
    rows.append(series("one paragraph changed (both editions)", runs, paragraph,
                       lambda: build(project, "-q")))

    def edition(name: str) -> Callable[[], Run]:
        return lambda: build(project, "-q", "--lang", name, "--format", "pdf")

    for other in langs:
        rows.append(series(f"cold, {other} PDF only", runs, wipe, edition(other)))
    # The same, laid out part by part as serve's process does: what parts cost cold.
    rows.append(series(f"cold, {lang} PDF only, part by part", runs, wipe,
                       lambda: measured(["env", "REPORTGEN_LAYOUT=parts", PY, "-m", "reportgen",
                                         "build", "--project", str(project), "-q", "--lang",
                                         lang, "--format", "pdf"])))
    build(project, "-q")
    rows.append(series(f"one paragraph changed, {lang} PDF only", runs,
                       lambda i: paragraph(i + 100),
                       lambda: build(project, "-q", "--lang", lang, "--format", "pdf")))
    rows.append(series("HTML only, one paragraph changed", runs, lambda i: paragraph(i + 200),
                       lambda: build(project, "-q", "--format", "html")))

    build(project, "-q")
    warm = {other: figures("warm", str(work / f"final.{other}.html"),
                           str(project / "templates"), str(edits)) for other in langs}
    served = fresh_copy(work / "serve")
    serve = json.loads(run([PY, WARM, str(served), "--runs", str(max(edits, 3)), "--lang", lang,
                            "--json"]).out.strip().splitlines()[-1])
    profile = figures("profile", str(html), str(project / "templates"))
    # Cold layout of each edition as a build lays it out, and by WeasyPrint alone.
    layouts = {other: (figures("layout", str(work / f"final.{other}.html"),
                               str(project / "templates")),
                       dict(rows)[f"WeasyPrint alone ({largest})"][-1] if other == lang
                       else weasyprint_alone(work / f"final.{other}.html",
                                             project / "templates"))
               for other in langs}
    loading = figures("load", str(records))
    _print_table(rows, out, runs)
    _print_warm(rows, warm, edits)
    _print_serve(rows, serve)
    _print_layouts(layouts)
    _print_profile(profile, largest, dict(rows)[f"WeasyPrint alone ({largest})"][-1])
    print(f"\nloading: {loading['records']} generated records in {loading['cpu']:.1f} s CPU "
          f"({loading['seconds']:.1f} s wall) = {loading['per_second']:,.0f} records/s")
    _print_scaling(work, scales)
    return 0


def _reference(rows: list[tuple[str, list[Run]]]) -> tuple[float, float]:
    """The reference document's median wall and CPU seconds."""
    results = dict(rows)["reference document (WeasyPrint)"]
    return (statistics.median(r.seconds for r in results),
            statistics.median(r.cpu for r in results))


def _print_warm(rows: list[tuple[str, list[Run]]], warm: dict[str, dict[str, Any]],
                edits: int) -> None:
    """One-paragraph edits to the written PDF in a warm process, against cold editions."""
    table = dict(rows)
    ref_wall, ref_cpu = _reference(rows)
    print(f"\nwarm: {edits} one-paragraph edits per edition, each to the written PDF (layout, "
          "preflight, write) in the process that wrote the edition before")
    print(f"{'edition':10} {'cold PDF':>9} {'warm':>7} {'CPU':>6} {'x ref':>6} {'parts laid':>14} "
          f"{'pages replayed':>15}  equal to one-document layout")
    for lang, answer in warm.items():
        cold = answer["cold"]
        laid = ",".join(str(r["laid_out"]) for r in answer["warm"])
        replayed = ",".join(str(r["replayed"]) for r in answer["warm"])
        print(f"{lang:10} {cold['seconds']:8.2f}s {answer['median_seconds']:6.2f}s "
              f"{answer['median_cpu']:5.1f}s {answer['median_seconds'] / ref_wall:6.2f} "
              f"{laid + ' of ' + str(cold['parts']):>14} {replayed:>15}  "
              f"{'yes (same bytes)' if answer['equal'] else 'NO'}")
        edition = table.get(f"cold, {lang} PDF only")
        if edition:
            wall = statistics.median(r.seconds for r in edition)
            cpu = statistics.median(r.cpu for r in edition)
            print(f"target 13 warm PDF / cold {lang} edition  {answer['median_seconds'] / wall:5.2f}"
                  f" wall, {answer['median_cpu'] / cpu:5.2f} CPU  (target <= 0.25; cold edition "
                  f"{wall:.2f} s, {cpu:.1f} s CPU = {wall / ref_wall:.1f} x ref)")
    print(f"reference document: {ref_wall:.2f} s wall, {ref_cpu:.2f} s CPU")


def _print_serve(rows: list[tuple[str, list[Run]]], serve: dict[str, Any]) -> None:
    """What ``reportgen serve`` does after a one-paragraph edit (benchmarks/warm.py)."""
    table = dict(rows)
    ref_wall, _ = _reference(rows)
    lang = serve["lang"]
    cold = statistics.median(r.seconds for r in table["cold (both editions, 4 files)"])
    html_only = statistics.median(r.seconds for r in table["HTML only, one paragraph changed"])
    edition = statistics.median(r.seconds for r in table[f"cold, {lang} PDF only"])
    viewed, both = serve["median_viewed"], serve["median_html"]
    print(f"\nserve: {len(serve['html'])} one-paragraph edits in one warm session and PDF "
          "process, as reportgen serve makes them (its quiet time before a build left out)")
    print(f"target 13 no change                     {serve['median_no_change']:7.4f} s "
          "(target <= 0.1 s)")
    print(f"target 13 warm HTML, {lang} (viewed first)  {viewed:7.3f} s = {viewed / ref_wall:5.3f}"
          f" x ref (target <= 0.3 s); both editions {both:.3f} s, CPU "
          f"{serve['median_html_cpu']:.3f} s")
    print(f"          = {viewed / cold:.4f} of a cold build of both editions ({cold:.1f} s) and "
          f"{viewed / html_only:.2f} of an HTML-only build in a fresh process "
          f"({html_only:.2f} s)")
    pdf = serve["median_pdf"]
    print(f"target 13 warm PDF {lang} after the HTML      {pdf:7.2f} s = {pdf / edition:5.2f} of a "
          f"cold {lang} edition ({edition:.2f} s; target <= 0.25); parts laid out "
          f"{', '.join(serve['laid_out']) or '?'}")
    print(f"target 13 warm server memory             {serve['rss_mb']:7.0f} MB RSS, "
          f"{serve['pss_mb']:.0f} MB PSS, both editions held (target <= 600 MB): session "
          f"{serve['session_mb']:.0f} MB, PDF process {serve['rss_mb'] - serve['session_mb']:.0f}"
          " MB")


def _alone(run: Run) -> tuple[float, int]:
    """WeasyPrint alone's layout CPU seconds and pages laid out, as its process printed."""
    found = re.search(r"LAYOUT ([\d.]+) LAID (\d+)", run.out)
    return (float(found.group(1)), int(found.group(2))) if found else (0.0, 0)


def _print_layouts(layouts: dict[str, tuple[dict[str, Any], Run]]) -> None:
    """Cold layout CPU of each edition, as a build makes it and by WeasyPrint alone."""
    print("\ncold layout of each edition, one document, the same HTML (CPU s; pages laid out)")
    for lang, (ours, alone) in layouts.items():
        cpu, laid = _alone(alone)
        change = f"{ours['layout_cpu'] / cpu - 1:+.0%}" if cpu else "?"
        print(f"target 13 {lang}: reportgen {ours['layout_cpu']:.2f} s ({ours['pages_laid']} for "
              f"{ours['pages']} pages), WeasyPrint alone {cpu:.2f} s ({laid}): {change} "
              "(target <= -30 %)")


def _print_profile(profile: dict[str, Any], name: str, alone: Run) -> None:
    """Where a cold layout of the largest edition spends its time."""
    _, laid = _alone(alone)
    print(f"\nprofile of a cold one-document layout of {name}: {profile['pages']} pages, "
          f"{profile['pages_made']} laid out (WeasyPrint alone: {laid}; a page is laid out "
          "again when a page number it prints changes)")
    print("  stages (CPU s): " + ", ".join(f"{k} {v:.2f}" for k, v in profile["steps"].items()))
    print("  layout by kind, exclusive CPU s: " + ", ".join(
        f"{k} {v:.2f}" for k, v in sorted(profile["kinds"].items(), key=lambda i: -i[1])))
    print("  top elements (kind, element, exclusive CPU s, layouts):")
    for kind, element, seconds, calls in profile["top"]:
        print(f"    {kind:13} {element or '(all text)':34} {seconds:6.2f} {calls:6}")


def _print_table(rows: list[tuple[str, list[Run]]], out: Path, runs: int) -> None:
    table = dict(rows)
    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{_memory_gb():.0f} GB, {platform.python_implementation()} "
          f"{platform.python_version()}, {platform.system()} {platform.release()}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"runs per row: {runs} (no change: {max(runs, 10)}), each in a fresh process\n")
    ref_wall, _ = _reference(rows)
    print(f"{'build':44} {'median':>7} {'min':>7}  {'CPU':>6}  {'peak RSS':>9} {'x ref':>6}")
    for name, results in rows:
        peak = max(r.peak_mb for r in results)
        cpu = statistics.median(r.cpu for r in results)
        ratio = statistics.median(r.seconds for r in results) / ref_wall
        print(f"{name:44} {stats(results)} s {cpu:6.1f} s {peak:6.0f} MB {ratio:6.2f}")
    cold = statistics.median(r.seconds for r in next(v for k, v in rows if k.startswith("cold (")))
    alone = statistics.median(r.seconds for r in next(v for k, v in rows
                                                      if k.startswith("WeasyPrint")))
    lang_cold = next(v for k, v in rows if k.startswith("cold, "))
    lang_para = next(v for k, v in rows if k.startswith("one paragraph changed, "))
    print()
    print(f"target 2  cold / WeasyPrint alone      {cold / alone:5.2f}  (target <= 1.30)")
    cold_cpu = statistics.median(r.cpu for r in next(v for k, v in rows if k.startswith("cold (")))
    alone_cpu = statistics.median(r.cpu for r in next(v for k, v in rows
                                                      if k.startswith("WeasyPrint")))
    cores = os.cpu_count() or 1
    print(f"          CPU: cold {cold_cpu:.1f} s over {cores} cores vs WeasyPrint alone "
          f"{alone_cpu:.1f} s = {cold_cpu / cores / alone_cpu:4.2f} (the ratio if the cores "
          "were ours alone and perfectly shared)")
    nochange = statistics.median(r.seconds for r in table["no change"])
    print(f"target 1  no-change median             {nochange:5.3f} s (target <= 0.100 s)")
    ratio = statistics.median(r.seconds for r in lang_para) / statistics.median(
        r.seconds for r in lang_cold)
    print(f"target 4  one paragraph / cold edition {ratio:5.2f}  (target <= 0.40)")
    for pdf in sorted(out.glob("*.pdf")):
        print(f"target 5  {pdf.name:28} {pdf.stat().st_size / 1e6:5.2f} MB, {pdf_fonts(pdf)}")


def _print_scaling(work: Path, scales: list[int]) -> None:
    print()
    print(f"{'scale':>5} {'pages':>6} {'charts':>6} {'cold s':>7} {'s/page':>7} {'vs 1x':>6} "
          f"{'peak RSS':>9}")
    first = 0.0
    for scale in scales:
        project = fresh_copy(work / f"s{scale}", scale)
        result = build(project)
        pages = sum(int(n) for n in re.findall(r"(\d+) pages", result.out))
        charts = re.search(r"(\d+) charts", result.out)
        per_page = result.seconds / max(pages, 1)
        first = first or per_page
        print(f"{scale:>4}x {pages:6} {charts.group(1) if charts else '?':>6} "
              f"{result.seconds:7.2f} {per_page:7.3f} {per_page / first:6.2f} "
              f"{result.peak_mb:6.0f} MB")
        shutil.rmtree(project, ignore_errors=True)


def _memory_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError):
        return 0.0


if __name__ == "__main__":
    sys.exit(main())
