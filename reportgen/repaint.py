"""Paint a laid-out page once: write it again from its recorded PDF operators.

Writing a PDF paints every page (``Page.paint``) into a content stream, and on the way
registers what the page uses in state shared by the whole file: fonts and the glyphs it
draws (in first-use order, which is the order of the ToUnicode map), resources (alpha
states, groups, patterns, shadings), images and tag marks. ``Painter`` records, for each
page object, the operators and those registrations; when the same page object is written
again and the shared state before it is the same as when it was recorded, it replays them
instead of painting, which gives the same bytes. A page that is new, or follows pages that
register different resources, is painted (and recorded) as usual.
"""

from __future__ import annotations

import contextvars
import copy
import hashlib
import logging
import weakref
import zlib
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Painter"]

_CATEGORIES = ("ExtGState", "XObject", "Pattern", "Shading")
_ACTIVE: contextvars.ContextVar[Painter | None] = contextvars.ContextVar("reportgen_painter",
                                                                        default=None)
_USES: contextvars.ContextVar[_Uses | None] = contextvars.ContextVar("reportgen_uses",
                                                                     default=None)


@dataclass
class _Uses:
    """Fonts a page's painting asks for, and the glyphs it looks up, in first-use order."""

    fonts: dict[int, Any] = field(default_factory=dict)  # key -> pristine Font
    glyphs: dict[int, dict[int, None]] = field(default_factory=dict)


@dataclass
class _Recording:
    before: tuple[Any, ...]  # the shared state the page was painted after
    scale: float
    ops: bytes
    fonts: dict[int, Any]  # key -> pristine Font, in first-use order
    glyphs: dict[int, list[tuple[int, str | None, int | None]]]  # key -> (glyph, text, width)
    resources: dict[str, list[tuple[str, Any]]]
    images: dict[str, tuple[Any, Any, set[Any]]]
    tags: dict[Any, dict[str, Any]]
    records: list[logging.LogRecord]


class _GlyphLog(dict):  # type: ignore[type-arg]
    """A font's glyph-to-text map that notes every glyph the painter looks up."""

    def __init__(self, values: dict[int, str], log: dict[int, None]) -> None:
        super().__init__(values)
        self.log = log

    def __contains__(self, glyph: object) -> bool:
        if isinstance(glyph, int) and glyph not in self.log:
            self.log[glyph] = None
        return dict.__contains__(self, glyph)


class Painter:
    """Recordings of painted pages, held as long as their page objects live."""

    def __init__(self) -> None:
        _install()
        self._recordings: weakref.WeakKeyDictionary[Any, _Recording] = (
            weakref.WeakKeyDictionary())
        self.painted = 0
        self.replayed = 0
        self._deflated: dict[bytes, bytes] = {}  # sha256 of a page stream -> its deflated bytes
        self._fresh: dict[bytes, bytes] = {}

    def write_pdf(self, document: Any, target: Any, **options: Any) -> Any:
        """``document.write_pdf``, replaying the pages recorded before."""
        token = _ACTIVE.set(self)
        try:
            return document.write_pdf(target, **options)
        finally:
            _ACTIVE.reset(token)

    def paint(self, paint: Any, page: Any, stream: Any, scale: float) -> None:
        recording = self._recordings.get(page)
        before = _state(stream)
        if stream.compress and _REMEMBERED:
            stream.__class__ = _REMEMBERED[0]  # its compressed bytes are kept for next time
            stream.painter = self
        if recording is not None and recording.before == before and recording.scale == scale:
            _replay(recording, stream)
            self.replayed += 1
            return
        self.painted += 1
        recording = _record(paint, page, stream, scale, before)
        if recording is not None:
            self._recordings[page] = recording

    def compressed(self, data: bytes) -> bytes:
        """``data`` deflated as pydyf does it, from the last two writes' pages if seen."""
        key = hashlib.sha256(data).digest()
        found = self._fresh.get(key) or self._deflated.get(key)
        if found is None:
            deflate = zlib.compressobj(level=9)
            found = deflate.compress(data) + deflate.flush()
        self._fresh[key] = found
        if len(self._fresh) > _KEEP_STREAMS:
            self._deflated, self._fresh = self._fresh, {}
        return found


def _state(stream: Any) -> tuple[Any, ...]:
    """The shared state a page's painting depends on."""
    resources = stream._resources
    return (tuple(tuple(resources[c]) for c in _CATEGORIES),
            tuple((k, tuple(sorted(v["dpi_ratios"]))) for k, v in stream._images.items()),
            -1 if stream._tags is None else len(stream._tags))


def _record(paint: Any, page: Any, stream: Any, scale: float,
            before: tuple[Any, ...]) -> _Recording | None:
    fonts, resources, images, tags = stream._fonts, stream._resources, stream._images, \
        stream._tags
    had = {c: set(resources[c]) for c in _CATEGORIES}
    had_images = {k: set(v["dpi_ratios"]) for k, v in images.items()}
    had_tags = set(tags) if tags is not None else set()
    prefix = list(stream.stream)
    uses = _Uses()
    for key, font in fonts.items():
        font.to_unicode = _GlyphLog(font.to_unicode, uses.glyphs.setdefault(key, {}))
    records: list[logging.LogRecord] = []
    logger = logging.getLogger("weasyprint")
    keep = _Tell(records)
    logger.addFilter(keep)
    token = _USES.set(uses)
    try:
        paint(page, stream, scale)
    finally:
        _USES.reset(token)
        logger.removeFilter(keep)
        for font in fonts.values():
            if isinstance(font.to_unicode, _GlyphLog):
                font.to_unicode = dict(font.to_unicode)
    if stream.stream[:len(prefix)] != prefix or any(font.missing for font in fonts.values()):
        return None  # painting rewrote what came before, or drew missing glyphs
    import pydyf

    ops = b"\n".join(pydyf._to_bytes(op) for op in stream.stream[len(prefix):])
    used = {key: pristine or _pristine(fonts[key]) for key, pristine in uses.fonts.items()}
    glyphs = {key: [(g, fonts[key].to_unicode.get(g), fonts[key].widths.get(g))
                    for g in uses.glyphs[key]] for key in used}
    added = {c: [(name, _copy(value)) for name, value in resources[c].items()
                 if name not in had[c]] for c in _CATEGORIES}
    new_images = {k: (v["image"], v["interpolate"], set(v["dpi_ratios"]) - had_images.get(k, set()))
                  for k, v in images.items()
                  if k not in had_images or v["dpi_ratios"] != had_images[k]}
    new_tags = {box: dict(value) for box, value in (tags or {}).items() if box not in had_tags}
    return _Recording(before, scale, ops, used, glyphs, added, new_images, new_tags, records)


def _replay(recording: _Recording, stream: Any) -> None:
    stream.stream.append(recording.ops)
    fonts = stream._fonts
    for key, pristine in recording.fonts.items():
        font = fonts.get(key)
        if font is None:
            font = fonts[key] = _pristine(pristine)
        for glyph, text, width in recording.glyphs[key]:
            if text is not None and glyph not in font.to_unicode:
                font.to_unicode[glyph] = text
            if width is not None:
                font.widths.setdefault(glyph, width)
    for category, items in recording.resources.items():
        for name, value in items:
            stream._resources[category][name] = _copy(value)
    for name, (image, interpolate, ratios) in recording.images.items():
        entry = stream._images.setdefault(name, {
            "image": image, "interpolate": interpolate, "dpi_ratios": set(), "x_object": None})
        entry["dpi_ratios"] |= ratios
    if stream._tags is not None:
        stream._tags.update({box: dict(value) for box, value in recording.tags.items()})
    for record in recording.records:
        logging.getLogger(record.name).handle(record)


def _pristine(font: Any) -> Any:
    """A copy of a font as it is before any glyph was drawn with it."""
    fresh = copy.copy(font)
    fresh.widths, fresh.to_unicode, fresh.missing = {}, {}, {}
    fresh.variations = dict(font.variations)
    fresh.used_in_forms = False
    return fresh


def _copy(value: Any) -> Any:
    """A copy of a resource that writing the PDF may change (groups, patterns, masks)."""
    import pydyf

    if isinstance(value, pydyf.Stream):
        return pydyf.Stream(list(value.stream), _copy(value.extra), value.compress)
    if isinstance(value, pydyf.Dictionary):
        return pydyf.Dictionary({k: _copy(v) for k, v in value.items()})
    if isinstance(value, pydyf.Array):
        return pydyf.Array([_copy(v) for v in value])
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


class _Tell(logging.Filter):
    """Let painting's messages through, and keep them to tell again on a replay."""

    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__()
        self.records = records

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            self.records.append(record)
        return True


_INSTALLED: list[bool] = []
_REMEMBERED: list[type] = []
_KEEP_STREAMS = 2000  # page streams whose deflated bytes are kept (two long documents)


def _install() -> None:
    """Route ``Page.paint`` and ``Stream.add_font`` through the active painter."""
    if _INSTALLED:
        return
    _INSTALLED.append(True)
    from weasyprint.document import Page
    from weasyprint.pdf.stream import Stream

    paint, add_font = Page.paint, Stream.add_font

    def page_paint(self: Any, stream: Any, scale: float = 1) -> None:
        painter = _ACTIVE.get()
        if painter is None:
            paint(self, stream, scale)
        else:
            painter.paint(paint, self, stream, scale)

    def stream_add_font(self: Any, pango_font: Any) -> Any:
        known = set(self._fonts)
        font, size = add_font(self, pango_font)
        uses = _USES.get()
        key = None if uses is None else next(
            (k for k, v in self._fonts.items() if v is font), None)
        if uses is not None and key is not None:
            if key not in known:  # new: note its glyph lookups from the start
                uses.fonts[key] = _pristine(font)
                font.to_unicode = _GlyphLog(font.to_unicode, uses.glyphs.setdefault(key, {}))
            uses.glyphs.setdefault(key, {})
            uses.fonts.setdefault(key, None)
        return font, size

    class Remembered(Stream):  # type: ignore[misc]
        """A page's content stream, deflated once for as long as its bytes do not change."""

        @property
        def data(self) -> bytes:
            import pydyf

            stream = b"\n".join(pydyf._to_bytes(item) for item in self.stream)
            extra = pydyf.Dictionary(self.extra.copy())
            extra["Filter"] = "/FlateDecode"
            stream = self.painter.compressed(stream)
            extra["Length"] = len(stream)
            return b"\n".join((extra.data, b"stream", stream, b"endstream"))

    Page.paint = page_paint
    Stream.add_font = stream_add_font
    _REMEMBERED.append(Remembered)
