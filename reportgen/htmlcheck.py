"""Check a rendered page by parsing it as a browser does: nothing fetched, ids unique.

The HTML edition must work from a mail attachment, offline, and fetch nothing when opened.
A pattern search over the markup misses what a browser reads (``u\\72l(…)``, ``@import"…"``
without a space, the second candidate of a ``srcset``, an SVG ``<set>`` that rewrites an
``href``), so the page is parsed with tinyhtml5 (the WHATWG HTML parsing algorithm) and every
piece of CSS — ``<style>`` elements, ``style`` attributes, SVG presentation attributes — is
tokenised with tinycss2. A URL a browser would fetch on load must be a same-document
``#fragment`` or a ``data:`` image; links a reader follows may go anywhere but to script,
``file:`` or a ``data:`` document. On top of that the engine injects its own
Content-Security-Policy as the first element of ``<head>`` (:func:`inject_csp`).

Both editions: element ids are unique (they are the anchors links and notes jump to), and
the PDF has no relative links (WeasyPrint would resolve them to ``file://`` URLs naming the
build machine's folders).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import tinycss2
import tinyhtml5

__all__ = ["CSP", "MAX_MARKUP", "Finding", "check_page", "inject_csp"]

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
       "form-action 'none'")
_CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
_HEAD = re.compile(r"<head(?:[\s/][^>]*)?>", re.IGNORECASE)

# A bound on the parser's work: about 40 µs a tag and 20 µs a character reference (the
# briefing has about 10,000 tags and 25 references per edition).
MAX_MARKUP = 300_000
_XHTML = "http://www.w3.org/1999/xhtml"
_SVG = "http://www.w3.org/2000/svg"

# Elements that fetch, run or embed another document whatever their attributes say.
_REFUSED = {
    "base": "<base> changes where every relative URL points",
    "script": "scripts do not run in the HTML edition",
    "iframe": "a nested document", "frame": "a nested document", "frameset": "a nested document",
    "object": "a nested document", "embed": "a nested document", "applet": "a nested document",
    "portal": "a nested document", "fencedframe": "a nested document",
}
# Attributes whose URL a browser fetches as the page loads (href: on elements that are not
# links a reader follows).
_FETCHED = {"src", "href", "data", "poster", "background", "manifest", "codebase", "archive",
            "classid", "lowsrc", "dynsrc", "icon", "profile", "longdesc"}
_SRCSETS = {"srcset", "imagesrcset"}
_ALWAYS_REFUSED_ATTRS = {
    "action": "a form that submits somewhere", "formaction": "a form that submits somewhere",
    "ping": "a link that reports each click", "base": "xml:base changes where URLs point",
}
# <link rel=…> values that fetch nothing (anything else may: stylesheet, icon, preload,
# prefetch, preconnect, dns-prefetch, manifest, search, modulepreload …).
_QUIET_RELS = {"alternate", "author", "bookmark", "canonical", "external", "help", "license",
               "next", "prev", "nofollow", "noopener", "noreferrer", "opener", "tag", "me",
               "privacy-policy", "terms-of-service"}
_HTTP_EQUIV = {"content-security-policy", "content-type", "content-language", "default-style",
               "x-ua-compatible"}
_ANIMATIONS = {"set", "animate", "animatetransform", "animatemotion", "animatecolor"}
_IMAGE_FUNCTIONS = {"image-set", "-webkit-image-set", "image", "cross-fade", "-webkit-cross-fade"}
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")


@dataclass(frozen=True)
class Finding:
    """One thing a page must not hold: the text at fault (an attribute's value) and why."""

    value: str  # the offending text as written: a URL, "@import", "<iframe", 'id="x"'
    message: str
    attr: str = ""  # the attribute holding ``value``, as written ("xlink:href")
    ident: str = ""  # for a duplicated id: the id

    def needles(self) -> list[str]:
        """Return texts to look for in the templates, most specific first."""
        if not self.attr:
            return [self.value] if len(self.value) >= 4 else []
        out = [f'{self.attr}="{self.value}"', f"{self.attr}='{self.value}'",
               f"{self.attr}={self.value}"]
        return out + ([self.value] if len(self.value) >= 8 else [])


def inject_csp(html: str) -> str:
    """Insert the engine's Content-Security-Policy right after the page's ``<head>`` tag."""
    match = _HEAD.search(html)
    if match is None:
        return html  # check_page reports the missing policy
    return html[:match.end()] + _CSP_META + html[match.end():]


def check_page(html: str, target: str) -> list[Finding]:
    """Return what is wrong with a rendered page for ``target`` ("html" or "pdf").

    The HTML edition is parsed as a browser parses it. The PDF's HTML goes to WeasyPrint,
    whose fetcher allows only the templates folder; here only its ids and links are read,
    with the standard library's tokenizer, which is ten times faster.
    """
    for char, what in (("<", "tags"), ("&", "character references")):
        count = html.count(char)
        if count > MAX_MARKUP:
            return [Finding("", f"the page has {count:,} {what}, more than the {MAX_MARKUP:,} "
                                "it may have")]
    return list(_check(html) if target == "html" else _check_pdf(html))


class _Anchors(HTMLParser):
    """Collect the ids and the link targets of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[tuple[str, str]] = []
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id") is not None:
            self.ids.append((str(values["id"]), tag))
        # WeasyPrint embeds <a rel="attachment"> as a file: a fetch its fetcher rules on.
        href = values.get("href")
        if href is not None and tag in ("a", "area") \
                and "attachment" not in (values.get("rel") or "").lower().split():
            self.links.append((tag, href))


@functools.lru_cache(maxsize=4)
def _check_pdf(html: str) -> tuple[Finding, ...]:
    scan = _Anchors()
    scan.feed(html)
    scan.close()
    found = [f for tag, href in scan.links for f in _pdf_link(tag, href)]
    return tuple(found + _duplicates(scan.ids))


def _duplicates(ids: list[tuple[str, str]]) -> list[Finding]:
    owners: dict[str, list[str]] = {}
    for ident, tag in ids:
        owners.setdefault(ident, []).append(f"<{tag}>")
    return [Finding(f'id="{ident}"',
                    f"{len(tags)} elements have the id {ident!r} ({', '.join(tags)}); "
                    "an id names one anchor", ident=ident)
            for ident, tags in owners.items() if len(tags) > 1]


def _cache_regexes_by_their_key() -> None:
    """Make tinyhtml5 2.1 reuse its tokenizer's regexes instead of building one per call.

    ``HTMLUnicodeInputStream.chars_until`` looks its regex up under ``(characters,
    opposite)`` but stores it under ``(regex, opposite)``, so it never finds it: building
    the pattern again was a third of the time spent parsing the briefing. Storing each one
    under the key it is looked up by changes nothing else.
    """
    from tinyhtml5 import inputstream

    stream = inputstream.HTMLUnicodeInputStream
    original = stream.chars_until
    cache = getattr(inputstream, "characters_until_regex", None)
    if not isinstance(cache, dict) or getattr(original, "keyed", False):
        return

    def chars_until(self: Any, characters: Any, opposite: bool = False) -> Any:
        key = (characters, opposite)
        if key not in cache:
            body = "".join(f"\\x{ord(c):02x}" for c in characters)
            cache[key] = re.compile(f"[{'' if opposite else '^'}{body}]+")
        return original(self, characters, opposite)

    chars_until.keyed = True  # type: ignore[attr-defined]
    stream.chars_until = chars_until


_cache_regexes_by_their_key()


@functools.lru_cache(maxsize=4)
def _check(html: str) -> tuple[Finding, ...]:
    root = tinyhtml5.parse(html)
    found: list[Finding] = []
    ids: list[tuple[str, str]] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # a comment
        ns, local = _split(element.tag)
        local = local.lower() if ns == _XHTML else local
        if element.get("id") is not None:
            ids.append((element.get("id"), local))
        found += _fetches(element, ns, local)
    return tuple(found + _policy(root) + _duplicates(ids))


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return _XHTML, tag


def _attrs(element: Any) -> Iterable[tuple[str, str, str]]:
    """Yield (local name, name as written, value) of each attribute."""
    for key, value in element.attrib.items():
        ns, local = _split(key) if key.startswith("{") else ("", key)
        prefix = {"http://www.w3.org/1999/xlink": "xlink:",
                  "http://www.w3.org/XML/1998/namespace": "xml:"}.get(ns, "")
        yield local.lower() if not prefix else local, prefix + local, str(value)


def _is_link(ns: str, local: str, element: Any) -> bool:
    """Is ``href`` on this element a link a reader follows (fetched by nobody on load)?"""
    if local in ("a", "area") and ns in (_XHTML, _SVG):
        return True
    if local == "link" and ns == _XHTML:
        rels = set((element.get("rel") or "").lower().split())
        return rels <= _QUIET_RELS
    return False


def _fetches(element: Any, ns: str, local: str) -> list[Finding]:
    """Return what this element would fetch, run or navigate to on load."""
    tag = f"<{local}>"
    out: list[Finding] = []
    if local.lower() in _REFUSED:
        return [Finding(f"<{local}", f"{tag} is not allowed: {_REFUSED[local.lower()]}")]
    if local == "meta" and ns == _XHTML:
        equiv = (element.get("http-equiv") or "").strip().lower()
        if equiv and equiv not in _HTTP_EQUIV:
            out.append(Finding(element.get("http-equiv", ""),
                               f'<meta http-equiv="{equiv}"> is not allowed'
                               + (": it navigates away from the page" if equiv == "refresh"
                                  else ""), attr="http-equiv"))
    if local == "link" and ns == _XHTML and not _is_link(ns, local, element):
        out.append(Finding(element.get("href") or "",
                           f'<link rel="{element.get("rel", "")}"> fetches its href', attr="href"))
    link = _is_link(ns, local, element)
    for name, written, value in _attrs(element):
        where = f"<{local} {written}>"
        if name.startswith("on"):
            out.append(Finding(value, f"{where}: event handlers do not run here", written))
        elif name in _ALWAYS_REFUSED_ATTRS:
            out.append(Finding(value, f"{where} is not allowed: "
                                      f"{_ALWAYS_REFUSED_ATTRS[name]}", written))
        elif name == "style":
            out += _css(value, where, tinycss2.parse_declaration_list)
        elif name in _SRCSETS:
            out += [Finding(url, f"{where} candidate {url!r} would be fetched")
                    for url in _srcset(value) if not _fetch_ok(url)]
        elif name == "href" and link:
            bad = _bad_link(value)
            if bad:
                out.append(Finding(value, f"{where}={value!r}: {bad}", written))
        elif name in _FETCHED and not _fetch_ok(value) and not (local == "link" and not link):
            out.append(Finding(value, f"{where}={_short(value)} would be fetched", written))
        elif ns != _XHTML and "(" in value:
            out += _css(value, where, tinycss2.parse_component_value_list)
    if local.lower() in _ANIMATIONS:
        target = (element.get("attributeName") or "").strip().lower()
        if "href" in target or target in _FETCHED or target in ("style", "srcset"):
            out.append(Finding(element.get("attributeName", ""),
                               f'<{local} attributeName="{target}">: an animation may not '
                               "change a URL or a style", "attributeName"))
    if local == "style":
        text = "".join(element.itertext())
        out += _css(text, f"CSS in {tag}", tinycss2.parse_stylesheet)
    return out


def _pdf_link(tag: str, value: str) -> list[Finding]:
    """Return a problem with a link of the PDF: relative ones would name the build machine."""
    url = _clean(value)
    where = f"<{tag} href>"
    if url and not url.startswith("#") and not _SCHEME.match(url):
        return [Finding(value, f"{where}={value!r}: a relative link in the PDF would "
                               "become a file:// URL naming the build machine's folder", "href")]
    bad = _bad_link(value)
    return [Finding(value, f"{where}={value!r}: {bad}", "href")] if bad else []


def _policy(root: Any) -> list[Finding]:
    """Check the engine's Content-Security-Policy is the first element of <head>."""
    head = root.find(f"{{{_XHTML}}}head")
    first = next((e for e in head if isinstance(e.tag, str)), None) if head is not None else None
    if first is not None and first.tag == f"{{{_XHTML}}}meta" \
            and (first.get("http-equiv") or "").lower() == "content-security-policy" \
            and first.get("content") == CSP:
        return []
    # Located at the <html> tag: <head> belongs right after it ("<head" would also find
    # "<header" in a template).
    return [Finding("<html", "the page must open with a <head> start tag before any "
                             "content: the engine puts its Content-Security-Policy "
                             "right after it")]


def _css(text: str, where: str, parse: Any) -> list[Finding]:
    """Return every URL this CSS would fetch: url(), @import, image-set() strings, src()."""
    if "(" not in text and "@" not in text:
        return []  # no function, url or at-rule is possible without these characters
    out: list[Finding] = []
    _walk(parse(text), where, out)
    return out


def _walk(nodes: Iterable[Any] | None, where: str, out: list[Finding]) -> None:
    for node in nodes or ():
        kind = node.type
        if kind == "at-rule":
            if node.lower_at_keyword == "import":
                out.append(Finding("@import", f"{where}: @import fetches a stylesheet"))
            _walk(node.prelude, where, out)
            _walk(node.content, where, out)
        elif kind == "at-keyword" and node.lower_value == "import":
            out.append(Finding("@import", f"{where}: @import fetches a stylesheet"))
        elif kind == "qualified-rule":
            _walk(node.prelude, where, out)
            _walk(node.content, where, out)
        elif kind == "declaration":
            _walk(node.value, where, out)
        elif kind == "url":
            _url_token(node.value, where, out)
        elif kind == "function":
            if node.lower_name in ("url", "src") or node.lower_name in _IMAGE_FUNCTIONS:
                for arg in node.arguments:
                    if arg.type == "string":
                        _url_token(arg.value, where, out)
            _walk(node.arguments, where, out)
        elif kind in ("() block", "[] block", "{} block"):
            _walk(node.content, where, out)


def _url_token(url: str, where: str, out: list[Finding]) -> None:
    if not _fetch_ok(url):
        out.append(Finding(url, f"{where}: url {_short(url)} would be fetched"))


def _srcset(value: str) -> list[str]:
    """Return the URL of every candidate of a srcset (the HTML standard's parsing rules)."""
    urls: list[str] = []
    i, n, space = 0, len(value), " \t\n\f\r"
    while i < n:
        while i < n and value[i] in space + ",":
            i += 1
        if i >= n:
            break
        j = i
        while j < n and value[j] not in space:
            j += 1
        url, i = value[i:j], j
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # skip the descriptors up to a comma outside parentheses
            depth = 0
            while i < n and not (value[i] == "," and depth == 0):
                depth += {"(": 1, ")": -1}.get(value[i], 0)
                depth = max(depth, 0)
                i += 1
        urls.append(url)
    return urls


def _clean(url: str) -> str:
    """Return a URL as a browser reads it: tabs and newlines gone, ends trimmed."""
    return re.sub(r"[\t\n\r]", "", url).strip(" \f")


def _fetch_ok(url: str) -> bool:
    """May a browser fetch this on load? Only same-document fragments and data: images."""
    url = _clean(url)
    if not url or url.startswith("#"):
        return True
    scheme = _SCHEME.match(url)
    if scheme and scheme.group(1).lower() == "data":
        media = url[5:].split(",", 1)[0].split(";", 1)[0].strip().lower()
        return media.startswith("image/")
    return False


def _bad_link(url: str) -> str:
    """Say why a link a reader follows is refused, or return ''."""
    scheme = _SCHEME.match(_clean(url))
    name = scheme.group(1).lower() if scheme else ""
    if name in ("javascript", "vbscript"):
        return "links do not run script"
    if name == "file":
        return "a file: link names a folder on the build machine"
    if name == "data":
        return "a link to a data: document"
    return ""


def _short(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")
