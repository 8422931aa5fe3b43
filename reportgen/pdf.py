"""Lay out HTML with WeasyPrint and write the PDF, fetching nothing but our own files.

A job of a process that stays up (serve's) is laid out part by part
(``layout.Layouter``: the PDF equals the one a single-document layout gives) and pages are
written from their recorded operators when laid out before (``repaint.Painter``); a process
that writes the same key again reuses both. A build's one-off job is laid out as one
document. Either way the cycle collector is paused for the job (``worker.gc_paused``). The
laid-out pages go through the layout preflight (``preflight.check``) before they are
written.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import logging
import mimetypes
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .preflight import Finding
from .worker import gc_paused

if TYPE_CHECKING:
    from .layout import Layouter
    from .repaint import Painter

__all__ = ["PdfJob", "PdfResult", "session", "warm_up", "write_pdf"]

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class PdfJob:
    """Everything one edition's PDF needs; picklable, so it can go to another process."""

    html: str
    base_dir: Path  # the only folder files may be fetched from
    target: Path  # a temporary file; the caller moves it into place
    title: str
    page_limit: int
    variant: str = ""
    attachments: tuple[tuple[str, bytes], ...] = ()
    created: str = ""
    metadata: tuple[tuple[str, str], ...] = ()  # extra document info entries (the manifest)
    key: str = ""  # the layout kept in this process for the next job of the same key
    parts: bool = True  # lay out part by part, kept for the next job (False: one document)


@dataclass
class PdfResult:
    """What writing a PDF produced and what WeasyPrint said while doing it."""

    pages: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # of the layout preflight
    parts: int = 1  # parts the document was laid out in
    laid_out: int = 1  # parts laid out now (the others were kept from the last layout)
    replayed: int = 0  # pages written from their recorded operators
    laid: tuple[int, ...] = ()  # which parts were laid out now (their index)


_NOTDEF = ".notdef glyph rendered for Unicode string unsupported by fonts:"


class _Collector(logging.Handler):
    """Keep WeasyPrint's warnings and errors so the build can report (or fail on) them."""

    def __init__(self, result: PdfResult) -> None:
        super().__init__(logging.WARNING)
        self.result = result
        self.missing: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(_NOTDEF):
            # Text drawn as empty boxes is a broken PDF: the font was not found or not loaded.
            self.missing.append(message.removeprefix(_NOTDEF).strip())
        elif record.levelno >= logging.ERROR:
            self.result.errors.append(message)
        else:
            self.result.warnings.append(message)

    def finish(self) -> None:
        """Report text drawn without glyphs once, however many characters it was."""
        if self.missing:
            shown = ", ".join(dict.fromkeys(self.missing[:8]))
            self.result.errors.append(
                f"{len(self.missing)} characters were drawn as empty boxes (no glyph), e.g. "
                f"{shown}: a font could not be found or loaded (check fonts in reportgen.yaml "
                "and memory_limit_mb)")


def _preflight(document: Any, result: PdfResult) -> list[Finding]:
    """The layout preflight's findings; its own failure is a warning, never a failed PDF."""
    from .preflight import check

    try:
        return check(document)
    except Exception as exc:  # pragma: no cover - a bug of ours must not cost the PDF
        result.warnings.append(f"the layout preflight failed: {type(exc).__name__}: {exc}")
        return []


def _fetcher(base_dir: Path, result: PdfResult) -> Any:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    root = base_dir.resolve()

    class _OwnFilesOnly(URLFetcher):  # type: ignore[misc]
        """Serve data: URIs and files under the templates folder; refuse all else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file://"):
                from urllib.request import url2pathname

                path = Path(url2pathname(url.removeprefix("file://").split("?")[0]))
                path = path.resolve()
                if path.is_relative_to(root) and path.is_file():
                    # WeasyPrint needs the type: a stylesheet of unknown type is not applied.
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body=path.read_bytes(),
                                              headers={"Content-Type": kind})
            result.refused.append(url)
            raise FatalURLFetchingError(f"refused to fetch {url}: only files of the "
                                        "templates folder and data: URIs may be used")

    return _OwnFilesOnly()


_SESSION: list[tuple[Layouter, Painter]] = []


def session() -> tuple[Layouter, Painter]:
    """This process's layouter and painter: what it laid out and painted before."""
    if not _SESSION:
        from .layout import Layouter
        from .repaint import Painter

        _SESSION.append((Layouter(), Painter()))
    return _SESSION[0]


def warm_up(check_subsetter: bool = True) -> None:
    """Import WeasyPrint and load the fonts, before any HTML is ready to lay out."""
    from .fonts import harfbuzz_subset_available

    if check_subsetter and not harfbuzz_subset_available():
        _LOG.warning("WeasyPrint did not find libharfbuzz-subset: font subsetting falls back "
                     "to fontTools and writing PDFs is about 10x slower; install "
                     "libharfbuzz-subset0 (run 'make build')")
    # Laying out a line of text loads fontconfig and Pango's font map once, here.
    session()[0].warm_up("<p>Aa 中文</p>")


@gc_paused()  # a layout makes millions of objects and next to no cycles (worker.gc_paused)
def write_pdf(job: PdfJob) -> PdfResult:
    """Render ``job.html`` to ``job.target``; never fetch outside ``job.base_dir``."""
    import weasyprint

    result = PdfResult()
    handler = _Collector(result)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    # Collected here and reported once by the build, not printed as they happen.
    propagate, logger.propagate = logger.propagate, False
    try:
        layouter, painter = session()
        # REPORTGEN_LAYOUT=whole or =parts lays out as one document or part by part,
        # whatever the job asks: to compare the two, or to rule parts out.
        forced = os.environ.get("REPORTGEN_LAYOUT", "").strip().lower()
        split = {"whole": False, "parts": True}.get(forced, job.parts)
        rendering = layouter.render(job.html, job.base_dir, _fetcher(job.base_dir, result),
                                    job.key, split)
        document = rendering.document
        result.parts, result.laid_out = rendering.parts, rendering.laid_out
        result.laid = tuple(rendering.laid)
        document.metadata.custom.update(job.metadata)
        # Dates come from the report date, never from the clock, so bytes are reproducible.
        document.metadata.created = document.metadata.created or job.created or None
        document.metadata.modified = document.metadata.modified or job.created or None
        result.pages = len(document.pages)
        if result.pages > job.page_limit:
            result.errors.append(f"the PDF would have {result.pages} pages, more than the "
                                 f"limit of {job.page_limit} (page_limit in reportgen.yaml)")
            return result
        stamp = _dt.datetime.fromisoformat(job.created.replace("Z", "+00:00")) \
            if job.created else None
        attachments = [
            weasyprint.Attachment(file_obj=io.BytesIO(data), name=name, description=name,
                                  created=stamp, modified=stamp,
                                  relationship="Data")
            for name, data in job.attachments
        ]
        identifier = hashlib.sha256(job.html.encode("utf-8")).hexdigest()[:32].encode("ascii")
        options: dict[str, Any] = {
            "attachments": attachments,
            "pdf_identifier": identifier,
            "pdf_tags": True,
            "custom_metadata": True,
        }
        if job.variant:
            options["pdf_variant"] = job.variant
        result.findings = _preflight(document, result)
        replayed = painter.replayed
        painter.write_pdf(document, job.target, **options)
        result.replayed = painter.replayed - replayed
    except weasyprint.urls.FatalURLFetchingError as exc:
        # Raised by our fetcher for stylesheets, images and attachments alike.
        result.errors.append(str(exc))
    except OSError as exc:
        result.errors.append(f"cannot write the PDF: {exc.strerror or exc} "
                             "(is the disk full, or the output folder read-only?)")
    except MemoryError:
        raise  # the worker reports it with the memory limit
    except Exception as exc:  # a layout crash comes from the template's CSS: report it
        result.errors.append(f"WeasyPrint could not lay out the document: "
                             f"{type(exc).__name__}: {exc} (check the template's CSS)")
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        handler.finish()
    return result
