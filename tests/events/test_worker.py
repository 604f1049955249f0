"""The job path end to end with a real Celery worker: a separate process, the real Redis broker and the real
PostgreSQL test database. Skipped locally without a broker (and said so); CI runs it (PRM_STRICT=1)."""

import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from partners import services as partner_services
from partners.tasks import agreements_remind_expiring_task
from prm.celery import app as celery_app
from prm.events.models import OutboxEvent

from ..factories import AgreementFactory
from ..services import require_real_worker, start_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def worker(django_db_setup, tmp_path_factory):
    """A `celery worker` process on the test database; yields the folder its emails are written to."""
    require_real_worker()
    mail_dir = tmp_path_factory.mktemp("worker-mail")
    celery_app.control.purge()
    name = f"test-{uuid.uuid4().hex[:8]}"
    proc = start_worker(
        ["-m", "celery", "-A", "prm", "worker", "--pool=solo", "-n", f"{name}@%h", "--loglevel=INFO"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
        name=name,
        log_path=mail_dir.parent / "worker.log",
        deadline=time.monotonic() + 60,
        env={"EMAIL_URL": f"filemail:///{mail_dir}"},  # django-environ drops one slash: keep the path absolute
    )
    try:
        yield mail_dir
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def broker_mode():
    """This test's own process sends tasks to the broker instead of running them in-process."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _tasks_done(name: str) -> int:
    """How many `name` tasks the running test worker has finished (its own statistics)."""
    stats = celery_app.control.inspect(timeout=1.0).stats() or {}
    return sum(worker["total"].get(name, 0) for worker in stats.values())


def test_the_worker_sends_agreement_expiry_reminders_once(worker, broker_mode, partner_a, partner_a_admin):
    agreement = AgreementFactory(
        partner=partner_a, title="Reseller 2027", expires_on=timezone.localdate() + timedelta(days=7)
    )

    before = _tasks_done("partners.agreements_remind_expiring")
    agreements_remind_expiring_task.delay()
    agreements_remind_expiring_task.delay()  # a re-run changes nothing
    # Tasks here are fire-and-forget (no result backend): the worker's own count says when both have run.
    assert _wait_for(lambda: _tasks_done("partners.agreements_remind_expiring") == before + 2, timeout=60)

    agreement.refresh_from_db()
    assert agreement.expiry_reminder_sent_on == timezone.localdate()
    emails = [p.read_text() for p in worker.iterdir()]
    assert len(emails) == 1
    assert "To: admin@alpha.example" in emails[0]
    assert "Reseller 2027" in emails[0]


def test_the_worker_dispatches_outbox_events_written_by_a_service(worker, broker_mode, program_admin, partner_a):
    partner_services.partner_update(actor=program_admin, partner=partner_a, data={"status": "suspended"})
    events = OutboxEvent.objects.filter(aggregate_id=str(partner_a.pk), name__startswith="partner.")
    assert events.count() == 2

    assert _wait_for(lambda: not events.filter(dispatched_at__isnull=True).exists()), list(events.values())
