from django.contrib.auth import views as auth_views
from django.urls import path

app_name = "identity"

# Replaced by the full sign-in flows (register, verify, TOTP) in identity/views.py.
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="identity/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", auth_views.LoginView.as_view(template_name="identity/login.html"), name="register"),
]
