from django.urls import path

from applications import views, views_applicant, views_counter, views_family
from applications.appointments import views as visits
from applications.case_messages import views as message_views
from applications.renewals import views as renewal_views
from applications.surveys import views as survey_views

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
    path("applications/new/for-someone/", views_family.new_for_person, name="new-for-person"),
    path("applications/claim/", views_family.claim, name="claim"),
    path("applications/invitations/", views_family.invitations, name="invitations"),
    path(
        "applications/invitations/<int:invitation_id>/accept/",
        views_family.accept_invitation,
        name="invitation-accept",
    ),
    path("applications/<int:application_id>/invite/", views_family.invite, name="invite"),
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
    path(
        "applications/<int:application_id>/messages/",
        message_views.send_message,
        name="message-send",
    ),
    path(
        "applications/<int:application_id>/messages/attachments/<int:attachment_id>/",
        message_views.download_attachment,
        name="message-attachment",
    ),
    path("surveys/<uuid:token>/", survey_views.survey, name="survey"),
    path("registration/", views_applicant.registration_choose, name="registration-choose"),
    path(
        "applications/<int:application_id>/registration/",
        views_applicant.registration_start,
        name="registration",
    ),
    path("applications/renew/<str:token>/", renewal_views.renew, name="renew"),
    # The counter (back office): applications made with the person at a unit.
    path("backoffice/counter/", views_counter.start, name="counter-start"),
    path("backoffice/counter/<int:application_id>/", views_counter.page, name="counter-page"),
    path("backoffice/counter/<int:application_id>/copy/", views_counter.issue_copy, name="counter-copy"),
    path("backoffice/counter/<int:application_id>/copy.pdf", views_counter.copy_pdf, name="counter-copy-pdf"),
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
