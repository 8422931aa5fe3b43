"""Read a font's whole file only when writing the PDF needs it.

WeasyPrint's ``Font`` copies the whole font file out of HarfBuzz as it is made (20 MB for
a CJK collection), for each PDF written; the subsetter (HarfBuzz's, with
libharfbuzz-subset) then embeds a subset made from the face, and never reads the copy.
A process that stays up keeps the fonts its recorded pages use (``repaint``): one copy of
each font file per document written, and every page of the mapped file made resident by
the copying. ``install()`` makes ``Font.file_content`` read the file when first read, from
the same face, so the bytes are the same: only the paths that need the whole file (the
fontTools subsetter, variable or colour fonts, a PDF without subsetting) read it.
"""

from __future__ import annotations

import contextvars
from typing import Any

__all__ = ["install"]

_UNREAD = object()  # a font whose file was not read yet
_MAKING: contextvars.ContextVar[bool] = contextvars.ContextVar("reportgen_font_making",
                                                               default=False)
_INSTALLED: list[bool] = []


def install() -> None:
    """Patch WeasyPrint's ``Font`` once per process (idempotent)."""
    if _INSTALLED:
        return
    _INSTALLED.append(True)
    from weasyprint.pdf import fonts

    read, make = fonts.get_hb_object_data, fonts.Font.__init__

    def deferred_read(hb_object: Any, *args: Any, **kwargs: Any) -> Any:
        # Font.__init__ asks for the whole face's data first thing: answer "later".
        if _MAKING.get() and not args and not kwargs:
            return _UNREAD
        return read(hb_object, *args, **kwargs)

    def font_init(self: Any, *args: Any, **kwargs: Any) -> None:
        token = _MAKING.set(True)
        try:
            make(self, *args, **kwargs)
        finally:
            _MAKING.reset(token)

    def get_content(self: Any) -> Any:
        content = self.__dict__.get("_file_content", _UNREAD)
        if content is _UNREAD:
            content = self.__dict__["_file_content"] = read(self.hb_face)
        return content

    def set_content(self: Any, content: Any) -> None:
        self.__dict__["_file_content"] = content

    fonts.get_hb_object_data = deferred_read
    fonts.Font.__init__ = font_init
    fonts.Font.file_content = property(get_content, set_content,
                                       doc="The font file's bytes, read when first used.")
