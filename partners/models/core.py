"""The partner program's core: tiers, partner organizations (the tenant) and their agreements."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries.fields import CountryField

from prm.tenancy import PROGRAM_WIDE, TenantQuerySet

from ..querysets import AgreementQuerySet


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

    objects = TenantQuerySet.as_manager()

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
