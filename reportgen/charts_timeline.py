"""Draw timelines whose labels never overlap."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from reportgen.charts import ChartSpec, Milestone, Theme
from reportgen.charts_bars import legend_text
from reportgen.charts_draw import Legend, LegendEntry, Measure, Painter, wrap

__all__ = ["draw_timeline"]

_ABOVE, _BELOW = 0, 1


@dataclass
class _Line:
    text: str
    size: float
    color: str
    cls: str
    weight: str = "normal"


@dataclass
class _Block:
    ms: Milestone
    x: float
    lines: list[_Line]
    width: float
    height: float
    side: int = _ABOVE
    level: int = 0
    left: float = 0.0


@dataclass
class _Side:
    spans: list[list[tuple[float, float]]] = field(default_factory=list)
    stems: list[tuple[float, int]] = field(default_factory=list)

    def fits(self, lo: float, hi: float, x: float, level: int, gap: float) -> bool:
        """Room at this level, and no stem crosses a label on the way."""
        while len(self.spans) <= level:
            self.spans.append([])
        if any(lo - gap < b and a < hi + gap for a, b in self.spans[level]):
            return False
        if any(a - 2 < x < b + 2 for lv in self.spans[:level] for a, b in lv):
            return False
        return not any(lo - 2 < sx < hi + 2 for sx, slv in self.stems if slv > level)

    def take(self, lo: float, hi: float, x: float, level: int) -> None:
        self.spans[level].append((lo, hi))
        self.stems.append((x, level))


def _year_step(span: float, room: float, label_w: float) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if (span / step + 1) * label_w * 1.8 <= room:
            return step
    return 1000


def draw_timeline(spec: ChartSpec, theme: Theme) -> Painter:
    """Lay milestones out on a year axis, alternating sides, and paint them."""
    fs = theme.font_size
    small = fs * 0.88
    tiny = fs * 0.8
    m = Measure(theme)
    width = theme.width * 72.0
    margin = 1.0
    ax_left, ax_right = margin + fs, width - margin - fs
    years = [ms.year for ms in spec.milestones]
    y0, y1 = math.floor(min(years)), math.ceil(max(years))
    if y1 == y0:
        y0, y1 = y0 - 1, y1 + 1
    inset = fs * 1.2

    def tx(year: float) -> float:
        return ax_left + inset + (year - y0) / (y1 - y0) * (ax_right - ax_left - 2 * inset)

    cap = min(width * 0.3, fs * 15)
    accent = theme.palette[4 % len(theme.palette)]
    blocks: list[_Block] = []
    for ms in spec.milestones:
        lines = [_Line(ms.date_text, small, theme.muted_color, "milestone-date", "bold")]
        lines += [
            _Line(t, fs, theme.text_color, "milestone-label")
            for t in wrap(ms.label, cap, lambda s: m.width(s, fs))
        ]
        if ms.stated_text:
            lines += [
                _Line(t, tiny, theme.muted_color, "milestone-stated")
                for t in wrap(ms.stated_text, cap, lambda s: m.width(s, tiny))
            ]
        lines = [ln for ln in lines if ln.text]
        w = max((m.width(ln.text, ln.size, ln.weight) for ln in lines), default=0.0)
        h = sum(ln.size * 1.25 for ln in lines)
        blocks.append(_Block(ms, tx(ms.year), lines, w, h))

    sides = (_Side(), _Side())
    hgap = fs * 0.9
    order = sorted(range(len(blocks)), key=lambda i: (blocks[i].ms.year, i))
    for k, i in enumerate(order):
        b = blocks[i]
        prefer = (_ABOVE, _BELOW) if k % 2 == 0 else (_BELOW, _ABOVE)
        # Centred on the marker, else starting or ending at it: a block that
        # hangs off to one side lets close neighbours share a level, and
        # lets stems rise past lower blocks without crossing them.
        anchors = [b.x - b.width / 2, b.x - fs * 0.4, b.x + fs * 0.4 - b.width]
        anchors = [min(max(a, margin), width - margin - b.width) for a in anchors]
        placed = False
        for level in range(len(blocks) + 1):
            for side in prefer:
                for left in anchors:
                    lo, hi = left, left + b.width
                    if sides[side].fits(lo, hi, b.x, level, hgap):
                        b.side, b.level, b.left = side, level, left
                        sides[side].take(lo, hi, b.x, level)
                        placed = True
                        break
                if placed:
                    break
            if placed:
                break
        if not placed:
            # Only a crowd no level can clear ends here: stack it on top, where
            # at worst a stem crosses a label, never a label another.
            side = prefer[0]
            b.side, b.level = side, len(sides[side].spans)
            b.left = anchors[0]
            sides[side].fits(0.0, 0.0, b.x, b.level, 0.0)
            sides[side].take(b.left, b.left + b.width, b.x, b.level)

    vgap = fs * 0.6
    stem0 = fs * 1.1
    depth = max(b.level for b in blocks) + 1
    level_h = [[0.0] * depth, [0.0] * depth]
    for b in blocks:
        level_h[b.side][b.level] = max(level_h[b.side][b.level], b.height)
    above = sum(h + vgap for h in level_h[_ABOVE] if h)
    below = sum(h + vgap for h in level_h[_BELOW] if h)
    tick_band = 3.0 + small * 1.35

    entries: list[LegendEntry] = []
    if any(ms.corrected for ms in spec.milestones):

        def key(p: Painter, x: float, yc: float) -> None:
            _marker(p, x + fs * 0.5, yc, True, fs, accent)

        entries.append(LegendEntry(fs * 1.0, key, legend_text(spec, "corrected")))
    legend = Legend(entries, theme, m, margin, width - 2 * margin)

    top_pad = 2.0
    axis_y = top_pad + above + stem0
    height = axis_y + tick_band + (stem0 + below if below else 0.0)
    height += (legend.height + fs * 0.4) if entries else fs * 0.3
    p = Painter(theme, width, height)

    p.line(
        [(ax_left, axis_y), (ax_right, axis_y)],
        color=theme.muted_color,
        lw=0.8,
        cls="timeline-axis",
    )
    label_w = m.width("2000", small)
    step = _year_step(y1 - y0, ax_right - ax_left, label_w)
    stems_below = [b.x for b in blocks if b.side == _BELOW]
    for year in range(math.ceil(y0 / step) * step, y1 + 1, step):
        x = tx(year)
        p.line(
            [(x, axis_y), (x, axis_y + 3.0)], color=theme.muted_color, lw=0.6, cls="timeline-tick"
        )
        # A year label that a stem would strike through is left out; every
        # milestone prints its own date anyway.
        if all(abs(sx - x) > label_w / 2 + 1.5 for sx in stems_below):
            p.text(
                x,
                axis_y + 3.0 + small * 1.05,
                str(year),
                size=small,
                color=theme.muted_color,
                ha="center",
                cls="timeline-year",
            )

    stems: list[tuple[_Block, float, float]] = []
    for b in blocks:
        offset = sum(h + vgap for h in level_h[b.side][: b.level] if h)
        if b.side == _ABOVE:
            edge = axis_y - stem0 - offset
            block_top = edge - b.height
        else:
            edge = axis_y + tick_band + stem0 + offset
            block_top = edge
            edge -= 1.0
        p.line([(b.x, axis_y), (b.x, edge)], color=theme.grid_color, lw=0.7, cls="milestone-stem")
        stems.append((b, edge, block_top))
    for b, _, block_top in stems:
        # Paper-coloured backing: a stem that must pass a crowded label runs
        # behind it instead of striking through the text.
        p.rect(
            b.left - 1.5,
            b.left + b.width + 1.5,
            block_top + b.height / 2,
            b.height,
            color="white",
            cls="milestone-backing",
        )
        y = block_top
        cx = b.left + b.width / 2
        for ln in b.lines:
            y += ln.size * 1.25
            p.text(
                cx,
                y - ln.size * 0.28,
                ln.text,
                size=ln.size,
                color=ln.color,
                ha="center",
                weight=ln.weight,
                cls=ln.cls,
            )
    for b in blocks:
        _marker(p, b.x, axis_y, b.ms.corrected, fs, accent)
    if entries:
        legend.paint(p, height - legend.height - fs * 0.2)
    return p


def _marker(p: Painter, x: float, y: float, corrected: bool, fs: float, accent: str) -> None:
    if corrected:
        # Hollow diamond in the accent colour: shape and colour both differ,
        # so it survives greyscale printing and colour-blind readers.
        p.marker(
            x,
            y,
            shape="D",
            size=fs * 0.85,
            face="white",
            edge=accent,
            lw=1.4,
            cls="milestone milestone-corrected",
        )
    else:
        p.marker(
            x,
            y,
            shape="o",
            size=fs * 0.85,
            face=p.theme.palette[0],
            edge="white",
            lw=0.8,
            cls="milestone",
        )
