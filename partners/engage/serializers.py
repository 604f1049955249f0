"""Validation of announcements, surveys and survey responses: the API and the pages use these alike."""

from django_countries import countries
from rest_framework import serializers

from prm.api.fields import CodeListField, ScopedPrimaryKeyRelatedField

from ..models import Announcement, PartnerType, Survey, SurveyResponse, Tier


class AnnouncementSerializer(serializers.ModelSerializer):
    """`body` is HTML, stored sanitized. An empty audience list means everyone."""

    audience_tiers = ScopedPrimaryKeyRelatedField(many=True, queryset=Tier.objects.all(), required=False)
    audience_partner_types = CodeListField(choices=PartnerType.choices, source="partner_types", required=False)
    audience_countries = CodeListField(choices=list(countries), source="countries", required=False)
    is_read = serializers.SerializerMethodField()
    read_count = serializers.SerializerMethodField()

    class Meta:
        model = Announcement
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "audience_tiers",
            "audience_partner_types",
            "audience_countries",
            "publish_at",
            "is_read",
            "read_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_is_read(self, obj) -> bool | None:
        """Whether the caller has opened it."""
        return getattr(obj, "is_read", None)

    def get_read_count(self, obj) -> int | None:
        """How many users opened it (staff only; null for partners)."""
        return getattr(obj, "read_count", None)


class SurveySerializer(serializers.ModelSerializer):
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = ["id", "title", "question", "opens_on", "closes_on", "is_open", "created_at"]
        read_only_fields = ["created_at"]

    def get_is_open(self, obj) -> bool:
        from django.utils import timezone

        return obj.is_open_on(timezone.localdate())

    def validate(self, attrs):
        opens_on = attrs.get("opens_on", getattr(self.instance, "opens_on", None))
        closes_on = attrs.get("closes_on", getattr(self.instance, "closes_on", None))
        if opens_on and closes_on and closes_on < opens_on:
            raise serializers.ValidationError({"closes_on": "A survey cannot close before it opens."})
        return attrs


class SurveyResponseSerializer(serializers.ModelSerializer):
    survey = ScopedPrimaryKeyRelatedField(queryset=Survey.objects.all())
    score = serializers.IntegerField(min_value=0, max_value=10, help_text="0 (not at all likely) to 10.")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    user_email = serializers.EmailField(source="user.email", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)

    class Meta:
        model = SurveyResponse
        fields = ["id", "survey", "score", "comment", "partner", "partner_name", "user", "user_email", "created_at"]
        read_only_fields = ["partner", "user", "created_at"]
        validators = []  # one answer per user is the service's rule (a 409, not a 400)


class SurveyResultsSerializer(serializers.Serializer):
    responses = serializers.IntegerField()
    promoters = serializers.IntegerField()
    passives = serializers.IntegerField()
    detractors = serializers.IntegerField()
    nps = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)


class PartnerNpsSerializer(SurveyResultsSerializer):
    partner = serializers.IntegerField(source="partner.pk")
    partner_name = serializers.CharField(source="partner.name")


class SurveyReportSerializer(serializers.Serializer):
    overall = SurveyResultsSerializer()
    by_partner = PartnerNpsSerializer(many=True)
