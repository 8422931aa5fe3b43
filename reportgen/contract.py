"""The engine's contract: the collections it reads itself, declared once.

A dataset need not declare these in ``schema.yaml``; the engine validates them like any
other collection and gives located errors. A dataset may re-declare one only to add
fields (``schemafile`` checks that). docs/data-format.md documents each of them, in the
section *Built-in collections*; ``reportgen schema`` prints them.
"""

from __future__ import annotations

from .charts_model import KINDS
from .schema import QUALIFIERS, CollectionSpec, FieldSpec

__all__ = ["BUILTIN_COLLECTIONS"]

BUILTIN_COLLECTIONS: dict[str, CollectionSpec] = {
    "coverage_exclusions": CollectionSpec(
        "coverage_exclusions",
        {
            "seed": FieldSpec("seed", "string", required=True, help="file name in the seeds folder"),
            "quote": FieldSpec("quote", "string", required=True, help="the sentence left out"),
            "reason": FieldSpec("reason", "string", required=True, help="why it is not cited"),
        },
        help="Seed sentences deliberately not cited, with the reason.",
        # Checked against the seeds by the coverage report itself, not as facts.
        provenance="none",
        builtin=True,
    ),
    # How numbers of each unit are printed, and the words sources write beside them.
    "units": CollectionSpec(
        "units",
        {
            "id": FieldSpec("id", "id", required=True, help="what quantities name as their unit"),
            "name": FieldSpec("name", "text", help="the unit's name, e.g. 'renminbi (yuan)'"),
            "format": FieldSpec("format", "text", numbers="free",
                                help="'{n}' stands for the number, e.g. 'RMB {n}', '{n}元'; "
                                "default '{n}'"),
            "style": FieldSpec("style", "enum", values=("number", "percent"),
                               help="percent: the value is in percentage points and prints "
                               "as the edition's locale writes a percentage"),
            "words": FieldSpec("words", "list", of=FieldSpec("words", "string"),
                               help="how sources write the unit beside a number (元, 户, "
                               "users); a qualifier word may stand beyond them"),
        },
        help="How numbers of each unit are printed.",
    ),
    # Qualifier phrases: how a source bounds a number, and how each edition says it.
    "qualifiers": CollectionSpec(
        "qualifiers",
        {
            "id": FieldSpec("id", "id", required=True,
                            help="the phrase's name; a quantity may pin it as 'phrase'"),
            "bound": FieldSpec("bound", "enum", required=True, values=QUALIFIERS,
                               help="what the phrase says of the true value: eq, approx, "
                               "gt, ge, lt or le"),
            "words": FieldSpec("words", "list", of=FieldSpec("words", "string"),
                               help="how sources write it right before or after the number "
                               "(超过, 以上, about, as low as)"),
            "format": FieldSpec("format", "text", required=True, numbers="free",
                                help="how each edition prints it; '{q}' stands for the "
                                "number with its unit"),
        },
        help="Qualifier phrases: the words a source bounds a number with, and how each "
        "edition prints them.",
    ),
    "exhibits": CollectionSpec(
        "exhibits",
        {
            "id": FieldSpec("id", "id", required=True),
            "kind": FieldSpec("kind", "enum", required=True, values=("chart", "table"),
                              help="a chart the engine draws, or a table the templates lay out"),
            "chart": FieldSpec("chart", "enum", values=KINDS,
                               help="chart kind (kind: chart), default bars: " + ", ".join(KINDS)),
            "title": FieldSpec("title", "text", required=True,
                               help="what the exhibit shows, as a sentence"),
            "alt": FieldSpec("alt", "text", help="text alternative; the engine adds the numbers"),
            "notes": FieldSpec("notes", "text", help="caveats printed under the exhibit"),
            "axis": FieldSpec("axis", "text", help="value axis label, with its unit"),
            "scale": FieldSpec("scale", "enum", values=("linear", "log"),
                               help="value axis; log only for dots (a log axis has no zero)"),
            "series": FieldSpec(
                "series", "list", help="the records drawn, in order",
                of=FieldSpec("series", "object", fields={
                    "ref": FieldSpec("ref", "ref", required=True, to=(),
                                     help="a record with a quantity (bars, dots, line: also "
                                     "a date) or a date (timeline)"),
                    "label": FieldSpec("label", "text",
                                       help="bar, dot or event label (default the record's name)"),
                    "group": FieldSpec("group", "text",
                                       help="section (bars, dots) or series (grouped-bars, "
                                       "stacked-bars, line)"),
                }),
            ),
        },
        help="Charts and tables, numbered in the order the templates place them.",
    ),
}
