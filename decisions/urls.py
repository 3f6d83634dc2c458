from django.urls import path

from decisions import views

app_name = "decisions"

urlpatterns = [
    path("verify/", views.verify_start, name="verify-start"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path(
        "applications/<int:application_id>/decision/letter/",
        views.decision_letter_pdf,
        name="letter",
    ),
]
