"""Small inline SVG charts (no scripts, no external assets): bars and a trend line.
Every number drawn is also a text node, so the page reads without the graphics."""

from __future__ import annotations

from html import escape

PALETTE = ("#1f6feb", "#d29922", "#8250df", "#2da44e", "#cf222e", "#57606a", "#0a7ea4", "#bf3989")
SEVERITY_COLOURS = {"critical": "#82071e", "high": "#cf222e", "medium": "#d29922", "low": "#2da44e"}


def hbar_chart(chart_id: str, items: list[tuple[str, int]], *, width: int = 560, colours: dict[str, str] | None = None,
               label_width: int = 220) -> str:
    """Horizontal bars, one per (label, value), value written at the bar's end."""
    if not items:
        return f'<p class="empty" id="{chart_id}">none</p>'
    bar_h, gap = 22, 8
    height = len(items) * (bar_h + gap) + gap
    top = max(value for _, value in items) or 1
    span = width - label_width - 60
    parts = [f'<svg id="{chart_id}" class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(items):
        y = gap + i * (bar_h + gap)
        length = max(2, round(span * value / top))
        colour = (colours or {}).get(label, PALETTE[i % len(PALETTE)])
        shown = label if len(label) <= 34 else "…" + label[-33:]
        parts.append(f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" class="label">'
                     f'<title>{escape(label)}</title>{escape(shown)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_h}" rx="3" fill="{colour}"/>')
        parts.append(f'<text x="{label_width + length + 6}" y="{y + 15}" class="value" '
                     f'data-key="{escape(label)}">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(chart_id: str, points: list[tuple[str, int]], *, width: int = 880, height: int = 240) -> str:
    """A trend line over days with the first, last and highest values labelled."""
    if not points:
        return f'<p class="empty" id="{chart_id}">no data</p>'
    left, right, top_pad, bottom = 48, 20, 20, 36
    top = max(value for _, value in points) or 1
    step = (width - left - right) / max(1, len(points) - 1)

    def xy(i: int, value: int) -> tuple[float, float]:
        return left + i * step, top_pad + (height - top_pad - bottom) * (1 - value / top)

    coords = [xy(i, v) for i, (_, v) in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    base = height - bottom
    parts = [f'<svg id="{chart_id}" class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" class="axis"/>',
             f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{base}" class="axis"/>',
             f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" class="tick">{top}</text>',
             f'<text x="{left - 6}" y="{base + 4}" text-anchor="end" class="tick">0</text>',
             f'<polygon points="{left},{base} {path} {coords[-1][0]:.1f},{base}" class="area"/>',
             f'<polyline points="{path}" class="trend"/>']
    for i in sorted({0, len(points) - 1, max(range(len(points)), key=lambda k: points[k][1])}):
        x, y = coords[i]
        day, value = points[i]
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="dot"/>'
                     f'<text x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle" class="value" '
                     f'data-key="{day}">{value}</text>'
                     f'<text x="{x:.1f}" y="{base + 18}" text-anchor="middle" class="tick">{day[5:]}</text>')
    parts.append("</svg>")
    return "".join(parts)
