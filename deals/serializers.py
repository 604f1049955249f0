"""Validation of deal, lead and exchange-rate input: used by the API and by the pages alike."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incentives.models import MdfRequest
from partners.models import Partner
from prm.api.fields import CountryField, IdField, ScopedPrimaryKeyRelatedField
from prm.money import check_currency

from . import services
from .conflicts import discloses_conflicts
from .models import Deal, DealAttachment, DealComment, ExchangeRate, Lead


def _django_to_drf(fn, value, field: str):
    try:
        return fn(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.message_dict.get(field, exc.messages)) from None


class ConflictSerializer(serializers.Serializer):
    """Another partner's registration of the same customer: that it exists, why it matched and its status —
    never its amount or notes. `deal` and `partner` are null for a partner caller unless the program discloses
    them (deals.conflicts.discloses_conflicts); staff always see them."""

    deal = serializers.IntegerField(allow_null=True)
    partner = serializers.CharField(allow_null=True)
    customer_name = serializers.CharField()
    status = serializers.CharField()
    match = serializers.ChoiceField(choices=["domain", "name"])


class MoneyField(serializers.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value <= 0:
            raise serializers.ValidationError("The amount must be greater than zero.")
        return value


class DealSerializer(serializers.ModelSerializer):
    """A deal as its partner and the vendor see it. `conflicts` is filled on registration and on a single
    deal; lists leave it out (it costs a query per row)."""

    country = CountryField(required=False, allow_blank=True)
    amount = MoneyField()
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    conflicts = serializers.SerializerMethodField()
    mdf_request = ScopedPrimaryKeyRelatedField(
        queryset=MdfRequest.objects.all(),
        required=False,
        allow_null=True,
        help_text="The MDF activity (one of the partner's own approved requests) this deal came from.",
    )

    class Meta:
        model = Deal
        fields = [
            "id",
            "partner",
            "partner_name",
            "registered_by",
            "customer_name",
            "customer_domain",
            "country",
            "contact_name",
            "contact_email",
            "products",
            "amount",
            "currency",
            "expected_close_date",
            "description",
            "status",
            "protected_until",
            "approved_by",
            "approved_at",
            "rejection_reason",
            "lost_reason",
            "closed_on",
            "won_amount",
            "lead",
            "mdf_request",
            "created_at",
            "updated_at",
            "conflicts",
        ]
        read_only_fields = [
            "partner",
            "registered_by",
            "status",
            "protected_until",
            "approved_by",
            "approved_at",
            "rejection_reason",
            "lost_reason",
            "closed_on",
            "won_amount",
            "lead",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(ConflictSerializer(many=True))
    def get_conflicts(self, deal):
        request = self.context.get("request")
        disclose = discloses_conflicts(request.user if request is not None else None)
        if hasattr(deal, "detected_conflicts"):
            return [m.as_dict(disclose=disclose) for m in deal.detected_conflicts]
        rows = getattr(deal, "active_conflicts", None)
        if rows is None:
            return None
        return [
            {
                "deal": c.other_id if disclose else None,
                "partner": c.other.partner.name if disclose else None,
                "customer_name": c.other.customer_name,
                "status": c.other.status,
                "match": c.match,
            }
            for c in rows
        ]

    def validate_currency(self, value):
        return _django_to_drf(check_currency, value, "currency")

    def validate_expected_close_date(self, value):
        _django_to_drf(
            lambda v: services.check_expected_close(v, today=timezone.localdate()), value, "expected_close_date"
        )
        return value

    def validate_customer_domain(self, value):
        from partners.services import normalize_domain, validate_domain

        if not normalize_domain(value):
            return ""
        return _django_to_drf(validate_domain, value, "domain")


class DealListSerializer(DealSerializer):
    """The lean row of a list: no conflicts (each would cost a query)."""

    class Meta(DealSerializer.Meta):
        fields = [f for f in DealSerializer.Meta.fields if f != "conflicts"]


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class WinSerializer(serializers.Serializer):
    amount = MoneyField()
    closed_on = serializers.DateField()


class CorrectionSerializer(serializers.Serializer):
    """A won deal's corrected amount (in the deal's currency) and why."""

    amount = MoneyField()
    reason = serializers.CharField(max_length=2000)


class BulkDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    deals = serializers.ListField(child=IdField(), min_length=1, max_length=200)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ConflictCheckSerializer(serializers.Serializer):
    customer_name = serializers.CharField(max_length=200)
    customer_domain = serializers.CharField(max_length=253, required=False, allow_blank=True)


class DealCommentSerializer(serializers.ModelSerializer):
    author = serializers.EmailField(source="author.email", read_only=True, default=None)

    class Meta:
        model = DealComment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["created_at"]


class DealAttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.EmailField(source="uploaded_by.email", read_only=True, default=None)
    file = serializers.FileField(write_only=True)

    class Meta:
        model = DealAttachment
        fields = ["id", "name", "size", "uploaded_by", "created_at", "file"]
        read_only_fields = ["name", "size", "created_at"]


class LeadSerializer(serializers.ModelSerializer):
    country = CountryField()
    partner_name = serializers.CharField(source="partner.name", read_only=True, default=None)
    deal = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "customer_name",
            "customer_domain",
            "country",
            "partner_type",
            "contact_name",
            "contact_email",
            "products",
            "estimated_amount",
            "currency",
            "description",
            "status",
            "partner",
            "partner_name",
            "offered_at",
            "respond_by",
            "responded_at",
            "decline_reason",
            "deal",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "partner",
            "offered_at",
            "respond_by",
            "responded_at",
            "decline_reason",
            "created_at",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_deal(self, lead):
        deal = getattr(lead, "converted_deal", None)
        return deal.pk if deal else None

    def validate_currency(self, value):
        return _django_to_drf(check_currency, value, "currency")


class LeadOfferSerializer(serializers.Serializer):
    partner = ScopedPrimaryKeyRelatedField(queryset=Partner.objects.all())
    respond_within_hours = serializers.IntegerField(min_value=1, max_value=24 * 30, required=False)


class LeadDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class LeadConvertSerializer(serializers.Serializer):
    """What the partner adds when an accepted lead becomes a deal (the rest comes from the lead)."""

    amount = MoneyField(required=False)
    currency = serializers.CharField(max_length=3, required=False)
    expected_close_date = serializers.DateField()
    products = serializers.CharField(max_length=500, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    def validate_currency(self, value):
        return _django_to_drf(check_currency, value, "currency")


class ExchangeRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExchangeRate
        fields = ["id", "currency", "rate", "valid_from", "created_at"]
        read_only_fields = ["created_at"]
        validators = []  # one rate per currency and day: the service updates the day's rate instead

    def validate_currency(self, value):
        return _django_to_drf(check_currency, value, "currency")
