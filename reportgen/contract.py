"""The engine's contract: the collections it reads itself, declared once.

A dataset need not declare these in ``schema.yaml``; the engine validates them like any
other collection and gives located errors. docs/data-format.md documents each of them.
"""

from __future__ import annotations

from .charts_model import KINDS
from .schema import CollectionSpec, FieldSpec

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
