"""Print quantities and dates the way each edition language writes them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .schema import Date, Quantity, Record

__all__ = ["Formatter", "scale_number"]

_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def scale_number(value: float, steps: Sequence[Sequence[Any]], lang: str) -> str:
    """Print ``value`` with the largest scale word whose threshold it reaches."""
    for threshold, word in sorted(steps, key=lambda s: -float(s[0])):
        if abs(value) >= float(threshold):
            return _plain(value / float(threshold), lang) + str(word)
    return _plain(value, lang)


def _plain(value: float, lang: str) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if lang == "en" and abs(value) >= 1000:
        whole, _, frac = text.partition(".")
        text = f"{int(whole):,}" + (f".{frac}" if frac else "")
    return text


@dataclass
class Formatter:
    """Format numbers of one edition from the dataset's units and qualifiers."""

    lang: str
    units: Mapping[str, Record]
    qualifiers: Mapping[str, Record]
    steps: Sequence[Sequence[Any]]

    def number(self, q: Quantity) -> str:
        """Return the number with its unit, without its qualifier: '5000亿元'."""
        unit = self.units.get(q.unit)
        n = scale_number(q.value, self.steps, self.lang)
        if unit is None:
            return n
        return str(unit["format"][self.lang]).replace("{n}", n)

    def quantity(self, q: Quantity) -> str:
        """Return the number with unit and qualifier: '超过5000亿元'."""
        number = self.number(q)
        qualifier = self.qualifiers.get(q.qualifier)
        if qualifier is None:
            return number
        return str(qualifier["format"][self.lang]).replace("{q}", number)

    def symbol(self, q: Quantity) -> str:
        """Return the short qualifier mark for charts and tables: '>', '≈' or ''."""
        qualifier = self.qualifiers.get(q.qualifier)
        return str(qualifier["symbol"]) if qualifier and q.qualifier != "eq" else ""

    def date(self, d: Date) -> str:
        """Return '2013年6月' or 'June 2013'."""
        if self.lang.startswith("zh"):
            text = f"{d.year}年"
            if d.month:
                text += f"{d.month}月"
                if d.day:
                    text += f"{d.day}日"
            return text
        if d.month and d.day:
            return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"
        if d.month:
            return f"{_MONTHS_EN[d.month - 1]} {d.year}"
        return str(d.year)
