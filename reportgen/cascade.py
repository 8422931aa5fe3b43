"""The few cascaded CSS values that decide where a document may be split into parts.

Not a CSS engine: it matches the document's selectors (cssselect2, as WeasyPrint does)
for the declarations of ``break-before``, ``break-after`` (and their ``page-break-*``
aliases) and the counter properties, and picks the winner by importance, specificity
and order. Rules in ``@media`` apply when the media query holds for print.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from xml.etree import ElementTree

import cssselect2  # type: ignore[import-untyped]
import tinycss2

__all__ = ["Cascade"]

_WANTED = {"break-before", "break-after", "page-break-before", "page-break-after",
           "counter-reset", "counter-increment", "counter-set", "page"}
_ALIASES = {"page-break-before": "break-before", "page-break-after": "break-after"}
_INLINE = (1, 0, 0)  # a style attribute outranks every selector
_NOT_COUNTERS = {"page", "pages", "none"}


class Cascade:
    """Cascaded break and counter declarations of one parsed document."""

    def __init__(self, html: Any, stylesheets: list[str],
                 walk: Callable[[Any], list[Any]]) -> None:

        self.error = ""
        self._walk = walk
        self._element: dict[int, Any] = {}
        root = self._tree(html)
        wrappers = {id(w.etree_element): w
                    for w in cssselect2.ElementWrapper.from_html_root(root).iter_subtree()}
        self._wrapper = {key: wrappers[id(element)] for key, element in self._element.items()}
        self._matcher = cssselect2.Matcher()
        self._order = 0
        for sheet in stylesheets:
            self._add_rules(_parse_sheet(sheet))
        self._values: dict[tuple[int, str], str] = {}

    def _tree(self, html: Any) -> Any:
        """An ElementTree of the scanned elements (tags and attributes, no text)."""
        def make(node: Any, parent: Any) -> Any:
            attrs = {k: v or "" for k, v in node.attrs}
            element = ElementTree.Element(node.tag, attrs) if parent is None \
                else ElementTree.SubElement(parent, node.tag, attrs)
            self._element[id(node)] = element
            for child in node.children:
                make(child, element)
            return element
        return make(html, None)

    def _add_rules(self, rules: Iterable[Any]) -> None:
        from weasyprint.css.media_queries import evaluate_media_query, parse_media_query

        for rule in rules:
            if rule.type == "qualified-rule":
                declarations = [d for d in tinycss2.parse_blocks_contents(
                    rule.content, skip_comments=True, skip_whitespace=True)
                    if d.type == "declaration" and d.lower_name in _WANTED]
                if not declarations:
                    continue
                try:
                    selectors = cssselect2.compile_selector_list(rule.prelude)
                except cssselect2.SelectorError:
                    continue  # WeasyPrint ignores it too
                for selector in selectors:
                    self._matcher.add_selector(selector, declarations)
            elif rule.type == "at-rule" and rule.content is not None:
                keyword = rule.lower_at_keyword
                if keyword == "media":
                    media = parse_media_query(rule.prelude)
                    if not media or not evaluate_media_query(media, "print"):
                        continue
                elif keyword not in ("supports", "layer", "container", "document"):
                    continue  # @page, @font-face, @counter-style: no element rules
                self._add_rules(tinycss2.parse_rule_list(
                    rule.content, skip_comments=True, skip_whitespace=True))

    def value(self, node: Any, name: str) -> str:
        """The cascaded value of ``name`` (a break property or page) on ``node``, lower case."""
        key = (id(node), name)
        if key not in self._values:
            best: tuple[Any, ...] | None = None
            for rank, declaration in self._declarations(node):
                if _ALIASES.get(declaration.lower_name, declaration.lower_name) != name:
                    continue
                ranked = (declaration.important, *rank)
                if best is None or ranked >= best[:-1]:
                    best = (*ranked, _keyword(declaration))
            value = str(best[-1]) if best else "auto"
            self._values[key] = "page" if value == "always" else value
        return self._values[key]

    def _declarations(self, node: Any) -> list[tuple[tuple[Any, ...], Any]]:

        found = []
        for specificity, order, pseudo, declarations in self._matcher.match(
                self._wrapper[id(node)]):
            if pseudo is None:
                found += [((specificity, order), d) for d in declarations]
        style = dict(node.attrs).get("style")
        if style:
            found += [((_INLINE, 1 << 30), d) for d in tinycss2.parse_blocks_contents(
                style, skip_comments=True, skip_whitespace=True)
                if d.type == "declaration" and d.lower_name in _WANTED]
        return found

    def counter_at_split_level(self, starts: list[Any]) -> str:
        """A named counter set on an element whose scope could reach across a split."""
        parents = {id(a) for node in starts for a in _ancestors(node)}
        for node in self._walk_all(starts):
            if node.parent is None or id(node.parent) not in parents:
                continue
            for _, declaration in self._declarations(node):
                if declaration.lower_name.startswith("counter-"):
                    names = [t.lower_value for t in declaration.value if t.type == "ident"]
                    counters = [n for n in names if n not in _NOT_COUNTERS]
                    if counters:
                        return str(counters[0])
        return ""

    def _walk_all(self, starts: list[Any]) -> list[Any]:
        if not starts:
            return []
        top = starts[0]
        while top.parent is not None and top.parent.tag != "#document":
            top = top.parent
        return self._walk(top)


def _ancestors(node: Any) -> list[Any]:
    found = []
    while node.parent is not None:
        node = node.parent
        found.append(node)
    return found


def _keyword(declaration: Any) -> str:
    words = [t.lower_value for t in declaration.value if t.type == "ident"]
    return words[0] if words else ""


def _parse_sheet(text: str) -> list[Any]:

    return list(tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True))
