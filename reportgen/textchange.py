"""Whether a page differs from one already checked only in text a browser reads as text.

A warm process renders a page again after every edit, and most edits change words, not
markup. ``htmlcheck.check_page`` reads elements, attributes and CSS, never the text of text
nodes: when the new page splits into the same tags, comments and raw-text content as the
checked one, and every piece that differs is character data a parser builds no element
from, the checked page's verdict is the new page's (``same_markup``). Whenever that is not
sure, the answer is False and the page is checked in full.
"""

from __future__ import annotations

import bisect
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from .htmlcheck import MAX_MARKUP

__all__ = ["changed_span", "read_ahead", "same_markup"]

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


_BODY, _IN_FOREIGN = 1, 2  # the tokenizer's state after a token: <body> seen, <svg>/<math> seen


@dataclass
class _Tokens:
    """A page split into tokens: each one's kind and source, where it ends, and the state
    the reading is in after it."""

    pieces: list[tuple[str, str]]  # ("tag" | "text" | "other", source)
    ends: list[int]
    states: list[int]


def _scan(html: str, pos: int, state: int, stop: Callable[[int, int], bool] | None = None
          ) -> _Tokens | None:
    """Split ``html`` from ``pos`` (read in ``state``) into tokens; None if unsure how.

    ``stop(end, state)``, asked after each token, ends the reading early when true.
    Reading a token looks at no character past the start of the token after it.
    """
    found = _Tokens([], [], [])
    pieces, ends, states = found.pieces, found.ends, found.states
    end = len(html)
    while pos < end:
        if html[pos] != "<":
            match = _TEXT.match(html, pos)
            assert match is not None
            pieces.append(("text" if state & _BODY else "other", match.group()))
        elif html.startswith("<!--", pos):
            close = _COMMENT_END.search(html, pos + 4)
            if close is None or html[pos + 4:pos + 6] in ("->", ">") \
                    or "--!>" in html[pos:close.end()]:
                return None  # the comment's end is one a quick reading could get wrong
            match = close
            pieces.append(("other", html[pos:close.end()]))
        else:
            match = _TAG.match(html, pos) or _DOCTYPE.match(html, pos)
            if match is None:
                return None
            pieces.append(("tag", match.group()))
            if match.re is not _DOCTYPE and not match.group(1):
                name = match.group(2).lower()
                state |= (_BODY if name == "body" else 0) | (_IN_FOREIGN if name in _FOREIGN
                                                             else 0)
                if name in _GIVE_UP:
                    return None
                if name in _RAW:
                    ends.append(match.end())
                    states.append(state)
                    close_tag = re.compile(rf"</{name}[{_WS}/>]", re.IGNORECASE).search(
                        html, match.end())
                    if close_tag is None or ("<" in html[match.end():close_tag.start()]
                                             and (state & _IN_FOREIGN or
                                                  name not in _ALWAYS_RAW)):
                        return None
                    pieces.append(("other", html[match.end():close_tag.start()]))
                    pos = close_tag.start()
                    ends.append(pos)
                    states.append(state)
                    if stop is not None and stop(pos, state):
                        break
                    continue
        pos = match.end()
        ends.append(pos)
        states.append(state)
        if stop is not None and stop(pos, state):
            break
    return found


_KEPT = 8  # each edition's page and print page, last and new
_SEEN: OrderedDict[str, _Tokens | None] = OrderedDict()


def _remember(html: str, tokens: _Tokens | None) -> _Tokens | None:
    _SEEN[html] = tokens
    _SEEN.move_to_end(html)
    while len(_SEEN) > _KEPT:
        _SEEN.popitem(last=False)
    return tokens


def _tokens(html: str) -> _Tokens | None:
    """The tokens of a whole page (kept for the pages seen last)."""
    if html in _SEEN:
        _SEEN.move_to_end(html)
        return _SEEN[html]
    return _remember(html, _scan(html, 0, 0))


def read_ahead(html: str) -> None:
    """Split a checked page into tokens now, while nobody waits: the first edit after it
    then reads only the window it changed (``same_markup``)."""
    if not _too_large(html):
        _tokens(html)


def _too_large(html: str) -> bool:
    """Whether a page holds more markup than a reading here takes on (``htmlcheck``'s cap)."""
    return html.count("<") > MAX_MARKUP or html.count("&") > MAX_MARKUP


def _common_prefix(a: str, b: str, limit: int) -> int:
    """The length of the longest common prefix of ``a`` and ``b``, at most ``limit``."""
    low, step = 0, 1 << 16
    while low < limit and step:  # whole chunks while equal, then ever smaller ones
        size = min(step, limit - low)
        if a[low:low + size] == b[low:low + size]:
            low += size
        else:
            step //= 2
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    """The length of the longest common suffix of ``a`` and ``b``, at most ``limit``."""
    high, step, la, lb = 0, 1 << 16, len(a), len(b)
    while high < limit and step:
        size = min(step, limit - high)
        if a[la - high - size:la - high] == b[lb - high - size:lb - high]:
            high += size
        else:
            step //= 2
    return high


def _opens_raw(piece: tuple[str, str]) -> bool:
    """Whether the token is a start tag whose content is read as raw text."""
    match = _TAG.match(piece[1]) if piece[0] == "tag" else None
    return match is not None and not match.group(1) and match.group(2).lower() in _RAW


def changed_span(old: str, new: str) -> tuple[int, int, int]:
    """Where ``new`` differs from ``old``: (start, end in old, end in new).

    Before ``start`` and after the ends both read the same.
    """
    shortest = min(len(old), len(new))
    prefix = _common_prefix(old, new, shortest)
    suffix = _common_suffix(old, new, shortest - prefix)
    return prefix, len(old) - suffix, len(new) - suffix


def _window(checked: str, old: _Tokens, page: str
            ) -> tuple[list[tuple[str, str]], _Tokens] | None:
    """Read only the tokens of ``page`` an edit of ``checked`` can have changed.

    Returns the tokens of ``checked`` they replace, and all of ``page``'s tokens (the
    unchanged ones taken from ``checked``'s); None if unsure how to read ``page``.
    Before the first changed character, both pages read alike but for the token reaching
    it and the one before (a token's reading looks at the next token's first character);
    once a token of ``page`` ends, in the same state, where a token of ``checked`` ends
    within the unchanged end of both, the rest reads alike too.
    """
    prefix, _, tail = changed_span(checked, page)
    first = max(0, bisect.bisect_right(old.ends, prefix) - 2)
    if first and _opens_raw(old.pieces[first - 1]):
        first -= 1  # raw text is read as such only after the tag that opens it
    start = old.ends[first - 1] if first else 0
    shift = len(page) - len(checked)
    last = [-1]

    def synced(end: int, state: int) -> bool:
        if end < tail:
            return False
        at = bisect.bisect_left(old.ends, end - shift)
        if at < len(old.ends) and old.ends[at] == end - shift and old.states[at] == state \
                and at >= first:
            last[0] = at
            return True
        return False

    read = _scan(page, start, old.states[first - 1] if first else 0, synced)
    if read is None:
        return None
    stop = last[0] if last[0] >= 0 else len(old.ends) - 1
    replaced = old.pieces[first:stop + 1]
    tokens = _Tokens(old.pieces[:first] + read.pieces + old.pieces[stop + 1:],
                     old.ends[:first] + read.ends + [e + shift for e in old.ends[stop + 1:]],
                     old.states[:first] + read.states + old.states[stop + 1:])
    _remember(page, tokens)
    return replaced, read


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
    if _too_large(page):
        return False
    old = _tokens(checked)
    if old is None:
        return False
    if page in _SEEN:
        new = _tokens(page)
        if new is None:
            return False
        replaced, read = old.pieces, new.pieces
    else:
        window = _window(checked, old, page)
        if window is None:
            return False
        replaced, read = window[0], window[1].pieces
    return len(replaced) == len(read) and all(
        a == b or (a[0] == b[0] == "text" and _reads_as_text(a[1]) and _reads_as_text(b[1]))
        for a, b in zip(replaced, read, strict=True))
