"""A write while the broker's Redis is down: the after-commit kick of the outbox must not wait on anything. It
publishes with bounded retries and timeouts, has no result backend to reconnect to, and swallows (and logs) the
failure; the event waits in the outbox for the beat sweep. Before, such a write hung about 19 s.

Runs against this test's own `redis-server` on port 6391, started and stopped here (never the shared 6379).
Marked `worker` (a real service, left out of the fast suite that everyone runs); `.ci/run` runs it."""

import logging
import time

import pytest
from redis import Redis

from prm.events.models import OutboxEvent

from ..deals.factories import deal_body
from ..services import celery_broker, own_redis_server

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PORT = 6391
BROKER = f"redis://127.0.0.1:{PORT}/0"


@pytest.fixture
def broker_redis(tmp_path):
    """Its own redis-server as the Celery broker, with the project's Celery settings (bounded publish retries; no
    result backend unless the settings configure one) and eager mode off, as in production. Yields a function that
    stops that Redis."""
    with own_redis_server(tmp_path, PORT) as redis, celery_broker(BROKER):
        yield redis.stop


def _deal(name: str) -> dict:
    return deal_body(customer_name=name, customer_domain=f"{name.lower()}.example")


def test_a_write_with_the_broker_down_returns_at_once_and_leaves_its_event_in_the_outbox(
    broker_redis, api, partner_a_rep, caplog
):
    client = api.as_user(partner_a_rep)
    # Redis up: the kick reaches the broker (and the web process now holds a pooled connection, as in production).
    before = client.post("/api/v1/deals/", _deal("Globex"), format="json")
    assert before.status_code == 201
    assert Redis(port=PORT).llen("default") == 1  # one dispatch task queued, no result key anywhere
    assert Redis(port=PORT).keys("celery-task-meta-*") == []

    broker_redis()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="prm.events.services"):
        response = client.post("/api/v1/deals/", _deal("Initech"), format="json")
    seconds = time.monotonic() - started

    assert response.status_code == 201, response.content
    event = OutboxEvent.objects.get(name="deal.registered", aggregate_id=str(response.json()["id"]))
    assert event.dispatched_at is None  # waiting for the beat sweep, not lost
    assert "outbox.kick_failed" in caplog.messages  # the publish failed, was logged, and the write stood
    print(f"POST /api/v1/deals/ with the broker's Redis stopped: {seconds:.2f} s")  # noqa: T201 (README figure)
