"""Validation of partner, tier and agreement input: used by the API and by the pages alike."""

from rest_framework import serializers

from prm.accounts.models import User
from prm.accounts.roles import STAFF_ROLES
from prm.api.fields import CountryField, ScopedPrimaryKeyRelatedField

from .models import Agreement, Partner, Tier
from .services import validate_domain


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = [
            "id",
            "name",
            "rank",
            "description",
            "min_revenue",
            "min_won_deals",
            "min_certified_users",
            "deal_protection_days",
            "rebate_percent",
        ]


class PartnerSerializer(serializers.ModelSerializer):
    country = CountryField()
    tier = ScopedPrimaryKeyRelatedField(queryset=Tier.objects.all(), allow_null=True, required=False)
    manager = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.filter(role__in=STAFF_ROLES, is_active=True), allow_null=True, required=False
    )
    tier_name = serializers.CharField(source="tier.name", read_only=True, default=None)
    manager_email = serializers.EmailField(source="manager.email", read_only=True, default=None)

    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "domain",
            "website",
            "country",
            "city",
            "partner_type",
            "status",
            "tier",
            "tier_name",
            "manager",
            "manager_email",
            "description",
            "phone",
            "joined_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness of the (normalized) domain is the service's rule; a second copy here would disagree.
        validators = []

    def validate_domain(self, value: str) -> str:
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            return validate_domain(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["domain"]) from None


class AgreementSerializer(serializers.ModelSerializer):
    partner = ScopedPrimaryKeyRelatedField(queryset=Partner.objects.all())
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    state = serializers.CharField(read_only=True)
    days_to_expiry = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "partner",
            "partner_name",
            "kind",
            "title",
            "reference",
            "signed_on",
            "starts_on",
            "expires_on",
            "auto_renew",
            "notes",
            "state",
            "days_to_expiry",
            "expiry_reminder_sent_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["expiry_reminder_sent_on", "created_at", "updated_at"]

    def validate(self, attrs):
        starts_on = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        expires_on = attrs.get("expires_on", getattr(self.instance, "expires_on", None))
        if starts_on and expires_on and expires_on < starts_on:
            raise serializers.ValidationError({"expires_on": "An agreement cannot expire before it starts."})
        return attrs
