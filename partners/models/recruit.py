"""Recruit: applications from the public "Become a partner" page and their screening scores."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django_countries.fields import CountryField

from prm.states import StateMachine
from prm.tenancy import AUDIENCE, PROGRAM_WIDE, TenantQuerySet

from .core import Partner, PartnerType


def _staff_only(queryset, partner):
    """Audience of staff-only rows: no partner organization, ever (tenancy lets staff see all of them)."""
    return queryset.none()


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    SCREENING = "screening", "Screening"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


OPEN_APPLICATION_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING)
#: The application state machine: the only place that says which status may follow which.
APPLICATION_STATES = StateMachine(
    {
        ApplicationStatus.SUBMITTED: {
            ApplicationStatus.SCREENING,
            ApplicationStatus.APPROVED,
            ApplicationStatus.REJECTED,
        },
        ApplicationStatus.SCREENING: {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED},
        ApplicationStatus.APPROVED: set(),
        ApplicationStatus.REJECTED: set(),
    },
    noun="application",
    labels=ApplicationStatus,
    verbs={
        ApplicationStatus.SCREENING: "screen",
        ApplicationStatus.APPROVED: "approve",
        ApplicationStatus.REJECTED: "reject",
    },
    closed="It is already {current}: the decision is final.",
)


class CustomerSegment(models.TextChoices):
    SMB = "smb", "Small business"
    MID_MARKET = "mid_market", "Mid-market"
    ENTERPRISE = "enterprise", "Enterprise"
    PUBLIC_SECTOR = "public_sector", "Public sector"
    EDUCATION = "education", "Education"
    HEALTHCARE = "healthcare", "Healthcare"


class Region(models.TextChoices):
    NORTH_AMERICA = "north_america", "North America"
    LATIN_AMERICA = "latin_america", "Latin America"
    WESTERN_EUROPE = "western_europe", "Western Europe"
    EASTERN_EUROPE = "eastern_europe", "Eastern Europe"
    MIDDLE_EAST_AFRICA = "middle_east_africa", "Middle East & Africa"
    SOUTH_ASIA = "south_asia", "South Asia"
    EAST_ASIA = "east_asia", "East Asia"
    SOUTHEAST_ASIA = "southeast_asia", "Southeast Asia"
    OCEANIA = "oceania", "Oceania"


class Application(models.Model):
    """A company's request to join the program, from the public "Become a partner" page. Staff screen it
    (scores → fit score) and approve it (a partner, its first admin and its onboarding plan) or reject it.
    Applications have no owning partner: partner users never see any (tenancy's audience is empty)."""

    tenant_field = AUDIENCE
    audience_filter = staticmethod(_staff_only)

    company_name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, help_text="Normalized: example.com.")
    country = CountryField()
    partner_type = models.CharField(max_length=20, choices=PartnerType.choices)
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField(max_length=254)
    contact_phone = models.CharField(max_length=40, blank=True)
    # The program's profile questions.
    expected_annual_revenue = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Expected annual revenue from our products, in the program currency.",
    )
    customer_segments = models.JSONField(default=list, blank=True)
    regions_covered = models.JSONField(default=list, blank=True)
    certified_staff = models.PositiveIntegerField(default=0)
    existing_vendors = models.TextField(blank=True, max_length=2000, help_text="Vendors you already partner with.")
    message = models.TextField(blank=True, max_length=5000)

    status = models.CharField(max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED)
    fit_score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True, editable=False)
    # Flags for the screening queue: a likely duplicate is shown, never silently accepted twice.
    duplicate_of_partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    duplicate_of_application = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="applications", editable=False
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    rejection_reason = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open application per contact and domain: a resubmission returns the first one.
            models.UniqueConstraint(
                Lower("contact_email"),
                "domain",
                condition=models.Q(status__in=["submitted", "screening"]),
                name="application_one_open_per_contact_domain",
            ),
            models.CheckConstraint(
                name="application_fit_score_range",
                condition=models.Q(fit_score__isnull=True) | models.Q(fit_score__gte=0, fit_score__lte=100),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["status", "fit_score"]),
            models.Index(Lower("domain"), name="application_domain_lower_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.domain})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATUSES

    @property
    def is_flagged(self) -> bool:
        return bool(self.duplicate_of_partner_id or self.duplicate_of_application_id)


class ScreeningCriterion(models.Model):
    """An ideal-partner criterion (the 5Cs by default) with its weight; managers score each 1–5."""

    tenant_field = PROGRAM_WIDE

    name = models.CharField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(10)])
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(name="criterion_weight_range", condition=models.Q(weight__gte=1))]

    def __str__(self) -> str:
        return self.name


class ApplicationScore(models.Model):
    tenant_field = AUDIENCE
    audience_filter = staticmethod(_staff_only)

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(ScreeningCriterion, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    note = models.CharField(max_length=500, blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    scored_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion"], name="application_score_once"),
            models.CheckConstraint(name="application_score_range", condition=models.Q(score__gte=1, score__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"
