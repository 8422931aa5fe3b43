"""Whether a page differs from one already checked only in text a browser reads as text.

A warm process renders a page again after every edit, and most edits change words, not
markup. ``htmlcheck.check_page`` reads elements, attributes and CSS, never the text of text
nodes: when the new page splits into the same tags, comments and raw-text content as the
checked one, and every piece that differs is character data a parser builds no element
from, the checked page's verdict is the new page's (``same_markup``). Whenever that is not
sure, the answer is False and the page is checked in full.
"""

from __future__ import annotations

import functools
import re

from .htmlcheck import MAX_MARKUP

__all__ = ["same_markup"]

_WS = "\t\n\f\r "
# A tag as the WHATWG tokenizer reads it, written stricter than the tokenizer: where this
# matches, the tokenizer's tag ends at the same ">" and the text after it is read in the
# data state.
_ATTR = (r"[^\t\n\f\r />=\"'<\0]+"
         r"(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:\"[^\"\0]*\"|'[^'\0]*'|[^\t\n\f\r \"'=<>`\0]+))?")
_TAG = re.compile(rf"<(/?)([A-Za-z][A-Za-z0-9:-]*)(?:[\t\n\f\r ]+{_ATTR})*[\t\n\f\r ]*/?>")
_TEXT = re.compile(r"[^<]+")
_COMMENT_END = re.compile(r"-->")
_DOCTYPE = re.compile(r"<!DOCTYPE html>", re.IGNORECASE)
# Elements whose content the tokenizer reads as text up to their end tag (RCDATA, RAWTEXT):
# accepted when that content holds no "<" (read as text then, whatever the namespace and
# the scripting flag), or for the three always read so in HTML, before any <svg> or <math>.
_RAW = {"style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title"}
_ALWAYS_RAW = {"style", "textarea", "title"}
_FOREIGN = {"svg", "math"}
_GIVE_UP = {"script", "plaintext"}  # script data's escapes; text to the end of the file
_CHARREF = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)")


@functools.lru_cache(maxsize=8)  # each edition's page and print page, last and new
def _tokens(html: str) -> tuple[tuple[str, str], ...] | None:
    """Split a page into ("tag" | "text" | "other", source) tokens; None if unsure how."""
    out: list[tuple[str, str]] = []
    pos, end, body, foreign = 0, len(html), False, False
    while pos < end:
        if html[pos] != "<":
            match = _TEXT.match(html, pos)
            assert match is not None
            out.append(("text" if body else "other", match.group()))
            pos = match.end()
            continue
        if html.startswith("<!--", pos):
            close = _COMMENT_END.search(html, pos + 4)
            if close is None or html[pos + 4:pos + 6] in ("->", ">") \
                    or "--!>" in html[pos:close.end()]:
                return None  # the comment's end is one a quick reading could get wrong
            out.append(("other", html[pos:close.end()]))
            pos = close.end()
            continue
        match = _TAG.match(html, pos) or _DOCTYPE.match(html, pos)
        if match is None:
            return None
        out.append(("tag", match.group()))
        pos = match.end()
        if match.re is _DOCTYPE or match.group(1):
            continue
        name = match.group(2).lower()
        body = body or name == "body"
        foreign = foreign or name in _FOREIGN
        if name in _GIVE_UP:
            return None
        if name in _RAW:
            close_tag = re.compile(rf"</{name}[{_WS}/>]", re.IGNORECASE).search(html, pos)
            if close_tag is None or ("<" in html[pos:close_tag.start()]
                                     and (foreign or name not in _ALWAYS_RAW)):
                return None
            out.append(("other", html[pos:close_tag.start()]))
            pos = close_tag.start()
    return tuple(out)


def _reads_as_text(text: str) -> bool:
    """Whether ``text`` is only characters, at least one of them not white space."""
    if any(c in text for c in "\0\r>"):
        return False
    return bool(_CHARREF.sub("", text).strip(_WS))


def same_markup(checked: str, page: str) -> bool:
    """Whether ``page`` differs from ``checked`` only in text a browser reads as text.

    True when both split into the same tags, comments and raw-text content, and every
    piece that differs is character data after ``<body>``, on both sides holding at
    least one character that is not white space (a parser builds the same elements with
    the same attributes then: only the text of text nodes changes). The page check reads
    elements, attributes and CSS, never text, so ``checked``'s verdict is ``page``'s.
    False whenever that is not sure, and the caller checks ``page`` in full.
    """
    if checked == page:
        return True
    if page.count("<") > MAX_MARKUP or page.count("&") > MAX_MARKUP:
        return False
    old, new = _tokens(checked), _tokens(page)
    if old is None or new is None or len(old) != len(new):
        return False
    return all(a == b or (a[0] == b[0] == "text" and _reads_as_text(a[1])
                          and _reads_as_text(b[1]))
               for a, b in zip(old, new, strict=True))
