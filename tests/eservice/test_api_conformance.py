"""The API keeps the promises of its own OpenAPI schema (/api/schema/), checked by schemathesis in-process.

Every operation in the schema is called with generated input (valid and invalid) through the WSGI application,
with a real access token from POST /api/v1/auth/token, and every answer must be: not a 5xx, a documented status
code, a documented content type, a body that validates against the documented schema, and the documented
headers. Run once as an applicant who owns applications in several states, and once as a case officer who
signed in with a TOTP code (the token's ``amr`` says so). Then statefully: schemathesis infers the links between
operations from the schema (a created application's id feeds its detail, documents, submit, payments...), and
walks sequences of calls with the same checks. The number of generated examples (and steps) is bounded so that
the runs take a couple of minutes of CPU.
"""

from __future__ import annotations

import base64
import json
import re
import zlib

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from identity.tokens import AMR_OTP
from tests.factories import ApplicationFactory, UserFactory
from tests.otp import add_totp, totp_code

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
PASSWORD = "correct horse battery 9"  # UserFactory's
HYPOTHESIS = settings(
    max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True
)
STATEFUL = settings(
    max_examples=15,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)


def _sign_in(user, otp: str = "") -> str:
    response = APIClient().post(
        "/api/v1/auth/token", {"email": user.email, "password": PASSWORD, "otp": otp}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["access"]


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _own_applications(applicant) -> list[int]:
    return [
        ApplicationFactory(applicant=applicant).pk,
        ApplicationFactory(applicant=applicant, complete=True).pk,
        ApplicationFactory(applicant=applicant, awaiting_payment=True).pk,
        ApplicationFactory(applicant=applicant, in_review=True).pk,
    ]


@pytest.fixture
def keep_the_test_connection():
    """Django's WSGI handler closes a connection that is not in autocommit when a request starts and ends, which
    inside a test's transaction is always: PostgreSQL's would be gone after the first call. Django's own test
    client disconnects the same handler, but connects it again after each request: so this fixture comes after
    any sign-in through the test client."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _load_schema(application_ids: list[int]) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

    @schema.hook
    def map_path_parameters(context, path_parameters):
        # Mostly real ids (so the answers about existing applications are checked too), else generated ones.
        # Chosen from the generated value itself, never from a random source of its own: Hypothesis replays an
        # example expecting the same calls and answers (a shared generator's next draw would swap the id, the
        # answer's status, and so the steps a sequence may take next).
        if path_parameters and "application_id" in path_parameters:
            pick = zlib.crc32(repr(path_parameters["application_id"]).encode())
            if pick % 10 < 7:
                path_parameters["application_id"] = application_ids[pick % len(application_ids)]
        return path_parameters

    return schema


@pytest.fixture
def applicant_token(db) -> tuple[str, list[int]]:
    applicant = UserFactory(applicant=True)
    return _sign_in(applicant), _own_applications(applicant)


@pytest.fixture
def officer_token(db) -> tuple[str, list[int]]:
    officer = UserFactory(case_officer=True)
    device = add_totp(officer)
    token = _sign_in(officer, otp=totp_code(device))
    assert AMR_OTP in _claims(token)["amr"]  # a staff token says the code was checked
    return token, _own_applications(UserFactory(applicant=True))


@pytest.fixture
def applicant_schema(applicant_token, keep_the_test_connection):
    return _load_schema(applicant_token[1])


@pytest.fixture
def officer_schema(officer_token, keep_the_test_connection):
    return _load_schema(officer_token[1])


applicant_api = schemathesis.pytest.from_fixture("applicant_schema")
officer_api = schemathesis.pytest.from_fixture("officer_schema")


@applicant_api.parametrize()
@HYPOTHESIS
def test_api_conforms_to_its_schema_for_an_applicant(case, applicant_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {applicant_token[0]}"}, checks=CHECKS)


@officer_api.parametrize()
@HYPOTHESIS
def test_api_conforms_to_its_schema_for_a_totp_verified_officer(case, officer_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {officer_token[0]}"}, checks=CHECKS)


def _run_stateful(schema: schemathesis.BaseSchema, token: str) -> None:
    machine = schema.as_state_machine()
    headers = {"Authorization": f"Bearer {token}"}
    linked: list[str] = []

    class Stateful(machine):
        # Each scenario starts from the same rows: which calls are possible depends on them, and Hypothesis
        # replays scenarios expecting the same choices to be offered again.
        def setup(self):
            self._savepoint = transaction.savepoint()
            cache.clear()

        def teardown(self):
            transaction.savepoint_rollback(self._savepoint)

        def step(self, input):
            if input.transition is not None and input.is_applied:
                linked.append(input.transition.id)  # a value one answer gave, used by the next call
            return super().step(input)

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs=kwargs)

    assert machine.bundles, "schemathesis found no links between operations to follow"
    Stateful.run(settings=STATEFUL)
    assert linked, "no sequence followed a link"


def test_api_holds_over_sequences_of_calls_for_an_applicant(applicant_schema, applicant_token):
    _run_stateful(applicant_schema, applicant_token[0])


def test_api_holds_over_sequences_of_calls_for_a_totp_verified_officer(officer_schema, officer_token):
    _run_stateful(officer_schema, officer_token[0])


def test_every_api_route_and_method_is_in_the_schema(db):
    """No endpoint missing from the schema, and none in it that nothing answers: the /api/v1/ routes of the URLconf
    with every method their views answer (but HEAD and OPTIONS, which every view answers the same way) are exactly
    the schema's operations."""
    from django.urls import get_resolver
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    documented = {(path, method.upper()) for path, operations in paths.items() for method in operations}
    answered = set()

    def methods_of(callback) -> set[str]:
        actions = getattr(callback, "actions", None)  # a viewset's routes name their methods
        if actions:
            return {method.upper() for method in actions}
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view is None:
            return {"GET"}
        return {
            method.upper()
            for method in view.http_method_names
            if method not in ("head", "options") and hasattr(view, method)
        }

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, route)
            elif route.startswith("api/v1/"):
                path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
                answered.update((path, method) for method in methods_of(pattern.callback))

    walk(get_resolver().url_patterns, "")
    assert answered, "no /api/v1/ route found"
    assert answered - documented == set(), "answered but not in the schema"
    assert documented - answered == set(), "in the schema but answered by no route"
