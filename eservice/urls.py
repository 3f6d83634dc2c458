from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from applications.api import urls as applications_api
from applications.views import home
from decisions.api import urls as decisions_api
from eservice import health
from eservice.fallback import api_not_found
from identity.api.views import JwksApi

# Django tries the routes in order, each one costing a match: the busiest first (the applicant's and the
# officers' lists, at the top and not in an include, which is a level of its own), and the API before the pages.
# No two of these routes match the same path (tests/eservice/test_api_routes.py).
api_v1 = [
    *applications_api.busiest,
    *decisions_api.busiest,
    path("", include("applications.api.urls")),
    path("", include("decisions.api.urls")),
    path("", include("identity.api.urls")),
    path("", include("payments.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", api_not_found, name="api-not-found"),  # after every API route
    path(".well-known/jwks.json", JwksApi.as_view(), name="jwks"),
    path("", include("identity.urls")),
    path("", include("applications.urls")),
    path("", include("payments.urls")),
    path("", include("decisions.urls")),
    path("", include("workers.urls")),
]

# Client errors: styled and translated pages (JSON under /api/), see eservice/errors.py.
handler400 = "eservice.errors.bad_request"
handler403 = "eservice.errors.permission_denied"
handler404 = "eservice.errors.page_not_found"
handler500 = "eservice.errors.server_error"
