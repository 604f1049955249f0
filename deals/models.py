"""Deal registration, channel-conflict detection, leads and exchange rates.

A deal's status moves only along DEAL_STATES (the one place that says what may follow what). A customer
is one row per distinct buyer (normalized domain, or normalized name when no domain is known): new
registrations are matched against that table, and the database allows at most one approved registration per
customer at a time (a partial unique index), whatever two managers do at the same moment."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField

from prm.money import is_currency
from prm.states import StateMachine
from prm.tenancy import PROGRAM_WIDE, TenantQuerySet
from prm.uploads import upload_to

from .querysets import DealQuerySet, LeadQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}


class Customer(models.Model):
    """One row per distinct end customer. `key` is the normalized domain, or `name:<normalized name>` when
    the registration named no domain. Matching runs against this table (200k rows), not against the deals
    (1M rows): by domain with a btree index, by name with a trigram GIN index on PostgreSQL."""

    tenant_field = "deals__partner"  # never routed on its own; a partner reaches it only through its deals

    key = models.CharField(max_length=260, unique=True)
    name = models.CharField(max_length=200, help_text="The name as first registered.")
    name_normalized = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["domain"], name="customer_domain_idx", condition=~models.Q(domain="")),
            models.Index(fields=["name_normalized"], name="customer_name_norm_idx"),
        ]

    def __str__(self) -> str:
        return self.domain or self.name


class DealStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    EXPIRED = "expired", "Expired"


#: The deal state machine: status -> the statuses it may move to. Nothing else changes a deal's status. A won or
#: lost deal can be reopened (back to approved, by a manager): approving and reopening are two actions into the one
#: state, so the services name theirs (`check(..., verb="approve")`) and neither can do the other's move.
DEAL_STATES = StateMachine(
    {
        DealStatus.SUBMITTED: {DealStatus.APPROVED, DealStatus.REJECTED},
        DealStatus.APPROVED: {DealStatus.WON, DealStatus.LOST, DealStatus.EXPIRED},
        DealStatus.REJECTED: set(),
        DealStatus.WON: {DealStatus.APPROVED},
        DealStatus.LOST: {DealStatus.APPROVED},
        DealStatus.EXPIRED: set(),
    },
    noun="deal",
    labels=DealStatus,
    verbs={
        DealStatus.APPROVED: "approve",
        DealStatus.REJECTED: "reject",
        DealStatus.WON: "win",
        DealStatus.LOST: "lose",
        DealStatus.EXPIRED: "expire",
        (DealStatus.WON, DealStatus.APPROVED): "reopen",
        (DealStatus.LOST, DealStatus.APPROVED): "reopen",
    },
)
ACTIVE_STATUSES = (DealStatus.SUBMITTED, DealStatus.APPROVED)


class Deal(models.Model):
    tenant_field = "partner"

    # (no single-column FK indexes: (partner, id) and (customer, status) lead with these columns)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="deals", db_index=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="registered_deals"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="deals", db_index=False)
    customer_name = models.CharField(max_length=200)
    customer_domain = models.CharField(max_length=253, blank=True)
    country = CountryField(blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    products = models.CharField(max_length=500, blank=True)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3)
    expected_close_date = models.DateField()
    description = models.TextField(blank=True, max_length=5000)
    status = models.CharField(max_length=20, choices=DealStatus.choices, default=DealStatus.SUBMITTED)
    lead = models.OneToOneField(
        "deals.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="converted_deal"
    )
    mdf_request = models.ForeignKey(
        "incentives.MdfRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
        help_text="The market development activity this deal came from (its return on investment).",
    )

    protected_until = models.DateField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True, help_text="When it was approved or rejected.")
    rejection_reason = models.TextField(blank=True, max_length=2000)
    lost_reason = models.TextField(blank=True, max_length=2000)
    closed_on = models.DateField(null=True, blank=True)
    won_amount = models.DecimalField(**MONEY, null=True, blank=True)
    expiry_warned_on = models.DateField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(default=timezone.now, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(name="deal_amount_positive", condition=models.Q(amount__gt=0)),
            models.CheckConstraint(
                name="deal_won_amount_positive",
                condition=models.Q(won_amount__isnull=True) | models.Q(won_amount__gt=0),
            ),
            # "One approved, unexpired registration per customer at a time", held by the database itself.
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(status="approved"), name="deal_one_approved_per_customer"
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "id"], name="deal_partner_id_idx"),
            models.Index(fields=["partner", "status", "id"], name="deal_partner_status_idx"),
            models.Index(fields=["status", "created_at", "id"], name="deal_status_created_idx"),
            models.Index(fields=["customer", "status"], name="deal_customer_status_idx"),
            models.Index(fields=["country", "id"], name="deal_country_idx"),
            # status + country, the narrowed list's usual filter: its page is a range of this index, and its
            # exact count and totals by currency are index-only scans (PostgreSQL; elsewhere it is skipped)
            models.Index(
                fields=["status", "country", "id"], include=["currency", "amount"], name="deal_status_country_idx"
            ),
            models.Index(fields=["amount", "id"], name="deal_amount_idx"),
            models.Index(fields=["expected_close_date", "id"], name="deal_close_date_idx"),
            models.Index(fields=["created_at", "id"], name="deal_created_idx"),
            models.Index(
                fields=["protected_until"], name="deal_protected_until_idx", condition=models.Q(status="approved")
            ),
            # repeat revenue (performance): "has this partner won this customer before?" is one probe of this
            models.Index(
                fields=["partner", "customer", "closed_on", "id"],
                name="deal_won_customer_idx",
                condition=models.Q(status="won"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer_name}"

    def get_absolute_url(self) -> str:
        return reverse("portal:deal-detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.currency and not is_currency(self.currency):
            errors["currency"] = f"“{self.currency}” is not an ISO 4217 currency code."
        if self.amount is not None and self.amount.as_tuple().exponent < -2:
            errors["amount"] = "At most 2 decimal places."
        if errors:
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class DealConflict(models.Model):
    """Another partner's active registration that matched this one when either was registered. Stored both
    ways, so the approval queue shows each deal's conflicts with one prefetch."""

    class Match(models.TextChoices):
        DOMAIN = "domain", "Same domain"
        NAME = "name", "Similar name"

    tenant_field = "deal__partner"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="conflicts")
    other = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="+")
    match = models.CharField(max_length=10, choices=Match.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deal", "other"], name="deal_conflict_unique")]

    def __str__(self) -> str:
        return f"{self.deal_id} ~ {self.other_id} ({self.match})"


class DealComment(models.Model):
    """Co-selling notes between the partner and the vendor's managers, shown on both portals."""

    tenant_field = "deal__partner"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["deal", "created_at"])]

    def __str__(self) -> str:
        return f"Comment on deal {self.deal_id}"


def attachment_path(instance, filename: str) -> str:
    """deals/<yyyy>/<uuid><ext>: no user-chosen name on disk (a module-level function, so migrations can name it)."""
    return upload_to("deals")(instance, filename)


class DealAttachment(models.Model):
    tenant_field = "deal__partner"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["deal", "created_at"])]

    def __str__(self) -> str:
        return self.name


class LeadStatus(models.TextChoices):
    NEW = "new", "In the pool"
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    CONVERTED = "converted", "Converted"
    CLOSED = "closed", "Closed"


#: The lead state machine. Declining (or letting an offer lapse) returns an offered lead to the pool (new).
LEAD_STATES = StateMachine(
    {
        LeadStatus.NEW: {LeadStatus.OFFERED, LeadStatus.CLOSED},
        LeadStatus.OFFERED: {LeadStatus.ACCEPTED, LeadStatus.NEW, LeadStatus.CLOSED},
        LeadStatus.ACCEPTED: {LeadStatus.CONVERTED, LeadStatus.CLOSED},
        LeadStatus.CONVERTED: set(),
        LeadStatus.CLOSED: set(),
    },
    noun="lead",
    labels=LeadStatus,
    verbs={
        LeadStatus.OFFERED: "offer",
        LeadStatus.ACCEPTED: "accept",
        LeadStatus.NEW: "decline",
        LeadStatus.CONVERTED: "convert",
        LeadStatus.CLOSED: "close",
    },
)


class Lead(models.Model):
    """A sales lead the vendor hands to a partner. In the pool it has no partner (so no partner sees it);
    offered, the partner must accept or decline before `respond_by`, or it returns to the pool."""

    tenant_field = "partner"

    customer_name = models.CharField(max_length=200)
    customer_domain = models.CharField(max_length=253, blank=True)
    country = CountryField()
    partner_type = models.CharField(
        max_length=20, blank=True, help_text="The kind of partner this lead suits (empty: any)."
    )
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    products = models.CharField(max_length=500, blank=True)
    estimated_amount = models.DecimalField(
        **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(max_length=3, default="USD")
    description = models.TextField(blank=True, max_length=5000)
    status = models.CharField(max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    mdf_request = models.ForeignKey(
        "incentives.MdfRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        help_text="The market development activity this lead came from.",
    )
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.JSONField(default=list, blank=True, help_text="Partner ids that declined or let it lapse.")
    decline_reason = models.TextField(blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["partner", "id"], name="lead_partner_id_idx"),
            models.Index(fields=["status", "id"], name="lead_status_idx"),
            models.Index(fields=["respond_by"], name="lead_respond_by_idx", condition=models.Q(status="offered")),
        ]

    def __str__(self) -> str:
        return self.customer_name

    def clean(self) -> None:
        if self.currency and not is_currency(self.currency):
            raise ValidationError({"currency": f"“{self.currency}” is not an ISO 4217 currency code."})


class ExchangeRate(models.Model):
    """How many units of the program currency one unit of `currency` is worth, from `valid_from` on."""

    tenant_field = PROGRAM_WIDE

    currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))])
    valid_from = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="exchange_rate_unique_day"),
            models.CheckConstraint(name="exchange_rate_positive", condition=models.Q(rate__gt=0)),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} {settings.PRM_PROGRAM_CURRENCY} from {self.valid_from}"

    def clean(self) -> None:
        if self.currency and not is_currency(self.currency):
            raise ValidationError({"currency": f"“{self.currency}” is not an ISO 4217 currency code."})
