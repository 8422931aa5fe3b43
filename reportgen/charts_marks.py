"""Marks that say what a number is: exact, approximate, a floor or a ceiling, disputed.

The bound marks follow the number line readers know from school: a filled circle where
the bound is included ("at least", "at most"), an open circle where it is not ("more
than", "less than"), and an arrow towards where the true value lies. A floor's bar runs
on past its end and fades; a ceiling's bar is pale (the value lies somewhere below).
Every mark carries classes naming its bound (``bound-ge`` …) for tests and stylesheets.
"""

from __future__ import annotations

from .charts_svg import Canvas

__all__ = [
    "LOWER",
    "UPPER",
    "bar_mark",
    "bar_room",
    "corrected_mark",
    "dot_mark",
    "dot_room",
    "flag_mark",
]

LOWER = ("gt", "ge")
UPPER = ("lt", "le")


def _outward(value: float, bound: str) -> bool | None:
    """Whether a bar's true value lies beyond its end (None: not a bound).

    Bars grow from zero, so a bar's bound is read on the magnitude: "over 60%" runs on past
    the end, and so does "a fall of more than 5" (less than -5).
    """
    if bound in LOWER:
        return value >= 0
    if bound in UPPER:
        return value < 0
    return None


def _circle(c: Canvas, x: float, yc: float, r: float, closed: bool, bound: str,
            ink: str = "text") -> None:
    if closed:
        c.circle(x, yc, r, fill=ink, stroke="paper", width=r * 0.35,
                 cls=f"bound-point bound-closed bound-{bound}")
    else:
        c.circle(x, yc, r, fill="paper", stroke=ink, width=r * 0.45,
                 cls=f"bound-point bound-open bound-{bound}")


def _arrow(c: Canvas, tip: float, yc: float, size: float, s: float, ink: str, cls: str) -> None:
    """A filled arrow head whose point is at ``tip``, pointing in direction ``s`` (±1)."""
    c.polygon([(tip, yc), (tip - s * size, yc - size * 0.62), (tip - s * size, yc + size * 0.62)],
              fill=ink, cls=cls)


def bar_room(value: float, bound: str, fs: float) -> float:
    """Drawing units a bar's mark needs past its end, before the value label."""
    if _outward(value, bound) is True:
        return fs * 2.3
    if bound == "approx":
        return fs * 1.15
    if bound in LOWER + UPPER:
        return fs * 0.5
    return 0.0


def bar_mark(c: Canvas, x0: float, x1: float, yc: float, h: float, bound: str, value: float,
             ink: str, fs: float) -> float:
    """Draw a bar from ``x0`` to ``x1`` that shows its bound; return where its mark ends."""
    s = 1.0 if x1 >= x0 else -1.0
    outward = _outward(value, bound)
    r = h * 0.34
    closed = bound in ("ge", "le")
    if outward is True:
        c.rect(x0, yc - h / 2, x1 - x0, h, fill=ink, cls=f"bar bar-floor bound-{bound}")
        run = fs * 1.7
        steps = 5
        for i in range(steps):
            c.rect(x1 + s * run * i / steps, yc - h / 2, s * run / steps, h, fill=ink,
                   opacity=0.42 * (1 - i / steps), cls="bar-run")
        tip = x1 + s * (run + fs * 0.55)
        _arrow(c, tip, yc, fs * 0.6, s, ink, f"bound-arrow bound-{bound}")
        _circle(c, x1, yc, r, closed, bound)
        return tip
    if outward is False:
        c.rect(x0, yc - h / 2, x1 - x0, h, fill=ink, opacity=0.3,
               cls=f"bar bar-ceiling bound-{bound}")
        if abs(x1 - x0) > r * 2 + fs * 0.8:
            _arrow(c, x1 - s * (r + fs * 0.25) - s * fs * 0.55, yc, fs * 0.55, -s, ink,
                   f"bound-arrow bound-{bound}")
        _circle(c, x1, yc, r, closed, bound)
        return x1 + s * r
    c.rect(x0, yc - h / 2, x1 - x0, h, fill=ink, cls=f"bar bound-{bound}")
    if bound == "approx":
        size = fs * 1.1
        c.text(x1 + s * fs * 0.2, yc + size * 0.33, "≈", size=size, width=size * 0.8,
               role=ink, bold=True, anchor="start" if s > 0 else "end",
               cls="approx-mark bound-approx")
        return x1 + s * (fs * 0.2 + size * 0.8)
    return x1


def dot_room(bound: str, fs: float) -> tuple[float, float]:
    """Drawing units a dot's mark needs (left, right) of its centre."""
    r = fs * 0.42
    if bound in LOWER:
        return r, fs * 2.6
    if bound in UPPER:
        return fs * 2.6, r
    if bound == "approx":
        return r * 1.9, r * 1.9
    return r, r


def dot_mark(c: Canvas, x: float, yc: float, bound: str, ink: str, fs: float) -> tuple[float, float]:
    """Draw a dot that shows its bound; return the (left, right) ends of its mark.

    On a shared axis a floor points right and a ceiling left, whatever the sign.
    """
    r = fs * 0.42
    if bound in LOWER + UPPER:
        s = 1.0 if bound in LOWER else -1.0
        run = fs * 1.6
        steps = 5
        for i in range(steps):
            a = x + s * (r + run * i / steps)
            c.rect(a, yc - r * 0.45, s * run / steps, r * 0.9, fill=ink,
                   opacity=0.5 * (1 - i / steps), cls="dot-run")
        tip = x + s * (r + run + fs * 0.5)
        _arrow(c, tip, yc, fs * 0.55, s, ink, f"bound-arrow bound-{bound}")
        closed = bound in ("ge", "le")
        if closed:
            c.circle(x, yc, r, fill=ink, stroke="paper", width=r * 0.3,
                     cls=f"dot bound-point bound-closed bound-{bound}")
        else:
            c.circle(x, yc, r * 0.9, fill="paper", stroke=ink, width=r * 0.5,
                     cls=f"dot bound-point bound-open bound-{bound}")
        return (x - r, tip) if s > 0 else (tip, x + r)
    if bound == "approx":
        c.circle(x, yc, r * 1.9, fill=ink, stroke=None, width=0.0, opacity=0.22,
                 cls="dot-halo bound-approx")
        c.circle(x, yc, r, fill=ink, stroke=None, width=0.0, cls="dot bound-approx")
        return x - r * 1.9, x + r * 1.9
    c.circle(x, yc, r, fill=ink, stroke=None, width=0.0, cls=f"dot bound-{bound}")
    return x - r, x + r


def flag_mark(c: Canvas, x: float, yc: float, fs: float) -> float:
    """A warning triangle in the accent colour: the public record contradicts this figure."""
    h = fs * 0.85
    w = h * 1.1
    c.polygon([(x, yc + h * 0.45), (x + w, yc + h * 0.45), (x + w / 2, yc - h * 0.55)],
              fill="accent", cls="flag-mark")
    stroke = h * 0.13
    c.rect(x + w / 2 - stroke / 2, yc - h * 0.2, stroke, h * 0.36, fill="paper", cls="flag-mark-bar")
    c.rect(x + w / 2 - stroke / 2, yc + h * 0.24, stroke, stroke, fill="paper", cls="flag-mark-dot")
    return x + w


def corrected_mark(c: Canvas, x: float, yc: float, fs: float) -> None:
    """A hollow diamond in the accent colour: the date is the public record's, not the source's."""
    c.diamond(x, yc, fs * 0.5, fill="paper", stroke="accent", width=fs * 0.18,
              cls="event-mark event-corrected")
