"""Small SVG charts drawn on the server: no chart library, no script, nothing fetched.
Each chart has a text title and per-bar titles, so screen readers get the numbers too."""

from __future__ import annotations

from html import escape

PALETTE = ["#005ea5", "#b26a00", "#2e7d32", "#6a1b9a", "#c62828", "#5f6b7a"]
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def horizontal_bars(title: str, bars: list[tuple[str, int]], width: int = 640) -> str:
    """One bar per (label, value), longest first as given."""
    if not bars:
        return ""
    label_width, row, top = 260, 26, 8
    height = top + row * len(bars) + 8
    biggest = max(value for _, value in bars) or 1
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(bars):
        y = top + index * row
        length = max(2, round((width - label_width - 50) * value / biggest))
        parts.append(
            f"<g><title>{escape(label)}: {value}</title>"
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" {FONT}>{escape(label[:40])}</text>'
            f'<rect class="bar" x="{label_width}" y="{y + 3}" width="{length}" height="{row - 8}" fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + length + 6}" y="{y + 16}" {FONT}>{value}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_columns(
    title: str, by_day: dict[str, dict[str, int]], top: int = 5, width: int = 640
) -> str:
    """One column per day, stacked by topic (the `top` most asked; the rest as "other")."""
    if not by_day:
        return ""
    totals: dict[str, int] = {}
    for counts in by_day.values():
        for topic, count in counts.items():
            totals[topic] = totals.get(topic, 0) + count
    shown = sorted(totals, key=lambda t: -totals[t])[:top]
    series = shown + (["other"] if len(totals) > len(shown) else [])
    days = sorted(by_day)
    chart_height, legend_row, left, bottom = 180, 18, 40, 40
    height = chart_height + bottom + legend_row * len(series) + 10
    biggest = max(sum(counts.values()) for counts in by_day.values()) or 1
    column = min(60, (width - left - 10) // max(1, len(days)))
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<text x="{left - 6}" y="14" text-anchor="end" {FONT}>{biggest}</text>',
        f'<line x1="{left}" y1="{chart_height}" x2="{width - 10}" y2="{chart_height}" stroke="#333"/>',
    ]
    for index, day in enumerate(days):
        x = left + index * column + 4
        y = chart_height
        for colour, topic in zip(PALETTE, series, strict=False):
            count = (
                by_day[day].get(topic, 0)
                if topic != "other"
                else sum(n for t, n in by_day[day].items() if t not in shown)
            )
            if not count:
                continue
            size = round((chart_height - 20) * count / biggest)
            y -= size
            parts.append(
                f'<rect class="bar" x="{x}" y="{y}" width="{column - 8}" height="{size}" fill="{colour}">'
                f"<title>{escape(day)}, {escape(topic)}: {count}</title></rect>"
            )
        parts.append(f'<text x="{x}" y="{chart_height + 16}" {FONT}>{escape(day[5:])}</text>')
    for index, (colour, topic) in enumerate(zip(PALETTE, series, strict=False)):
        y = chart_height + bottom + index * legend_row
        parts.append(
            f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{left + 18}" y="{y}" {FONT}>{escape(topic)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
