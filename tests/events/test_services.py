from unittest import mock

import pytest
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from partners import services as partner_services
from prm.events import handlers
from prm.events.models import OutboxEvent
from prm.events.services import event_emit, outbox_dispatch_pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """A subscriber that records what it is handed (a real handler in the registry, removed afterwards)."""
    seen = []
    handlers._handlers.append(("partner.", seen.append))
    yield seen
    handlers._handlers.remove(("partner.", seen.append))


def test_an_event_is_written_in_the_same_transaction_as_the_change(program_admin, partner_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        partner_services.partner_update(actor=program_admin, partner=partner_a, data={"status": "churned"})
        raise RuntimeError("the caller's transaction fails after the service")

    assert OutboxEvent.objects.count() == 0
    partner_a.refresh_from_db()
    assert partner_a.status == "active"


def test_dispatch_hands_events_to_subscribers_in_order_and_marks_them(
    program_admin, partner_a, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        partner_services.partner_update(actor=program_admin, partner=partner_a, data={"status": "suspended"})
    # several events, one dispatch task queued for the whole transaction
    assert len(callbacks) == 1

    assert outbox_dispatch_pending() == 2
    assert [e.name for e in received] == ["partner.updated", "partner.status_changed"]
    assert OutboxEvent.objects.filter(dispatched_at__isnull=True).count() == 0
    assert outbox_dispatch_pending() == 0  # nothing is handed over twice


def test_a_failing_subscriber_is_retried_later_without_blocking_the_others(partner_a, partner_b):
    first = event_emit(name="partner.flaky", instance=partner_a)
    second = event_emit(name="agreement.fine", instance=partner_b)
    calls = []

    def flaky(event):
        calls.append(event.pk)
        raise ConnectionError("receiver down")

    handlers._handlers.append(("partner.flaky", flaky))
    try:
        assert outbox_dispatch_pending() == 1
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.dispatched_at is None and first.attempts == 1
        assert "receiver down" in first.last_error
        assert first.next_attempt_at > timezone.now()
        assert second.dispatched_at is not None

        # not retried before its backoff has passed
        assert outbox_dispatch_pending() == 0
        assert calls == [first.pk]
        OutboxEvent.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
        outbox_dispatch_pending()
        assert calls == [first.pk, first.pk]
    finally:
        handlers._handlers.remove(("partner.flaky", flaky))


def test_a_broker_outage_loses_no_event(program_admin, partner_a, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    with (
        mock.patch("prm.events.tasks.outbox_dispatch.delay", side_effect=OperationalError("redis down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        partner_services.partner_update(actor=program_admin, partner=partner_a, data={"name": "Alpha 2"})

    partner_a.refresh_from_db()
    assert partner_a.name == "Alpha 2"  # the write stands
    assert OutboxEvent.objects.filter(dispatched_at__isnull=True, name="partner.updated").count() == 1
    assert outbox_dispatch_pending() == 1  # the beat sweep sends it later


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing below the handler gets to run or to catch it."""


def test_a_worker_dying_mid_batch_keeps_the_events_it_finished_and_counts_the_attempt_in_flight(partner_a, request):
    events = [event_emit(name=f"crash.step{n}", instance=partner_a) for n in range(4)]
    delivered, killed = [], []

    def dies_on_the_third(event):
        if len(delivered) == 2 and not killed:
            killed.append(event.pk)
            raise WorkerKilled
        delivered.append(event.pk)

    handlers._handlers.append(("crash.", dies_on_the_third))
    request.addfinalizer(lambda: handlers._handlers.remove(("crash.", dies_on_the_third)))
    with pytest.raises(WorkerKilled):
        outbox_dispatch_pending()

    done, in_flight, untouched = events[:2], events[2], events[3]
    assert OutboxEvent.objects.filter(pk__in=[e.pk for e in done], dispatched_at__isnull=False).count() == 2
    in_flight.refresh_from_db()
    assert in_flight.dispatched_at is None
    assert in_flight.attempts == 1  # recorded before its handlers ran
    assert in_flight.next_attempt_at > timezone.now()  # retried after the backoff, not at once by the next worker
    untouched.refresh_from_db()
    assert (untouched.dispatched_at, untouched.attempts) == (None, 0)
    # the next run sends the rest; the event in flight waits for its backoff
    assert outbox_dispatch_pending() == 1
    assert delivered == [events[0].pk, events[1].pk, untouched.pk]


def test_each_domain_apps_handlers_module_is_collected_without_being_named():
    from partners.handlers import log_event

    assert log_event in handlers.handlers_for("deal.registered")


enqueued = []


@shared_task(name="tests.events.scorecard_recalculate")
def scorecard_recalculate(event_id: int) -> None:
    enqueued.append(OutboxEvent.objects.get(pk=event_id).aggregate_id)


def test_a_handler_with_real_work_enqueues_a_task_that_takes_the_event_id(partner_a):
    enqueued.clear()
    event = event_emit(name="partner.tier_changed", instance=partner_a)
    enqueue = handlers.subscribe_task("partner.tier_changed", scorecard_recalculate)
    try:
        assert outbox_dispatch_pending() == 1
    finally:
        handlers._handlers.remove(("partner.tier_changed", enqueue))

    assert enqueued == [str(partner_a.pk)]
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_an_event_whose_task_cannot_be_published_stays_pending(partner_a):
    from kombu.exceptions import OperationalError

    event = event_emit(name="partner.tier_changed", instance=partner_a)
    enqueue = handlers.subscribe_task("partner.tier_changed", scorecard_recalculate)
    try:
        with mock.patch.object(scorecard_recalculate, "delay", side_effect=OperationalError("redis down")):
            assert outbox_dispatch_pending() == 0
    finally:
        handlers._handlers.remove(("partner.tier_changed", enqueue))

    event.refresh_from_db()
    assert event.dispatched_at is None
    assert "redis down" in event.last_error
