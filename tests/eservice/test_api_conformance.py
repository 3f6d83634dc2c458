"""The API keeps the promises of its own OpenAPI schema (/api/schema/), checked by schemathesis in-process.

Every operation of the schema is called with generated input through the WSGI application, with a real
access token, and each answer must be: not a 5xx, a documented status code, a documented content type, a body
that validates against the documented schema, and the documented headers. Run as an applicant who owns
applications in several states, and as a case officer who signed in with a TOTP code.
"""

from __future__ import annotations

import random

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from identity.services.api_tokens import issue_access_token
from tests.factories import ApplicationFactory, UserFactory
from tests.otp import add_totp

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Bounded so the whole run stays well under two minutes on two cores.
EXAMPLES = 12


def _owned_ids(applicant) -> list[int]:
    applications = [
        ApplicationFactory(applicant=applicant),
        ApplicationFactory(applicant=applicant, complete=True),
        ApplicationFactory(applicant=applicant, awaiting_payment=True),
        ApplicationFactory(applicant=applicant, in_review=True),
    ]
    return [application.pk for application in applications]


def _load_schema(owned: list[int]) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    rng = random.Random(0)  # noqa: S311 - test data, not a secret

    @schema.hook
    def map_path_parameters(context, path_parameters):
        # Mostly real ids of the applicant's applications (so the 200 answers are checked too), else generated.
        if path_parameters and "application_id" in path_parameters and rng.random() < 0.7:
            path_parameters["application_id"] = rng.choice(owned)
        return path_parameters

    return schema


@pytest.fixture
def conformance_applicant(db):
    return UserFactory(applicant=True)


@pytest.fixture
def conformance_officer(db):
    officer = UserFactory(case_officer=True)
    add_totp(officer)
    return officer


@pytest.fixture
def applicant_schema(conformance_applicant):
    return _load_schema(_owned_ids(conformance_applicant))


@pytest.fixture
def officer_schema(conformance_officer):
    return _load_schema(_owned_ids(UserFactory(applicant=True)))


applicant_api_schema = schemathesis.pytest.from_fixture("applicant_schema")
officer_api_schema = schemathesis.pytest.from_fixture("officer_schema")
HYPOTHESIS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def _call_and_validate(case, user) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {issue_access_token(user=user)}"}, checks=CHECKS)


@applicant_api_schema.parametrize()
@HYPOTHESIS
def test_api_conforms_to_its_schema_for_an_applicant(case, conformance_applicant):
    _call_and_validate(case, conformance_applicant)


@officer_api_schema.parametrize()
@HYPOTHESIS
def test_api_conforms_to_its_schema_for_a_totp_verified_officer(case, conformance_officer):
    _call_and_validate(case, conformance_officer)
