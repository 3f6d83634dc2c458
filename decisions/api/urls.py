from django.urls import path

from decisions.api import views

# The officers' queue: after the applicant's list, the busiest route, tried before the others (eservice/urls.py).
busiest = [path("backoffice/cases", views.BackofficeCaseListApi.as_view(), name="backoffice-cases")]

urlpatterns = [
    path(
        "backoffice/cases/<int:application_id>",
        views.BackofficeCaseDetailApi.as_view(),
        name="backoffice-case",
    ),
    path(
        "backoffice/cases/<int:application_id>/take",
        views.BackofficeCaseTakeApi.as_view(),
        name="backoffice-case-take",
    ),
    path(
        "backoffice/cases/<int:application_id>/assign",
        views.BackofficeCaseAssignApi.as_view(),
        name="backoffice-case-assign",
    ),
    path(
        "backoffice/cases/<int:application_id>/request-info",
        views.BackofficeCaseRequestInfoApi.as_view(),
        name="backoffice-case-request-info",
    ),
    path(
        "backoffice/cases/<int:application_id>/decision",
        views.BackofficeCaseDecisionApi.as_view(),
        name="backoffice-case-decision",
    ),
    path(
        "backoffice/cases/<int:application_id>/decision/approve",
        views.BackofficeDecisionApproveApi.as_view(),
        name="backoffice-case-decision-approve",
    ),
    path(
        "backoffice/cases/<int:application_id>/decision/return",
        views.BackofficeDecisionReturnApi.as_view(),
        name="backoffice-case-decision-return",
    ),
    path(
        "applications/<int:application_id>/decision",
        views.ApplicationDecisionApi.as_view(),
        name="application-decision",
    ),
    path(
        "applications/<int:application_id>/information-requests/<int:request_id>/answer",
        views.InformationRequestAnswerApi.as_view(),
        name="application-information-request-answer",
    ),
    path(
        "decisions/<int:decision_id>/complaint",
        views.DecisionComplaintApi.as_view(),
        name="decision-complaint",
    ),
]
