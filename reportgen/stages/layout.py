"""Stage 4, layout: turn each PDF output's HTML into a PDF, in its own bounded process.

``presses(plan)`` forks one process per PDF at the start of a build, so WeasyPrint's import
and font loading overlap gathering and rendering; ``start`` hands a rendered output to its
process (or takes the PDF from the cache), ``finish`` waits for every PDF.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..cache import Cache, digest
from ..editions import Output
from ..output import discard, new_temp, write_bytes
from ..problems import Mark, Problem, ReportError
from .gather import Project
from .plan import Plan

if TYPE_CHECKING:
    from ..pdf import PdfResult
    from ..preflight import Finding
    from ..prefork import Prefork

__all__ = ["finish", "presses", "start"]

_LOG = logging.getLogger(__name__)
_KEEP_PDFS = 6


@contextlib.contextmanager
def presses(plan: Plan) -> Iterator[dict[str, Prefork]]:
    """Fork one warming-up process per PDF to write; stop them all when the block ends.

    On any failure inside the block, the temporary files of every output are removed.
    """
    from ..pdf import warm_up
    from ..prefork import Prefork

    processes: dict[str, Prefork] = {}
    try:
        for output in plan.outputs:
            if output.fmt == "pdf":
                first = not processes  # one warning about the font subsetter is enough
                processes[output.name] = Prefork(functools.partial(warm_up, first),
                                                 plan.config.memory_limit_mb)
        yield processes
    except BaseException:
        discard(o.tmp for o in plan.outputs)
        raise
    finally:
        for process in processes.values():
            process.close()


def _pdf_cache(plan: Plan) -> Cache | None:
    return Cache(plan.cache, "pdf", keep=_KEEP_PDFS) if plan.cache else None


def start(project: Project, output: Output, plan: Plan, process: Prefork) -> None:
    """Hand the output's HTML to its waiting process, or take the PDF from the cache."""
    from ..pdf import PdfJob, PdfResult, write_pdf

    config = project.config
    output.tmp = new_temp(output.path)
    attachments = project.dataset.attachments()  # read through reportgen.files
    # The manifest rides in the PDF's document information, as JSON.
    record = json.dumps({"generator": plan.meta["generator"], "inputs": plan.inputs.as_json()},
                        sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    job = PdfJob(output.html, config.path("templates"), output.tmp, config.basename,
                 config.page_limit, config.pdf_variant, attachments, plan.meta["created"],
                 (("ReportgenManifest", record),), parts=False)
    # parts=False: this process writes one PDF and exits, so parts kept for a next edit
    # would never be used; laid out as one document the PDF is the same, and cheaper (no
    # second pass of the parts once the page count is known). serve's process keeps parts.
    # The same inputs give the same PDF: an output deleted by hand, or an edit undone,
    # comes back from the cache without a layout.
    output.cache_key = digest(plan.inputs.digest, output.name, output.html, record)
    store = _pdf_cache(plan)
    pages, findings, pdf = _unpack(store.get(output.cache_key) if store else None)
    if pdf:
        write_bytes(output.tmp, pdf, output.name)
        output.pdf, output.from_cache = PdfResult(pages=pages, findings=findings), True
        _LOG.debug("layout %s: %d pages, from the cache", output.name, pages)
        return
    process.submit(write_pdf, job)


def _pack(pdf: PdfResult, data: bytes) -> bytes:
    """A cache entry: the page count, the layout preflight's findings (JSON), the PDF."""
    findings = json.dumps([[f.page, f.kind, f.text] for f in pdf.findings], ensure_ascii=False)
    return b"%d\n" % pdf.pages + findings.encode() + b"\n" + data


def _unpack(stored: bytes | None) -> tuple[int, list[Finding], bytes]:
    """Read a cached PDF entry; anything that does not look like a whole PDF is a miss."""
    from ..preflight import Finding

    head, _, rest = (stored or b"").partition(b"\n")
    line, _, pdf = rest.partition(b"\n")
    try:
        findings = [Finding(int(page), str(kind), str(text))
                    for page, kind, text in json.loads(line)]
    except (ValueError, TypeError):
        return 0, [], b""
    if not (head.isdigit() and len(head) < 7 and pdf.startswith(b"%PDF-")
            and b"%%EOF" in pdf[-1024:]):
        return 0, [], b""
    return int(head), findings, pdf


def finish(plan: Plan, processes: dict[str, Prefork]) -> list[str]:
    """Wait for every PDF; record pages; return WeasyPrint's warnings, naming the file.

    Raises ReportError with every PDF's problems; a failed PDF is never cached.
    """
    from ..worker import JobFailed

    problems: list[Problem] = []
    warnings: list[str] = []
    store = _pdf_cache(plan)
    for output in plan.outputs:
        if output.fmt != "pdf":
            continue
        if output.pdf is None:
            try:
                output.pdf = processes[output.name].result(plan.config.render_timeout,
                                                           output.name)
            except JobFailed as exc:
                name, _, message = str(exc).partition(": ")
                raise ReportError(Problem(Mark(name), message)) from None
            _LOG.debug("layout %s: %d pages", output.name, output.pdf.pages)
        pdf = output.pdf
        warnings += [f"WeasyPrint: {output.name}: {w}" for w in pdf.warnings]
        problems += [Problem(Mark(output.name), e) for e in pdf.errors]
        if not pdf.errors and not output.from_cache and store and output.tmp:
            try:
                data = output.tmp.read_bytes()
            except OSError:
                continue
            store.put(output.cache_key, _pack(pdf, data))
            store.prune([output.cache_key])
    if problems:
        raise ReportError(problems)
    return warnings
