"""Thin Celery tasks: call a service; each is idempotent (a re-run finds nothing left to do)."""

from celery import shared_task
from django.utils import timezone

from . import lead_services, services


@shared_task(name="deals.expire_lapsed", acks_late=True)
def deals_expire_lapsed_task() -> int:
    total = 0
    while done := services.deals_expire_lapsed(today=timezone.localdate()):
        total += done
    return total


@shared_task(name="deals.warn_expiring", acks_late=True)
def deals_warn_expiring_task() -> int:
    return services.deals_warn_expiring(today=timezone.localdate())


@shared_task(name="deals.leads_return_unanswered", acks_late=True)
def leads_return_unanswered_task() -> int:
    return lead_services.leads_return_unanswered(now=timezone.now())
