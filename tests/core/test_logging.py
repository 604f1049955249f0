"""Structured logs: one JSON object per line, with the `extra={...}` fields and the id of the request that wrote
them (taken from a valid X-Request-ID header or made up, and returned in the response)."""

import io
import json
import logging
import uuid

import pytest

from ..deals.factories import deal_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """What the configured console handler would print, captured: its own formatter and filters, to a buffer."""
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    buffer = io.StringIO()
    capture = logging.StreamHandler(buffer)
    capture.setFormatter(console.formatter)
    for log_filter in console.filters:
        capture.addFilter(log_filter)
    root = logging.getLogger()
    root.addHandler(capture)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.removeHandler(capture)


def test_a_log_line_is_json_with_its_extra_fields_and_the_request_id(api, partner_a_rep, log_lines):
    response = api.as_user(partner_a_rep).post("/api/v1/deals/", deal_body(), format="json")

    assert response.status_code == 201
    request_id = response["X-Request-ID"]
    line = next(line for line in log_lines() if line["message"] == "deal.registered")
    assert line["deal_id"] == response.json()["id"]
    assert line["conflicts"] == 0
    assert line["level"] == "INFO"
    assert line["logger"] == "deals.services"
    assert line["request_id"] == request_id
    assert len(request_id) == 32


def test_the_callers_request_id_is_kept_and_a_malformed_one_replaced(api, partner_a_rep, log_lines):
    client = api.as_user(partner_a_rep)
    given = uuid.uuid4().hex

    kept = client.post("/api/v1/deals/", deal_body(), format="json", HTTP_X_REQUEST_ID=given)
    replaced = client.post(
        "/api/v1/deals/", deal_body(customer_name="Initech"), format="json", HTTP_X_REQUEST_ID='x"}\n{"forged": 1'
    )

    assert kept["X-Request-ID"] == given
    assert replaced["X-Request-ID"] != 'x"}\n{"forged": 1'
    registered = [line for line in log_lines() if line["message"] == "deal.registered"]
    assert [line["request_id"] for line in registered] == [given, replaced["X-Request-ID"]]
    assert not any("forged" in line for line in log_lines())


def test_outside_a_request_the_request_id_is_empty_and_the_line_still_json(log_lines):
    logging.getLogger("prm.jobs").warning("job.slow", extra={"seconds": 12.5})

    assert log_lines()[-1] == {
        "time": log_lines()[-1]["time"],
        "level": "WARNING",
        "logger": "prm.jobs",
        "message": "job.slow",
        "request_id": None,
        "seconds": 12.5,
    }
