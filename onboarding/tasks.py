"""Thin Celery tasks: call a service with today's date. Both services are idempotent, so a retry or a second
run the same day sends nothing twice."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="onboarding.send_reminders", acks_late=True)
def onboarding_send_reminders_task() -> dict:
    return services.onboarding_send_reminders(today=timezone.localdate())


@shared_task(name="onboarding.certifications_remind_expiring", acks_late=True)
def certifications_remind_expiring_task() -> int:
    return services.certifications_remind_expiring(today=timezone.localdate())
