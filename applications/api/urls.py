from django.urls import path

from applications.api import catalogue

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
]
