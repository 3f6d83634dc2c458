"""The project's URLs plus the baseline: the applicant's list written as a bare Django JSON view.

``/bench/hello`` is a bare ``JsonResponse``: served by a gunicorn with no middleware (benchmarks/settings_bare.py)
and by one with the project's middleware stack, the two measure what the stack costs.

The baseline does the same job as ``GET /api/v1/applications`` with nothing but Django: the same bearer-token
check, the same rows and count, a ``JsonResponse``. The ratio between the two is what DRF, pagination and our
row building cost.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.utils import timezone

from applications.models import Application
from identity import tokens
from identity.models import User

# The columns of the applicant's list (applications.api.applications.ApplicationListOutput).
LIST_COLUMNS = (
    "id",
    "reference",
    "state",
    "kind__code",
    "purpose__code",
    "processing_speed",
    "created_at",
    "updated_at",
    "submitted_at",
    "decision_due_on",
)


def _iso(value):
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def bare_list(request: HttpRequest) -> JsonResponse:
    claims = tokens.decode(request.headers["Authorization"].split()[1], token_type=tokens.ACCESS)
    user = User.objects.get(pk=claims["sub"], is_active=True)
    rows = Application.objects.filter(applicant=user).order_by("-created_at", "-id")
    results = [
        {
            **{key: _iso(value) if key.endswith(("_at", "_on")) else value for key, value in row.items()},
            "state_label": row["state"],
        }
        for row in rows.values(*LIST_COLUMNS)[:50]
    ]
    return JsonResponse({"count": rows.count(), "results": results})


def hello(request: HttpRequest) -> JsonResponse:
    """The smallest Django answer: the ceiling every other measure is a ratio of (with and without middleware)."""
    return JsonResponse({"hello": "world"})


urlpatterns = [
    path("bench/bare-list", bare_list),
    path("bench/hello", hello),
    path("api/bench/hello", hello),  # the same, where a JWT request skips the browser-only middlewares
    path("", include("eservice.urls")),
]
