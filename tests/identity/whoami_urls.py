from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class WhoAmI(APIView):
    def get(self, request: Request) -> Response:
        return Response({"email": request.user.email})


urlpatterns = [path("api/v1/__whoami__", WhoAmI.as_view())]
