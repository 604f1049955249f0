"""Disputes: cases between a partner and the vendor, with their state machine, SLA and message thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from prm.sla import add_business_days, sla_status
from prm.states import StateMachine
from prm.tenancy import AUDIENCE, TenantQuerySet

from ..querysets import CaseQuerySet
from .core import Partner


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
CASE_STATES = StateMachine(
    {
        CaseStatus.OPEN: {CaseStatus.IN_REVIEW, CaseStatus.CLOSED},
        CaseStatus.IN_REVIEW: {CaseStatus.RESOLVED, CaseStatus.CLOSED},
        CaseStatus.RESOLVED: set(),
        CaseStatus.CLOSED: set(),
    },
    noun="case",
    labels=CaseStatus,
    verbs={CaseStatus.IN_REVIEW: "review", CaseStatus.RESOLVED: "resolve", CaseStatus.CLOSED: "close"},
    closed="It is finished.",
)
ACTIVE_CASE_STATUSES = (CaseStatus.OPEN, CaseStatus.IN_REVIEW)
#: Business days to resolve a case of a kind that `PRM_CASE_SLA_DAYS` does not name.
CASE_DEFAULT_SLA_DAYS = 5


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

    @staticmethod
    def sla_days(kind: str) -> int:
        """Business days a case of `kind` has (`PRM_CASE_SLA_DAYS`; a kind not named gets CASE_DEFAULT_SLA_DAYS)."""
        configured = getattr(settings, "PRM_CASE_SLA_DAYS", None) or {}
        return int(configured.get(kind, CASE_DEFAULT_SLA_DAYS))

    @classmethod
    def due_at_for(cls, kind: str, opened_at: datetime) -> datetime:
        """When a case of `kind` opened at `opened_at` is due: its SLA days later, at the same local time."""
        return add_business_days(opened_at, cls.sla_days(kind))

    def sla(self, *, now: datetime | None = None) -> dict[str, Any]:
        """The SLA badge (prm.sla.sla_status): due at `due_at`; done, with the status, once resolved or closed."""
        return sla_status(self.due_at, now=now, done=None if self.is_active else self.get_status_display())

    def allowed_transitions(self) -> frozenset[str]:
        return CASE_STATES.allowed(self.status)


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
