from django.urls import path

from applications import views

app_name = "applications"

urlpatterns = [
    path("guide/", views.guide, name="guide"),
    path("guide/<slug:kind>/<slug:purpose>/", views.guide_answer, name="guide-answer"),
    path(
        "guide/<slug:kind>/<slug:purpose>/checklist/",
        views.guide_answer,
        {"printable": True},
        name="guide-checklist",
    ),
    path("units/", views.unit_list, name="units"),
    path("units/<slug:code>/", views.unit_detail, name="unit-detail"),
    path("contact/", views.contact, name="contact"),
]
