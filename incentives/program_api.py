"""`/api/v1/incentive-programs/` (staff write; partners read the programs they are eligible for, without budget
figures) with `…/{id}/recompute/` (program admin, 202), and `/api/v1/accruals/` (read; a partner its own lines)
with `POST …/adjust/` (finance). Names in ../shared/API.md, Incentives section. Viewsets are declarations and
service calls; tenancy and the role map are applied by the scoped bases (prm/api/viewsets.py)."""

from __future__ import annotations

from django_countries import countries
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.models import Partner, PartnerType, Tier
from prm.api.fields import CodeListField, ScopedPrimaryKeyRelatedField
from prm.api.viewsets import HistoryMixin, ScopedModelViewSet, ScopedReadOnlyViewSet
from prm.permissions import has_perm

from . import program_selectors as selectors
from . import program_services as services
from .models import Accrual, IncentiveProgram

#: Shown only to those who manage programs: a partner reads the rule, not the budget.
BUDGET_FIELDS = ("budget_cap", "committed", "remaining_budget")


class ThresholdSerializer(serializers.Serializer):
    min_revenue = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Quarterly won revenue.")
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="0 to 100.")


class IncentiveProgramSerializer(serializers.ModelSerializer):
    """`rate_percent` (rebate; empty = the partner's tier's `rebate_percent`), `amount` and `currency` (SPIFF, per
    won deal), `thresholds` (volume bonus, per quarter). `tiers`, `partner_types`, `countries`: the audience (empty
    = every partner). `rule`: the rule in words."""

    tiers = ScopedPrimaryKeyRelatedField(
        source="audience_tiers", queryset=Tier.objects.all(), many=True, required=False, help_text="Empty: every tier."
    )
    partner_types = CodeListField(
        source="audience_partner_types", choices=PartnerType.choices, required=False, help_text="Empty: every type."
    )
    countries = CodeListField(
        source="audience_countries", choices=list(countries), required=False, help_text="ISO codes; empty: all."
    )
    thresholds = ThresholdSerializer(many=True, required=False)
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    rule = serializers.SerializerMethodField()
    remaining_budget = serializers.SerializerMethodField()

    class Meta:
        model = IncentiveProgram
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "rule",
            "rate_percent",
            "amount",
            "currency",
            "products",
            "min_deal_amount",
            "thresholds",
            "starts_on",
            "ends_on",
            "tiers",
            "partner_types",
            "countries",
            "budget_cap",
            "committed",
            "remaining_budget",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["committed", "created_at", "updated_at"]

    def get_rule(self, obj) -> str:
        return services.program_rule_text(obj)

    def get_remaining_budget(self, obj) -> str | None:
        """What is left of the budget cap (null: no cap)."""
        value = services.remaining_budget(obj)
        return None if value is None else f"{value:.2f}"

    def validate_thresholds(self, value):
        return [{"min_revenue": str(t["min_revenue"]), "percent": str(t["percent"])} for t in value]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not has_perm(request.user, "incentive_program.manage"):
            for name in BUDGET_FIELDS:
                data.pop(name, None)
        return data


class IncentiveProgramViewSet(HistoryMixin, ScopedModelViewSet):
    queryset = IncentiveProgram.objects.prefetch_related("audience_tiers")
    serializer_class = IncentiveProgramSerializer
    filterset_class = selectors.IncentiveProgramFilterSet
    sorts = selectors.PROGRAM_SORTS
    ordering = selectors.PROGRAM_SORTS.order_by(None)
    action_permissions = {
        "list": "incentive_program.view",
        "retrieve": "incentive_program.view",
        "history": "audit.view",
        "create": "incentive_program.manage",
        "update": "incentive_program.manage",
        "partial_update": "incentive_program.manage",
        "recompute": "accrual.recompute",
    }

    def perform_create(self, serializer):
        serializer.instance = services.program_create(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        program = services.program_update(
            actor=self.request.user, program=serializer.instance, data=serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=program.pk)

    @extend_schema(
        request=None,
        responses={202: OpenApiResponse(description="Started: the lines appear as the task makes them.")},
    )
    @action(detail=True, methods=["post"])
    def recompute(self, request, *args, **kwargs):
        """Apply the program to past won deals that have no line under it yet (a new program, or a changed rule),
        in a background task; the event `incentive_program.recomputed` gives the count. Running it again makes
        nothing. 400 for a volume bonus (paid when each quarter closes)."""
        program = self.get_object()
        services.program_recompute_start(actor=request.user, program=program)
        return Response({"detail": "Recomputation started.", "program": program.pk}, status=status.HTTP_202_ACCEPTED)


class AccrualSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True, default=None)

    class Meta:
        model = Accrual
        fields = [
            "id",
            "partner",
            "partner_name",
            "program",
            "program_name",
            "deal",
            "kind",
            "status",
            "amount",
            "currency",
            "base_amount",
            "base_currency",
            "exchange_rate",
            "capped_amount",
            "explanation",
            "period_start",
            "period_end",
            "reverses",
            "statement",
            "created_at",
        ]
        read_only_fields = fields


class AccrualAdjustSerializer(serializers.Serializer):
    """Finance's adjustment: positive pays more, negative takes back; in the program currency."""

    partner = ScopedPrimaryKeyRelatedField(queryset=Partner.objects.all())
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    explanation = serializers.CharField(max_length=450, help_text="Why: the partner reads it on its statement.")


class AccrualViewSet(ScopedReadOnlyViewSet):
    """Accrual lines: one per program per deal; a reversal is its own negative line; adjustments and MDF
    reimbursements have no program."""

    queryset = selectors.ACCRUAL_QUERYSET
    serializer_class = AccrualSerializer
    filterset_class = selectors.AccrualFilterSet
    sorts = selectors.ACCRUAL_SORTS
    ordering = selectors.ACCRUAL_SORTS.order_by(None)
    action_permissions = {"list": "accrual.view", "retrieve": "accrual.view", "adjust": "accrual.adjust"}

    @extend_schema(request=AccrualAdjustSerializer, responses={201: AccrualSerializer})
    @action(detail=False, methods=["post"])
    def adjust(self, request, *args, **kwargs):
        """An adjustment line for the partner's next statement (finance only); `explanation` is required."""
        serializer = AccrualAdjustSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        line = services.accrual_adjust(actor=request.user, **serializer.validated_data)
        line = selectors.ACCRUAL_QUERYSET.get(pk=line.pk)
        return Response(AccrualSerializer(line, context=self.get_serializer_context()).data, status=201)


def register(router) -> None:
    router.register("incentive-programs", IncentiveProgramViewSet)
    router.register("accruals", AccrualViewSet)
