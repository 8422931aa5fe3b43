"""Print quantities and dates the way each edition language writes them (CLDR, via Babel).

Numbers, decimals, percentages and scaled numbers ("500 billion", "500 Milliarden",
"5000亿") follow the edition's locale; a quantity's qualifier prints in the words of the
phrase its source used ("低至3.5%" / "as low as 3.5%"), from the ``qualifiers`` collection;
dates print in the locale's own pattern ("June 2013", "Juni 2013", "2013年6月").
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .schema import Date, Quantity, Record

if TYPE_CHECKING:
    from babel import Locale

    from .config import Config
    from .dataset import Dataset

__all__ = ["BOUNDS", "DEFAULT_SYMBOLS", "Formatter", "edition_locale", "make_formatter",
           "scale_number"]

BOUNDS = ("eq", "approx", "gt", "ge", "lt", "le")
# Mathematical notation, the same in every language; strings.yaml may override each
# (`bound_symbol_gt` …), and gives the legend charts print for it (`bound_legend_gt` …).
DEFAULT_SYMBOLS = {"eq": "", "approx": "≈", "gt": ">", "ge": "≥", "lt": "<", "le": "≤"}
# A scaled number keeps at most this many decimals ("1.25 billion"); a value that needs
# more prints in full ("1,234,567") rather than rounded.
_SCALE_DIGITS = 2


def edition_locale(config: Config, lang: str) -> str:
    """Return the BCP 47 tag an edition's numbers and dates follow (its ``html_lang``)."""
    return config.html_lang.get(lang) or lang


def make_formatter(dataset: Dataset, config: Config, strings: Mapping[str, str],
                   lang: str) -> Formatter:
    """Return the formatter of edition ``lang`` of a project."""
    symbols = {b: strings.get(f"bound_symbol_{b}", DEFAULT_SYMBOLS[b]) for b in BOUNDS}
    return Formatter(lang, {r.id: r for r in dataset.records("units")},
                     {r.id: r for r in dataset.records("qualifiers")},
                     config.number_format.get(lang, []), symbols,
                     edition_locale(config, lang))


def scale_number(value: float, steps: Sequence[Sequence[Any]], locale: str) -> str:
    """Print ``value`` with the largest house-style scale word whose threshold it reaches."""
    from babel.numbers import format_decimal

    for threshold, word in sorted(steps, key=lambda s: -float(s[0])):
        if abs(value) >= float(threshold):
            return _decimal(value / float(threshold), locale) + str(word)
    return _babel_number(format_decimal, _round(value), locale=_babel(locale))


@dataclass
class Formatter:
    """Format numbers, quantities and dates of one edition."""

    lang: str
    units: Mapping[str, Record]
    qualifiers: Mapping[str, Record]
    steps: Sequence[Sequence[Any]] = ()
    symbols: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SYMBOLS))
    locale: str = ""

    def __post_init__(self) -> None:
        self.locale = self.locale or self.lang

    # --- numbers ---

    def decimal(self, value: float) -> str:
        """Return ``value`` with the locale's grouping and decimal mark: '0,5', '8,000'."""
        return _printed("decimal", self.locale, (), value, repr(value))

    def scaled(self, value: float) -> str:
        """Return ``value`` in the locale's compact long form when exact: '500 billion'."""
        steps = tuple(tuple(step) for step in self.steps)
        return _printed("scaled", self.locale, steps, value, repr(value))

    def percent(self, points: float) -> str:
        """Return a percentage given in points (8.5 → '8.5%', '8,5 %', '8.5%')."""
        return _printed("percent", self.locale, (), points, repr(points))

    def number(self, q: Quantity) -> str:
        """Return the number with its unit, without its qualifier: '5000亿元'."""
        unit = self.units.get(q.unit)
        if unit is not None and unit.get("style") == "percent":
            n = self.percent(q.value)
        else:
            n = self.scaled(q.value)
        fmt = unit.get("format") if unit is not None else None
        if not fmt:
            return n
        return str(fmt[self.lang]).replace("{n}", n)

    def phrase(self, q: Quantity) -> Record | None:
        """Return the qualifier phrase a quantity prints with: its own, else its bound's first."""
        own = self.qualifiers.get(q.phrase) if q.phrase else None
        if own is not None:
            return own
        return next((r for r in self.qualifiers.values() if r.get("bound") == q.qualifier), None)

    def quantity(self, q: Quantity) -> str:
        """Return the number with unit and qualifier: '超过5000亿元', 'as low as 3.5%'."""
        number = self.number(q)
        phrase = self.phrase(q)
        if phrase is None:
            return self.symbol(q) + number
        return str(phrase["format"][self.lang]).replace("{q}", number)

    def symbol(self, q: Quantity) -> str:
        """Return the short mark of a quantity's bound for charts and tables: '>', '≈' or ''."""
        return self.symbols.get(q.qualifier, "")

    # --- dates ---

    def date(self, d: Date) -> str:
        """Return a year, month or day in the locale's words: '2013年6月', 'June 2013'."""
        from babel.dates import format_skeleton

        skeleton = "yMMMMd" if d.month and d.day else "yMMMM" if d.month else "y"
        when = _dt.date(d.year, d.month or 1, d.day or 1)
        return format_skeleton(skeleton, when, locale=_babel(self.locale))


@functools.lru_cache(maxsize=8192)
def _printed(kind: str, locale: str, steps: tuple[tuple[Any, ...], ...], value: float,
             written: str) -> str:
    """A number as ``Formatter`` prints it, kept: a warm process prints the same numbers
    after every edit. ``written`` (its repr) tells apart values that compare equal (-0.0)."""
    from babel.numbers import format_decimal, format_percent

    if kind == "percent":
        return _babel_number(format_percent, _round(value) / 100, locale=_babel(locale),
                             decimal_quantization=False)
    if kind == "scaled":
        if steps:
            return scale_number(value, steps, locale)
        compact = _compact(value, _babel(locale))
        if compact is not None:
            return compact
    return _babel_number(format_decimal, _round(value), locale=_babel(locale),
                         decimal_quantization=False)


def _babel(tag: str) -> Locale:
    from .numbers import babel_locale

    return babel_locale(tag)


def _round(value: float) -> Any:
    """Return ``value`` as a Decimal without binary noise (0.1 + 0.2 prints as 0.3)."""
    from decimal import Decimal

    return Decimal(repr(round(value, 9) if value != int(value) else value)).normalize()


def _babel_number(call: Any, value: float, **kwargs: Any) -> str:
    """Call a Babel number formatter with enough decimal precision for any finite float."""
    import decimal

    with decimal.localcontext() as context:
        context.prec = 400
        text: str = call(value, **kwargs)
    return text


def _decimal(value: float, locale: str) -> str:
    from babel.numbers import format_decimal

    return _babel_number(format_decimal, _round(round(value, _SCALE_DIGITS)),
                         locale=_babel(locale), decimal_quantization=False)


def _compact(value: float, locale: Locale) -> str | None:
    """Return CLDR's compact long form of ``value`` when it states the value exactly.

    Thousands are never compacted ("8,000", not "8 thousand"); a language that groups by
    ten thousands compacts from there ("60万").
    """
    from babel.numbers import format_compact_decimal

    formats: Any = locale.compact_decimal_formats.get("long") or {}
    other: Any = formats.get("other") or next(iter(formats.values()), {})
    thousands = _word(other.get("1000"))
    for magnitude in sorted((m for m in other if m.isdigit()), key=int, reverse=True):
        if abs(value) < int(magnitude):
            continue
        word = _word(other[magnitude])
        if not word or word == thousands:
            return None
        divisor = int(magnitude) / 10 ** (str(other[magnitude].pattern).count("0") - 1)
        mantissa = value / divisor
        if abs(mantissa) >= 1e6 or \
                abs(round(mantissa, _SCALE_DIGITS) - mantissa) > 1e-9 * max(1.0, abs(mantissa)):
            return None  # beyond CLDR's largest word, or not exact: print it in full
        return _babel_number(format_compact_decimal, _round(value), format_type="long",
                             locale=locale, fraction_digits=_SCALE_DIGITS)
    return None


def _word(pattern: Any) -> str:
    if pattern is None:
        return ""
    return str(getattr(pattern, "pattern", pattern)).replace("'", "").replace("0", "").strip(
        " \u00a0\u202f")
