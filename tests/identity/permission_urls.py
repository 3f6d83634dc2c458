"""Routes used only by the permission tests: one endpoint per permission class and two staff pages."""

from django.http import HttpResponse
from django.urls import include, path
from django.views import View
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.permissions import (
    IsApplicant,
    IsOfficer,
    IsSeniorOfficer,
    StaffRequiredMixin,
    staff_otp_required,
)


def _api(permission):
    class Probe(APIView):
        permission_classes = [permission]

        def get(self, request: Request) -> Response:
            return Response({"ok": True})

    return Probe.as_view()


@staff_otp_required
def staff_page(request):
    return HttpResponse("staff page")


class StaffPage(StaffRequiredMixin, View):
    def get(self, request):
        return HttpResponse("staff page (class)")


urlpatterns = [
    path("api/v1/__applicant__", _api(IsApplicant)),
    path("api/v1/__officer__", _api(IsOfficer)),
    path("api/v1/__senior__", _api(IsSeniorOfficer)),
    path("__staff__/", staff_page),
    path("__staff_cbv__/", StaffPage.as_view()),
    path("", include("eservice.urls")),
]
