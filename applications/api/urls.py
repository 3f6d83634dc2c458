from django.urls import path

from applications.api import applications, catalogue
from applications.appointments import api as visits

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
    path("applications", applications.ApplicationListApi.as_view(), name="applications"),
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
