from django.urls import path

from applications import views, views_applicant
from applications.appointments import views as visits

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
    path("complaints/", views.info_page, {"page": "complaints"}, name="complaints"),
    path("privacy/", views.info_page, {"page": "privacy"}, name="privacy"),
    path("accessibility/", views.info_page, {"page": "accessibility"}, name="accessibility"),
    path("applications/", views_applicant.dashboard, name="dashboard"),
    path("applications/new/", views_applicant.new_application, name="new"),
    path("applications/<int:application_id>/", views_applicant.detail, name="detail"),
    path("applications/<int:application_id>/step/<slug:step>/", views_applicant.step, name="step"),
    path(
        "applications/<int:application_id>/documents/",
        views_applicant.upload_document,
        name="document-upload",
    ),
    path(
        "applications/<int:application_id>/documents/<int:document_id>/delete/",
        views_applicant.delete_document,
        name="document-delete",
    ),
    path(
        "applications/<int:application_id>/documents/<int:document_id>/download/",
        views_applicant.download_document,
        name="document-download",
    ),
    path("applications/<int:application_id>/submit/", views_applicant.submit, name="submit"),
    path("applications/<int:application_id>/summary.pdf", views_applicant.summary_pdf, name="summary-pdf"),
    path("applications/<int:application_id>/delete/", views_applicant.delete_draft, name="delete"),
    path("applications/<int:application_id>/withdraw/", views_applicant.withdraw, name="withdraw"),
    path("applications/<int:application_id>/visit/", visits.visit, name="visit"),
    path("applications/<int:application_id>/visit/cancel/", visits.cancel_visit, name="visit-cancel"),
    path("backoffice/visits/", visits.unit_day, name="backoffice-visits"),
    path("backoffice/visits/close/", visits.close_visits, name="backoffice-visits-close"),
    path(
        "backoffice/visits/<int:appointment_id>/<slug:action>/",
        visits.visit_action,
        name="backoffice-visit-action",
    ),
]
