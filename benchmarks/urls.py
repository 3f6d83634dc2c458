"""The project's URLs plus a bare Django JSON view: the baseline the list endpoint is compared with."""

from django.http import JsonResponse
from django.urls import include, path


def bare_json(request):
    rows = [{"id": n, "reference": f"TRP-2026-{n:06d}", "state": "draft"} for n in range(50)]
    return JsonResponse({"count": len(rows), "results": rows})


urlpatterns = [path("bench/bare", bare_json), path("", include("eservice.urls"))]
