"""Small inline SVG charts for the HTML report: no plotting library, no external files.

Each chart is accessible on its own: role="img" with a title and a description, every
value also written as text or told apart by line style, so colour is never the only signal.

Every text a chart takes (titles, descriptions, labels: class, layer, exercise names can come from
submissions) is written through `escape`: controls shown as escapes (grader.render.escape), then
escaped for XML; numbers are formatted here. Values are numbers as a report holds them
(grader.report: NaN and infinities may be strings): a chart draws the finite ones and says in words
where the others are.
"""
from __future__ import annotations

import hashlib
import itertools
import math
import textwrap
from html import escape as _xml_escape
from typing import Any

from grader.render.escape import visible
from grader.report import format_number, number

# A phone's width in user units, so that a chart drawn 330-360 px wide (a 375 px phone) shows its 13-unit text
# at 12-13 px; pages cap the drawn width (report.html.j2), so text stays near its size on a laptop too.
WIDTH, HEIGHT = 360, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 34, 64
FONT = 13  # the text size the pages give chart text, in user units: what the layout below makes room for
CHAR = 0.56 * FONT  # an average character's width at that size (system-ui), for laying out labels
LINE = FONT + 3  # one line of wrapped text
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
DASHES = {"solid": "", "dashed": "6 4", "dotted": "2 3"}


def escape(text: Any) -> str:
    """A chart's text as SVG character data or an attribute value."""
    return _xml_escape(visible(text))


def _frame(title: str, description: str, body: list[str], height: int = HEIGHT) -> str:
    # Named after what it shows, not after how many charts this process drew before: the same report
    # renders to the same bytes whatever was graded before it.
    n = hashlib.sha256("\0".join([title, description, *body]).encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return (f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-labelledby="chart{n}-title chart{n}-desc" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="chart{n}-title">{escape(title)}</title><desc id="chart{n}-desc">{escape(description)}</desc>'
            f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" class="chart-title">{escape(title)}</text>'
            + "".join(body) + "</svg>")


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    # Computed so that no finite value can break it: high - low would overflow near the float maximum,
    # and a range too narrow for a float power of ten is drawn like a flat line.
    raw = high / count - low / count
    if not raw > 1e-300:
        high, raw = low + 1.0, 1.0 / count
    step = 10.0 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if raw <= m * step)
    start = math.floor(low / step) * step
    if not math.isfinite(start):  # rounded down past the float minimum
        start = low
    ticks = (start + i * step for i in range(count + 3))
    return [round(t, 10) for t in ticks if math.isfinite(t) and t <= high + step * 0.5]


def _scale(low: float, high: float, top: float, height: float):
    """The y coordinate of a value, for a plot from low (at top + height) to high (at top); in halves,
    which cannot overflow near the float maximum."""
    span = (high / 2 - low / 2) or 0.5

    def y(v: float) -> float:
        return top + height * (1 - (v / 2 - low / 2) / span)

    return y


def _y_axis(ticks: list[float], y, label: str) -> list[str]:
    out = [f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" class="axis"/>']
    for tick in ticks:
        out.append(f'<line x1="{LEFT - 4}" y1="{y(tick):.1f}" x2="{WIDTH - RIGHT}" y2="{y(tick):.1f}" class="grid"/>'
                   f'<text x="{LEFT - 7}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>')
    out.append(f'<text transform="translate(14 {(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" text-anchor="middle">{escape(label)}</text>')
    return out


def _wrap(text: str, width: float) -> list[str]:
    """Text broken at spaces (a word longer than the width at its characters) into at most two lines that fit
    `width`, the second cut short with an ellipsis when it is longer (the whole text is in the description)."""
    lines = textwrap.wrap(visible(text), max(2, int(width // CHAR))) or [""]  # escapes first: wrap eats \n, \t
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), max(2, int(width // CHAR)), placeholder="…")]
    return lines


def _text(x: float, y: float, lines: list[str], anchor: str = "start") -> str:
    """A text of one or two lines, the first at baseline y. Always two tspans, the second empty for one
    line: the markup's structure never depends on the text it holds (a submission's text can be anywhere)."""
    first, second = (lines + [""])[:2]
    if second:
        first += " "  # so that the text reads as words, not "sepallength", where it is read as one
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"><tspan x="{x:.1f}">{escape(first)}</tspan>'
            f'<tspan x="{x:.1f}" dy="{LINE}">{escape(second)}</tspan></text>')


def _legend(entries: list[tuple[str, str, str | None]], top: float) -> tuple[list[str], float]:
    """Entries (label, colour, dash style; None for a filled box) laid out in rows from top, a label too long
    for a row on lines of its own; returns them and the last line's y."""
    out, x, y, left = [], 16, top, 16
    room = WIDTH - RIGHT - left
    for label, colour, style in entries:
        lines = _wrap(label, room - 30)
        width = 30 + max(len(line) for line in lines) * CHAR + 12
        if x > left and x + width > WIDTH - RIGHT:
            x, y = left, y + LINE
        if style is None:
            out.append(f'<rect x="{x}" y="{y - 11}" width="12" height="12" fill="{colour}"/>')
        else:
            out.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="{colour}" stroke-width="2.5" '
                       f'stroke-dasharray="{DASHES[style]}"/>')
        out.append(_text(x + 30, y, lines))
        if len(lines) > 1:
            x, y = WIDTH, y + LINE * (len(lines) - 1)  # the next entry starts a new row
        else:
            x += width
    return out, y


def line_chart(title: str, description: str, series: list[tuple[str, list[Any], str, str]], y_label: str,
               x_label: str = "epoch", y_range: tuple[float, float] | None = None,
               reference: tuple[float, str] | None = None) -> str:
    """Series are (label, values, colour, dash style); a missing value (None) is a gap. So is a value
    that is NaN or infinite: the series' legend entry and the description then say where it first
    became so and what it became, and a marked line on the chart shows that epoch."""
    series = [(label, [number(v) for v in values], colour, style) for label, values, colour, style in series]
    points = [v for _, values, _, _ in series for v in values if v is not None and math.isfinite(v)]
    low, high = y_range or (min(points, default=0.0), max(points, default=1.0))
    if reference:
        low, high = min(low, reference[0]), max(high, reference[0])
    ticks = _ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    length = max((len(values) for _, values, _, _ in series), default=1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: float) -> float:
        return LEFT + plot_w * i / max(length - 1, 1)

    y = _scale(low, high, TOP, plot_h)

    body = _y_axis(ticks, y, y_label)
    for tick in _ticks(0, length - 1, 5):
        if tick <= length - 1 and float(tick).is_integer():  # epochs are whole: 1, 2, 3, never 1, 1, 2
            body.append(f'<text x="{x(tick):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{int(tick) + 1}</text>')
    body.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - BOTTOM + 32}" text-anchor="middle">{escape(x_label)}</text>')
    if reference:
        value, label = reference
        body.append(f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" y2="{y(value):.1f}" class="reference"/>'
                    f'<text x="{WIDTH - RIGHT - 4}" y="{y(value) - 5:.1f}" text-anchor="end">{escape(label)}</text>')
    entries, broken, markers = [], {}, {}
    for label, values, colour, style in series:
        segments, current = [], []
        for i, v in enumerate(values):
            if v is None or not math.isfinite(v):
                segments, current = segments + [current], []
            else:
                current.append(f"{x(i):.1f},{y(min(max(v, low), high)):.1f}")
        for segment in segments + [current]:
            if segment:
                body.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" stroke-width="1.8" '
                            f'stroke-dasharray="{DASHES[style]}"/>')
        end = _non_finite(values, x_label)
        if end is None:
            entries.append((label, colour, style))
            continue
        index, first, what = end
        entries.append((f"{label} ({what})", colour, style))
        broken.setdefault(what, []).append(label)
        markers.setdefault(index, set()).add(format_number(first))
    for index, kinds in sorted(markers.items()):  # one marked line per epoch where a series stopped being finite
        body.append(f'<line x1="{x(index):.1f}" y1="{TOP}" x2="{x(index):.1f}" y2="{HEIGHT - BOTTOM}" '
                    f'class="non-finite"/><text x="{x(index) + 3:.1f}" y="{TOP + 10}" class="non-finite">'
                    f'{escape(" / ".join(sorted(kinds)))}</text>')
    if not points and series:
        body.append(f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" text-anchor="middle">'
                    f'no finite value to draw</text>')
    if broken:
        description += " Not finite: " + "; ".join(f"{_and(labels)} {what}" for what, labels in broken.items()) + "."
    legend, last = _legend(entries, HEIGHT - BOTTOM + 54)
    return _frame(title, description, body + legend, height=int(last) + 10)


def _non_finite(values: list[float | None], x_label: str) -> tuple[int, float, str] | None:
    """Where a series first stops being finite: (index, that value, what it became and when, e.g.
    "became infinite at epoch 1, then NaN at epoch 2"); None when it never does."""
    changes: dict[str, int] = {}
    for i, v in enumerate(values):
        if v is not None and not math.isfinite(v):
            changes.setdefault("NaN" if math.isnan(v) else "infinite" if v > 0 else "minus infinity", i)
    if not changes:
        return None
    index = min(changes.values())
    became = ", then ".join(f"{word} at {x_label} {i + 1}" for word, i in changes.items())
    return index, values[index], f"became {became}"


def _and(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def bar_chart(title: str, description: str, categories: list[str], groups: list[tuple[str, list[Any]]],
              y_label: str, reference: tuple[float, str] | None = None, value_format: str = "{:g}",
              y_range: tuple[float, float] = (0.0, 0.0)) -> str:
    """Grouped bars, one group per category, each bar labelled with its value ("n/a" for None, "NaN" or
    "inf" for a value that is not finite, written where its bar would start); the reference line's label,
    if any, is in the legend, where no bar's value can hide it. The axis spans at least y_range, so that
    small differences are drawn small."""
    groups = [(label, [number(v) for v in vs]) for label, vs in groups]
    values = [v for _, vs in groups for v in vs if v is not None and math.isfinite(v)]
    low, high = min(values + [y_range[0]]), max(values + [y_range[1]])
    if reference:
        low, high = min(low, reference[0]), max(high, reference[0])
    ticks = _ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    y = _scale(low, high, TOP + 2 * LINE, plot_h - 2 * LINE)  # room above the highest bar for its value, lifted

    body = _y_axis(ticks, y, y_label)
    slot = plot_w / max(len(categories), 1)
    bar = slot * 0.8 / max(len(groups), 1)
    rows = 1
    # Values wider than a bar take turns on two rows above a category's highest bar, so neighbours never overprint.
    widest = max((len(_value(value_format, v)) for v in values), default=0)
    lifted = len(groups) > 1 and widest * CHAR > bar - 2
    for c, category in enumerate(categories):
        lines = _wrap(category, slot - 4)
        rows = max(rows, len(lines))
        body.append(_text(LEFT + slot * (c + 0.5), HEIGHT - BOTTOM + 16, lines, "middle"))
        here = [vs[c] for _, vs in groups if c < len(vs) and vs[c] is not None and math.isfinite(vs[c])]
        highest = min([y(v) for v in here] + [y(0)])
        for g, (label, vs) in enumerate(groups):
            v = vs[c] if c < len(vs) else None
            left = LEFT + slot * c + slot * 0.1 + bar * g
            if v is None or not math.isfinite(v):
                body.append(f'<text x="{left + bar / 2:.1f}" y="{y(0) - 4:.1f}" text-anchor="middle">'
                            f'{format_number(v)}</text>')
                continue
            top, bottom = sorted((y(v), y(0)))
            shown = _value(value_format, v)
            label_y = highest - 4 - LINE * (g % 2) if lifted else top - 4
            body.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{bar * 0.92:.1f}" height="{max(bottom - top, 0.5):.1f}" '
                        f'fill="{PALETTE[g % len(PALETTE)]}" class="bar-{g}"><title>{escape(label)}, {escape(category)}: '
                        f'{shown}</title></rect>'
                        f'<text x="{left + bar / 2:.1f}" y="{label_y:.1f}" text-anchor="middle" class="value">'
                        f'{shown}</text>')
    entries = [(label, PALETTE[g % len(PALETTE)], None) for g, (label, _) in enumerate(groups)]
    if reference:
        value, label = reference
        body.append(f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" y2="{y(value):.1f}" class="reference"/>')
        entries += [(label, "#555", "dotted")] if label else []
    legend, last = _legend(entries, HEIGHT - BOTTOM + 16 + LINE * rows + 8)
    return _frame(title, description, body + legend, height=int(last) + 10)


def _value(value_format: str, v: float) -> str:
    """A bar's value as written on it; never "-0.00" for a value that rounds to zero."""
    shown = value_format.format(v)
    return value_format.format(0.0) if value_format.format(abs(v)) == value_format.format(0.0) else shown


def heatmap(title: str, description: str, labels: list[str], counts: list[list[int]],
            row_label: str = "true class", column_label: str = "predicted class") -> str:
    """A confusion matrix: rows are true classes, columns predictions, each cell with its count."""
    n = len(labels)
    longest = max((len(visible(label)) for label in labels), default=1)
    left, top = min(150, 28 + math.ceil(longest * CHAR)), 66  # room for the row labels
    size = min(80, (WIDTH - RIGHT - left) // max(n, 1))
    height = top + size * n + 20
    peak = max((v for row in counts for v in row), default=1) or 1
    body = [f'<text x="{left + size * n / 2}" y="{top - 26}" text-anchor="middle">{escape(column_label)}</text>',
            f'<text transform="translate(18 {top + size * n / 2}) rotate(-90)" text-anchor="middle">{escape(row_label)}</text>']
    for i, label in enumerate(labels):
        body.append(f'<text x="{left + size * (i + 0.5)}" y="{top - 8}" text-anchor="middle">{escape(label)}</text>'
                    f'<text x="{left - 8}" y="{top + size * (i + 0.5) + 4}" text-anchor="end">{escape(label)}</text>')
        for j in range(n):
            value = counts[i][j]
            shade = value / peak
            fill = f"rgba(31,119,180,{0.08 + 0.85 * shade:.2f})"
            ink = "#fff" if shade > 0.55 else "#111"
            body.append(f'<rect x="{left + size * j}" y="{top + size * i}" width="{size}" height="{size}" fill="{fill}" '
                        f'stroke="#fff" class="{"diagonal" if i == j else "off-diagonal"}"/>'
                        f'<text x="{left + size * (j + 0.5)}" y="{top + size * (i + 0.5) + 5}" text-anchor="middle" '
                        f'fill="{ink}" class="value">{value}</text>')
    return _frame(title, description, body, height=height)


def _count_ticks(peak: int) -> list[int]:
    """Whole-number ticks from 0 to at least peak, at most about 6 of them: counts of students are never fractional."""
    step = next(s for e in itertools.count() for s in (10 ** e, 2 * 10 ** e, 5 * 10 ** e) if max(peak, 1) <= 5 * s)
    return list(range(0, math.ceil(max(peak, 1) / step) * step + 1, step))


def histogram(title: str, description: str, edges: list[float], counts: list[int], x_label: str,
              y_label: str = "students", reference: tuple[float, str] | None = None) -> str:
    """Bars of counts over bins (bin i spans edges[i] to edges[i + 1]), each labelled with its count;
    reference is a vertical line at an x value (e.g. the pass mark)."""
    ticks = _count_ticks(max(counts, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(v: float) -> float:
        return LEFT + plot_w * (v - edges[0]) / ((edges[-1] - edges[0]) or 1)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / ticks[-1])

    body = _y_axis(ticks, y, y_label)
    for edge in edges:
        body.append(f'<text x="{x(edge):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{edge:g}</text>')
    body.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - BOTTOM + 34}" text-anchor="middle">{escape(x_label)}</text>')
    for low, high, count in zip(edges, edges[1:], counts):
        left, right, top = x(low), x(high), y(count)
        body.append(f'<rect x="{left + 1:.1f}" y="{top:.1f}" width="{max(right - left - 2, 0.5):.1f}" '
                    f'height="{max(y(0) - top, 0.5):.1f}" fill="{PALETTE[0]}" class="bar-0"><title>{low:g} to {high:g}: '
                    f'{count}</title></rect>'
                    f'<text x="{(left + right) / 2:.1f}" y="{top - 4:.1f}" text-anchor="middle" class="value">{count}</text>')
    if reference:
        value, label = reference
        # Labelled under the axis's own label, where no bar or tick can hide it.
        body.append(f'<line x1="{x(value):.1f}" y1="{TOP}" x2="{x(value):.1f}" y2="{HEIGHT - BOTTOM}" class="reference"/>'
                    f'<text x="{x(value):.1f}" y="{HEIGHT - BOTTOM + 50}" text-anchor="middle">{escape(label)}</text>')
    return _frame(title, description, body)
