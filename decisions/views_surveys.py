"""The senior officer's view of the satisfaction survey: the unit's monthly results as an SVG chart with the
same numbers as a table, and the comments. Answers carry no name, so none can be shown."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from applications.surveys import selectors as survey_selectors
from decisions.survey_charts import render_survey_chart, survey_chart_title
from identity.permissions import staff_otp_required


def _senior_only(request: HttpRequest) -> None:
    if not request.user.is_senior_officer:
        raise PermissionDenied


@require_GET
@staff_otp_required
def survey_results(request: HttpRequest) -> HttpResponse:
    _senior_only(request)
    unit_id = request.user.unit_id
    results = survey_selectors.list_unit_results(unit_id=unit_id)
    return render(
        request,
        "decisions/backoffice/surveys.html",
        {
            "results": results,
            "total": sum(result.answers for result in results),
            "chart_title": survey_chart_title(),
            "comments": survey_selectors.list_unit_comments(unit_id=unit_id),
        },
    )


@require_GET
@staff_otp_required
def survey_chart(request: HttpRequest) -> HttpResponse:
    """The chart as an SVG image of its own URL: its inline style needs its own Content-Security-Policy."""
    _senior_only(request)
    svg = render_survey_chart(survey_selectors.list_unit_results(unit_id=request.user.unit_id))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
