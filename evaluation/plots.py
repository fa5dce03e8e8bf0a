"""Leaderboard plots as SVG written here, on the server: no chart library, nothing loaded
from elsewhere. Verified results are filled, self-reported ones hollow."""

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from evaluation.selectors import Row

WIDTH = 720
_LEFT, _RIGHT, _TOP, _BOTTOM = 220, 70, 28, 44
_BAR = 22
_SIZE_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def _number(value: float) -> str:
    return f"{value:.4g}"


def size_label(count: float) -> str:
    """A parameter count the way model cards write it: 110M, 1.3B."""
    for scale, unit in _SIZE_UNITS:
        if count >= scale:
            return f"{count / scale:.3g}{unit}"
    return f"{count:.0f}"


def _svg(height: int, label: str, body: list[str]) -> SafeString:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _mark(row: Row) -> str:
    return "verified" if row.verified else "self-reported"


def bars(rows: list[Row], *, metric: str, label: str) -> SafeString:
    """The main metric per model, one horizontal bar each, in ranking order."""
    shown = [row for row in rows if isinstance(row.values.get(metric), int | float)]
    height = _TOP + _BOTTOM + _BAR * max(len(shown), 1)
    title = f"{label} per model"
    if not shown:
        return _svg(height, title, [f'<text x="{_LEFT}" y="{_TOP + 16}">No results yet</text>'])
    values = [row.values[metric] for row in shown]
    # Fractions (accuracy, F1) are drawn on their whole 0-1 scale; anything else to its max.
    top = 1.0 if all(0 <= value <= 1 for value in values) else max(max(values), 0) or 1.0
    span = WIDTH - _LEFT - _RIGHT
    body = [f'<text class="plot-title" x="{_LEFT}" y="16">{escape(title)}</text>']
    for index, row in enumerate(shown):
        value = row.values[metric]
        y = _TOP + index * _BAR
        length = max(1.0, span * max(value, 0) / top)
        name = escape(row.model.repo_id)
        body.append(
            f'<g class="bar {_mark(row)}"><title>{name}: {_number(value)} ({_mark(row)})</title>'
            f'<text class="name" x="{_LEFT - 8}" y="{y + 15}" text-anchor="end">{name}</text>'
            f'<rect x="{_LEFT}" y="{y + 3}" width="{length:.1f}" height="{_BAR - 6}"/>'
            f'<text class="value" x="{_LEFT + length + 6:.1f}" y="{y + 15}">'
            f"{_number(value)}</text></g>"
        )
    return _svg(height, title, body)


def scatter(rows: list[Row], *, metric: str, label: str) -> SafeString:
    """The main metric against model size (parameters, log scale)."""
    points = [
        row for row in rows if isinstance(row.values.get(metric), int | float) and row.parameters
    ]
    height = 320
    title = f"{label} against model size (parameters, log scale)"
    if not points:
        note = "No model with a known size has a result yet"
        return _svg(height, title, [f'<text x="{_LEFT}" y="{_TOP + 16}">{note}</text>'])
    left, right, top, bottom = 70, WIDTH - 30, _TOP + 10, height - _BOTTOM
    xs = [math.log10(row.parameters) for row in points]
    ys = [row.values[metric] for row in points]
    x_low, x_high = math.floor(min(xs)), math.ceil(max(xs)) + (min(xs) == max(xs))
    y_low, y_high = min(ys), max(ys)
    pad = (y_high - y_low) * 0.1 or abs(y_high) * 0.1 or 1.0
    y_low, y_high = y_low - pad, y_high + pad

    def at_x(value: float) -> float:
        return left + (right - left) * (value - x_low) / (x_high - x_low)

    def at_y(value: float) -> float:
        return bottom - (bottom - top) * (value - y_low) / (y_high - y_low)

    body = [
        f'<text class="plot-title" x="{left}" y="16">{escape(title)}</text>',
        f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>',
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>',
    ]
    for power in range(x_low, x_high + 1):
        x = at_x(power)
        body.append(
            f'<text class="tick" x="{x:.1f}" y="{bottom + 18}" text-anchor="middle">'
            f"{size_label(10**power)}</text>"
        )
    for step in range(5):
        value = y_low + (y_high - y_low) * step / 4
        body.append(
            f'<text class="tick" x="{left - 6}" y="{at_y(value) + 4:.1f}" '
            f'text-anchor="end">{_number(value)}</text>'
        )
    for row, x, y in zip(points, xs, ys, strict=True):
        name = escape(row.model.repo_id)
        body.append(
            f'<g class="point {_mark(row)}"><title>{name}: {_number(y)}, '
            f"{size_label(row.parameters)} parameters ({_mark(row)})</title>"
            f'<circle cx="{at_x(x):.1f}" cy="{at_y(y):.1f}" r="6"/>'
            f'<text x="{at_x(x) + 9:.1f}" y="{at_y(y) + 4:.1f}">{name}</text></g>'
        )
    return _svg(height, title, body)
