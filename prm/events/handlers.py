"""Subscribers of outbox events. Apps register handlers in their ready() or handlers module:

    @subscribe("agreement.")          # a prefix ends with a dot
    def notify(event): ...

A handler must be idempotent: an event whose handler failed is retried, with every handler called again."""

from collections.abc import Callable

from .models import OutboxEvent

Handler = Callable[[OutboxEvent], None]
_handlers: list[tuple[str, Handler]] = []


def subscribe(pattern: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers.append((pattern, fn))
        return fn

    return register


def handlers_for(name: str) -> list[Handler]:
    return [
        fn
        for pattern, fn in _handlers
        if pattern == "*" or pattern == name or (pattern.endswith(".") and name.startswith(pattern))
    ]
