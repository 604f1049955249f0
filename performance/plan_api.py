"""`/api/v1/business-plans/`: joint business plans with their objectives nested, each with its progress
(`…/{id}/agree/` for one's own side). Partners see only their own plans (tenancy); staff see all."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.models import Partner
from prm.api.fields import ScopedPrimaryKeyRelatedField
from prm.api.viewsets import HistoryMixin, ScopedModelViewSet

from . import plans
from .models import BusinessPlan
from .periods import MONTH, QUARTER, Period


class PlanObjectiveSerializer(serializers.Serializer):
    """An objective: `kpi`, `target` and `description` are written; the rest is its progress, read from the
    partner's scorecard of the plan's period."""

    id = serializers.IntegerField(read_only=True)
    kpi = serializers.ChoiceField(choices=plans.PLAN_KPI_CHOICES)
    target = serializers.DecimalField(
        max_digits=16, decimal_places=4, min_value=plans.TARGET_MIN, max_value=plans.TARGET_MAX
    )
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    kpi_name = serializers.CharField(read_only=True)
    unit = serializers.CharField(read_only=True)
    computed = serializers.BooleanField(
        read_only=True, help_text="False until the partner's scorecard of the period exists (the value is then 0)."
    )
    value = serializers.DecimalField(max_digits=24, decimal_places=4, read_only=True)
    percent = serializers.DecimalField(
        max_digits=24, decimal_places=1, read_only=True, help_text="value / target × 100; may pass 100."
    )
    expected = serializers.DecimalField(
        max_digits=24,
        decimal_places=4,
        read_only=True,
        help_text="The pro-rata pace: target × the share of the period gone by today.",
    )
    at_risk = serializers.BooleanField(
        read_only=True, help_text="Behind the pace (after the period: ended below its target)."
    )
    status = serializers.ChoiceField(
        choices=["achieved", "on_track", "at_risk", "missed", "not_started"], read_only=True
    )
    text = serializers.CharField(read_only=True, help_text="The progress in words, as the pages show it.")


class BusinessPlanSerializer(serializers.ModelSerializer):
    """`partner` is the caller's organization for partner users (leave it out); staff name it. `period_start` is
    the first day of a month or quarter (`period_kind`); it never changes once the plan exists. A change to
    `objectives` (the whole list, replacing the old one) puts an agreed plan back to draft."""

    partner = ScopedPrimaryKeyRelatedField(queryset=Partner.objects.all(), required=False)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    period_kind = serializers.ChoiceField(choices=[(MONTH, "Month"), (QUARTER, "Quarter")], required=False)
    period_label = serializers.SerializerMethodField()
    title = serializers.CharField(max_length=200)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    objectives = PlanObjectiveSerializer(source="progress", many=True, required=False)

    class Meta:
        model = BusinessPlan
        fields = [
            "id",
            "partner",
            "partner_name",
            "period_kind",
            "period_start",
            "period_end",
            "period_label",
            "title",
            "notes",
            "status",
            "partner_agreed_at",
            "manager_agreed_at",
            "created_by",
            "created_at",
            "updated_at",
            "objectives",
        ]
        read_only_fields = [
            "period_end",
            "status",
            "partner_agreed_at",
            "manager_agreed_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        validators = []  # one plan per partner and period is the service's field error

    def get_period_label(self, obj) -> str:
        """ "Q3 2026", "Aug 2026"."""
        return Period(obj.period_kind, obj.period_start, obj.period_end).label

    def validate(self, attrs):
        if "progress" in attrs:
            attrs["objectives"] = attrs.pop("progress")
        return attrs

    def to_representation(self, instance):
        progress = self.context.get("progress")
        if progress is not None and instance.pk in progress:
            instance.progress = progress[instance.pk]
        elif not hasattr(instance, "progress"):
            instance.progress = plans.plan_progress(instance, timezone.localdate())
        return super().to_representation(instance)


def plan_data(data: dict) -> tuple[dict, list | None]:
    """The serializer's validated data as the services take it: the plan's fields and its objectives."""
    data = dict(data)
    objectives = data.pop("objectives", None)
    data.pop("partner", None)
    return data, [dict(o) for o in objectives] if objectives is not None else None


class BusinessPlanViewSet(HistoryMixin, ScopedModelViewSet):
    queryset = BusinessPlan.objects.select_related("partner").prefetch_related("objectives")
    serializer_class = BusinessPlanSerializer
    filterset_class = plans.BusinessPlanFilterSet
    sorts = plans.PLAN_SORTS
    ordering = ["-period_start", "-id"]
    action_permissions = {
        "list": "business_plan.view",
        "retrieve": "business_plan.view",
        "history": "audit.view",
        "create": "business_plan.manage",
        "update": "business_plan.manage",
        "partial_update": "business_plan.manage",
        "agree": "business_plan.manage",
    }

    def list(self, request, *args, **kwargs):
        # every plan of the page against its scorecard in one query, not one per plan
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        context = {**self.get_serializer_context(), "progress": plans.plans_progress(rows, timezone.localdate())}
        data = self.get_serializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def perform_create(self, serializer):
        data, objectives = plan_data(serializer.validated_data)
        partner = serializer.validated_data.get("partner") or self.request.user.partner
        serializer.instance = plans.business_plan_create(
            actor=self.request.user, partner=partner, data=data, objectives=objectives or []
        )

    def perform_update(self, serializer):
        data, objectives = plan_data(serializer.validated_data)
        partner = serializer.validated_data.get("partner")
        if partner is not None and partner.pk != serializer.instance.partner_id:
            raise serializers.ValidationError({"partner": "A plan's partner cannot change."})
        plan = plans.business_plan_update(
            actor=self.request.user, plan=serializer.instance, data=data, objectives=objectives
        )
        serializer.instance = self.get_queryset().get(pk=plan.pk)

    @extend_schema(request=None, responses=BusinessPlanSerializer)
    @action(detail=True, methods=["post"])
    def agree(self, request, *args, **kwargs):
        """Agree to the plan for one's own side (a partner admin for the partner, a manager for the vendor); both
        agreed → `status` agreed. 409 when one's side already agreed; 400 for a plan without objectives."""
        plan = plans.business_plan_agree(actor=request.user, plan=self.get_object())
        plan = self.get_queryset().get(pk=plan.pk)
        return Response(self.get_serializer(plan).data)


def register(router) -> None:
    router.register("business-plans", BusinessPlanViewSet)
