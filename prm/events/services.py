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
    """Hand pending events to their handlers, oldest first. Rows are locked (SKIP LOCKED on PostgreSQL) so
    several workers share the backlog without sending an event twice. Returns how many were dispatched."""
    dispatched = 0
    now = timezone.now()
    with transaction.atomic():
        pending = OutboxEvent.objects.filter(dispatched_at__isnull=True).filter(
            models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now)
        )
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        for event in pending.order_by("id")[:batch_size]:
            try:
                with transaction.atomic():
                    for handler in handlers_for(event.name):
                        handler(event)
            except Exception as exc:  # one bad handler must not stop the rest of the batch
                event.attempts += 1
                event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                event.next_attempt_at = now + min(timedelta(seconds=30 * 2**event.attempts), MAX_BACKOFF)
                event.save(update_fields=["attempts", "last_error", "next_attempt_at"])
                logger.exception("outbox.handler_failed", extra={"event_id": event.id, "event_name": event.name})
                continue
            event.attempts += 1
            event.dispatched_at = timezone.now()
            event.last_error = ""
            event.save(update_fields=["attempts", "dispatched_at", "last_error"])
            dispatched += 1
    return dispatched
