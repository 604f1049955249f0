from __future__ import annotations

from datetime import date

from prm.tenancy import TenantQuerySet


class DealQuerySet(TenantQuerySet):
    def pending(self) -> DealQuerySet:
        return self.filter(status="submitted")

    def protection_lapsed(self, today: date) -> DealQuerySet:
        return self.filter(status="approved", protected_until__lt=today)

    def protection_ending_between(self, start: date, end: date) -> DealQuerySet:
        return self.filter(status="approved", protected_until__gte=start, protected_until__lte=end)


class LeadQuerySet(TenantQuerySet):
    def offered(self) -> LeadQuerySet:
        return self.filter(status="offered")

    def unanswered(self, now) -> LeadQuerySet:
        return self.filter(status="offered", respond_by__lt=now)
