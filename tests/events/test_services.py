from unittest import mock

import pytest
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
