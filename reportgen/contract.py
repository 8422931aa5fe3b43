"""The engine's contract: the collections it reads itself, declared once.

A dataset need not declare these in ``schema.yaml``; the engine validates them like any
other collection and gives located errors. A dataset may re-declare one only to add
fields (``schemafile`` checks that). docs/data-format.md documents each of them, in the
section *Built-in collections*; ``reportgen schema`` prints them.
"""

from __future__ import annotations

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
        # Checked against the seeds by the coverage report itself, not as facts.
        provenance="none",
        builtin=True,
    ),
}
