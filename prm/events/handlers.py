"""Subscribers of outbox events. Each app's `handlers.py` is imported at start-up (prm/events/apps.py), like its
`api.py` and `urls.py`; there it subscribes:

    @subscribe("agreement.")          # a prefix ends with a dot; "*" is every event
    def log_agreement(event): ...

    subscribe_task("deal.approved", scorecard_recalculate)   # real work: a task of its own, by id

A handler runs inside the dispatch loop, so it must be quick and idempotent: an event whose handler failed is
retried with every handler called again. Anything slower than a log line or a row write (webhooks, emails,
recalculations) goes to a Celery task that takes ids (Sentry's pattern): a slow receiver then holds up nobody,
and a retry of the task repeats only that work."""

from collections.abc import Callable

from celery import Task

from .models import OutboxEvent

Handler = Callable[[OutboxEvent], None]
_handlers: list[tuple[str, Handler]] = []


def subscribe(pattern: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers.append((pattern, fn))
        return fn

    return register


def subscribe_task(pattern: str, task: Task) -> Handler:
    """Send each matching event to `task` as `task.delay(event_id)`. The task loads the event (and what it names)
    by id, returns early when it is gone, and must be idempotent. The message is published inside the event's
    dispatch: if the broker refuses it, the event is retried later instead of being marked sent."""

    def enqueue(event: OutboxEvent) -> None:
        task.delay(event.pk)

    enqueue.__qualname__ = enqueue.__name__ = f"enqueue_{task.name}"
    return subscribe(pattern)(enqueue)


def handlers_for(name: str) -> list[Handler]:
    return [
        fn
        for pattern, fn in _handlers
        if pattern == "*" or pattern == name or (pattern.endswith(".") and name.startswith(pattern))
    ]
