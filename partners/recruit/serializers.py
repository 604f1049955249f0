"""Validation of applications, scores and criteria: the API and the pages use these alike."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from prm.api.fields import CodeListField, CountryField, ScopedPrimaryKeyRelatedField

from ..models import Application, ApplicationScore, CustomerSegment, PartnerType, Region, ScreeningCriterion
from ..services import validate_domain

HONEYPOT_FIELD = "website"


class ApplicationSubmitSerializer(serializers.Serializer):
    """The public "Become a partner" form. `website` is a honeypot: people never see it, bots fill it in."""

    company_name = serializers.CharField(max_length=200)
    domain = serializers.CharField(max_length=253, help_text="The company's web domain, e.g. example.com.")
    country = CountryField()
    partner_type = serializers.ChoiceField(choices=PartnerType.choices)
    contact_name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField(max_length=254)
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    expected_annual_revenue = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    customer_segments = CodeListField(choices=CustomerSegment.choices, required=False)
    regions_covered = CodeListField(choices=Region.choices, required=False)
    certified_staff = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    existing_vendors = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    message = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    website = serializers.CharField(
        required=False, allow_blank=True, write_only=True, help_text="Leave empty (spam trap)."
    )

    def validate_domain(self, value: str) -> str:
        try:
            return validate_domain(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["domain"]) from None

    def validate_website(self, value: str) -> str:
        if value:
            raise serializers.ValidationError("Leave this field empty.")
        return value

    def validate(self, attrs):
        attrs.pop(HONEYPOT_FIELD, None)
        return attrs


class ApplicationReceiptSerializer(serializers.ModelSerializer):
    """What an anonymous applicant gets back: its own answers' headline, never the screening."""

    submitted_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Application
        fields = ["id", "company_name", "domain", "contact_email", "status", "submitted_at"]
        read_only_fields = fields


class ApplicationScoreSerializer(serializers.ModelSerializer):
    criterion = ScopedPrimaryKeyRelatedField(queryset=ScreeningCriterion.objects.filter(active=True))
    criterion_name = serializers.CharField(source="criterion.name", read_only=True)
    weight = serializers.IntegerField(source="criterion.weight", read_only=True)
    score = serializers.IntegerField(min_value=1, max_value=5)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    scored_by = serializers.EmailField(source="scored_by.email", read_only=True, default=None)

    class Meta:
        model = ApplicationScore
        fields = ["criterion", "criterion_name", "weight", "score", "note", "scored_by", "scored_at"]
        read_only_fields = ["scored_at"]
        validators = []


class ScoreSheetSerializer(serializers.Serializer):
    """`POST /applications/{id}/score/`: `{"scores": [{"criterion": id, "score": 1–5, "note": ""}, ...]}`."""

    scores = ApplicationScoreSerializer(many=True, allow_empty=False)

    def validate_scores(self, value):
        ids = [item["criterion"].pk for item in value]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError("Each criterion can be scored once.")
        return value


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Sent to the applicant.")


class ApplicationSerializer(serializers.ModelSerializer):
    """The staff's view of an application, with its screening."""

    country = CountryField()
    scores = ApplicationScoreSerializer(many=True, read_only=True)
    duplicate_of_partner_name = serializers.CharField(source="duplicate_of_partner.name", read_only=True, default=None)
    decided_by = serializers.EmailField(source="decided_by.email", read_only=True, default=None)
    flagged = serializers.BooleanField(source="is_flagged", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "company_name",
            "domain",
            "country",
            "partner_type",
            "contact_name",
            "contact_email",
            "contact_phone",
            "expected_annual_revenue",
            "customer_segments",
            "regions_covered",
            "certified_staff",
            "existing_vendors",
            "message",
            "status",
            "fit_score",
            "scores",
            "flagged",
            "duplicate_of_partner",
            "duplicate_of_partner_name",
            "duplicate_of_application",
            "partner",
            "decided_by",
            "decided_at",
            "rejection_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ScreeningCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScreeningCriterion
        fields = ["id", "name", "description", "weight", "position", "active"]
