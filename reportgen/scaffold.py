"""``reportgen new DIR``: write a small, neutral starter project that builds as it is.

The project tells one made-up story (a town's cycling count) with a seed in the source
language (the first ``--lang``) and every text in each language asked for. Its words live
in ``reportgen/starter/languages.yaml``, its template and schema beside it; this module
only puts them together. Nothing is written outside the target folder, and nothing is
overwritten: the folder must be new or empty.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .schema import Source

__all__ = ["STARTER_DIR", "NewProjectRefused", "starter_languages", "write_project"]

STARTER_DIR = Path(__file__).parent / "starter"
_FIGURES = {  # id → (key in languages.yaml, unit, bound, value); the same in every language
    "daily-trips": ("trips", "trip", "approx", "12500"),
    "protected-lanes": ("lanes", "km", "gt", "48"),
    "bike-loans": ("loans", "bicycle", "eq", "1.2e6"),
}
_UNITS = {"trip": "trips", "km": "km", "bicycle": "bikes"}  # id → key in languages.yaml
_PHRASES = {"exact": "eq", "about": "approx", "more-than": "gt"}
_EVENT = ("bridge-opens", "2023-06")
# A source may carry a gloss (its translation) when the engine reads one.
_GLOSSES = "gloss" in {f.name for f in dataclasses.fields(Source)}


class NewProjectRefused(Exception):
    """The project cannot be written there, or in those languages (a usage error)."""


def _words() -> dict[str, Any]:
    text = (STARTER_DIR / "languages.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def starter_languages() -> tuple[str, ...]:
    """Return the languages the starter project has words for."""
    return tuple(_words())


@dataclass(frozen=True)
class _Story:
    """The starter's words in the languages asked for; the first is the source's."""

    words: Mapping[str, Any]
    langs: tuple[str, ...]

    @property
    def source(self) -> Mapping[str, Any]:
        words: Mapping[str, Any] = self.words[self.langs[0]]
        return words

    def text(self, *path: str) -> str:
        """Return a ``text`` field: one entry per edition language, as a YAML flow map."""
        return "{" + ", ".join(f"{lang}: {_q(_get(self.words[lang], path))}"
                               for lang in self.langs) + "}"

    def source_of(self, *path: str) -> str:
        """Return a ``source`` field quoting the seed sentence at ``path``, glossed."""
        quote = _get(self.source, (*path, "sentence")).rstrip(".。")
        fields = [f"seed: {_q(self.source['seed'])}", f"quote: {_q(quote)}"]
        glosses = self.langs[1:]
        if glosses and _GLOSSES:
            fields.append("gloss: {" + ", ".join(
                f"{lang}: {_q(_get(self.words[lang], (*path, 'sentence')))}"
                for lang in glosses) + "}")
        return "{" + ", ".join(fields) + "}"


def _get(node: Any, path: Iterable[str]) -> str:
    for key in path:
        node = node[key]
    return str(node)


def _q(text: str) -> str:
    """Quote a YAML string (a JSON string is a YAML double-quoted scalar)."""
    return json.dumps(text, ensure_ascii=False)


def _seed(story: _Story) -> str:
    src = story.source
    lines = [src["headline"], *(f["sentence"] for f in src["figures"].values()),
             src["event"]["sentence"]]
    return "\n".join(lines) + "\n"


def _config(story: _Story) -> str:
    langs = story.langs
    return "\n".join([
        "# The project's configuration. Every key is listed in reportgen's docs/config.md.",
        "template: report.html.j2      # templates/report.html.j2",
        "basename: report              # out/report… (with several languages: report.<lang>…)",
        f"languages: [{', '.join(langs)}]   # one edition per language, in this order",
        "html_lang: {" + ", ".join(f"{lg}: {story.words[lg]['html_lang']}" for lg in langs) + "}",
        "author: " + story.text("author"),
        f"source_language: {langs[0]}   # the language the seeds are written in",
        "# The fonts every character of the editions must be covered by (checked by the build).",
        "fonts: [Noto Sans CJK SC]",
        "",
    ])


def _sources(story: _Story) -> str:
    src = story.source
    return "\n".join([
        "# The source texts in seeds/, as the notes name them.",
        "sources:",
        "  - id: src-count",
        f"    seed: {_q(src['seed'])}",
        f"    title: {_q(src['source_title'])}",
        f"    publisher: {_q(src['publisher'])}",
        "",
        "# Seed sentences deliberately not quoted, with the reason (`reportgen check` lists",
        "# every sentence that is neither quoted nor excluded).",
        "coverage_exclusions:",
        f"  - seed: {_q(src['seed'])}",
        f"    quote: {_q(src['headline'].rstrip('.。'))}",
        f"    reason: {_q(src['headline_reason'])}",
        "",
    ])


def _figures(story: _Story) -> str:
    src = story.source
    out = ["# How each unit prints, and the words sources write beside a number of it.",
           "units:"]
    for unit, key in _UNITS.items():
        words = ", ".join(_q(w) for w in src["units"][key]["words"])
        out.append(f"  - {{id: {unit}, format: {story.text('units', key, 'format')}, "
                   f"words: [{words}]}}")
    out += ["", "# Qualifier phrases: how a source bounds a number, and how each edition says it.",
            "qualifiers:"]
    for phrase, bound in _PHRASES.items():
        words = ", ".join(_q(w) for w in src["qualifiers"][phrase]["words"])
        out.append(f"  - {{id: {phrase}, bound: {bound}, words: [{words}], "
                   f"format: {story.text('qualifiers', phrase, 'format')}}}")
    out += ["", "# Each number, as the seed prints it (stated) and what it reads as (value).",
            "figures:"]
    for fid, (key, unit, bound, value) in _FIGURES.items():
        stated = src["figures"][key]["stated"]
        out += [f"  - id: {fid}",
                f"    label: {story.text('figures', key, 'label')}",
                f"    quantity: {{value: {value}, unit: {unit}, qualifier: {bound}, "
                f"stated: {_q(stated)}}}",
                f"    source: {story.source_of('figures', key)}"]
    eid, date = _EVENT
    out += ["", "events:",
            f"  - id: {eid}",
            f"    label: {story.text('event', 'label')}",
            f"    date: {_q(date)}",
            f"    source: {story.source_of('event')}", ""]
    return "\n".join(out)


def _report(story: _Story) -> str:
    return "\n".join([
        "# The report itself: its title and the text before the contents. Numbers appear",
        "# only as references [[id]] to the record that states them.",
        "report:",
        f"  title: {story.text('report', 'title')}",
        f"  subtitle: {story.text('report', 'subtitle')}",
        f"  summary: {story.text('report', 'summary')}",
        "",
        "# Tables and charts: numbered in the order the template places them ({{ t.figure(id) }}).",
        "exhibits:",
        "  - id: tbl-figures",
        "    kind: table",
        f"    title: {story.text('table_title')}",
        "",
    ])


def _strings(story: _Story) -> str:
    keys = story.source["strings"]
    out = ["# Words the template prints, per language. The theme's own words (contents, notes,",
           "# exhibit labels …) ship with reportgen; an entry here adds to them or overrides one."]
    out += [f"{key}: {story.text('strings', key)}" for key in keys]
    return "\n".join(out) + "\n"


def _readme(story: _Story) -> str:
    text = (STARTER_DIR / "README.md").read_text(encoding="utf-8")
    several = len(story.langs) > 1
    outputs = (" ".join(f"`out/report.{lang}.pdf` `out/report.{lang}.html`" for lang in story.langs)
               if several else "`out/report.pdf` and `out/report.html`")
    return text.format(seed=story.source["seed"], languages=", ".join(story.langs),
                       source=story.langs[0], outputs=outputs)


def _files(story: _Story) -> dict[str, str]:
    static = {name: (STARTER_DIR / name).read_text(encoding="utf-8")
              for name in ("report.html.j2", "schema.yaml")}
    return {
        "reportgen.yaml": _config(story),
        "README.md": _readme(story),
        ".gitignore": "out/\n",
        "data/schema.yaml": static["schema.yaml"],
        "data/sources.yaml": _sources(story),
        "data/figures.yaml": _figures(story),
        "data/report.yaml": _report(story),
        f"seeds/{story.source['seed']}": _seed(story),
        "templates/report.html.j2": static["report.html.j2"],
        "templates/strings.yaml": _strings(story),
    }


def _target(folder: Path) -> Path:
    """Return the folder to write into, refusing one that holds anything or leads elsewhere."""
    if folder.is_symlink():
        raise NewProjectRefused(f"{folder} is a symbolic link; give a new folder")
    if folder.exists():
        if not folder.is_dir():
            raise NewProjectRefused(f"{folder} exists and is not a folder")
        if any(folder.iterdir()):
            raise NewProjectRefused(f"{folder} exists and is not empty; give a new or empty folder")
    elif not folder.parent.is_dir():
        raise NewProjectRefused(f"{folder.parent} does not exist; create it first")
    return folder


def write_project(folder: Path, languages: Sequence[str]) -> list[Path]:
    """Write the starter project into ``folder``; return the files written, in order."""
    words = _words()
    langs = tuple(dict.fromkeys(languages)) or ("en",)
    unknown = [lang for lang in langs if lang not in words]
    if unknown:
        raise NewProjectRefused(f"no starter text in {', '.join(unknown)}; "
                                f"available: {', '.join(sorted(words))}")
    story = _Story(words, langs)
    files = _files(story)  # everything composed before anything is written
    target = _target(folder)
    target.mkdir(exist_ok=True)
    written = []
    for name, content in files.items():
        path = target / name
        path.parent.mkdir(exist_ok=True)
        # "x": never replace a file, never follow a link placed there meanwhile.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
        written.append(path)
    return written
