"""The trend chart: score and findings over the last runs, as a small inline SVG (pure).

The score line uses the left axis (0-100); findings are bars on their own scale (right axis).
Every text that reaches the SVG is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .model import TrendPoint

WIDTH, HEIGHT = 460, 200
LEFT, RIGHT, TOP, BOTTOM = 34, 34, 12, 30
SCORE_COLOR = "#2563eb"
ERROR_COLOR = "#dc2626"
WARNING_COLOR = "#f59e0b"
INFO_COLOR = "#94a3b8"
SUSPECT_COLOR = "#7c3aed"


def _when(run_at: str) -> str:
    """``2026-11-28T06:17:00Z`` -> ``11-28 06:17`` (short enough for the axis)."""
    return run_at[5:16].replace("T", " ") if len(run_at) >= 16 else run_at


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def trend_svg(points: Sequence[TrendPoint]) -> str:
    """An SVG chart of ``points`` (oldest first); a short note instead when there are none.

    >>> "<svg" in trend_svg([TrendPoint("2026-01-01T00:00:00Z", None, 90.0, 1, 2, 0)])
    True
    """
    if not points:
        return ""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    count = len(points)
    step = plot_w / count
    most = max(max(max(p.findings, p.suspect_links or 0) for p in points), 1)

    def x(i: int) -> float:
        return LEFT + step * (i + 0.5)

    def y_score(score: float) -> float:
        return TOP + plot_h * (1 - max(0.0, min(100.0, score)) / 100)

    out = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'role="img" aria-label="Health score and findings over the last runs">'
    ]
    for tick in (0, 50, 100):
        ty = y_score(tick)
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" '
            'stroke="#e5e7eb" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="13" '
            f'fill="#6b7280">{tick}</text>'
        )
    out.append(
        f'<text x="{WIDTH - RIGHT + 6}" y="{TOP + 4}" font-size="13" fill="#6b7280">{most}</text>'
        f'<text x="{WIDTH - RIGHT + 6}" y="{TOP + plot_h + 4}" font-size="13" '
        'fill="#6b7280">0</text>'
    )
    bar_w = max(2.0, min(28.0, step * 0.5))
    dots: list[str] = []
    for i, point in enumerate(points):
        base: float = TOP + plot_h
        suspect = "" if point.suspect_links is None else f", {point.suspect_links} suspect links"
        label = escape(
            f"{point.run_at}{' @ ' + point.commit[:10] if point.commit else ''}: score "
            f"{_fmt(point.score)}, {point.errors} errors, {point.warnings} warnings, "
            f"{point.infos} info{suspect}"
        )
        out.append(f"<g><title>{label}</title>")
        for value, color in (
            (point.errors, ERROR_COLOR),
            (point.warnings, WARNING_COLOR),
            (point.infos, INFO_COLOR),
        ):
            if value:
                h = plot_h * value / most * 0.9
                base -= h
                out.append(
                    f'<rect x="{x(i) - bar_w / 2:.1f}" y="{base:.1f}" width="{bar_w:.1f}" '
                    f'height="{h:.1f}" fill="{color}" opacity="0.55"/>'
                )
        out.append("</g>")
        dots.append(
            f'<circle class="point" cx="{x(i):.1f}" cy="{y_score(point.score):.1f}" r="4" '
            f'fill="{SCORE_COLOR}"><title>{label}</title></circle>'
        )
    if count > 1:
        coords = " ".join(f"{x(i):.1f},{y_score(p.score):.1f}" for i, p in enumerate(points))
        out.append(
            f'<polyline points="{coords}" fill="none" stroke="{SCORE_COLOR}" stroke-width="2"/>'
        )
    counted = [(i, p.suspect_links) for i, p in enumerate(points) if p.suspect_links is not None]
    if counted:  # suspect links on the findings scale: a dashed line (a dot for one run)

        def y_count(value: int) -> float:
            return TOP + plot_h - plot_h * value / most * 0.9

        coords = " ".join(f"{x(i):.1f},{y_count(v):.1f}" for i, v in counted)
        out.append(
            f'<polyline class="suspect" points="{coords}" fill="none" stroke="{SUSPECT_COLOR}" '
            'stroke-width="2" stroke-dasharray="5 3"/>'
            if len(counted) > 1
            else f'<circle class="suspect" cx="{x(counted[0][0]):.1f}" '
            f'cy="{y_count(counted[0][1]):.1f}" r="3" fill="{SUSPECT_COLOR}"/>'
        )
    out.extend(dots)
    for i in sorted({0, count - 1}):
        out.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" text-anchor="middle" font-size="13" '
            f'fill="#6b7280">{escape(_when(points[i].run_at))}</text>'
        )
    out.append("</svg>")
    return "".join(out)
