from django.urls import path

from decisions import (
    views,
    views_backoffice,
    views_complaints,
    views_messages,
    views_registrations,
    views_surveys,
)

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
]

urlpatterns += [
    path("backoffice/", views_backoffice.queue, name="backoffice-queue"),
    path("backoffice/statistics/", views_backoffice.statistics_page, name="backoffice-statistics"),
    path(
        "backoffice/statistics/<slug:chart>.svg",
        views_backoffice.statistics_chart,
        name="backoffice-statistics-chart",
    ),
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
    path("backoffice/messages/", views_messages.waiting_messages, name="backoffice-messages"),
    path("backoffice/surveys/", views_surveys.survey_results, name="backoffice-surveys"),
    path("backoffice/surveys/chart.svg", views_surveys.survey_chart, name="backoffice-surveys-chart"),
    path("backoffice/registrations/", views_registrations.my_unit_registrations, name="registrations"),
    path(
        "backoffice/units/<int:unit_id>/registrations/",
        views_registrations.unit_registrations,
        name="unit-registrations",
    ),
    path(
        "backoffice/registrations/<int:application_id>/<slug:action>/",
        views_registrations.registration_action,
        name="registration-action",
    ),
]

# Complaints against decisions (issue 13): the applicant's page and letter, the senior officers' queue.
urlpatterns += [
    path("decisions/<int:decision_id>/complaint/", views_complaints.complaint, name="complaint"),
    path(
        "complaints/<int:complaint_id>/letter/",
        views_complaints.complaint_letter_pdf,
        name="complaint-letter",
    ),
    path("backoffice/complaints/", views_complaints.queue, name="backoffice-complaints"),
    path(
        "backoffice/complaints/<int:complaint_id>/",
        views_complaints.complaint_page,
        name="backoffice-complaint",
    ),
    path(
        "backoffice/complaints/<int:complaint_id>/documents/<int:document_id>/",
        views_complaints.complaint_document,
        name="backoffice-complaint-document",
    ),
    path(
        "backoffice/complaints/<int:complaint_id>/<slug:action>/",
        views_complaints.complaint_action,
        name="backoffice-complaint-action",
    ),
]
