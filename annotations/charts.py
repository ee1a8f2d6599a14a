"""Plots of agreement as inline SVG made on the server: per-label bars and a coder x coder heatmap.

Pure (figures in, SVG text out): no script, no style attribute, so a strict Content-Security-Policy allows it;
every text is escaped. Colours and sizes are SVG presentation attributes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.html import escape

BAR_COLOURS = {  # one colour per figure, distinguishable in print and by most colour-blind readers
    "f1_exact": "#1b6ca8",
    "f1_overlap": "#7fb3d5",
    "kappa_tokens": "#d4862b",
    "alpha_tokens": "#6b4c9a",
}
FIGURE_NAMES = {
    "f1_exact": "F1 exact",
    "f1_overlap": "F1 overlap",
    "kappa_tokens": "Cohen's \u03ba (tokens)",
    "alpha_tokens": "Krippendorff's \u03b1 (tokens)",
}


def _number(value: float | None) -> str:
    return "\u2013" if value is None else f"{value:.2f}"


def label_bars(labels: Mapping[str, Mapping[str, float | None]], *, width: int = 720) -> str:
    """Grouped horizontal bars: for each label its four figures on a 0-1 scale (negative values drawn as 0)."""
    figures = list(BAR_COLOURS)
    bar, gap, left, right = 14, 10, 150, 60
    group = bar * len(figures) + gap
    legend = 28
    height = legend + group * len(labels) + 24
    scale = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        ' role="img" aria-labelledby="bars-title" class="chart" font-family="system-ui, sans-serif" font-size="12">',
        '<title id="bars-title">Agreement per label</title>',
    ]
    x = left
    for name in figures:
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{BAR_COLOURS[name]}"/>')
        parts.append(f'<text x="{x + 16}" y="16">{escape(FIGURE_NAMES[name])}</text>')
        x += 16 + 8 * len(FIGURE_NAMES[name]) + 14
    for tick in (0, 0.25, 0.5, 0.75, 1):
        tx = left + tick * scale
        parts.append(f'<line x1="{tx:.1f}" y1="{legend}" x2="{tx:.1f}" y2="{height - 18}" stroke="#dcd8cf"/>')
        parts.append(f'<text x="{tx:.1f}" y="{height - 4}" text-anchor="middle" fill="#5c6370">{tick:g}</text>')
    y = legend
    for label, values in labels.items():
        parts.append(
            f'<text x="{left - 8}" y="{y + group / 2:.1f}" text-anchor="end" font-weight="600">{escape(label)}</text>'
        )
        for i, name in enumerate(figures):
            value = values.get(name)
            length = 0 if value is None else max(0.0, min(1.0, value)) * scale
            by = y + i * bar
            parts.append(
                f'<rect x="{left}" y="{by}" width="{length:.1f}" height="{bar - 2}" fill="{BAR_COLOURS[name]}">'
                f"<title>{escape(label)} · {escape(FIGURE_NAMES[name])}: {_number(value)}</title></rect>"
            )
            parts.append(f'<text x="{left + length + 4:.1f}" y="{by + bar - 4}" fill="#1d2025">{_number(value)}</text>')
        y += group
    parts.append("</svg>")
    return "".join(parts)


def _heat(value: float | None) -> str:
    """White for 0 (or below) to the accent blue for 1; grey when undefined."""
    if value is None:
        return "#e6e3dc"
    t = max(0.0, min(1.0, value))
    low, high = (255, 255, 255), (46, 94, 140)
    r, g, b = (round(a + (b - a) * t) for a, b in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def coder_heatmap(
    coders: Sequence[str], values: Mapping[tuple[int, int], float | None], *, title: str, cell: int = 64
) -> str:
    """A symmetric coder x coder matrix of one figure; `values` is keyed by index pairs (i < j)."""
    left, top = 130, 110
    size = len(coders) * cell
    width, height = left + size + 10, top + size + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        ' role="img" aria-labelledby="heat-title" class="chart" font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="heat-title">{escape(title)}</title>',
    ]
    for i, name in enumerate(coders):
        cx = left + i * cell + cell / 2
        parts.append(
            f'<text x="{cx:.1f}" y="{top - 8}" text-anchor="start" transform="rotate(-40 {cx:.1f} {top - 8})">'
            f"{escape(name)}</text>"
        )
        parts.append(
            f'<text x="{left - 8}" y="{top + i * cell + cell / 2 + 4:.1f}" text-anchor="end">{escape(name)}</text>'
        )
    for i in range(len(coders)):
        for j in range(len(coders)):
            x, y = left + j * cell, top + i * cell
            if i == j:
                parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="#f7f6f2" stroke="#fff"/>')
                continue
            value = values.get((min(i, j), max(i, j)))
            ink = "#ffffff" if value is not None and value > 0.55 else "#1d2025"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{_heat(value)}" stroke="#fff">'
                f"<title>{escape(coders[i])} \u00d7 {escape(coders[j])}: {_number(value)}</title></rect>"
            )
            parts.append(
                f'<text x="{x + cell / 2:.1f}" y="{y + cell / 2 + 4:.1f}" text-anchor="middle" fill="{ink}">'
                f"{_number(value)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
