"""A write while the broker's Redis is down: the after-commit kick of the outbox must not wait on anything. It
publishes with bounded retries and timeouts, has no result backend to reconnect to, and swallows (and logs) the
failure; the event waits in the outbox for the beat sweep. Before, such a write hung about 19 s.

Runs against this test's own `redis-server` on port 6391, started and stopped here (never the shared 6379).
Marked `worker` (a real service, left out of the fast suite that everyone runs); `.ci/run` runs it."""

import contextlib
import logging
import shutil
import subprocess
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from redis import Redis

from prm.celery import app as celery_app
from prm.events.models import OutboxEvent

from ..conftest import skip_or_fail

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PORT = 6391
BROKER = f"redis://127.0.0.1:{PORT}/0"


@pytest.fixture
def broker_redis(tmp_path, monkeypatch):
    """Its own redis-server as the Celery broker, with the project's Celery settings (no result backend, bounded
    publish retries) and eager mode off, as in production. Yields a function that stops that Redis."""
    if shutil.which("redis-server") is None:
        skip_or_fail("the broker outage test needs redis-server")
    pidfile = tmp_path / "redis.pid"
    subprocess.run(
        ["redis-server", "--port", str(PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--daemonize", "yes", "--pidfile", str(pidfile), "--dir", str(tmp_path)],
        check=True,
        timeout=10,
    )
    client = Redis(port=PORT, socket_timeout=1)
    deadline = time.monotonic() + 10
    while not _pings(client):
        assert time.monotonic() < deadline, "redis-server on 6391 did not start"
        time.sleep(0.1)

    def stop():
        with contextlib.suppress(Exception):
            client.shutdown(nosave=True)
        deadline = time.monotonic() + 10
        while pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    saved = {key: celery_app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI sets it): point both here.
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER)
    celery_app.conf.update(broker_url=BROKER, result_backend=settings.CELERY_RESULT_BACKEND, task_always_eager=False)
    _forget_connections()
    try:
        yield stop
    finally:
        stop()
        celery_app.conf.update(saved)
        monkeypatch.undo()
        _forget_connections()


def _pings(client: Redis) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


def _forget_connections() -> None:
    celery_app._after_fork()  # drops the connection and producer pools bound to the previous broker URL
    celery_app._local.__dict__.pop("backend", None)


def _deal(name: str) -> dict:
    return {
        "customer_name": name,
        "customer_domain": f"{name.lower()}.example",
        "country": "GB",
        "amount": "125000.00",
        "currency": "EUR",
        "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }


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
