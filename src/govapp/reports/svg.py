"""Small server-drawn SVG charts for the printable report (prints the same in every browser,
with or without JavaScript)."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#b4232a", "#1d5fbf", "#1f8a4c", "#b7791f", "#6b4fbb", "#4e5969")
FONT = 'font-family="Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif"'


def hbar(items: list[tuple[str, float]], *, width: int = 640) -> SafeString:
    """Horizontal bars, one per (label, value)."""
    if not items:
        return mark_safe("")
    row, label_w, pad = 24, 220, 8
    height = row * len(items) + pad * 2
    peak = max((v for _l, v in items), default=0) or 1
    bar_w = width - label_w - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" {FONT} font-size="12">'
    ]
    for i, (label, value) in enumerate(items):
        y = pad + i * row
        w = int(bar_w * value / peak)
        text = escape(label if len(label) <= 18 else label[:17] + "…")
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" fill="#1f2329">{text}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{max(w, 1)}" height="{row - 8}" '
            f'fill="{PALETTE[0]}" rx="2"/>'
            f'<text x="{label_w + w + 6}" y="{y + 16}" fill="#4e5969">{value:g}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text in it went through escape())


def lines(
    months: list[str], series: list[tuple[str, list[int]]], *, width: int = 640
) -> SafeString:
    """One line per series over the months, with a legend."""
    if not months or not series:
        return mark_safe("")
    height, left, right, top, bottom = 220, 40, 12, 28, 30
    peak = max((max(v) if v else 0) for _l, v in series) or 1
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(months) - 1, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" {FONT} font-size="11">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        'stroke="#c9cdd4"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" fill="#86909c">{peak}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" fill="#86909c">0</text>',
    ]
    for i, m in enumerate(months):
        if i % 2 == 0 or i == len(months) - 1:
            x = left + i * step
            parts.append(
                f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" fill="#86909c">'
                f"{escape(m[2:])}</text>"
            )
    for n, (label, values) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(
            f"{left + i * step:.1f},{top + plot_h - plot_h * v / peak:.1f}"
            for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        lx = left + n * 150
        parts.append(
            f'<rect x="{lx}" y="6" width="12" height="4" fill="{colour}"/>'
            f'<text x="{lx + 16}" y="12" fill="#1f2329">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text in it went through escape())
