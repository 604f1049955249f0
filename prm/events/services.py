"""Writing and dispatching outbox events."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from .handlers import handlers_for
from .models import OutboxEvent

if TYPE_CHECKING:
    from prm.accounts.models import User

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)


def event_emit(
    *,
    name: str,
    instance: models.Model,
    actor: User | None = None,
    payload: dict[str, Any] | None = None,
    partner_id: int | None = None,
    aggregate_id: str | None = None,
) -> OutboxEvent:
    """Record `name` for `instance` inside the caller's transaction, and ask a worker to send it once the
    transaction commits."""
    if partner_id is None:
        partner_id = _partner_id_of(instance)
    event = OutboxEvent.objects.create(
        name=name,
        aggregate_type=instance._meta.model_name,
        aggregate_id=str(aggregate_id or instance.pk),
        partner_id=partner_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        payload=payload or {},
    )
    _schedule_kick()
    return event


def _partner_id_of(instance: models.Model) -> int | None:
    if instance._meta.model_name == "partner":
        return instance.pk
    return getattr(instance, "partner_id", None)


def _schedule_kick() -> None:
    """One dispatch task per transaction, however many events it wrote. (`run_on_commit` is Django's list of
    pending callbacks; it is emptied on commit and on rollback, so the check cannot go stale.)"""
    connection = transaction.get_connection()
    if any(entry[1] is _kick_dispatch for entry in connection.run_on_commit):
        return
    transaction.on_commit(_kick_dispatch)


def _kick_dispatch() -> None:
    from .tasks import outbox_dispatch

    try:
        outbox_dispatch.delay()
    except Exception:  # broker down: the beat sweep sends the events later, nothing is lost
        logger.warning("outbox.kick_failed", exc_info=True)


def outbox_dispatch_pending(*, batch_size: int = 200) -> int:
    """Hand pending events to their handlers, oldest first, each event in its own transactions.

    One event at a time, so a worker killed mid-batch repeats at most the event it was handling (one transaction
    for the whole batch repeated all of it: 66 duplicates after a SIGKILL). Several workers share the backlog:
    a claimed event is locked or leased, never handed to two workers at once. Returns how many were dispatched."""
    dispatched = 0
    for _ in range(batch_size):
        event = _claim_next()
        if event is None:
            break
        dispatched += _deliver(event)
    return dispatched


def _claim_next() -> OutboxEvent | None:
    """Lock the oldest due event (SKIP LOCKED: another worker's event is passed over), record the attempt and
    push its next attempt past the backoff, and commit — before any handler runs. So a worker that dies inside a
    handler leaves the attempt counted and the event waiting for its backoff, not lost and not retried at once."""
    now = timezone.now()
    with transaction.atomic():
        due = OutboxEvent.objects.filter(dispatched_at__isnull=True).filter(
            models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now)
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        event = due.order_by("id").first()
        if event is None:
            return None
        event.attempts += 1
        event.next_attempt_at = now + _backoff(event.attempts)
        event.save(update_fields=["attempts", "next_attempt_at"])
    return event


def _deliver(event: OutboxEvent) -> int:
    """Call the event's handlers and mark it dispatched in one transaction that holds the row's lock (so no other
    worker claims it meanwhile). A failing handler rolls back what the handlers wrote; the error is kept and the
    event waits for the backoff its claim set. Returns 1 when dispatched, 0 otherwise."""
    try:
        with transaction.atomic():
            current = OutboxEvent.objects.select_for_update().filter(pk=event.pk).first()
            if current is None or current.dispatched_at is not None or current.attempts != event.attempts:
                return 0  # handled, or claimed again after our lease ran out, by another worker
            for handler in handlers_for(current.name):
                handler(current)
            current.dispatched_at = timezone.now()
            current.last_error = ""
            current.save(update_fields=["dispatched_at", "last_error"])
    except Exception as exc:  # one bad handler must not stop the rest of the batch
        OutboxEvent.objects.filter(pk=event.pk).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
        logger.exception("outbox.handler_failed", extra={"event_id": event.pk, "event_name": event.name})
        return 0
    return 1


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=30 * 2**attempts), MAX_BACKOFF)
