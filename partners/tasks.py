from celery import shared_task
from django.utils import timezone

from .services import agreements_remind_expiring


@shared_task(name="partners.agreements_remind_expiring", acks_late=True)
def agreements_remind_expiring_task() -> int:
    return agreements_remind_expiring(today=timezone.localdate())
