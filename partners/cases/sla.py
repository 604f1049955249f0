"""The case SLA: a case is due a number of business days (Mon–Fri) after it was opened, per kind
(`PRM_CASE_SLA_DAYS`, e.g. "deal_conflict=3,commission=5"; a kind not named gets DEFAULT_SLA_DAYS)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

DEFAULT_SLA_DAYS = 5


def sla_days(kind: str) -> int:
    configured = getattr(settings, "PRM_CASE_SLA_DAYS", None) or {}
    return int(configured.get(kind, DEFAULT_SLA_DAYS))


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


def due_at_for(kind: str, opened_at: datetime) -> datetime:
    return add_business_days(opened_at, sla_days(kind))


def sla_state(case, *, now: datetime | None = None) -> dict[str, Any]:
    """`state` is done, ok, due (due within a day) or overdue, with a label for the pages."""
    now = now or timezone.now()
    if not case.is_active:
        return {"state": "done", "label": case.get_status_display(), "overdue": False}
    today, due_day = timezone.localdate(now), timezone.localdate(case.due_at)
    if case.due_at < now:
        late = business_days_between(due_day, today)
        label = f"Overdue · {late} business day{'s' if late != 1 else ''}" if late else "Overdue"
        return {"state": "overdue", "label": label, "overdue": True}
    left = business_days_between(today, due_day)
    if left == 0:
        return {"state": "due", "label": "Due today", "overdue": False}
    return {"state": "ok", "label": f"{left} business day{'s' if left != 1 else ''} left", "overdue": False}
