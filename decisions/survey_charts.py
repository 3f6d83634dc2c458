"""The satisfaction survey's chart: the unit's average rating and number of answers per month, drawn on the
server with pygal like the statistics charts (``decisions.charts.render_svg`` strips scripts and links)."""

from __future__ import annotations

import pygal
from django.utils.translation import gettext as _

from applications.surveys.selectors import MonthResult
from decisions.charts import _options, render_svg


def survey_chart_title() -> str:
    return _("Average rating per month (1 to 5)")


def render_survey_chart(results: list[MonthResult]) -> str:
    chart = pygal.Bar(**{**_options(), "range": (0, 5), "y_labels": [0, 1, 2, 3, 4, 5]})
    chart.x_labels = [result.label for result in results]
    chart.add(_("Average rating"), [result.average for result in results])
    return render_svg(chart)
