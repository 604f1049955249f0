"""Payout statements: a partner's lines of one closed period, approved by finance, then paid. A paid statement
never changes; a correction is an adjustment line on the next one."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from prm.tenancy import TenantQuerySet

from .programs import MONEY


class StatementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"


class PayoutStatement(models.Model):
    tenant_field = "partner"

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="payout_statements")
    period_start = models.DateField()
    period_end = models.DateField()
    currency = models.CharField(max_length=3)
    total = models.DecimalField(**MONEY, default=Decimal("0"), help_text="The sum of its rounded lines.")
    status = models.CharField(max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "partner_id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "period_start", "period_end"], name="statement_one_per_period"),
            models.CheckConstraint(
                name="statement_period_order", condition=Q(period_end__gte=models.F("period_start"))
            ),
        ]
        indexes = [models.Index(fields=["status", "period_end"])]

    def __str__(self) -> str:
        return f"Statement {self.partner_id} {self.period_start}–{self.period_end} ({self.status})"
