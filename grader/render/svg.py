"""Small inline SVG charts for the HTML report: no plotting library, no external files.

Each chart is accessible on its own: role="img" with a title and a description, every
value also written as text or told apart by line style, so colour is never the only signal.

Every text a chart takes (titles, descriptions, labels: class, layer, exercise names can come from
submissions) is written through `escape`: controls shown as escapes (grader.render.escape), then
escaped for XML; numbers are formatted here.
"""
from __future__ import annotations

import hashlib
import itertools
import math
from html import escape as _xml_escape
from typing import Any

from grader.render.escape import visible

WIDTH, HEIGHT = 560, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 34, 64
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
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if raw <= m * step)
    start = math.floor(low / step) * step
    return [round(start + i * step, 10) for i in range(count + 3) if start + i * step <= high + step * 0.5]


def _y_axis(ticks: list[float], y, label: str) -> list[str]:
    out = [f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" class="axis"/>']
    for tick in ticks:
        out.append(f'<line x1="{LEFT - 4}" y1="{y(tick):.1f}" x2="{WIDTH - RIGHT}" y2="{y(tick):.1f}" class="grid"/>'
                   f'<text x="{LEFT - 7}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>')
    out.append(f'<text transform="translate(14 {(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" text-anchor="middle">{escape(label)}</text>')
    return out


def _legend(entries: list[tuple[str, str, str]], top: float) -> tuple[list[str], float]:
    """Entries (label, colour, dash style) laid out in rows from top; returns them and the last row's y."""
    out, x, y = [], LEFT, top
    for label, colour, style in entries:
        width = 34 + 6.5 * len(label)
        if x + width > WIDTH - RIGHT:
            x, y = LEFT, y + 16
        out.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="{colour}" stroke-width="2.5" '
                   f'stroke-dasharray="{DASHES[style]}"/><text x="{x + 29}" y="{y}">{escape(label)}</text>')
        x += width
    return out, y


def line_chart(title: str, description: str, series: list[tuple[str, list[float], str, str]], y_label: str,
               x_label: str = "epoch", y_range: tuple[float, float] | None = None,
               reference: tuple[float, str] | None = None) -> str:
    """Series are (label, values, colour, dash style); negative or non-finite values are gaps."""
    points = [v for _, values, _, _ in series for v in values if v is not None and math.isfinite(v) and v >= 0]
    low, high = y_range or (min(points, default=0.0), max(points, default=1.0))
    if reference:
        low, high = min(low, reference[0]), max(high, reference[0])
    ticks = _ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    length = max((len(values) for _, values, _, _ in series), default=1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: float) -> float:
        return LEFT + plot_w * i / max(length - 1, 1)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - low) / ((high - low) or 1))

    body = _y_axis(ticks, y, y_label)
    for tick in _ticks(0, length - 1, 5):
        if tick <= length - 1:
            body.append(f'<text x="{x(tick):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{int(tick) + 1}</text>')
    body.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - BOTTOM + 32}" text-anchor="middle">{escape(x_label)}</text>')
    if reference:
        value, label = reference
        body.append(f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" y2="{y(value):.1f}" class="reference"/>'
                    f'<text x="{WIDTH - RIGHT - 4}" y="{y(value) - 5:.1f}" text-anchor="end">{escape(label)}</text>')
    for _, values, colour, style in series:
        segments, current = [], []
        for i, v in enumerate(values):
            if v is None or not math.isfinite(v) or v < 0:
                segments, current = segments + [current], []
            else:
                current.append(f"{x(i):.1f},{y(min(max(v, low), high)):.1f}")
        for segment in segments + [current]:
            if segment:
                body.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" stroke-width="1.8" '
                            f'stroke-dasharray="{DASHES[style]}"/>')
    legend, last = _legend([(label, colour, style) for label, _, colour, style in series], HEIGHT - BOTTOM + 52)
    return _frame(title, description, body + legend, height=int(last) + 10)


def bar_chart(title: str, description: str, categories: list[str], groups: list[tuple[str, list[float | None]]],
              y_label: str, reference: tuple[float, str] | None = None, value_format: str = "{:g}") -> str:
    """Grouped bars, one group per category, each bar labelled with its value."""
    values = [v for _, vs in groups for v in vs if v is not None and math.isfinite(v)]
    low, high = min(values + [0.0]), max(values + [0.0])
    if reference:
        low, high = min(low, reference[0]), max(high, reference[0])
    ticks = _ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - low) / ((high - low) or 1))

    body = _y_axis(ticks, y, y_label)
    slot = plot_w / max(len(categories), 1)
    bar = slot * 0.8 / max(len(groups), 1)
    for c, category in enumerate(categories):
        body.append(f'<text x="{LEFT + slot * (c + 0.5):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(category)}</text>')
        for g, (label, vs) in enumerate(groups):
            v = vs[c] if c < len(vs) else None
            left = LEFT + slot * c + slot * 0.1 + bar * g
            if v is None or not math.isfinite(v):
                body.append(f'<text x="{left + bar / 2:.1f}" y="{y(0) - 4:.1f}" text-anchor="middle">n/a</text>')
                continue
            top, bottom = sorted((y(v), y(0)))
            body.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{bar * 0.92:.1f}" height="{max(bottom - top, 0.5):.1f}" '
                        f'fill="{PALETTE[g % len(PALETTE)]}" class="bar-{g}"><title>{escape(label)}, {escape(category)}: '
                        f'{value_format.format(v)}</title></rect>'
                        f'<text x="{left + bar / 2:.1f}" y="{top - 4:.1f}" text-anchor="middle" class="value">'
                        f'{value_format.format(v)}</text>')
    if reference:
        value, label = reference
        body.append(f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" y2="{y(value):.1f}" class="reference"/>'
                    f'<text x="{WIDTH - RIGHT - 4}" y="{y(value) - 5:.1f}" text-anchor="end">{escape(label)}</text>')
    legend = []
    x = LEFT
    for g, (label, _) in enumerate(groups):
        legend.append(f'<rect x="{x}" y="{HEIGHT - 24}" width="12" height="12" fill="{PALETTE[g % len(PALETTE)]}"/>'
                      f'<text x="{x + 17}" y="{HEIGHT - 14}">{escape(label)}</text>')
        x += 40 + 7 * len(label)
    return _frame(title, description, body + legend)


def heatmap(title: str, description: str, labels: list[str], counts: list[list[int]],
            row_label: str = "true class", column_label: str = "predicted class") -> str:
    """A confusion matrix: rows are true classes, columns predictions, each cell with its count."""
    n = len(labels)
    size = min(64, 300 // max(n, 1))
    left, top = 150, 60
    height = top + size * n + 40
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
