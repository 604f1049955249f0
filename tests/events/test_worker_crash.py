"""A real worker SIGKILLed in the middle of an outbox batch, then a second worker finishing it: every event is
delivered, and at most the one event in flight at the kill is delivered twice (one transaction for the whole batch
delivered all of it again: 66 duplicates). Needs PostgreSQL and Redis like tests/events/test_worker.py."""

import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from unittest import mock

import pytest

from prm.celery import app as celery_app
from prm.events.models import OutboxEvent
from prm.events.services import event_emit
from prm.events.tasks import outbox_dispatch

from ..services import require_real_worker, start_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

EVENTS = 30
TIME_BUDGET = 60.0  # seconds for the whole test, two worker start-ups included


@pytest.fixture
def crash_worker(tmp_path):
    """Starts `tests.events.crash_worker` processes on the test database; kills whatever is left at the end."""
    require_real_worker()
    celery_app.control.purge()
    celery_app.conf.task_always_eager = False
    started = []

    def start(deliveries, deadline: float) -> subprocess.Popen:
        name = f"crash-{uuid.uuid4().hex[:8]}"
        proc = start_worker(
            ["-m", "tests.events.crash_worker"],
            name=name,
            log_path=tmp_path / f"{name}.log",
            deadline=deadline,
            env={"PRM_DELIVERY_LOG": str(deliveries), "PRM_WORKER_NAME": f"{name}@%h"},
        )
        started.append(proc)
        return proc

    yield start
    celery_app.conf.task_always_eager = True
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _wait_for(predicate, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _delivered(path) -> Counter:
    return Counter(int(line) for line in path.read_text().split()) if path.exists() else Counter()


def test_a_worker_killed_mid_batch_delivers_at_most_the_event_in_flight_twice(crash_worker, partner_a, tmp_path):
    deadline = time.monotonic() + TIME_BUDGET
    deliveries = tmp_path / "deliveries.txt"
    with mock.patch("prm.events.services._schedule_kick"):  # the test sends the dispatch task itself
        ids = [event_emit(name="crash.tick", instance=partner_a, payload={"n": n}).pk for n in range(EVENTS)]

    first = crash_worker(deliveries, deadline)
    outbox_dispatch.delay()
    assert _wait_for(lambda: sum(_delivered(deliveries).values()) >= EVENTS // 3, deadline), "no deliveries"
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = sum(_delivered(deliveries).values())
    assert killed_at < EVENTS, "the batch finished before the kill: nothing was tested"

    # The event in flight keeps its recorded attempt and waits out its backoff; the beat sweep would send it a
    # minute later. Let it be due now, so the second worker finishes everything within the test's time.
    OutboxEvent.objects.filter(dispatched_at__isnull=True).update(next_attempt_at=None)
    crash_worker(deliveries, deadline)
    outbox_dispatch.delay()
    pending = OutboxEvent.objects.filter(pk__in=ids, dispatched_at__isnull=True)
    assert _wait_for(lambda: not pending.exists(), deadline), f"{pending.count()} events never dispatched"

    delivered = _delivered(deliveries)
    duplicates = sum(count - 1 for count in delivered.values())
    print(f"killed after {killed_at} deliveries; {EVENTS} events, {duplicates} delivered twice")  # noqa: T201
    assert set(delivered) == set(ids)
    assert duplicates <= 1
