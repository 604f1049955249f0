from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from prm.tenancy import TenantQuerySet


class AgreementQuerySet(TenantQuerySet):
    def expiring_between(self, start: date, end: date) -> AgreementQuerySet:
        return self.filter(expires_on__gte=start, expires_on__lte=end)

    def expiring_within(self, today: date, days: int) -> AgreementQuerySet:
        return self.expiring_between(today, today + timedelta(days=days))


class CaseQuerySet(TenantQuerySet):
    ACTIVE = ("open", "in_review")  # models.ACTIVE_CASE_STATUSES

    def active(self) -> CaseQuerySet:
        return self.filter(status__in=self.ACTIVE)

    def overdue(self, now=None) -> CaseQuerySet:
        """Still open or in review after their SLA's due time."""
        return self.active().filter(due_at__lt=now or timezone.now())
