"""Market development funds: a partner's fund per period, its requests for activities, and the claims (with proof
of performance) that reimburse them through the next payout statement.

The database holds the rule that matters: a fund's approved requests never exceed its amount (the approved total
is kept on the fund under a CHECK, updated in the same transaction as the approval), so two managers approving at
the same moment cannot overspend it."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from prm.tenancy import TenantQuerySet
from prm.uploads import upload_to

from .programs import MONEY


class MdfFund(models.Model):
    tenant_field = "partner"

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="mdf_funds")
    period_start = models.DateField()
    period_end = models.DateField()
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3)
    approved_total = models.DecimalField(**MONEY, default=Decimal("0"), editable=False)
    rule = models.CharField(max_length=300, blank=True, help_text="How it was allocated (empty: by hand).")
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "partner_id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "period_start"], name="mdf_fund_one_per_period"),
            models.CheckConstraint(name="mdf_fund_within_amount", condition=Q(approved_total__lte=models.F("amount"))),
            models.CheckConstraint(name="mdf_fund_period_order", condition=Q(period_end__gte=models.F("period_start"))),
        ]

    def __str__(self) -> str:
        return f"MDF {self.partner_id} {self.period_start}: {self.amount} {self.currency}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.approved_total


class MdfActivityType(models.TextChoices):
    EVENT = "event", "Event or trade show"
    WEBINAR = "webinar", "Webinar"
    DIGITAL = "digital", "Digital campaign"
    EMAIL = "email", "Email campaign"
    TRAINING = "training", "Sales training"
    CONTENT = "content", "Content and collateral"
    OTHER = "other", "Other"


class MdfRequestStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class MdfRequest(models.Model):
    tenant_field = "fund__partner"

    fund = models.ForeignKey(MdfFund, on_delete=models.PROTECT, related_name="requests")
    activity_type = models.CharField(max_length=20, choices=MdfActivityType.choices)
    description = models.TextField(max_length=4000)
    starts_on = models.DateField()
    ends_on = models.DateField()
    planned_cost = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    expected_leads = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=MdfRequestStatus.choices, default=MdfRequestStatus.SUBMITTED)
    reason = models.TextField(blank=True, max_length=2000, help_text="Why it was rejected.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="mdf_request_dates_in_order", condition=Q(ends_on__gte=models.F("starts_on"))),
            models.CheckConstraint(name="mdf_request_cost_positive", condition=Q(planned_cost__gt=0)),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_activity_type_display()}: {self.planned_cost}"


class MdfClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class MdfClaim(models.Model):
    """Proof that an approved activity happened and what it cost; approved by finance, it is reimbursed as an MDF
    line on the partner's next payout statement. Never more than the request's planned cost."""

    tenant_field = "request__fund__partner"

    request = models.ForeignKey(MdfRequest, on_delete=models.PROTECT, related_name="claims")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    description = models.TextField(blank=True, max_length=4000)
    leads_generated = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=MdfClaimStatus.choices, default=MdfClaimStatus.SUBMITTED)
    reason = models.TextField(blank=True, max_length=2000)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(name="mdf_claim_amount_positive", condition=Q(amount__gt=0))]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Claim {self.amount} on {self.request_id}"


def proof_path(instance, filename: str) -> str:
    return upload_to("mdf")(instance, filename)


class MdfProof(models.Model):
    tenant_field = "claim__request__fund__partner"

    claim = models.ForeignKey(MdfClaim, on_delete=models.CASCADE, related_name="proofs")
    file = models.FileField(upload_to=proof_path, max_length=300)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name
