"""The senior officer's charts, drawn on the server as SVG with pygal: no script, no external reference.

pygal writes a script element (its tooltips' configuration, and a link to its JavaScript) and comments with its
web address into every chart; ``render_svg`` drops them, so the file is pictures and text only. The page shows
each chart as an image of its own URL (the site's Content-Security-Policy allows no inline style, which pygal
needs) beside a table with the same numbers for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeElementTree
import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

from decisions.statistics import UnitStatistics

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
ElementTree.register_namespace("", SVG)
ElementTree.register_namespace("xlink", XLINK)

# The site's colours (static/css/site.css): green for granted, carmine for refused; dark enough on white.
_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#8a8a8a",
    opacity="1",
    opacity_hover="1",
    colors=("#1d6b34", "#9e3039", "#0b5394", "#7f6000"),
    font_family="system-ui, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=13,
    legend_font_size=14,
    title_font_size=16,
)


WIDTH, HEIGHT = 560, 320


def _whole_numbers(values: list[int]) -> dict:
    """Counts get whole-number axis labels (pygal would otherwise label 0.1, 0.2, ... for small counts)."""
    top = max([*values, 1])
    step = max(1, math.ceil(top / 10))
    return {"range": (0, top), "y_labels": list(range(0, top + step, step))}


def _options() -> dict:
    return {
        "style": _STYLE,
        "js": [],  # no link to pygal's script on the web
        "width": WIDTH,
        "height": HEIGHT,
        "explicit_size": True,
        "print_values": False,  # the table beside the chart has the numbers
        "show_legend": False,
        "x_label_rotation": 30,
        "no_data_text": _("No data"),
        "margin": 16,
    }


def render_svg(chart: pygal.graph.graph.Graph) -> str:
    """The chart as a standalone SVG document without script elements, comments or links."""
    root = SafeElementTree.fromstring(chart.render(is_unicode=True).encode())  # comments are dropped
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (f"{{{SVG}}}script", "script"):
                parent.remove(child)
    for element in root.iter():
        for name in (f"{{{XLINK}}}href", "href"):
            element.attrib.pop(name, None)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="unicode")


@dataclass(frozen=True)
class ChartSpec:
    name: str
    title: Callable[[], str]
    build: Callable[[UnitStatistics], pygal.graph.graph.Graph]


def _decided(stats: UnitStatistics) -> pygal.graph.graph.Graph:
    totals = [week.decided for week in stats.weeks]
    chart = pygal.StackedBar(
        **{**_options(), "show_legend": True, "legend_at_bottom": True, **_whole_numbers(totals)}
    )
    chart.x_labels = [week.label for week in stats.weeks]
    chart.add(_("Granted"), [week.granted for week in stats.weeks])
    chart.add(_("Refused"), [week.refused for week in stats.weeks])
    return chart


def _processing(stats: UnitStatistics) -> pygal.graph.graph.Graph:
    chart = pygal.Bar(**_options(), y_title=_("Working days"))
    chart.x_labels = [week.label for week in stats.weeks]
    chart.add(_("Median processing days"), [week.median_days for week in stats.weeks])
    return chart


def _deadline(stats: UnitStatistics) -> pygal.graph.graph.Graph:
    chart = pygal.Bar(**_options(), range=(0, 100), y_title="%")
    chart.x_labels = [week.label for week in stats.weeks]
    chart.add(
        _("Decided within the deadline, per cent"), [week.share_within_deadline for week in stats.weeks]
    )
    return chart


def _states(stats: UnitStatistics) -> pygal.graph.graph.Graph:
    counts = [count for _state, _label, count in stats.by_state]
    chart = pygal.HorizontalBar(**{**_options(), "x_label_rotation": 0, **_whole_numbers(counts)})
    chart.x_labels = [label for _state, label, _count in stats.by_state]
    chart.add(_("Open cases"), [count for _state, _label, count in stats.by_state])
    return chart


CHARTS: dict[str, ChartSpec] = {
    spec.name: spec
    for spec in (
        ChartSpec("decided", lambda: _("Cases decided per week"), _decided),
        ChartSpec("processing", lambda: _("Median processing time per week, in working days"), _processing),
        ChartSpec("deadline", lambda: _("Share of cases decided within the deadline per week"), _deadline),
        ChartSpec("states", lambda: _("Open cases by state"), _states),
    )
}


def render_chart(name: str, stats: UnitStatistics) -> str:
    return render_svg(CHARTS[name].build(stats))
