from django.urls import path

from identity import views
from identity.mydata import views as mydata_views

app_name = "identity"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("verify-email/", views.verify_email, name="verify_email"),
    path("verify-email/resend/", views.resend_verification, name="resend_verification"),
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_otp, name="login_otp"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password/change/", views.password_change, name="password_change"),
    path("account/two-step/", views.totp_setup, name="totp_setup"),
    path("account/two-step/disable/", views.totp_disable, name="totp_disable"),
    path("account/profile/", views.profile, name="profile"),
    path("account/access-log/", views.access_log, name="access_log"),
    path("account/my-data/", mydata_views.my_data, name="my-data"),
    path("account/my-data/<uuid:export_uuid>/", mydata_views.download, name="my-data-download"),
    path("account/close/", mydata_views.close_account, name="close-account"),
    path("account/closed/", mydata_views.account_closed, name="account-closed"),
]
