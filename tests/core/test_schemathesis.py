"""schemathesis over the whole API schema, as a partner rep and as a manager: no 5xx, every response
conforms to the schema and its status code is documented.

The schema is the one the app serves and requests go through WSGI (no server). Each operation gets a
bounded, derandomized number of examples (`PRM_FUZZ_EXAMPLES`, 10 by default), so the run is repeatable and
bounded in time; `.ci/run` runs it with the rest of `make test`."""

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.deals.factories import DealCommentFactory, DealFactory, LeadFactory
from tests.factories import TEST_PASSWORD
from tests.onboarding.factories import OnboardingPlanFactory, ResourceFactory
from tests.partners.factories import ApplicationFactory, CaseMessageFactory

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("PRM_FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


def _load_schema():
    """The schema `/api/schema/` serves, generated in-process (no request, so no throttle or session)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(generated)))
    loaded.app = get_wsgi_application()
    # The coverage phase sends every boundary case of every parameter whatever `max_examples` says: unbounded in
    # time on a schema this size. Explicit examples and bounded generated ones (valid and invalid) remain.
    loaded.config.phases.update(phases=["examples", "fuzzing"])
    return loaded


schema = _load_schema()


@pytest.fixture
def fuzz_data(partner_a, partner_b, partner_a_rep, manager):
    """A few rows of each kind the issue named, so lists and details have something real to render."""
    deal = DealFactory(partner=partner_a, registered_by=partner_a_rep)
    DealCommentFactory(deal=deal)
    DealFactory(partner=partner_b)
    LeadFactory(partner=partner_a)
    CaseMessageFactory(case__partner=partner_a, case__opened_by=partner_a_rep)
    ResourceFactory()
    ApplicationFactory()
    OnboardingPlanFactory(partner=partner_a)


def _token(user) -> str:
    from rest_framework.test import APIClient

    response = APIClient().post("/api/v1/auth/token/", {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def keep_test_connection(auth_headers):
    """Requests go through the real WSGI handler, whose request signals close a connection that is inside a
    transaction: on PostgreSQL that would close the test's own connection mid-test. Django's test client
    disconnects the same receiver for the same reason (and connects it again after each of its requests, so this
    comes after the token is fetched)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=["partner_a_rep", "manager"])
def auth_headers(request, fuzz_data):
    return {"Authorization": f"Token {_token(request.getfixturevalue(request.param))}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing example is reported as found
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_within_its_schema(case, auth_headers, keep_test_connection):
    case.call_and_validate(headers=auth_headers, checks=CHECKS)


def test_extra_actions_are_documented_as_the_bare_lists_they_send():
    """Regression: `/cases/{id}/messages/` (and every history) was documented as a page but sends a list."""
    paths = schema.raw_schema["paths"]
    for path in ["/api/v1/cases/{id}/messages/", "/api/v1/deals/{id}/comments/", "/api/v1/partners/{id}/history/"]:
        body = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert body["type"] == "array", path


def test_every_operation_documents_the_errors_it_can_answer():
    for path, operations in schema.raw_schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "429"} <= codes, (method, path)
            assert "404" in codes or "{" not in path, (method, path)
            assert "400" in codes or method not in ("post", "put", "patch"), (method, path)


def test_an_id_too_big_for_the_database_is_a_400_not_a_500(api, manager):
    """Regression (found by this run): `POST /deals/bulk/` with an id over 2**63 crashed the SQLite driver."""
    response = api.as_user(manager).post(
        "/api/v1/deals/bulk/", {"decision": "reject", "deals": [2**64], "reason": "x"}, format="json"
    )

    assert response.status_code == 400
    assert "deals" in response.json()
