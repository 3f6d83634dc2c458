from django.urls import path

from identity.api import views

urlpatterns = [
    path("auth/register", views.RegisterApi.as_view(), name="api-auth-register"),
    path("auth/verify-email", views.VerifyEmailApi.as_view(), name="api-auth-verify-email"),
    path("auth/token", views.TokenObtainApi.as_view(), name="api-auth-token"),
    path("auth/token/refresh", views.TokenRefreshApi.as_view(), name="api-auth-token-refresh"),
    path("me/access-log", views.AccessLogApi.as_view(), name="api-me-access-log"),
]
