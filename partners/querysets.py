from __future__ import annotations

from datetime import date, timedelta

from django.db import models

from prm.tenancy import TenantQuerySet


class PartnerQuerySet(TenantQuerySet):
    def with_counts(self) -> PartnerQuerySet:
        return self.annotate(
            user_count=models.Count("users", filter=models.Q(users__is_active=True), distinct=True),
        )


class AgreementQuerySet(TenantQuerySet):
    def expiring_between(self, start: date, end: date) -> AgreementQuerySet:
        return self.filter(expires_on__gte=start, expires_on__lte=end)

    def expiring_within(self, today: date, days: int) -> AgreementQuerySet:
        return self.expiring_between(today, today + timedelta(days=days))
