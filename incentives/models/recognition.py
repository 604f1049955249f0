"""Recognition: badges a partner earns by rule ("first deal won", "10 certified users") or is granted by hand."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from prm.tenancy import PROGRAM_WIDE, TenantQuerySet


class BadgeRule(models.TextChoices):
    FIRST_DEAL_WON = "first_deal_won", "First deal won"
    TEN_DEALS_WON = "ten_deals_won", "10 deals won"
    TEN_CERTIFIED_USERS = "ten_certified_users", "10 certified users"
    MILLION_REVENUE = "million_revenue", "1,000,000 won in twelve months"
    TOP_SCORE = "top_score", "A score of 80 or more"
    BY_HAND = "by_hand", "Granted by hand"


class Badge(models.Model):
    tenant_field = PROGRAM_WIDE

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    rule = models.CharField(max_length=30, choices=BadgeRule.choices, default=BadgeRule.BY_HAND)
    icon = models.CharField(max_length=40, default="award", help_text="A Bootstrap icon name.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Award(models.Model):
    tenant_field = "partner"

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="awards")
    badge = models.ForeignKey(Badge, on_delete=models.PROTECT, related_name="awards")
    reason = models.CharField(max_length=300, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["partner", "badge"], name="award_once_per_partner")]

    def __str__(self) -> str:
        return f"{self.badge} → {self.partner_id}"
