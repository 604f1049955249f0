"""Outbox subscribers: a deal's win, reopening or correction reconciles its accrual lines, in a task of its own."""

from prm.events.handlers import subscribe_task

from .tasks import sync_deal

for _name in ("deal.won", "deal.reopened", "deal.corrected"):
    subscribe_task(_name, sync_deal)
