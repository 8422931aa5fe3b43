"""Write reportgen/quotes_cldr.py from CLDR's delimiters (Babel does not carry them).

Usage, from the project root:

    npm pack cldr-misc-full@48.2.0 && tar xzf cldr-misc-full-48.2.0.tgz
    python scripts/cldr_quotes.py package/main > reportgen/quotes_cldr.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEFAULT = "“”‘’"
HEADER = '''"""Quotation marks per locale, from CLDR 48.2 (cldr-misc-full, main/*/delimiters.json).

Each value is primary open, primary close, alternate (nested) open, alternate close.
Only locales whose marks differ from those of their truncated parent tag are listed
(de-CH is looked up as de-CH, then de, then DEFAULT_QUOTES), which reproduces all
{count} CLDR locales exactly. Regenerate with scripts/cldr_quotes.py.

Data: Copyright © 2004-2026 Unicode, Inc. Unicode License v3 (https://www.unicode.org/license.txt).
"""

from __future__ import annotations

__all__ = ["DEFAULT_QUOTES", "QUOTES"]

DEFAULT_QUOTES = "{default}"

QUOTES: dict[str, str] = {{'''


def _parent(tag: str) -> str | None:
    parts = tag.split("-")
    return "-".join(parts[:-1]) if len(parts) > 1 else None


def main(folder: Path) -> str:
    """Return the module text for the CLDR ``main`` folder ``folder``."""
    marks: dict[str, str] = {}
    for locale in sorted(p for p in folder.iterdir() if p.is_dir()):
        data = json.loads((locale / "delimiters.json").read_text(encoding="utf-8"))
        d = data["main"][locale.name]["delimiters"]
        marks[locale.name] = (d["quotationStart"] + d["quotationEnd"]
                              + d["alternateQuotationStart"] + d["alternateQuotationEnd"])
    lines = [HEADER.format(count=len(marks), default=DEFAULT)]
    for tag, value in marks.items():
        parent = _parent(tag)
        while parent and parent not in marks:
            parent = _parent(parent)
        if value != (marks[parent] if parent else DEFAULT):
            lines.append(f'    "{tag}": "{value}",')
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(main(Path(sys.argv[1])))
