"""Thin Celery tasks of the incentives app: ids in, idempotent services do the work."""

from celery import shared_task
from django.utils import timezone

from prm.events.models import OutboxEvent

from . import accruals, bonuses


@shared_task(name="incentives.sync_deal", acks_late=True)
def sync_deal(event_id: int) -> dict:
    """A deal was won, reopened or corrected: make its accrual lines match it (twice changes nothing)."""
    event = OutboxEvent.objects.filter(pk=event_id).first()
    if event is None:
        return {}
    return accruals.accruals_sync_deal(int(event.aggregate_id))


@shared_task(name="incentives.close_volume_bonuses", acks_late=True)
def close_volume_bonuses() -> int:
    return bonuses.volume_bonuses_close(today=timezone.localdate())


@shared_task(name="incentives.program_recompute", acks_late=True)
def program_recompute(program_id: int, actor_id: int | None = None) -> int:
    """Apply a program to past won deals (program_services.program_recompute_start queues it)."""
    from .program_services import program_recompute_run

    return program_recompute_run(program_id, actor_id)


# The MDF allocation job lives beside its service; imported here so a worker registers it.
from .mdf import mdf_allocate_by_rule_task  # noqa: E402, F401
