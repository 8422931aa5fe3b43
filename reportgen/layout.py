"""Lay a document out part by part, keep the parts, and lay out again only what changed.

``sections.split_html`` cuts the HTML before every element that starts a new page. Each
part lays out as its own WeasyPrint ``Document``, starting from what the parts before it
leave (page number and side, running-header strings, the page count, the pages of the
anchors other parts define: see ``parthooks``). A first pass lays every part out in order;
later passes handle what a pass learns late (the page count; anchors defined after the
contents that point at them): a part whose HTML and looked-up anchors are unchanged but
whose page numbers or running headers changed gets new page margins only (no layout);
a part whose looked-up anchors changed is laid out again, until nothing changes (at most
``_PASSES`` passes, like WeasyPrint's own repagination). The parts' pages then combine into
one ``Document`` with ``Document.copy`` (WeasyPrint's documented API), which paints fonts,
links, named destinations, outline and tags as one document.

``Layouter`` is the warm state: one font configuration, an image cache, and the laid-out
parts of the last layout of each key (e.g. each edition), so a process that stays up lays
out only the parts an edit changed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .fontbytes import install as install_font_bytes
from .pagerefs import install as install_page_refs
from .parthooks import ACTIVE, LAID, Entry, PartEnv, install, looked_up, make_margins
from .sections import Part, Split, split_html
from .stylecache import install as install_style_cache

__all__ = ["Layouter", "Rendering"]

_PASSES = 6
_IMAGES = 256  # images kept for the next layout (charts are data: URIs, new on each edit)
_LOG = logging.getLogger(__name__)


@dataclass(eq=False)
class _Laid:
    """One part laid out, what its layout depended on, and what it leaves behind."""

    part: Part
    entry: Entry
    document: Any
    context: Any  # WeasyPrint's LayoutContext: page states and strings for new margins
    lookups: dict[str, tuple[Any, ...] | None]
    anchors: dict[str, tuple[int, ...]]  # page counter of each anchor's first page
    exit_counter: tuple[int, ...] | None
    own_strings: dict[str, str]  # the last value the part assigns to each named string
    records: list[logging.LogRecord]
    numbered: bool  # its content (not only margins) prints page-based counters
    spills: bool = False  # its last page leaves a float broken: it runs on into the next part
    shift: int = 0  # how far page numbers moved since the layout (by new margins)

    def fits(self, anchors: dict[str, tuple[int, ...]], complete: bool) -> bool:
        """Whether its looked-up anchors still have the pages it was laid out with."""
        return all(looked_up(name, anchors, complete) == value
                   for name, value in self.lookups.items())

    def exit(self, entry: Entry) -> Entry:
        """The entry of the part after it."""
        strings = dict(entry.strings) | self.own_strings
        last = self.document.pages[-1]._page_box.page_type if self.document.pages else None
        return Entry(entry.pages_before + len(self.document.pages), self.exit_counter,
                     tuple(sorted(strings.items())), entry.total,
                     tuple(last.groups) if last is not None else entry.groups)


@dataclass
class Rendering:
    """A laid-out document, and how it was laid out."""

    document: Any
    parts: int = 1
    laid_out: int = 1  # parts laid out (the others came from the warm cache)
    remargined: int = 0  # parts that only got new page margins
    passes: int = 1
    reason: str = ""  # why the document was laid out whole, if it was
    seconds: list[float] = field(default_factory=list)  # CPU seconds per part laid out
    laid: list[int] = field(default_factory=list)  # the parts laid out (index, in order)
    pages_laid: int = 0  # pages laid out, each layout of a page counted (again or not)


class Layouter:
    """Lay out documents part by part, keeping the parts of the last layout of each key."""

    def __init__(self) -> None:
        from weasyprint.text.fonts import FontConfiguration

        install()
        install_style_cache()
        install_page_refs()
        install_font_bytes()
        self.font_config = FontConfiguration()
        self.images: dict[str, Any] = {}
        self._kept: dict[str, list[_Laid]] = {}
        self._anchors: dict[str, tuple[dict[str, tuple[int, ...]], int | None]] = {}

    def warm_up(self, html: str) -> None:
        """Lay out a snippet: loads fontconfig and Pango's fonts into this font map."""
        import weasyprint

        weasyprint.HTML(string=html).render(font_config=self.font_config, cache=self.images)

    def forget(self, key: str = "") -> None:
        """Drop the parts kept for ``key``."""
        self._kept.pop(key, None)
        self._anchors.pop(key, None)

    def render(self, html: str, base_dir: Path, url_fetcher: Any, key: str = "",
               split: bool = True) -> Rendering:
        """Lay out ``html`` (base URL ``base_dir``); reuse the parts kept under ``key``."""
        before = LAID[0]
        rendering = self._render(html, base_dir, url_fetcher, key, split)
        rendering.pages_laid = LAID[0] - before
        return rendering

    def _render(self, html: str, base_dir: Path, url_fetcher: Any, key: str,
                split: bool) -> Rendering:
        parts = split_html(html, base_dir) if split else Split(
            (Part(html, "", frozenset()),), "splitting turned off")
        if parts.reason or len(parts.parts) == 1:
            self.forget(key)
            started = time.process_time()
            document = self._html(html, base_dir, url_fetcher)
            return Rendering(document, reason=parts.reason or "one part",
                             seconds=[time.process_time() - started])
        if len(self.images) > _IMAGES:
            self.images.clear()  # images of edits long gone: drop them all, keep memory flat
        kept = self._kept.get(key, [])
        anchors, total = self._anchors.get(key, ({}, None))
        rendering = Rendering(None, parts=len(parts.parts), laid_out=0, passes=0)
        complete = bool(anchors)
        laid: list[_Laid] = []
        for _ in range(_PASSES):
            rendering.passes += 1
            laid = self._pass(parts, base_dir, url_fetcher, kept, (anchors, complete),
                              total, rendering)
            kept = laid + [k for k in kept if k not in laid]
            anchors = {name: value for part in laid for name, value in part.anchors.items()}
            new_total = sum(len(part.document.pages) for part in laid)
            settled = all(part.fits(anchors, True) for part in laid) and (
                not parts.uses_total or new_total == total)
            complete, total = True, new_total
            if settled:
                break
        else:
            _LOG.debug("page references still changing after %d passes", _PASSES)
        if any(part.spills for part in laid[:-1]):
            # A float split over the page break that starts the next part goes on there: only
            # a layout of the whole document puts its rest where it belongs.
            self.forget(key)
            started = time.process_time()
            document = self._html(html, base_dir, url_fetcher)
            return Rendering(document, reason="a float runs on over a page break that starts "
                             "a part", seconds=[time.process_time() - started])
        self._kept[key] = laid
        self._anchors[key] = (anchors, total)
        for part in laid:
            for record in part.records:
                logging.getLogger(record.name).handle(record)
        rendering.document = laid[0].document.copy(
            [page for part in laid for page in part.document.pages])
        return rendering

    def _html(self, html: str, base_dir: Path, url_fetcher: Any) -> Any:
        import weasyprint

        return weasyprint.HTML(string=html, base_url=str(base_dir) + "/",
                               url_fetcher=url_fetcher).render(
            font_config=self.font_config, cache=self.images, pdf_tags=True)

    def _pass(self, split: Split, base_dir: Path, url_fetcher: Any, kept: list[_Laid],
              known: tuple[dict[str, tuple[int, ...]], bool], total: int | None,
              rendering: Rendering) -> list[_Laid]:
        """Lay out every part in order, each from where the parts before it end."""
        anchors, complete = dict(known[0]), known[1]
        laid: list[_Laid] = []
        entry = Entry(total=total if split.uses_total else None)
        for index, (part, foreign) in enumerate(zip(split.parts, split.foreign, strict=True)):
            candidates = [k for k in kept if k.part.digest == part.digest
                          and k not in laid and k.fits(anchors, complete)]
            found = next((k for k in candidates if k.entry == entry), None)
            if found is None:
                found = next((k for k in candidates if _margins_only(k, entry, split)), None)
                if found is not None:
                    _remargin(found, entry)
                    rendering.remargined += 1
            if found is None:
                started = time.process_time()
                found = self._lay_out(part, foreign, entry, (anchors, complete), base_dir,
                                      url_fetcher)
                rendering.laid_out += 1
                rendering.laid.append(index)
                rendering.seconds.append(time.process_time() - started)
            laid.append(found)
            anchors.update(found.anchors)
            entry = found.exit(entry)
        return laid

    def _lay_out(self, part: Part, foreign: frozenset[str], entry: Entry,
                 known: tuple[dict[str, tuple[int, ...]], bool], base_dir: Path,
                 url_fetcher: Any) -> _Laid:
        env = PartEnv(entry, foreign, known[0], known[1], open_pages=part.open_pages)
        records: list[logging.LogRecord] = []
        logger = logging.getLogger("weasyprint")
        keep = _Keep(records)
        logger.addFilter(keep)
        token = ACTIVE.set(env)
        try:
            document = self._html(part.html, base_dir, url_fetcher)
        finally:
            ACTIVE.reset(token)
            logger.removeFilter(keep)
        context = env.context
        counters = [env.counters.get(i + 1, ()) for i in range(len(document.pages))]
        own_strings = {}
        for name, by_page in context.string_set.items():
            assigned = [values for _, values in sorted(by_page.items()) if values]
            if assigned:
                own_strings[name] = assigned[-1][-1]
        numbered = bool(context.target_collector.counter_lookup_items)
        laid = _Laid(part, entry, document, context, dict(env.lookups), {},
                     counters[-1] if counters else entry.page_counter, own_strings, records,
                     numbered)
        laid.anchors = _anchor_pages(document, counters)
        laid.spills = bool(context.__dict__.get("reportgen_broken", {}).get(len(document.pages)))
        return laid


def _anchor_pages(document: Any, counters: list[tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
    """The page counter of the first page each anchor of the document is on."""
    found: dict[str, tuple[int, ...]] = {}
    for page, counter in zip(document.pages, counters, strict=True):
        for name in page.anchors:
            found.setdefault(name, counter)
    return found


def _margins_only(laid: _Laid, entry: Entry, split: Split) -> bool:
    """Whether only the page margins of ``laid`` differ under ``entry``."""
    if split.sided and entry.pages_before != laid.entry.pages_before:
        return False  # @page rules for sides or page indexes may size pages differently
    if split.grouped and entry.groups != laid.entry.groups and laid.part.open_pages:
        return False  # so may @page rules for the n-th page of a group
    if entry.page_counter != laid.entry.page_counter:
        if laid.numbered or len(entry.page_counter or (0,)) != len(
                laid.entry.page_counter or (0,)):
            return False
        for page in laid.document.pages:
            style = page._page_box.style
            if any(name == "page" for name, _ in (*style["counter_reset"],
                                                  *style["counter_set"])):
                return False  # the part restarts numbering: values do not just shift
    return True


def _remargin(laid: _Laid, entry: Entry) -> None:
    """Give the laid-out pages of ``laid`` the page margins they get under ``entry``."""
    from weasyprint.document import Page
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.background import layout_box_backgrounds

    # Page states hold the numbers of the layout; the margins so far moved them by .shift.
    moved = (entry.page_counter or (0,))[-1] - (laid.entry.page_counter or (0,))[-1]
    shift = laid.shift + moved
    context = laid.context
    env = PartEnv(entry, frozenset(), {}, True, context=context)
    token = ACTIVE.set(env)
    try:
        for index, page in enumerate(laid.document.pages):
            page_box = page._page_box
            context.current_page = index + 1
            state = context.page_maker[index + 1][3]
            counters = {name: ([*values[:-1], values[-1] + shift] if name == "page"
                               else values) for name, values in state[1].items()}
            margins = make_margins(context, page_box, (state[0], counters, *state[2:]))
            for box in margins:
                layout_box_backgrounds(page_box, box, context.get_image_from_uri)
            page_box.children = tuple(
                child for child in page_box.children
                if not isinstance(child, boxes.MarginBox)) + tuple(margins)
            laid.document.pages[index] = Page(page_box)
    finally:
        ACTIVE.reset(token)
    laid.entry, laid.shift = entry, shift
    laid.anchors = {name: (*value[:-1], value[-1] + moved) if value else value
                    for name, value in laid.anchors.items()}
    if laid.exit_counter:
        laid.exit_counter = (*laid.exit_counter[:-1], laid.exit_counter[-1] + moved)


class _Keep(logging.Filter):
    """Hold WeasyPrint's messages of a part's layout; only the final layouts' are told."""

    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__()
        self.records = records

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            self.records.append(record)
        return False
