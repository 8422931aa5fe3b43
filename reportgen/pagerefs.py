"""Page references laid out once: WeasyPrint 70's bookkeeping of them, corrected.

A box whose ``content`` prints a page number (``target-counter(attr(href url), page)`` in
a table of contents, "see page 12", a note's way back to its citation) cannot know that
number when the box tree is built. WeasyPrint records what each such box is missing and
lays its page out again once the number is known. In version 70 that record is wrong in
four ways, and each costs a page laid out again that prints nothing new:

- ``compute_content_list`` rebinds its list of the box's *own* missing counters to the
  list of the target's missing counters, so every ``target-counter()`` also claims
  ``counter(page)`` of its own page: each page holding one is laid out twice;
- it files the target's missing counters under the anchor name of the unresolved token:
  ``None`` for ``attr(href url)``, so news of the target's page never reaches the box;
- a target laid out *before* the box that points back at it marks the box pending, and
  the box's page is laid out a second time to print the number. The number is known
  before the box is laid out, so the box's content is parsed again then (only when the
  content prints no counter of its own page, which needs the box's page to be known);
- a target whose page counters change in a counter the box does not print (the page
  count, filled in after each pass) re-lays out the box's page.

``install`` replaces ``TargetCollector.collect_missing_counters`` (what a box misses, from
its ``content`` again, keyed by the resolved anchor) and
``TargetCollector.cache_target_page_counters`` (what to do when a target's page is known).
A forward reference still lays its page out again, once, as it must. The laid-out pages
are the same: ``tests/test_pagerefs.py`` compares the bytes of the PDF with WeasyPrint's
own in a process without this module, and the briefing is laid out with 56 pages made for
54 instead of 104.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["anchor_name", "install"]

_INSTALLED: list[bool] = []
_TARGETS = ("target-counter()", "target-counters()")


def install() -> None:
    """Correct WeasyPrint's page-reference bookkeeping once per process (idempotent)."""
    if _INSTALLED:
        return
    _INSTALLED.append(True)
    from weasyprint.css.targets import TargetCollector

    collect = TargetCollector.collect_missing_counters

    def collect_missing_counters(self: Any, parent_box: Any, css_token: str,
                                 parse_again: Any, missing_counters: Any,
                                 missing_target_counters: Any) -> None:
        if self.collecting and (missing_counters or missing_target_counters):
            content = _content_list(parent_box, css_token)
            if content is not None:
                missing_counters, missing_target_counters = _missing(self, parent_box,
                                                                     content)
        collect(self, parent_box, css_token, parse_again, missing_counters,
                missing_target_counters)

    TargetCollector.collect_missing_counters = collect_missing_counters
    TargetCollector.cache_target_page_counters = _cache_target_page_counters


def _content_list(box: Any, css_token: str) -> list[Any] | None:
    """The content list ``css_token`` names on ``box`` (``content`` or a ``string-set``)."""
    if css_token == "content":
        content = box.style["content"]
        return list(content) if isinstance(content, (list, tuple)) else None
    if css_token.startswith("string-set::"):
        name = css_token.removeprefix("string-set::")
        string_set = box.style["string_set"]
        for set_name, values in string_set if string_set != "none" else ():
            if set_name == name:
                return list(values)
    return None


def _missing(collector: Any, box: Any,
             content: list[Any]) -> tuple[list[str], dict[str, list[str]]]:
    """What ``content`` misses: counters of the box's own page, and of each target's.

    The same walk as WeasyPrint's ``compute_content_list``, which stops at a target not
    yet laid out, with its two slips undone (see the module's docstring).
    """
    known = box.cached_counter_values or {}
    own: list[str] = []
    targets: dict[str, list[str]] = {}
    for kind, value in content:
        if kind in ("counter()", "counters()"):
            if value[-1] != "none" and value[0] not in known and value[0] not in own:
                own.append(value[0])
        elif kind in _TARGETS:
            (token, name), counter_type = value[:2], value[-1]
            if counter_type == "none":
                continue
            anchor = anchor_name(token, box)
            item = collector.target_lookup_items.get(anchor)
            if item is None or item.state != "up-to-date" or anchor is None:
                break
            if name not in item.target_box.cached_counter_values:
                names = targets.setdefault(anchor, [])
                if name not in names:
                    names.append(name)
    return own, targets


def _cache_target_page_counters(self: Any, anchor_name: str, page_counter_values: Any,
                                page_maker_index: int, page_maker: list[Any]) -> None:
    """Store the target's page counters; lay out again only pages that print a change."""
    if self.collecting:
        return
    item = self.target_lookup_items.get(anchor_name)
    if item is None or item.state != "up-to-date":
        return
    item.page_maker_index = page_maker_index
    if item.cached_page_counter_values == page_counter_values:
        return
    before = item.cached_page_counter_values
    item.cached_page_counter_values = copy.deepcopy(page_counter_values)
    for (_, css_token), lookup in self.counter_lookup_items.items():
        if css_token != "content":
            continue
        names = lookup.missing_target_counters.get(anchor_name)
        if names is None:
            continue
        if lookup.page_maker_index is None or lookup.page_maker_index >= len(page_maker):
            # The box is not laid out yet (or its page was thrown away).
            if lookup.missing_counters:
                lookup.pending = True  # it prints its own page's counters: WeasyPrint's way
            else:
                lookup.parse_again(lookup.cached_page_counter_values)
            continue
        if all(before.get(name) == page_counter_values.get(name) for name in names):
            continue  # what the box prints of the target is unchanged
        if any(page_counter_values.get(name) is not None for name in names):
            page_maker[lookup.page_maker_index][-1]["content_changed"] = True
            lookup.parse_again(lookup.cached_page_counter_values)


def anchor_name(anchor_token: Any, source_box: Any) -> str | None:
    """The anchor an ``attr()``, URL or string token names (as WeasyPrint resolves it)."""
    from weasyprint.css.targets import anchor_name_from_token
    from weasyprint.urls import get_url_tuple

    if anchor_token[0] == "attr()":
        attr_name, type_, fallback = anchor_token[1]
        value = source_box.element.get(attr_name, fallback)
        if type_ == "string":
            anchor_token = ("string", value)
        elif type_ == "url":
            anchor_token = ("url", get_url_tuple(value, source_box.style.base_url))
    name: str | None = anchor_name_from_token(anchor_token)
    return name
