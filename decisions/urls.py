from django.urls import path

from decisions import views, views_backoffice

app_name = "decisions"

urlpatterns = [
    path("verify/", views.verify_start, name="verify-start"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path(
        "applications/<int:application_id>/decision/letter/",
        views.decision_letter_pdf,
        name="letter",
    ),
    path(
        "applications/<int:application_id>/requests/<int:request_id>/answer/",
        views.answer_request,
        name="answer-request",
    ),
    path(
        "applications/<int:application_id>/requests/<int:request_id>/documents/",
        views.upload_requested_document,
        name="request-document",
    ),
]

urlpatterns += [
    path("backoffice/", views_backoffice.queue, name="backoffice-queue"),
    path("backoffice/cases/<int:application_id>/", views_backoffice.case_page, name="backoffice-case"),
    path(
        "backoffice/cases/<int:application_id>/<slug:action>/",
        views_backoffice.case_action,
        name="backoffice-action",
    ),
    path(
        "backoffice/cases/<int:application_id>/documents/<int:document_id>/",
        views_backoffice.view_document,
        name="backoffice-document",
    ),
]
