from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField

from prm.errors import InvalidTransition
from prm.tenancy import AUDIENCE, PROGRAM_WIDE, TenantQuerySet

from .audience import filter_by_audience, pack_codes, unpack_codes
from .querysets import AgreementQuerySet, CaseQuerySet, PartnerQuerySet


class Tier(models.Model):
    """A level of the partner program; higher rank is better, with its thresholds and benefits."""

    tenant_field = PROGRAM_WIDE

    name = models.CharField(max_length=60, unique=True)
    rank = models.PositiveSmallIntegerField(unique=True, help_text="Higher is better.")
    description = models.TextField(blank=True, max_length=2000)
    min_revenue = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    min_won_deals = models.PositiveIntegerField(default=0)
    min_certified_users = models.PositiveIntegerField(default=0)
    deal_protection_days = models.PositiveIntegerField(
        default=90, validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    rebate_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                name="tier_rebate_percent_range",
                condition=models.Q(rebate_percent__gte=0, rebate_percent__lte=100),
            ),
            models.CheckConstraint(name="tier_min_revenue_nonneg", condition=models.Q(min_revenue__gte=0)),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerType(models.TextChoices):
    RESELLER = "reseller", "Reseller"
    DISTRIBUTOR = "distributor", "Distributor"
    REFERRAL = "referral", "Referral partner"
    MSP = "msp", "Managed service provider"
    INTEGRATOR = "integrator", "System integrator"
    TECHNOLOGY = "technology", "Technology partner"


class PartnerStatus(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    CHURNED = "churned", "Churned"


class Partner(models.Model):
    """A partner organization: the tenant. Its users, agreements, deals and money all hang from it."""

    tenant_field = "pk"

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, help_text="The organization's web domain, e.g. example.com.")
    website = models.URLField(blank=True, max_length=300)
    country = CountryField()
    city = models.CharField(max_length=100, blank=True)
    partner_type = models.CharField(max_length=20, choices=PartnerType.choices)
    status = models.CharField(max_length=20, choices=PartnerStatus.choices, default=PartnerStatus.ONBOARDING)
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="partners")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_partners",
        help_text="The channel account manager responsible for this partner.",
    )
    description = models.TextField(blank=True, max_length=5000)
    phone = models.CharField(max_length=40, blank=True)
    joined_on = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(Lower("domain"), name="partner_domain_unique_ci")]
        indexes = [
            models.Index(fields=["status", "name"]),
            models.Index(fields=["tier", "name"]),
            models.Index(fields=["partner_type", "name"]),
            models.Index(fields=["country", "name"]),
            models.Index(fields=["manager", "name"]),
            models.Index(Lower("name"), name="partner_name_lower_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class AgreementKind(models.TextChoices):
    RESELLER = "reseller", "Reseller agreement"
    REFERRAL = "referral", "Referral agreement"
    DISTRIBUTION = "distribution", "Distribution agreement"
    MSP = "msp", "MSP agreement"
    NDA = "nda", "Non-disclosure agreement"
    MDF = "mdf", "MDF terms"
    OTHER = "other", "Other"


class Agreement(models.Model):
    """A signed contract with a partner. Expiring ones are reminded by a scheduled job."""

    tenant_field = "partner"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField(max_length=20, choices=AgreementKind.choices)
    title = models.CharField(max_length=200)
    reference = models.CharField(max_length=60, blank=True, help_text="Contract number.")
    signed_on = models.DateField(null=True, blank=True)
    starts_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True, help_text="Leave empty for an agreement with no end.")
    auto_renew = models.BooleanField(default=False)
    notes = models.TextField(blank=True, max_length=5000)
    expiry_reminder_sent_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "id"]
        indexes = [
            models.Index(fields=["partner", "id"]),
            models.Index(fields=["expires_on"], name="agreement_expires_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="agreement_expires_after_start",
                condition=models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=models.F("starts_on")),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.expires_on and self.starts_on and self.expires_on < self.starts_on:
            raise ValidationError({"expires_on": "An agreement cannot expire before it starts."})

    @property
    def is_expired(self) -> bool:
        return bool(self.expires_on and self.expires_on < timezone.localdate())

    @property
    def days_to_expiry(self) -> int | None:
        if not self.expires_on:
            return None
        return (self.expires_on - timezone.localdate()).days

    @property
    def state(self) -> str:
        """Derived, so it can never disagree with the dates: upcoming, active, expiring or expired."""
        today = timezone.localdate()
        if self.starts_on > today:
            return "upcoming"
        if self.expires_on is None:
            return "active"
        if self.expires_on < today:
            return "expired"
        if (self.expires_on - today).days <= settings.PRM_AGREEMENT_REMINDER_DAYS:
            return "expiring"
        return "active"


# --- Recruit: applications and screening ------------------------------------------------------------------


def _staff_only(queryset, partner):
    """Audience of staff-only rows: no partner organization, ever (tenancy lets staff see all of them)."""
    return queryset.none()


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    SCREENING = "screening", "Screening"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


OPEN_APPLICATION_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING)


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


# --- Engage: announcements and surveys -------------------------------------------------------------------


class AnnouncementKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", "Announcement"
    NEWSLETTER = "newsletter", "Newsletter"


class Announcement(models.Model):
    """Program news for partners: shown to its audience (tiers, partner types, countries; empty = everyone)
    once `publish_at` has come."""

    tenant_field = AUDIENCE

    kind = models.CharField(max_length=20, choices=AnnouncementKind.choices, default=AnnouncementKind.ANNOUNCEMENT)
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=50_000, help_text="Sanitized HTML.")
    audience_tiers = models.ManyToManyField(Tier, blank=True, related_name="announcements")
    audience_partner_types = models.CharField(max_length=200, blank=True, editable=False)
    audience_countries = models.TextField(blank=True, editable=False)
    publish_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-id"]
        indexes = [models.Index(fields=["-publish_at", "-id"])]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def audience_filter(queryset, partner):
        return filter_by_audience(queryset, partner).filter(publish_at__lte=timezone.now())

    @property
    def partner_types(self) -> list[str]:
        return unpack_codes(self.audience_partner_types)

    @partner_types.setter
    def partner_types(self, values) -> None:
        self.audience_partner_types = pack_codes(values)

    @property
    def countries(self) -> list[str]:
        return unpack_codes(self.audience_countries)

    @countries.setter
    def countries(self, values) -> None:
        self.audience_countries = pack_codes(values)

    @property
    def is_published(self) -> bool:
        return self.publish_at <= timezone.now()


class AnnouncementRead(models.Model):
    """A read receipt: this user opened this announcement."""

    tenant_field = "user__partner"

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="announcement_reads")
    read_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["announcement", "user"], name="announcement_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.announcement_id}"


NPS_QUESTION = "How likely are you to recommend our partner program to a colleague?"


class Survey(models.Model):
    """A periodic partner satisfaction survey: one 0–10 question (NPS) and a comment."""

    tenant_field = PROGRAM_WIDE

    title = models.CharField(max_length=200)
    question = models.CharField(max_length=300, default=NPS_QUESTION)
    opens_on = models.DateField()
    closes_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="survey_closes_after_opens", condition=models.Q(closes_on__gte=models.F("opens_on"))
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": "A survey cannot close before it opens."})

    def is_open_on(self, day) -> bool:
        return self.opens_on <= day <= self.closes_on


class SurveyResponse(models.Model):
    """One answer per survey per user; the user's organization is recorded for per-partner NPS."""

    tenant_field = "partner"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_responses")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="survey_responses")
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="survey_response_once_per_user"),
            models.CheckConstraint(name="survey_score_range", condition=models.Q(score__gte=0, score__lte=10)),
        ]
        indexes = [models.Index(fields=["partner", "created_at"])]

    def __str__(self) -> str:
        return f"{self.survey}: {self.score}"


# --- Disputes: cases ------------------------------------------------------------------------------------------


class CaseKind(models.TextChoices):
    DEAL_CONFLICT = "deal_conflict", "Deal conflict"
    COMMISSION = "commission", "Commission"
    MDF = "mdf", "MDF decision"
    OTHER = "other", "Other"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_REVIEW = "in_review", "In review"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


#: The case state machine: status -> the statuses it may move to. Nothing else changes a case's status.
#: A case is reviewed before it is resolved; it can be closed (withdrawn, duplicate) before it is resolved.
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.IN_REVIEW, CaseStatus.CLOSED}),
    CaseStatus.IN_REVIEW: frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED}),
    CaseStatus.RESOLVED: frozenset(),
    CaseStatus.CLOSED: frozenset(),
}
ACTIVE_CASE_STATUSES = (CaseStatus.OPEN, CaseStatus.IN_REVIEW)
_CASE_VERBS = {CaseStatus.IN_REVIEW: "review", CaseStatus.RESOLVED: "resolve", CaseStatus.CLOSED: "close"}


class Case(models.Model):
    """A dispute between a partner and the vendor: a deal conflict, a commission or an MDF decision. It has an
    owner on the vendor's side, an SLA (`due_at`, in business days per kind), a resolution and a thread of
    messages from both sides (staff may add internal notes, which partners never see)."""

    tenant_field = "partner"

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="cases", db_index=False)
    deal = models.ForeignKey(
        "deals.Deal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        help_text="The partner's registration the dispute is about, if any.",
    )
    kind = models.CharField(max_length=20, choices=CaseKind.choices, default=CaseKind.OTHER)
    subject = models.CharField(max_length=200)
    description = models.TextField(max_length=5000)
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_cases",
        help_text="The vendor's person responsible for the case.",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    due_at = models.DateTimeField(help_text="The SLA: resolved or closed by then.")
    resolution = models.TextField(blank=True, max_length=5000)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["partner", "id"], name="case_partner_id_idx"),
            models.Index(fields=["status", "due_at"], name="case_status_due_idx"),
            models.Index(fields=["owner", "status"], name="case_owner_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="case_resolved_has_resolution",
                condition=~models.Q(status="resolved") | ~models.Q(resolution=""),
            )
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk}: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("portal:case-detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_CASE_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_active and self.due_at is not None and self.due_at < timezone.now()

    def allowed_transitions(self) -> frozenset[str]:
        return CASE_TRANSITIONS[self.status]

    def assert_can_move_to(self, status: str) -> None:
        if status in CASE_TRANSITIONS[self.status]:
            return
        verb = _CASE_VERBS.get(status, status)
        label = self.get_status_display().lower()
        if self.status == status:
            raise InvalidTransition(f"This case is already {label}.")
        allowed = sorted(_CASE_VERBS[s] for s in CASE_TRANSITIONS[self.status])
        then = f" Only {' or '.join(allowed)} is possible now." if allowed else " It is finished."
        raise InvalidTransition(f"Cannot {verb} a case that is {label}.{then}")


def _case_messages_for(queryset, partner):
    """A partner sees the messages of its own cases, never the vendor's internal notes."""
    return queryset.filter(case__partner=partner, internal=False)


class CaseMessage(models.Model):
    """One message of a case's thread. `internal` notes are the vendor staff's own: tenancy hides them from
    every partner user (the audience of a message is its case's partner, and only for non-internal ones)."""

    tenant_field = AUDIENCE
    audience_filter = staticmethod(_case_messages_for)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(max_length=5000)
    internal = models.BooleanField(default=False, help_text="A staff-only note; partners never see it.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="case_message_case_idx")]

    def __str__(self) -> str:
        return f"Message on case {self.case_id}"
