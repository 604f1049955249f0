"""Measured performance: what partners did (activity), what it scores (scorecards per partner per period), the
tier changes it suggests (proposals), the objectives a partner and its manager agree (business plans), and the
recalculation jobs that keep it current.

A scorecard is derived data: the recalculation writes a whole period for a set of partners in one transaction,
so a reader sees either the previous rows or the new ones, never a half-written period (performance/engine.py).
The KPI values are stored as strings of Decimals in `kpis`, with the few a list sorts or sums also in columns."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from prm.tenancy import AUDIENCE, PROGRAM_WIDE, TenantQuerySet

from .kpis import KPI_CHOICES


def _staff_only(queryset, partner):
    """Rows no partner organization ever reaches (tenancy shows them to staff only)."""
    return queryset.none()


class PeriodKind(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"
    TTM = "ttm", "Trailing 12 months"


class ActivityKind(models.TextChoices):
    SIGN_IN = "sign_in", "Sign-in"
    DOWNLOAD = "download", "Resource download"
    LEAD_ACCEPTED = "lead_accepted", "Lead accepted"
    LEAD_DECLINED = "lead_declined", "Lead declined"
    LEAD_LAPSED = "lead_lapsed", "Lead offer lapsed"


#: Activity that counts as portal engagement; the lead answers feed the lead acceptance rate.
ENGAGEMENT_KINDS = (ActivityKind.SIGN_IN, ActivityKind.DOWNLOAD)
LEAD_ANSWER_KINDS = (ActivityKind.LEAD_ACCEPTED, ActivityKind.LEAD_DECLINED, ActivityKind.LEAD_LAPSED)


class PartnerActivity(models.Model):
    """One thing a partner did that a leading indicator counts, on the day it happened. Nothing else kept these
    with a date: a download is a per-resource counter, a lead forgets who declined it when."""

    tenant_field = "partner"

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="activities")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    at = models.DateTimeField()
    event_id = models.BigIntegerField(
        null=True, blank=True, help_text="The outbox event it was recorded from: a redelivered event adds nothing."
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["partner", "kind", "at"]), models.Index(fields=["at"])]
        constraints = [models.UniqueConstraint(fields=["event_id"], name="activity_event_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.partner_id} at {self.at:%Y-%m-%d %H:%M}"


class ScoringRule(models.Model):
    """A KPI's weight in the score and its target per quarter (a month's target is a third of it, the trailing
    twelve months' four times it, for KPIs that add up over time). A KPI without a row uses its default."""

    tenant_field = PROGRAM_WIDE

    kpi = models.CharField(max_length=40, choices=KPI_CHOICES, unique=True)
    weight = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
    )
    target = models.DecimalField(
        max_digits=16,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001"))],
        help_text="The value that earns the KPI its whole weight, per quarter.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["kpi"]
        constraints = [
            models.CheckConstraint(
                name="scoring_rule_weight_range", condition=models.Q(weight__gte=0, weight__lte=100)
            ),
            models.CheckConstraint(name="scoring_rule_target_positive", condition=models.Q(target__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: weight {self.weight}, target {self.target}"


class PerformanceSettings(models.Model):
    """The program's one row of scorecard settings (pk 1)."""

    tenant_field = PROGRAM_WIDE

    auto_apply_tier_changes = models.BooleanField(
        default=False, help_text="Apply recommended tier changes at once instead of proposing them."
    )
    inactivity_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Warn when no one at a partner has signed in for this many days.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return "Scorecard settings"

    @classmethod
    def load(cls) -> PerformanceSettings:
        """The settings row, or its defaults while nobody has saved one: a read, so a recalculation never writes
        (and audits) a settings row as a side effect."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class HealthStatus(models.TextChoices):
    GREEN = "green", "Healthy"
    AMBER = "amber", "Watch"
    RED = "red", "At risk"


class ChurnRisk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


MONEY = {"max_digits": 16, "decimal_places": 2}


class Scorecard(models.Model):
    """A partner's KPIs, score, health and recommended tier for one period. Recalculated, never edited."""

    tenant_field = "partner"

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="scorecards")
    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    computed_at = models.DateTimeField()
    score = models.DecimalField(max_digits=5, decimal_places=2)
    revenue_won = models.DecimalField(**MONEY)
    open_pipeline = models.DecimalField(**MONEY)
    deals_won = models.PositiveIntegerField()
    kpis = models.JSONField(default=dict)
    contributions = models.JSONField(default=dict)
    trend = models.JSONField(default=dict)
    health_status = models.CharField(max_length=10, choices=HealthStatus.choices)
    churn_risk = models.CharField(max_length=10, choices=ChurnRisk.choices)
    health_reasons = models.JSONField(default=list)
    compliance_flags = models.JSONField(default=list)
    recommended_tier = models.ForeignKey(
        "partners.Tier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tier_path = models.JSONField(default=dict)
    fingerprint = models.CharField(
        max_length=32,
        blank=True,
        editable=False,
        help_text="A hash of the figures: a recalculation that finds them unchanged does not rewrite the row.",
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "partner_id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "period_kind", "period_start"], name="scorecard_one_per_period"),
            models.CheckConstraint(name="scorecard_score_range", condition=models.Q(score__gte=0, score__lte=100)),
        ]
        indexes = [
            models.Index(fields=["period_kind", "period_start", "score"], name="scorecard_period_score_idx"),
            models.Index(fields=["period_kind", "period_start", "health_status"], name="scorecard_period_health_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.period_kind} {self.period_start}: {self.score}"


class ProposalStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"
    APPLIED = "applied", "Applied automatically"
    WITHDRAWN = "withdrawn", "Withdrawn (no longer recommended)"


class TierProposal(models.Model):
    """A recommended tier change waiting for a manager: proposed, not silently applied (unless the program
    admin turned on automatic changes). At most one open proposal per partner."""

    tenant_field = "partner"

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="tier_proposals")
    from_tier = models.ForeignKey("partners.Tier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_tier = models.ForeignKey("partners.Tier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    direction = models.CharField(max_length=10, choices=[("promotion", "Promotion"), ("demotion", "Demotion")])
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, max_length=2000)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"], condition=models.Q(status="open"), name="tier_proposal_one_open_per_partner"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.from_tier_id} -> {self.to_tier_id} ({self.status})"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AGREED = "agreed", "Agreed"


class BusinessPlan(models.Model):
    """A joint business plan: objectives a partner and its manager agree for one period. Agreed once both
    sides have agreed; a change to its objectives asks both again."""

    tenant_field = "partner"

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="business_plans")
    period_kind = models.CharField(
        max_length=10,
        choices=[(PeriodKind.MONTH, "Month"), (PeriodKind.QUARTER, "Quarter")],
        default=PeriodKind.QUARTER,
    )
    period_start = models.DateField()
    period_end = models.DateField()
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True, max_length=5000)
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    partner_agreed_at = models.DateTimeField(null=True, blank=True)
    manager_agreed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "period_kind", "period_start"], name="business_plan_one_per_period"
            ),
            models.CheckConstraint(
                name="business_plan_period_order", condition=models.Q(period_end__gte=models.F("period_start"))
            ),
        ]
        indexes = [models.Index(fields=["partner", "period_start"])]

    def __str__(self) -> str:
        return self.title


class PlanObjective(models.Model):
    """One objective of a plan, tied to a KPI: "register 20 deals" is deals_registered ≥ 20 in the period."""

    tenant_field = "plan__partner"

    plan = models.ForeignKey(BusinessPlan, on_delete=models.CASCADE, related_name="objectives")
    kpi = models.CharField(max_length=40, choices=KPI_CHOICES)
    target = models.DecimalField(max_digits=16, decimal_places=4, validators=[MinValueValidator(Decimal("0.0001"))])
    description = models.CharField(max_length=300, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "kpi"], name="plan_objective_one_per_kpi"),
            models.CheckConstraint(name="plan_objective_target_positive", condition=models.Q(target__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} ≥ {self.target}"


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class RecalcJob(models.Model):
    """An on-demand recalculation a program admin started: its state and progress, for the API and the bar."""

    tenant_field = AUDIENCE
    audience_filter = staticmethod(_staff_only)

    kind = models.CharField(max_length=20, default="scorecards")
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    message = models.CharField(max_length=300, blank=True)
    result = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.state}, {self.progress}%)"


class PendingRecalc(models.Model):
    """A partner whose scorecards wait for an incremental recalculation. One row however many events arrived:
    the first inserts it and schedules the task, the rest find it there (how a burst becomes one run)."""

    tenant_field = "partner"

    partner = models.OneToOneField("partners.Partner", on_delete=models.CASCADE, primary_key=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Recalculate {self.partner_id}"
