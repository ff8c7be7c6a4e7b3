"""The dashboard's charts: SVG drawn on the server by pygal, embedded in the page.
No script is attached (pygal's tooltips would load from the web), so the pages work
offline; the text stays text, drawn by the browser in the page's fonts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from copy import copy
from xml.etree import ElementTree

import pygal
from markupsafe import Markup
from pygal.style import Style

from actions.stats import TARGETS, TrendPoint

FONTS = "'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#222",
    foreground_strong="#111",
    foreground_subtle="#666",
    font_family=FONTS,
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=15,
    title_font_size=18,
    value_font_size=13,
    tooltip_font_size=13,
    colors=("#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#c62828", "#00838f"),
)
TARGET_OF = {t.field: t.threshold for t in TARGETS}

Translate = Callable[..., str]


def _config(chart: pygal.graph.graph.Graph) -> pygal.graph.graph.Graph:
    chart.config.js = []
    chart.config.disable_xml_declaration = True
    chart.config.legend_at_bottom = True
    chart.config.legend_at_bottom_columns = 2
    chart.config.truncate_legend = -1
    chart.config.truncate_label = -1
    chart.config.margin = 12
    chart.config.show_minor_x_labels = False
    return chart


def _svg(chart: pygal.graph.graph.Graph) -> Markup:
    """The chart's SVG without pygal's inline configuration script (only its tooltips
    would use it), so that the pages run no script at all."""
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.endswith("script"):
                parent.remove(child)
    return Markup(ElementTree.tostring(tree, encoding="unicode"))


def _labels(points: Sequence[TrendPoint]) -> list[str]:
    return [p.start.strftime("%m-%d") for p in points]


def _every(points: Sequence[TrendPoint]) -> list[str]:
    """Major x labels: at most about eight, so that they stay readable on a phone."""
    labels = _labels(points)
    step = max(1, len(labels) // 8)
    return labels[::step]


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def rates_chart(points: Sequence[TrendPoint], t: Translate) -> Markup:
    """Identification, matching and satisfaction over time, each with its target."""
    # Each target dashed in its measure's colour.
    style = copy(STYLE)
    style.colors = STYLE.colors[:3] * 2
    chart = _config(pygal.Line(style=style, width=900, height=420, range=(0, 100), allow_interruptions=True,
                               dots_size=3, y_title="%", title=t("web-chart-rates")))  # fmt: skip
    chart.x_labels = _labels(points)
    chart.x_labels_major = _every(points)
    for field, key in (("identification_rate", "identification"), ("match_rate", "matching"), ("satisfaction", "satisfaction")):
        chart.add(t(f"web-ind-{key}"), [_pct(getattr(p, field)) for p in points])
    for field, key in (("identification_rate", "identification"), ("match_rate", "matching"), ("satisfaction", "satisfaction")):
        target = TARGET_OF[field] * 100
        chart.add(t("web-chart-target", name=t(f"web-ind-{key}"), value=f"{target:.0f}%"), [target] * len(points),
                  show_dots=False, stroke_style={"dasharray": "6, 4", "width": 1.5})  # fmt: skip
    return _svg(chart)


def volume_chart(points: Sequence[TrendPoint], t: Translate) -> Markup:
    chart = _config(pygal.Bar(style=STYLE, width=900, height=380, title=t("web-chart-volume")))
    chart.x_labels = _labels(points)
    chart.x_labels_major = _every(points)
    chart.add(t("web-count-bookings"), [p.bookings for p in points])
    chart.add(t("web-count-no-shows"), [p.no_shows for p in points])
    chart.add(t("web-count-low-ratings"), [p.low_ratings for p in points])
    return _svg(chart)


def response_chart(points: Sequence[TrendPoint], t: Translate) -> Markup:
    target = TARGET_OF["mean_response_hours"]
    style = copy(STYLE)
    style.colors = (STYLE.colors[0], STYLE.colors[0])
    chart = _config(pygal.Line(style=style, width=900, height=380, allow_interruptions=True, dots_size=3,
                               y_title=t("web-hours"), title=t("web-chart-response")))  # fmt: skip
    chart.x_labels = _labels(points)
    chart.x_labels_major = _every(points)
    chart.add(t("web-ind-response"), [p.mean_response_hours for p in points])
    chart.add(t("web-chart-target", name=t("web-ind-response"), value=f"{target:.0f} h"), [target] * len(points),
              show_dots=False, stroke_style={"dasharray": "6, 4", "width": 1.5})  # fmt: skip
    return _svg(chart)


def satisfaction_by_chart(rows: dict[str, dict[str, object]], names: dict[str, str], t: Translate, title_key: str) -> Markup | None:
    """Share of satisfied ratings per provider (or service), with the number rated."""
    rated = [(code, row) for code, row in rows.items() if row.get("ratings")]
    if not rated:
        return None
    chart = _config(pygal.HorizontalBar(style=STYLE, width=900, height=120 + 44 * len(rated), range=(0, 100),
                                        title=t(title_key), show_legend=False, print_values=True,
                                        value_formatter=lambda v: f"{v:.0f}%"))  # fmt: skip
    chart.x_labels = [f"{names.get(code, code)} ({row['ratings']})" for code, row in rated]
    chart.add(t("web-ind-satisfaction"), [_pct(row["satisfaction"]) for _, row in rated])  # type: ignore[arg-type]
    return _svg(chart)
