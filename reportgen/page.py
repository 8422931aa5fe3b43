"""One render pass of an edition: the data as templates see it, references, notes, numbering.

Templates see records as :class:`View` mappings of one edition's text (:class:`Rich`
strings that expand their inline references when printed), collections as
:class:`Collections`, UI strings as :class:`Strings`. The typed containers let a template
error say which record, collection or string was meant and what exists instead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .dataset import Dataset
from .exhibits import DrawnChart, exhibit_fields
from .formats import Formatter
from .references import INLINE_REF
from .schema import Quantity, Record, Source, Text
from .typography import WORD_JOINER, Typography

__all__ = ["Collections", "ExhibitView", "Note", "Page", "RecordList", "Rich", "Strings",
           "View", "sources_of", "typography_for"]

# A sentence ends at a full stop, question or exclamation mark (followed by a space in
# Latin text; anywhere in CJK text). A note is cited once per sentence.
_SENTENCE_END = re.compile(r"[。！？]|[.!?](?=\s)")


class Rich(str):
    """Text of one edition whose inline references expand when printed as HTML."""

    page: Page
    all: Text
    marks: bool = True  # print note markers (not in headings and titles)
    links: bool = True  # link exhibits (not inside a link already, e.g. the contents)

    def __html__(self) -> str:
        return self.page.expand(str(self), markup=True, marks=self.marks, links=self.links)


class View(dict[str, Any]):
    """A record as templates see it: fields of one edition, plus id and collection."""

    def __init__(self, record: Record, declared: tuple[str, ...]) -> None:
        super().__init__()
        self.collection = record.collection
        self.record = record
        self.declared = declared  # the fields its collection declares


class RecordList(list[Any]):
    """The records of one collection, as templates see them."""

    def __init__(self, collection: str, items: list[Any]) -> None:
        super().__init__(items)
        self.collection = collection


class Collections(dict[str, Any]):
    """``data``: every collection by name."""


class Strings(dict[str, str]):
    """``strings``: the UI strings of one edition."""


class ExhibitView(dict[str, Any]):
    """What ``exhibit(id)`` returns."""


@dataclass
class Note:
    """One numbered note: a source quote cited somewhere in the text."""

    number: int
    source: Source
    backrefs: int = 0
    chapter: str = ""  # id of the level-2 heading under which the note was first cited


def typography_for(tag: str, lang: str, dataset: Dataset,
                   strings: Mapping[str, str]) -> Typography:
    """Return the edition's typography with the number words its data and strings use."""
    before: set[str] = set()
    after: set[str] = set()
    texts = [str(v) for v in strings.values()]
    for unit in dataset.records("units"):
        texts += [v[lang] for v in unit.values() if isinstance(v, dict) and isinstance(
            v.get(lang), str)]
    for text in texts:
        for placeholder in ("{n}", "{q}"):
            if placeholder in text:
                left, _, right = text.partition(placeholder)
                if left.endswith(" ") and left.split():
                    before.add(left.split()[-1])
                if right.startswith(" ") and right.split():
                    after.add(right.split()[0])
    return _typography(tag, frozenset(after), frozenset(before))


@functools.lru_cache(maxsize=16)
def _typography(tag: str, after: frozenset[str], before: frozenset[str]) -> Typography:
    """One typography per language and number words: a warm process keeps what it typeset."""
    return Typography(tag, after, before)


@dataclass
class Page:
    """The state of one render pass: numbering of exhibits, notes and headings."""

    dataset: Dataset
    lang: str
    target: str
    formatter: Formatter
    typography: Typography
    strings: Strings
    charts: Mapping[str, DrawnChart]
    order: list[str]  # exhibit ids, in the order the previous pass placed them
    exhibits: list[str] = field(default_factory=list)
    notes: dict[tuple[str, str], Note] = field(default_factory=dict)
    headings: list[tuple[int, str, str]] = field(default_factory=list)
    prior_headings: list[tuple[int, str, str]] = field(default_factory=list)
    views: dict[int, Any] = field(default_factory=dict)
    other: dict[str, Typography] = field(default_factory=dict)
    # Text printed with its markers -> the notes its last sentence cites (``expand``).
    last_cited: dict[str, set[int]] = field(default_factory=dict)

    # --- localised views of the data ---

    def view(self, value: Any) -> Any:
        if isinstance(value, Text):
            return self.rich(value)
        if isinstance(value, Record):
            key = id(value)
            if key not in self.views:
                spec = self.dataset.spec(value.collection)
                out = View(value, tuple(spec.fields))
                self.views[key] = out
                out.update({k: self.view(v) for k, v in value.items()})
            return self.views[key]
        if isinstance(value, list):
            return [self.view(v) for v in value]
        if isinstance(value, dict):
            return {k: self.view(v) for k, v in value.items()}
        return value

    def rich(self, value: Text, marks: bool = True, links: bool = True) -> Rich:
        out = Rich(value[self.lang])
        out.page, out.all, out.marks, out.links = self, value, marks, links
        return out

    def data(self) -> Collections:
        out = Collections()
        for name, records in self.dataset.collections.items():
            single = self.dataset.spec(name).single
            out[name] = self.view(records[0]) if single else RecordList(
                name, [self.view(r) for r in records])
        return out

    def record(self, rid: str) -> View:
        found = self.dataset.by_id.get(str(rid))
        if found is None:
            raise jinja2.TemplateRuntimeError(
                f"record({rid!r}): no record has this id\n" + _closest(str(rid), self.dataset.by_id,
                                                                       "record ids"))
        view: View = self.view(found)
        return view

    # --- inline references and notes ---

    def expand(self, text: str, markup: bool, marks: bool = True, links: bool = True,
               typography: Typography | None = None) -> str:
        typo = typography or self.typography
        written, text = text, typo.prose(text)
        parts: list[str] = []
        cited: set[int] = set()  # notes cited in the current sentence
        pos = 0
        for match in INLINE_REF.finditer(text):
            between = text[pos:match.start()]
            if _SENTENCE_END.search(between):
                cited = set()
            parts.append(str(escape(between)) if markup else between)
            parts.append(self.inline(match.group(1), match.group(2), markup, links, marks,
                                     typo, cited))
            pos = match.end()
        tail = text[pos:]
        parts.append(str(escape(tail)) if markup else tail)
        if markup and marks:
            end = _SENTENCE_END.search(tail)  # another sentence after the last reference?
            self.last_cited[written] = set() if end and tail[end.end():].strip() else cited
        return "".join(parts)

    def inline(self, rid: str, label: str | None, markup: bool, links: bool, marks: bool,
               typo: Typography, cited: set[int]) -> str:
        """Return what ``[[rid|label]]`` prints: a number with its marker, a label, a name."""
        record = self.dataset.by_id[rid]
        quantity = next((v for v in record.values() if isinstance(v, Quantity)), None)
        if record.collection == "exhibits":
            text = label or self.exhibit_label(rid)
            if not markup:
                return text
            return str(self.link(rid, text)) if links else str(escape(text))
        if quantity is not None:
            text = label or typo.phrase(self.formatter.quantity(quantity))
            if not markup:
                return text
            return str(escape(text) + (self.cite(record, cited, text[-1:].isdigit())
                                       if marks else ""))
        name = record.get("short") or record.get("name")
        text = label or (typo.prose(name[self.lang]) if isinstance(name, Text) else rid)
        return str(escape(text)) if markup else text

    def link(self, rid: str, text: str) -> Markup:
        # Markup.format is a string.Formatter pass: thousands per page, so written out.
        return Markup(f'<a class="xref" href="#{escape(rid)}">{escape(text)}</a>')

    def cite(self, record: Any, cited: set[int] | None = None,
             after_number: bool = False) -> Markup:
        """Return the note markers of ``record``'s sources; each note once per group.

        After a digit the group has the class ``after-number`` too, for a stylesheet to set
        it apart: "RMB 500⁴³" must not read as a power.
        """
        cited = set() if cited is None else cited
        marks = []
        for source in sources_of(record):
            key = (source.seed, source.quote)
            note = self.notes.get(key)
            if note is None:
                chapter = next((h for level, h, _ in reversed(self.headings) if level == 2), "")
                note = self.notes[key] = Note(len(self.notes) + 1, source, chapter=chapter)
            if note.number in cited:
                continue  # "29,30,29": the same note twice in a row says nothing new
            cited.add(note.number)
            note.backrefs += 1
            n, k = int(note.number), int(note.backrefs)
            marks.append(f'<a class="note-ref" href="#note-{n}" id="cite-{n}-{k}" '
                         f'role="doc-noteref" title="{escape(_shorten(source.quote))}">{n}</a>')
        if not marks:
            return Markup("")
        # The word joiner glues the marker to the character before it: a marker never
        # starts a line (CJK text may break between any two characters otherwise).
        opening = '<sup class="cite after-number">' if after_number else '<sup class="cite">'
        # Joined by word joiners too: a group never breaks across lines ("90,|91").
        return Markup(WORD_JOINER + opening + ("," + WORD_JOINER).join(marks) + "</sup>")

    def trailing_notes(self, text: Any) -> set[int]:
        """The notes the last sentence of ``text``, printed before with its markers, cites.

        ``cite(record, after=text)`` leaves them out: "3.5%³³.³³" says nothing new.
        """
        if not isinstance(text, Rich) or not text.marks:
            return set()
        return set(self.last_cited.get(str(text), ()))

    # --- exhibits and headings ---

    def exhibit_number(self, rid: str) -> int:
        if rid in self.order:
            return self.order.index(rid) + 1
        return len(self.order) + 1 + (self.exhibits.index(rid) if rid in self.exhibits else 0)

    def exhibit_label(self, rid: str) -> str:
        return self.strings["exhibit_label"].replace("{n}", str(self.exhibit_number(rid)))

    def exhibit(self, rid: str) -> ExhibitView:
        record = self.dataset.by_id.get(rid)
        if record is None or record.collection != "exhibits":
            ids = {r.id: r for r in self.dataset.records("exhibits")}
            raise jinja2.TemplateRuntimeError(
                f"exhibit({rid!r}): no exhibit has this id\n" + _closest(rid, ids, "exhibits"))
        if rid in self.exhibits:
            raise jinja2.TemplateRuntimeError(f"exhibit({rid!r}) is placed twice\n"
                                              "an exhibit is placed once; link to it with xref(id)")
        self.exhibits.append(rid)
        chart = self.charts.get(rid)
        drawn = exhibit_fields(chart, self.target)
        seeds = sorted({s.seed for item in record.get("series", [])
                        for s in sources_of(item["ref"])})
        title = record.get("title")
        return ExhibitView({
            "id": rid,
            "number": self.exhibit_number(rid),
            "label": self.exhibit_label(rid),
            "record": self.view(record),
            # The title without note markers, for captions and lists of exhibits.
            "title": self.rich(title, marks=False) if isinstance(title, Text) else "",
            "series": [self.view(item["ref"]) for item in record.get("series", [])],
            # HTML: the wide and the narrow drawing (CSS shows one); PDF: the print one.
            "svg": Markup(drawn["svg"]),
            "svg_narrow": Markup(drawn["svg_narrow"]),
            "img": drawn["img"],
            # The text alternative: what the chart shows, with its numbers.
            "summary": drawn["summary"],
            # The chart's data as table rows, typeset like the rest of the edition's text.
            "rows": [tuple(self.typography.prose(cell) for cell in row)
                     for row in (chart.rows if chart else ())],
            "seeds": seeds,
        })

    def exhibit_list(self) -> list[tuple[str, int, Any]]:
        """Return (id, number, title) of every exhibit placed; titles carry no markers."""
        out = []
        for rid in self.order:
            title = self.dataset.by_id[rid].get("title")
            out.append((rid, self.exhibit_number(rid),
                        self.rich(title, marks=False, links=False)
                        if isinstance(title, Text) else rid))
        return out

    def heading(self, level: int, hid: str, text: Any) -> Markup:
        """Print a heading and record it for the contents; headings carry no note markers."""
        self.headings.append((level, hid, self.plain(text)))
        shown = self.expand(str(text), markup=True, marks=False) if isinstance(text, Rich) \
            else escape(text)
        tag = f"h{escape(level)}"
        return Markup(f'<{tag} id="{escape(hid)}">{shown}</{tag}>')

    def plain(self, text: Any) -> str:
        """Return ``text`` with its references expanded as words: no markers, no links.

        Plain text goes where no line breaks (a <title>, an attribute, the PDF's metadata):
        it carries no word joiner, so a search for the words finds them.
        """
        if isinstance(text, Rich):
            return self.expand(str(text), markup=False).replace(WORD_JOINER, "")
        return str(text)

    def in_lang(self, text: Any, lang: str) -> str:
        """Return ``text`` as written for another edition, references expanded as words."""
        if isinstance(text, Rich):
            if lang not in self.other:
                self.other[lang] = Typography(lang)
            return self.expand(text.all.get(lang, str(text)), markup=False,
                               typography=self.other[lang])
        return str(text)


def sources_of(record: Any) -> list[Source]:
    """Return the sources of a record (or view), a source itself, or none."""
    if isinstance(record, View):
        record = record.record
    if isinstance(record, Source):
        return [record]
    if not isinstance(record, dict):
        return []
    found: list[Source] = []
    for value in record.values():
        if isinstance(value, Source):
            found.append(value)
        elif isinstance(value, list):
            found.extend(v for v in value if isinstance(v, Source))
    return found


def _closest(name: str, known: Mapping[str, Any], what: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    names = sorted(known)
    shown = ", ".join(names[:12]) + (f", … ({len(names)} in all)" if len(names) > 12 else "")
    return f"{what}: {shown or 'none'}"


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
