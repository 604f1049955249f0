"""Reusable query fragments of onboarding and enablement (no workflows here)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import models
from django.utils import timezone

from prm.tenancy import TenantQuerySet


class OnboardingPlanQuerySet(TenantQuerySet):
    def with_counts(self, today: date | None = None) -> OnboardingPlanQuerySet:
        """Steps in total, done, and open past their due date: one aggregate per plan, no query per row."""
        today = today or timezone.localdate()
        return self.annotate(
            steps_total=models.Count("steps", distinct=True),
            steps_done=models.Count("steps", filter=models.Q(steps__status="done"), distinct=True),
            overdue_count=models.Count(
                "steps", filter=models.Q(steps__status="open", steps__due_on__lt=today), distinct=True
            ),
        )

    def in_progress(self) -> OnboardingPlanQuerySet:
        return self.filter(completed_at__isnull=True)


class OnboardingStepQuerySet(TenantQuerySet):
    def open(self) -> OnboardingStepQuerySet:
        return self.filter(status="open")

    def overdue(self, today: date) -> OnboardingStepQuerySet:
        return self.open().filter(due_on__lt=today)


class CertificationQuerySet(TenantQuerySet):
    def active(self, today: date | None = None) -> CertificationQuerySet:
        """Certifications that count today (scorecards count these): not yet past their expiry date."""
        return self.filter(expires_on__gte=today or timezone.localdate())

    def expired(self, today: date | None = None) -> CertificationQuerySet:
        return self.filter(expires_on__lt=today or timezone.localdate())

    def expiring_within(self, today: date, days: int) -> CertificationQuerySet:
        return self.active(today).filter(expires_on__lte=today + timedelta(days=days))
