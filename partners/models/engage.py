"""Engage: announcements (shown by audience), their read receipts, and satisfaction (NPS) surveys."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from prm.audience import filter_by_audience, pack_codes, unpack_codes
from prm.tenancy import AUDIENCE, PROGRAM_WIDE, TenantQuerySet

from .core import Partner, Tier


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
