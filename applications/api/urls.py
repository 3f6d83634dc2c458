from django.urls import path

from applications.api import applications, catalogue, family, registration
from applications.appointments import api as visits
from applications.case_messages.api import ApplicationMessagesApi

# The applicant's list: the busiest route, tried before every other (eservice/urls.py).
busiest = [path("applications", applications.ApplicationListApi.as_view(), name="applications")]

urlpatterns = [
    path("catalogue/kinds", catalogue.CatalogueKindListApi.as_view(), name="catalogue-kinds"),
    path("catalogue/kinds/<slug:code>", catalogue.CatalogueKindDetailApi.as_view(), name="catalogue-kind"),
    path("catalogue/fees", catalogue.CatalogueFeeApi.as_view(), name="catalogue-fee"),
    path(
        "catalogue/requirements",
        catalogue.CatalogueRequirementListApi.as_view(),
        name="catalogue-requirements",
    ),
    path(
        "catalogue/legal-grounds",
        catalogue.CatalogueLegalGroundListApi.as_view(),
        name="catalogue-legal-grounds",
    ),
    path("applications/for-person", family.ApplicationForPersonApi.as_view(), name="applications-for-person"),
    path("applications/claim", family.ApplicationClaimApi.as_view(), name="applications-claim"),
    path(
        "applications/<int:application_id>", applications.ApplicationDetailApi.as_view(), name="application"
    ),
    path(
        "applications/<int:application_id>/documents",
        applications.ApplicationDocumentUploadApi.as_view(),
        name="application-documents",
    ),
    path(
        "applications/<int:application_id>/documents/<int:document_id>",
        applications.ApplicationDocumentDeleteApi.as_view(),
        name="application-document",
    ),
    path(
        "applications/<int:application_id>/submit",
        applications.ApplicationSubmitApi.as_view(),
        name="application-submit",
    ),
    path(
        "applications/<int:application_id>/withdraw",
        applications.ApplicationWithdrawApi.as_view(),
        name="application-withdraw",
    ),
    path(
        "applications/<int:application_id>/timeline",
        applications.ApplicationTimelineApi.as_view(),
        name="application-timeline",
    ),
    path(
        "applications/<int:application_id>/messages",
        ApplicationMessagesApi.as_view(),
        name="application-messages",
    ),
    path(
        "applications/<int:application_id>/registration",
        registration.ApplicationRegistrationApi.as_view(),
        name="application-registration",
    ),
    path(
        "backoffice/cases/<int:application_id>/registration/biometrics",
        registration.RegistrationBiometricsApi.as_view(),
        name="backoffice-registration-biometrics",
    ),
    path(
        "backoffice/cases/<int:application_id>/registration/card-produced",
        registration.RegistrationCardProducedApi.as_view(),
        name="backoffice-registration-card-produced",
    ),
    path(
        "backoffice/cases/<int:application_id>/registration/hand-over",
        registration.RegistrationHandOverApi.as_view(),
        name="backoffice-registration-hand-over",
    ),
    path(
        "backoffice/units/<int:unit_id>/registrations",
        registration.UnitRegistrationListApi.as_view(),
        name="backoffice-unit-registrations",
    ),
    path("units", visits.UnitListApi.as_view(), name="units"),
    path("units/<int:unit_id>/slots", visits.UnitSlotListApi.as_view(), name="unit-slots"),
    path(
        "applications/<int:application_id>/appointment",
        visits.ApplicationAppointmentApi.as_view(),
        name="application-appointment",
    ),
    path(
        "backoffice/units/<int:unit_id>/visits",
        visits.BackofficeUnitVisitsApi.as_view(),
        name="backoffice-unit-visits",
    ),
]
