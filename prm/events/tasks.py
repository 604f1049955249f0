"""The outbox's Celery task: thin, takes no arguments, safe to run twice (a dispatched event is never sent again).
Time limits and retries come from the settings (CELERY_TASK_ANNOTATIONS, CELERY_TASK_*_TIME_LIMIT)."""

from celery import shared_task

from .services import outbox_dispatch_pending


@shared_task(name="events.outbox_dispatch", acks_late=True)
def outbox_dispatch() -> int:
    return outbox_dispatch_pending()
