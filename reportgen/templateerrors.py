"""Template errors that name what was meant and list what exists, at the template's line.

Jinja says ``'dict object' has no attribute 'titel'``. A report author needs to know that
record ``ant-group`` of collection ``companies`` has no field ``titel``, that ``title``
exists, and on which template line the slip is. :class:`Missing` (the environment's
undefined type) describes the object a name was looked up on; :func:`template_problem`
turns any rendering exception into one located :class:`Problem`.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import jinja2

from .page import Collections, ExhibitView, RecordList, Strings, View
from .problems import Mark, Problem

__all__ = ["Missing", "template_mark", "template_problem"]

_THEME = Path(__file__).parent / "theme"
_HINT = "\n"  # separates message and hint inside a Jinja exception's text


def _names(candidates: Collection[str], name: str, what: str, limit: int = 12,
           ordered: bool = False) -> str:
    """Say which of ``candidates`` is closest to ``name``, or list them."""
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    names = list(candidates) if ordered else sorted(candidates)
    if not names:
        return f"there are no {what}"
    more = f", … ({len(names)} in all)" if len(names) > limit else ""
    return f"{what}: " + ", ".join(names[:limit]) + more


def describe(obj: Any, name: str) -> tuple[str, str]:
    """Return (message, hint) for looking up ``name`` on ``obj`` and finding nothing."""
    if isinstance(obj, View):
        rid = obj.record.id
        who = f"record {rid!r} ({obj.collection})" if rid else f"the {obj.collection} record"
        if name in obj.declared:
            return (f"{who} has no value for the optional field {name!r}",
                    f"test it first: {{% if ….{name} is defined %}}")
        return (f"{who} has no field {name!r}",
                _names(obj.declared, name, f"fields of {obj.collection}"))
    if isinstance(obj, Collections):
        return f"no collection {name!r} in data", _names(obj, name, "collections")
    if isinstance(obj, Strings):
        return (f"no UI string {name!r}",
                _names(obj, name, "strings") + " — UI strings come from templates/strings.yaml")
    if isinstance(obj, ExhibitView):
        return f"exhibit {obj['id']!r} has no key {name!r}", _names(obj, name, "its keys")
    if isinstance(obj, RecordList):
        return (f"data.{obj.collection} is a list of {len(obj)} records, it has no {name!r}",
                f"loop over it ({{% for r in data.{obj.collection} %}}) or take one record "
                "with record(id)")
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        kind = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", type(obj).__name__).lower()
        kind = ("an " if kind[0] in "aeiou" else "a ") + kind
        shown = [f.name for f in dataclasses.fields(obj) if f.compare]  # not its file mark
        return (f"{kind} has no attribute {name!r}", _names(shown, name, f"{kind} has",
                                                            ordered=True))
    if isinstance(obj, Mapping):
        return f"no key {name!r} in this mapping", _names([str(k) for k in obj], name, "keys")
    return "", ""


class Missing(jinja2.StrictUndefined):
    """An undefined value that says what was looked up, on what, and what exists."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint is None and self._undefined_obj is not jinja2.utils.missing:
            message, hint = describe(self._undefined_obj, str(self._undefined_name))
            if message:
                return message + _HINT + hint
        return str(super()._undefined_message)


def template_problem(exc: BaseException, template: str, context: Mapping[str, Any],
                     env: jinja2.Environment) -> Problem:
    """Return the located problem for an exception raised while rendering ``template``."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        message, hint = exc.message or str(exc), ""
        if message.startswith(("No filter named", "No test named")):
            kind = "filters" if "filter" in message else "tests"
            name = message.split("'")[1] if "'" in message else ""
            known = env.filters if kind == "filters" else env.tests
            hint = _names(known, name, kind)
        return Problem(Mark(f"templates/{exc.name or template}", exc.lineno),
                       f"template syntax error: {message}", hint)
    if isinstance(exc, jinja2.TemplateNotFound):
        return Problem(template_mark(exc, template), f"template not found: {exc.name}",
                       "templates load only from the templates folder and the theme")
    message, _, hint = str(exc).partition(_HINT)
    message = message.replace(f"'{View.__module__}.View object'", "the record")
    if isinstance(exc, jinja2.UndefinedError) and message.endswith("is undefined") \
            and message.startswith("'"):
        name = message.split("'")[1]
        hint = hint or _names(set(context) | set(env.globals), name,
                              "names a template can use")
    return Problem(template_mark(exc, template), f"template error: {message}", hint)


def template_mark(exc: BaseException, template: str) -> Mark:
    """Find the template line an exception was raised from, via Jinja's traceback rewrite."""
    tb = exc.__traceback__
    mark = Mark(f"templates/{template}")
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".html", ".jinja")):
            mark = Mark(_relative(filename), tb.tb_lineno)
        tb = tb.tb_next
    return mark


def _relative(filename: str) -> str:
    """Name a template file as the build reports it: templates/… or theme/…."""
    path = Path(filename)
    if path.is_relative_to(_THEME):
        return "theme/" + path.relative_to(_THEME).as_posix()
    parts = path.parts
    if "templates" in parts:
        return "/".join(parts[len(parts) - 1 - parts[::-1].index("templates"):])
    return filename
