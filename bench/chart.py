"""Throughput against concurrency as a plain SVG (no plotting library), for bench/RESULTS.md.

Reads ``bench/results/smtp_in.csv`` (written by ``bench/smtp_in.py``: concurrency, server,
msgs_per_s) and writes ``bench/results/throughput.svg``: one line per server, concurrency
on a logarithmic axis, messages per second from 0.

    .venv/bin/python bench/chart.py [--csv FILE] [--out FILE] [--title TEXT]
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from html import escape
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 70, 190, 50, 60  # margins around the plot area
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
NAMES = {"postfix": "Postfix 3.7, no filter", "ours": "hostpanel, whole path",
         "engine": "aiosmtpd alone, no filter"}


def read(path: Path) -> dict[str, list[tuple[int, float]]]:
    """{server: [(concurrency, msg/s), ...]} sorted by concurrency."""
    series: dict[str, list[tuple[int, float]]] = {}
    with path.open(newline="") as source:
        for row in csv.DictReader(source):
            value = float(row["msgs_per_s"])
            if not math.isnan(value):
                series.setdefault(row["server"], []).append((int(row["concurrency"]), value))
    return {name: sorted(points) for name, points in series.items()}


def nice_step(top: float) -> float:
    """A round grid step giving about five lines up to ``top``."""
    raw = top / 5 or 1
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def svg(series: dict[str, list[tuple[int, float]]], title: str) -> str:
    levels = sorted({level for points in series.values() for level, _ in points})
    if not levels:
        raise SystemExit("no figures to draw")
    step = nice_step(max(value for points in series.values() for _, value in points))
    top = step * math.ceil(max(value for points in series.values() for _, value in points)
                           / step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    low, high = math.log10(levels[0]), math.log10(levels[-1])

    def x(level: int) -> float:
        if high == low:
            return LEFT + plot_w / 2
        return LEFT + (math.log10(level) - low) / (high - low) * plot_w

    def y(value: float) -> float:
        return TOP + plot_h - value / top * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="15">'
           f'{escape(title)}</text>']
    value = 0.0
    while value <= top + 1e-9:
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(value):.1f}" '
                   f'y2="{y(value):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end">'
                   f'{value:g}</text>')
        value += step
    for level in levels:
        out.append(f'<line x1="{x(level):.1f}" x2="{x(level):.1f}" y1="{TOP}" '
                   f'y2="{TOP + plot_h}" stroke="#eee"/>')
        out.append(f'<text x="{x(level):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">'
                   f'{level}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
               'stroke="#888"/>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 15}" text-anchor="middle">'
               'concurrent SMTP sessions (smtp-source -s)</text>')
    out.append(f'<text transform="translate(18 {TOP + plot_h / 2}) rotate(-90)" '
               'text-anchor="middle">messages per second</text>')
    for index, (name, points) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        path = " ".join(f"{x(level):.1f},{y(value):.1f}" for level, value in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                   'stroke-width="2"/>')
        for level, value in points:
            out.append(f'<circle cx="{x(level):.1f}" cy="{y(value):.1f}" r="3.5" '
                       f'fill="{colour}"><title>{escape(name)}: {value:.0f} msg/s at '
                       f'{level}</title></circle>')
        legend_y = TOP + 10 + index * 20
        out.append(f'<line x1="{LEFT + plot_w + 15}" x2="{LEFT + plot_w + 35}" '
                   f'y1="{legend_y}" y2="{legend_y}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{LEFT + plot_w + 40}" y="{legend_y + 4}">'
                   f'{escape(NAMES.get(name, name))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=RESULTS / "smtp_in.csv")
    parser.add_argument("--out", type=Path, default=RESULTS / "throughput.svg")
    parser.add_argument("--title", default="SMTP in: 4 KB messages to Maildir (median of 3)")
    args = parser.parse_args()
    if not args.csv.exists():
        raise SystemExit(f"{args.csv} not found: run bench/smtp_in.py first")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(svg(read(args.csv), args.title))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
