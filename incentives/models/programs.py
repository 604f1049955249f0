"""Incentive programs and the accrual lines they earn.

An accrual line is money a partner earned (or gave back) under one program, in the program currency, rounded
half up once per line (prm.money.round_money); totals are sums of rounded lines. Lines are never edited once
made: a won deal that is reopened, corrected or lost afterwards gets a reversal line (negative), and, when it is
won again or corrected, a new accrual. The database holds the two rules money depends on:
- one live accrual per program per deal (a duplicated or retried event cannot pay twice);
- a program's committed amount never above its budget cap (two accruals at the same moment cannot overspend)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from prm.audience import AudienceMixin
from prm.tenancy import TenantQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}


class ProgramKind(models.TextChoices):
    REBATE = "rebate", "Rebate"
    SPIFF = "spiff", "SPIFF"
    VOLUME_BONUS = "volume_bonus", "Volume bonus"


class IncentiveProgram(AudienceMixin):
    """What a partner earns and when. Eligibility is the audience (tiers, partner types, countries; empty means
    every partner) and the dates; a partner reads the programs it is eligible for."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ProgramKind.choices)
    description = models.TextField(blank=True, max_length=4000)
    rate_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Rebate: percent of won revenue. Empty: the partner's tier's rebate percent.",
    )
    amount = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="SPIFF: the fixed amount per qualifying won deal, in `currency`.",
    )
    currency = models.CharField(max_length=3, blank=True)
    products = models.CharField(
        max_length=300,
        blank=True,
        help_text="SPIFF: a won deal qualifies when its products name one of these words (comma-separated); "
        "empty: every deal.",
    )
    min_deal_amount = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="SPIFF: only won deals at least this large (program currency)."
    )
    thresholds = models.JSONField(
        default=list,
        blank=True,
        help_text='Volume bonus: [{"min_revenue": "100000", "percent": "1.5"}, …] per quarter; the highest '
        "threshold reached pays its percent of the quarter's won revenue once the quarter has closed.",
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    budget_cap = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="The most the program may pay in all (program currency); empty: no cap.",
    )
    committed = models.DecimalField(
        **MONEY,
        default=Decimal("0"),
        editable=False,
        help_text="What the program's live accruals add up to; the database keeps it within the cap.",
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                name="program_within_budget_cap",
                condition=Q(budget_cap__isnull=True) | Q(committed__lte=models.F("budget_cap")),
            ),
            models.CheckConstraint(
                name="program_dates_in_order", condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on"))
            ),
            models.CheckConstraint(
                name="program_rate_range",
                condition=Q(rate_percent__isnull=True) | Q(rate_percent__gte=0, rate_percent__lte=100),
            ),
        ]
        indexes = [models.Index(fields=["kind", "is_active"])]

    def __str__(self) -> str:
        return self.name


class AccrualKind(models.TextChoices):
    ACCRUAL = "accrual", "Accrual"
    REVERSAL = "reversal", "Reversal"
    ADJUSTMENT = "adjustment", "Adjustment"
    MDF = "mdf", "MDF reimbursement"


class AccrualStatus(models.TextChoices):
    ACCRUED = "accrued", "Accrued"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"
    REVERSED = "reversed", "Reversed"


class Accrual(models.Model):
    """One line of money: what it is for, how much, and the arithmetic that made it."""

    tenant_field = "partner"

    # partner and program are the first columns of the indexes below, which serve every lookup by either: their
    # own single-column indexes would only cost each line two more index writes (a program recomputation writes
    # hundreds of thousands of lines)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="accruals", db_index=False)
    program = models.ForeignKey(
        IncentiveProgram, null=True, blank=True, on_delete=models.PROTECT, related_name="accruals", db_index=False
    )
    deal = models.ForeignKey("deals.Deal", null=True, blank=True, on_delete=models.PROTECT, related_name="accruals")
    kind = models.CharField(max_length=20, choices=AccrualKind.choices, default=AccrualKind.ACCRUAL)
    status = models.CharField(max_length=20, choices=AccrualStatus.choices, default=AccrualStatus.ACCRUED)
    amount = models.DecimalField(**MONEY, help_text="In `currency` (the program currency); negative for a reversal.")
    currency = models.CharField(max_length=3)
    base_amount = models.DecimalField(**MONEY, null=True, blank=True, help_text="The deal's won amount.")
    base_currency = models.CharField(max_length=3, blank=True)
    exchange_rate = models.DecimalField(max_digits=18, decimal_places=8, null=True, blank=True)
    capped_amount = models.DecimalField(
        **MONEY, default=Decimal("0"), help_text="What the line would have been but the budget cap refused."
    )
    explanation = models.CharField(max_length=500)
    period_start = models.DateField(null=True, blank=True, help_text="Volume bonus: the quarter it is for.")
    period_end = models.DateField(null=True, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal")
    reversed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set on an accrual when its reversal line is made (its amount never changes)."
    )
    statement = models.ForeignKey(  # indexed below where set: a line is made without one
        "incentives.PayoutStatement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,
    )
    mdf_claim = models.OneToOneField(
        "incentives.MdfClaim", null=True, blank=True, on_delete=models.PROTECT, related_name="reimbursement"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # one live accrual per program per deal: a duplicated or retried event never pays twice
            models.UniqueConstraint(
                fields=["program", "deal"],
                condition=Q(kind="accrual", reversed_at__isnull=True, deal__isnull=False),
                name="accrual_one_live_per_program_deal",
            ),
            # a volume bonus once per program, partner and quarter
            models.UniqueConstraint(
                fields=["program", "partner", "period_start"],
                condition=Q(kind="accrual", reversed_at__isnull=True, deal__isnull=True, period_start__isnull=False),
                name="accrual_one_bonus_per_period",
            ),
            models.CheckConstraint(
                name="accrual_reversal_is_negative",
                condition=~Q(kind="reversal") | Q(amount__lte=0),
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "status", "created_at"]),
            models.Index(fields=["program", "status"]),
            models.Index(fields=["statement"], condition=Q(statement__isnull=False), name="accrual_on_statement"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}: {self.explanation}"
