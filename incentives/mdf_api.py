"""`/api/v1/mdf/…`: market development funds (managers allocate, partners read their own), requests (partners
ask, staff approve or reject with a reason; an approval past the fund's balance is a 409), claims with proof files
(partners claim, finance approves or rejects; more than the request is a 400) and the proofs' downloads (a partner
only its own: another organization's is a 404)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.models import Partner, Tier
from prm.api.fields import ScopedPrimaryKeyRelatedField
from prm.api.viewsets import HistoryMixin, ScopedCreateListRetrieveViewSet, ScopedReadOnlyViewSet
from prm.filters import FilterSet, Sorts
from prm.uploads import serve_file

from . import mdf
from .models import (
    MdfActivityType,
    MdfClaim,
    MdfClaimStatus,
    MdfFund,
    MdfProof,
    MdfRequest,
    MdfRequestStatus,
)

MONEY = {"max_digits": 14, "decimal_places": 2}

# --- filters and sorts ---------------------------------------------------------------------------------------


class MdfFundFilterSet(FilterSet):
    partner = django_filters.ModelMultipleChoiceFilter(queryset=Partner.objects.all(), distinct=False)
    tier = django_filters.ModelMultipleChoiceFilter(
        field_name="partner__tier", queryset=Tier.objects.all(), distinct=False
    )
    active_on = django_filters.DateFilter(method="filter_active_on", label="Running on")

    class Meta:
        model = MdfFund
        fields = ["partner", "tier", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(period_start__lte=value, period_end__gte=value)


class MdfRequestFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=MdfRequestStatus.choices, distinct=False)
    activity_type = django_filters.MultipleChoiceFilter(choices=MdfActivityType.choices, distinct=False)
    fund = django_filters.ModelChoiceFilter(queryset=MdfFund.objects.all())
    partner = django_filters.ModelMultipleChoiceFilter(
        field_name="fund__partner", queryset=Partner.objects.all(), distinct=False
    )

    class Meta:
        model = MdfRequest
        fields = ["status", "activity_type", "fund", "partner"]


class MdfClaimFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=MdfClaimStatus.choices, distinct=False)
    request = django_filters.ModelChoiceFilter(queryset=MdfRequest.objects.all())
    partner = django_filters.ModelMultipleChoiceFilter(
        field_name="request__fund__partner", queryset=Partner.objects.all(), distinct=False
    )

    class Meta:
        model = MdfClaim
        fields = ["status", "request", "partner"]


FUND_SORTS = Sorts(
    {
        "newest": ("-period_start", "partner__name", "id"),
        "partner": ("partner__name", "-period_start", "id"),
        "amount": ("-amount", "id"),
    },
    default="newest",
    aliases={"period_start": "newest", "id": "newest"},
)
REQUEST_SORTS = Sorts(
    {
        "newest": ("-created_at", "-id"),
        "oldest": ("created_at", "id"),
        "starts": ("starts_on", "id"),
        "cost": ("-planned_cost", "id"),
        "partner": ("fund__partner__name", "-created_at", "id"),
    },
    default="newest",
    aliases={"created_at": "oldest", "id": "oldest", "starts_on": "starts", "planned_cost": "cost"},
)
CLAIM_SORTS = Sorts(
    {
        "newest": ("-created_at", "-id"),
        "oldest": ("created_at", "id"),
        "amount": ("-amount", "id"),
    },
    default="newest",
    aliases={"created_at": "oldest", "id": "oldest"},
)


# --- serializers ---------------------------------------------------------------------------------------------


class MdfFundSerializer(serializers.ModelSerializer):
    """`currency` defaults to the program currency. `remaining` = `amount` less the approved requests."""

    partner = ScopedPrimaryKeyRelatedField(queryset=Partner.objects.all())
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    amount = serializers.DecimalField(**MONEY, min_value=0)
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    remaining = serializers.DecimalField(**MONEY, read_only=True)
    expired = serializers.SerializerMethodField()

    class Meta:
        model = MdfFund
        fields = [
            "id",
            "partner",
            "partner_name",
            "period_start",
            "period_end",
            "amount",
            "currency",
            "approved_total",
            "remaining",
            "expired",
            "rule",
            "created_at",
        ]
        read_only_fields = ["approved_total", "rule", "created_at"]
        validators = []  # one fund per partner and period is the service's field error

    def get_expired(self, fund) -> bool:
        """True once the period has ended: the fund takes no more requests."""
        return mdf.fund_is_expired(fund)


class AllocateByRuleSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    percent_by_tier = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100),
        help_text='{"<tier id>": percent of the prior period\'s won revenue}',
    )

    def validate_percent_by_tier(self, value):
        try:
            return {int(k): v for k, v in value.items()}
        except (TypeError, ValueError):
            raise serializers.ValidationError("Keys are tier ids.") from None


class RoiSerializer(serializers.Serializer):
    leads = serializers.IntegerField(help_text="Leads naming the activity plus those its approved claims report.")
    claimed_leads = serializers.IntegerField()
    attributed_leads = serializers.IntegerField()
    won_deals = serializers.IntegerField()
    won_revenue = serializers.DecimalField(max_digits=20, decimal_places=2)
    currency = serializers.CharField()
    cost = serializers.DecimalField(max_digits=20, decimal_places=2)
    revenue_per_cost = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)


class MdfRequestSerializer(serializers.ModelSerializer):
    """`fund` must be one of the caller's own funds (another's is "Invalid pk"). `roi`: what the activity
    brought (leads, won revenue) against its cost."""

    fund = ScopedPrimaryKeyRelatedField(queryset=MdfFund.objects.all())
    partner = serializers.IntegerField(source="fund.partner_id", read_only=True)
    partner_name = serializers.CharField(source="fund.partner.name", read_only=True)
    currency = serializers.CharField(source="fund.currency", read_only=True)
    planned_cost = serializers.DecimalField(**MONEY)
    roi = serializers.SerializerMethodField()

    class Meta:
        model = MdfRequest
        fields = [
            "id",
            "fund",
            "partner",
            "partner_name",
            "activity_type",
            "description",
            "starts_on",
            "ends_on",
            "planned_cost",
            "currency",
            "expected_leads",
            "status",
            "reason",
            "decided_at",
            "created_at",
            "roi",
        ]
        read_only_fields = ["status", "reason", "decided_at", "created_at"]

    @extend_schema_field(RoiSerializer(allow_null=True))
    def get_roi(self, obj) -> dict | None:
        if obj.status != MdfRequestStatus.APPROVED:
            return None
        rois = self.context.get("roi")
        roi = rois.get(obj.pk) if rois is not None else mdf.roi_for([obj])[obj.pk]
        return RoiSerializer(roi).data if roi is not None else None


class MdfReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class MdfProofSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = MdfProof
        fields = ["id", "claim", "name", "size", "created_at", "download"]

    def get_download(self, obj) -> str:
        """The API path that hands the file out (access-checked)."""
        return f"/api/v1/mdf/proofs/{obj.pk}/download/"


class MdfClaimSerializer(serializers.ModelSerializer):
    """Create with multipart: `request` (one of the caller's approved requests), `amount` (never more than the
    request's planned cost less its other claims not rejected), `description`, `leads_generated` and one or more
    `proof` files (PDF, images, office documents; checked by type and content)."""

    request = ScopedPrimaryKeyRelatedField(queryset=MdfRequest.objects.select_related("fund"))
    partner = serializers.IntegerField(source="request.fund.partner_id", read_only=True)
    currency = serializers.CharField(source="request.fund.currency", read_only=True)
    amount = serializers.DecimalField(**MONEY)
    leads_generated = serializers.IntegerField(min_value=0, required=False, default=0)
    proof = serializers.ListField(child=serializers.FileField(), write_only=True, required=False)
    proofs = MdfProofSerializer(many=True, read_only=True)

    class Meta:
        model = MdfClaim
        fields = [
            "id",
            "request",
            "partner",
            "amount",
            "currency",
            "description",
            "leads_generated",
            "status",
            "reason",
            "decided_at",
            "created_at",
            "proof",
            "proofs",
        ]
        read_only_fields = ["status", "reason", "decided_at", "created_at"]


# --- viewsets ------------------------------------------------------------------------------------------------


class MdfFundViewSet(HistoryMixin, ScopedCreateListRetrieveViewSet):
    queryset = MdfFund.objects.select_related("partner")
    serializer_class = MdfFundSerializer
    filterset_class = MdfFundFilterSet
    sorts = FUND_SORTS
    ordering = ["-period_start", "id"]
    action_permissions = {
        "list": "mdf.view",
        "retrieve": "mdf.view",
        "history": "audit.view",
        "create": "mdf_fund.manage",
        "allocate_by_rule": "mdf_fund.manage",
    }

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = mdf.mdf_fund_allocate(
            actor=self.request.user,
            partner=data["partner"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            amount=data["amount"],
            currency=data.get("currency") or None,
        )

    @extend_schema(
        request=AllocateByRuleSerializer,
        responses=inline_serializer("MdfAllocated", {"created": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="allocate-by-rule")
    def allocate_by_rule(self, request, *args, **kwargs):
        """Funds for the period for the partners of the named tiers: a percent of each one's won revenue in the
        prior period. Partners that have a fund for the period are skipped; `created` says how many were made."""
        serializer = AllocateByRuleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = mdf.mdf_funds_allocate_by_rule(actor=request.user, **serializer.validated_data)
        return Response({"created": created}, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class MdfRequestViewSet(HistoryMixin, ScopedCreateListRetrieveViewSet):
    queryset = MdfRequest.objects.select_related("fund__partner")
    serializer_class = MdfRequestSerializer
    filterset_class = MdfRequestFilterSet
    sorts = REQUEST_SORTS
    ordering = ["-created_at", "-id"]
    action_permissions = {
        "list": "mdf.view",
        "retrieve": "mdf.view",
        "history": "audit.view",
        "create": "mdf_request.create",
        "approve": "mdf_request.decide",
        "reject": "mdf_request.decide",
    }

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        context = {**self.get_serializer_context(), "roi": mdf.roi_for(rows)}
        data = self.get_serializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        fund = data.pop("fund")
        serializer.instance = mdf.mdf_request_create(actor=self.request.user, fund=fund, data=data)

    @extend_schema(request=None, responses=MdfRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        """Approve: the planned cost is taken from the fund. 409 when the fund has less left than that (the 409
        names what is left), or when the request is already decided."""
        result = mdf.mdf_request_approve(actor=request.user, request=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=result.pk)).data)

    @extend_schema(request=MdfReasonSerializer, responses=MdfRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        """Reject with a reason the partner reads (400 without one)."""
        target = self.get_object()
        data = MdfReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = mdf.mdf_request_reject(actor=request.user, request=target, reason=data.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=result.pk)).data)


class MdfClaimViewSet(HistoryMixin, ScopedCreateListRetrieveViewSet):
    queryset = MdfClaim.objects.select_related("request__fund").prefetch_related("proofs")
    serializer_class = MdfClaimSerializer
    filterset_class = MdfClaimFilterSet
    sorts = CLAIM_SORTS
    ordering = ["-created_at", "-id"]
    action_permissions = {
        "list": "mdf.view",
        "retrieve": "mdf.view",
        "history": "audit.view",
        "create": "mdf_claim.create",
        "approve": "mdf_claim.decide",
        "reject": "mdf_claim.decide",
    }

    @extend_schema(request={"multipart/form-data": MdfClaimSerializer}, responses={201: MdfClaimSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        claim = mdf.mdf_claim_create(
            actor=self.request.user,
            request=data["request"],
            amount=data["amount"],
            description=data.get("description", ""),
            leads_generated=data.get("leads_generated", 0),
            files=data.get("proof") or [],
        )
        serializer.instance = self.get_queryset().get(pk=claim.pk)

    @extend_schema(request=None, responses=MdfClaimSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        """Finance approves: the amount is reimbursed as an MDF line on the partner's next payout statement."""
        result = mdf.mdf_claim_approve(actor=request.user, claim=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=result.pk)).data)

    @extend_schema(request=MdfReasonSerializer, responses=MdfClaimSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        target = self.get_object()
        data = MdfReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = mdf.mdf_claim_reject(actor=request.user, claim=target, reason=data.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=result.pk)).data)


class MdfProofViewSet(ScopedReadOnlyViewSet):
    """Proof-of-performance files; `…/{id}/download/` streams one (a partner only its own: another's is a 404)."""

    queryset = MdfProof.objects.select_related("claim")
    serializer_class = MdfProofSerializer
    ordering = ["-id"]
    action_permissions = {"list": "mdf.view", "retrieve": "mdf.view", "download": "mdf.view"}

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        proof = self.get_object()
        return serve_file(proof.file, download_name=proof.name)


def register(router) -> None:
    router.register("mdf/funds", MdfFundViewSet)
    router.register("mdf/requests", MdfRequestViewSet)
    router.register("mdf/claims", MdfClaimViewSet)
    router.register("mdf/proofs", MdfProofViewSet)
