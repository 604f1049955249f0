"""Outbox subscribers: a deal's win, reopening or correction reconciles its accrual lines, in a task of its own."""

from prm.events.handlers import subscribe_task

from .recognition import grant_partner_badges
from .tasks import sync_deal

for _name in ("deal.won", "deal.reopened", "deal.corrected"):
    subscribe_task(_name, sync_deal)

# a win or a certification may earn a rule badge: the rules run for that partner only
for _name in ("deal.won", "certification.issued"):
    subscribe_task(_name, grant_partner_badges)
