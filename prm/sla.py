"""Business-day SLAs, once for every app: deals' approval queue (decided within 2 business days), dispute cases
(due a number of business days per kind) and whatever comes next (MDF requests, claims) count days the same
way and show the same badge.

A business day is Monday to Friday in the project's time zone; public holidays are not counted out (no
calendar of them is configured, and the program spans countries).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone


def add_business_days(start: datetime, days: int) -> datetime:
    """`start` moved forward `days` weekdays, at the same local time (opened on Saturday + 1 → Monday)."""
    moment = timezone.localtime(start)
    added = 0
    while added < days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            added += 1
    return moment


def business_days_between(start: date, end: date) -> int:
    """Whole business days after `start` up to and including `end` (0 if `end` is not after `start`)."""
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    return weeks * 5 + sum(1 for i in range(1, extra + 1) if (start + timedelta(days=i)).weekday() < 5)


def _business_days(n: int) -> str:
    return f"{n} business day{'' if n == 1 else 's'}"


def sla_status(due: datetime | date, *, now: datetime | None = None, done: str | None = None) -> dict[str, Any]:
    """The SLA badge of one item: `state` (ok, due, overdue or done), its `label` and `overdue`.

    `due` is a moment (a case is due at 14:00) or a day (a deal is decided any time on its last day). `done` is
    the label of an item that is finished, whose SLA no longer runs. "Due today" is the last day; overdue counts
    the business days late, not the item's age."""
    if done is not None:
        return {"state": "done", "label": done, "overdue": False}
    now = now or timezone.now()
    today = timezone.localdate(now)
    due_day = timezone.localdate(due) if isinstance(due, datetime) else due
    if (due < now) if isinstance(due, datetime) else (due < today):
        late = business_days_between(due_day, today)
        label = f"Overdue · {_business_days(late)}" if late else "Overdue"
        return {"state": "overdue", "label": label, "overdue": True}
    left = business_days_between(today, due_day)
    if left == 0:
        return {"state": "due", "label": "Due today", "overdue": False}
    return {"state": "ok", "label": f"{_business_days(left)} left", "overdue": False}
