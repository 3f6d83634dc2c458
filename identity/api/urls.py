from django.urls import path

from identity.api import mydata, views

urlpatterns = [
    path("auth/register", views.RegisterApi.as_view(), name="api-auth-register"),
    path("auth/verify-email", views.VerifyEmailApi.as_view(), name="api-auth-verify-email"),
    path("auth/token", views.TokenObtainApi.as_view(), name="api-auth-token"),
    path("auth/token/refresh", views.TokenRefreshApi.as_view(), name="api-auth-token-refresh"),
    path("me/access-log", views.AccessLogApi.as_view(), name="api-me-access-log"),
    path("me/export", mydata.DataExportRequestApi.as_view(), name="api-me-export"),
    path("me/export/<uuid:export_id>", mydata.DataExportDetailApi.as_view(), name="api-me-export-detail"),
    path("me/close", mydata.CloseAccountApi.as_view(), name="api-me-close"),
]
