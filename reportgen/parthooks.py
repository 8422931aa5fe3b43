"""Hooks into WeasyPrint's paginator: a part lays out as if the parts before it were there.

While ``ACTIVE`` holds a ``PartEnv`` (one part's layout, see ``layout.py``), WeasyPrint:

- starts the part's pages after ``pages_before`` pages: the first page's side (left or
  right) and the page index that ``@page :first`` and ``:nth()`` see, and goes on counting
  the page groups (``:nth(1 of chapter)``) of elements that started in an earlier part;
- starts the ``page`` counter from the value the part before it left;
- answers ``string(name)`` on pages before the part's own first assignment with the value
  the parts before it left (running headers);
- prints ``counter(pages)`` in page margins as the whole document's page count;
- answers ``target-counter(url, page)`` for anchors other parts define from their page
  counters, as if WeasyPrint had laid them out, and records what it looked up.

Outside a part's layout (``ACTIVE`` unset), every hook does what WeasyPrint does, but one
that fixes a WeasyPrint 70 fault, in parts and whole documents alike: a page laid out again
(its page references changed) resumes the floats the page before it left broken (a note
split across pages), which WeasyPrint takes from whatever page it laid out last, so the
rest of such a float vanished or moved.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any

from .pagerefs import anchor_name

__all__ = ["ACTIVE", "LAID", "UNKNOWN", "Entry", "PartEnv", "install", "looked_up", "make_margins"]

UNKNOWN = ("unknown",)  # an anchor looked up before any part had laid it out
LAID = [0]  # pages laid out by this process (each layout of a page counts, again or not)


@dataclass(frozen=True)
class Entry:
    """What a part starts from: left by the parts before it."""

    pages_before: int = 0
    page_counter: tuple[int, ...] | None = None  # the 'page' counter before its first page
    strings: tuple[tuple[str, str], ...] = ()  # named strings in force
    total: int | None = None  # counter(pages), when the document uses it
    groups: tuple[tuple[str, int], ...] = ()  # page groups (name, index) of the last page


@dataclass
class PartEnv:
    """One part's layout: its entry, the anchors it may look up, and what it records."""

    entry: Entry
    foreign: frozenset[str]  # anchors that other parts define
    anchors: dict[str, tuple[int, ...]]  # page counter of the anchors known so far
    complete: bool  # every anchor of the other parts is in ``anchors`` (else: unknown)
    lookups: dict[str, tuple[Any, ...] | None] = field(default_factory=dict)
    counters: dict[int, tuple[int, ...]] = field(default_factory=dict)  # page -> counter
    context: Any = None  # WeasyPrint's LayoutContext of the part
    open_pages: tuple[str, ...] = ()  # named pages of elements open since earlier parts

    def carried(self) -> dict[str, int]:
        """Page groups that go on from the part before: their next index, by name."""
        return {name: index + 1 for name, index in self.entry.groups
                if name in self.open_pages}


ACTIVE: contextvars.ContextVar[PartEnv | None] = contextvars.ContextVar("reportgen_part",
                                                                       default=None)


def looked_up(name: str, anchors: dict[str, tuple[int, ...]],
              complete: bool) -> tuple[Any, ...] | None:
    """The page counter an anchor lookup gets: known, unknown yet, or None (undefined)."""
    if name in anchors:
        return anchors[name]
    return None if complete else UNKNOWN


_INSTALLED: list[Any] = []


def install() -> None:
    """Patch WeasyPrint's paginator once per process (idempotent)."""
    if _INSTALLED:
        return
    import weasyprint.document as wdocument
    import weasyprint.layout as wlayout
    import weasyprint.layout.page as wpage
    from weasyprint.css.targets import TargetCollector, TargetLookupItem

    initialize_page_maker = wlayout.initialize_page_maker
    page_type = wpage.PageType
    make_margin_boxes = wlayout.make_margin_boxes
    get_string_set_for = wlayout.LayoutContext.get_string_set_for
    remake_page = wpage.remake_page
    _INSTALLED.append(make_margin_boxes)

    def remake(index: int, context: Any, root_box: Any, html: Any) -> Any:
        # What each page left broken out of flow, kept with the page after it.
        broken = context.__dict__.setdefault("reportgen_broken", {})
        if index in broken:
            context.broken_out_of_flow = dict(broken[index])
        elif index == 0:
            context.broken_out_of_flow = {}
        page, resume_at = remake_page(index, context, root_box, html)
        LAID[0] += 1
        broken[index + 1] = dict(context.broken_out_of_flow)
        return page, resume_at

    def initialize(context: Any, root_box: Any) -> None:
        initialize_page_maker(context, root_box)
        env = ACTIVE.get()
        if env is None:
            return
        env.context = context
        entry = env.entry
        if entry.pages_before == 0:
            return
        resume_at, next_page, right_page, state, remake = context.page_maker[0]
        if entry.page_counter is not None:
            state[1]["page"] = list(entry.page_counter)
            state[2][-1].add("page")
        right_page = right_page != bool(entry.pages_before % 2)
        # The part's first element starts a page after a forced break, as in the document.
        context.page_maker[0] = (resume_at, {**next_page, "break": "page"}, right_page,
                                 state, remake)

    def typed(side: Any, blank: Any, name: Any, index: int, groups: Any) -> Any:
        env = ACTIVE.get()
        if env is None:
            return page_type(side, blank, name, index, groups)
        # A group WeasyPrint started on the part's first page (its index equals the page's)
        # is the group of an element that started in an earlier part: it goes on counting.
        carried = env.carried()
        groups = tuple((n, i + carried[n]) if n in carried and i == index else (n, i)
                       for n, i in groups)
        return page_type(side, blank, name, index + env.entry.pages_before, groups)

    def margins(context: Any, page: Any, state: Any) -> Any:
        env = ACTIVE.get()
        if env is not None:
            env.counters[context.current_page] = tuple(state[1].get("page", ()))
            if env.entry.total is not None:  # a copy: the paginator compares states
                state = (state[0], {**state[1], "pages": [env.entry.total]}, *state[2:])
        return make_margin_boxes(context, page, state)

    def strings(self: Any, page: Any, name: str, keyword: str = "first") -> Any:
        found = get_string_set_for(self, page, name, keyword)
        env = ACTIVE.get()
        if env is None or found or keyword == "all-once":
            return found
        store = self.string_set.get(name, {})
        if keyword == "first-except" and self.current_page in store:
            return found
        if any(p in store for p in range(1, self.current_page)):
            return found
        carried = dict(env.entry.strings)
        return (carried[name],) if name in carried else found

    class Targets(TargetCollector):  # type: ignore[misc]
        """Answer target-counter(…, page) for anchors that other parts define."""

        def lookup_target(self, anchor_token: Any, source_box: Any, css_token: Any,
                          parse_again: Any) -> Any:
            env = ACTIVE.get()
            name = anchor_name(anchor_token, source_box) if env is not None else None
            if env is not None and name in env.foreign:
                value = looked_up(name, env.anchors, env.complete)
                env.lookups[name] = value
                if value is not None:
                    # The page counter is known now: WeasyPrint need not repaginate to
                    # learn it, as it does for a target of its own.
                    counter = list(value) if value is not UNKNOWN and value else [0]
                    item = TargetLookupItem("up-to-date")
                    item.target_box = _ForeignBox({"page": counter})
                    item.cached_page_counter_values = {"page": counter}
                    return item
            return super().lookup_target(anchor_token, source_box, css_token, parse_again)

    wlayout.initialize_page_maker = initialize
    wpage.remake_page = remake
    wpage.PageType = typed
    wlayout.make_margin_boxes = margins
    wlayout.LayoutContext.get_string_set_for = strings
    wdocument.TargetCollector = Targets


def make_margins(context: Any, page_box: Any, state: Any) -> list[Any]:
    """Margin boxes of a laid-out page for the active entry (page numbers, strings)."""
    import weasyprint.layout as wlayout

    install()
    return list(wlayout.make_margin_boxes(context, page_box, state))


class _ForeignBox:
    """Stands for a target box laid out in another part, with its page counter."""

    def __init__(self, counters: dict[str, list[int]]) -> None:
        self.cached_counter_values = counters
