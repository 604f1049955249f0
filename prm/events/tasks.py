from celery import shared_task

from .services import outbox_dispatch_pending


@shared_task(name="events.outbox_dispatch", acks_late=True, ignore_result=False)
def outbox_dispatch() -> int:
    return outbox_dispatch_pending()
