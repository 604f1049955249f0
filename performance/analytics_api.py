"""`GET /api/v1/analytics/program/`: the program analytics of performance/analytics.py (staff only).

One figure set, not a list of rows: the viewset's `list` answers with one object, unpaginated and unfiltered. It
derives from the scoped base like every routed viewset; its declared queryset is a program-wide model only so the
base has something to scope (the figures come from the selector, which asks the map for `analytics.view`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from deals.models import DealStatus
from prm.api.viewsets import ScopedViewSetMixin

from .analytics import SCORE_BUCKETS, program_analytics
from .models import HealthStatus, PerformanceSettings

FRACTION = {"max_digits": 5, "decimal_places": 4, "allow_null": True}
MONEY = {"max_digits": 20, "decimal_places": 2}


class _PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    label = serializers.CharField()


class _PeriodsSerializer(serializers.Serializer):
    current_quarter = _PeriodSerializer()
    previous_quarter = _PeriodSerializer()
    closing_quarters = _PeriodSerializer(many=True)
    trailing_twelve_months = _PeriodSerializer()
    next_quarter = _PeriodSerializer()


class _TierCountSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True, help_text="The tier's id; null for partners without a tier.")
    label = serializers.CharField()
    count = serializers.IntegerField()


class _CodeCountSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The partner type's or country's code.")
    label = serializers.CharField()
    count = serializers.IntegerField()


class _ActivePartnersSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_tier = _TierCountSerializer(many=True)
    by_type = _CodeCountSerializer(many=True)
    by_region = _CodeCountSerializer(many=True, help_text="By the partner's country (partners have no region).")


class _AttritionSerializer(serializers.Serializer):
    previously_producing = serializers.IntegerField()
    attrited = serializers.IntegerField()


class _ClosingSerializer(serializers.Serializer):
    partners = serializers.IntegerField()
    active_partners = serializers.IntegerField()


class _StatusFigureSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


_PipelineSerializer = type(
    "PipelineByStatusSerializer",
    (serializers.Serializer,),
    {status: _StatusFigureSerializer() for status in DealStatus.values},
)


class _TierRevenueSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    amounts = serializers.ListField(child=serializers.DecimalField(**MONEY), help_text="One amount per month.")
    total = serializers.DecimalField(**MONEY)


class _RevenueByTierSerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.CharField(), help_text="YYYY-MM, oldest first.")
    tiers = _TierRevenueSerializer(many=True)


_ScoreDistributionSerializer = type(
    "ScoreDistributionSerializer",
    (serializers.Serializer,),
    {f"{low}-{high}": serializers.IntegerField() for low, high in SCORE_BUCKETS},
)
_HealthDistributionSerializer = type(
    "HealthDistributionSerializer",
    (serializers.Serializer,),
    {status: serializers.IntegerField() for status in HealthStatus.values},
)


class _ForecastSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    period = _PeriodSerializer()
    method = serializers.CharField()


_DefinitionsSerializer = type(
    "AnalyticsDefinitionsSerializer",
    (serializers.Serializer,),
    {
        name: serializers.CharField()
        for name in (
            "active_partners",
            "attrition_rate",
            "consistently_closing_share",
            "median_days_to_first_win",
            "pipeline_by_status",
            "revenue_by_tier",
            "score_distribution",
            "health_distribution",
            "forecast",
        )
    },
)


@extend_schema_serializer(many=False)
class ProgramAnalyticsSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    computed_at = serializers.DateTimeField(help_text="When the figures were computed (they are shared for minutes).")
    currency = serializers.CharField(help_text="The program currency every amount is in.")
    periods = _PeriodsSerializer()
    active_partners = _ActivePartnersSerializer()
    attrition_rate = serializers.DecimalField(**FRACTION)
    attrition = _AttritionSerializer()
    consistently_closing_share = serializers.DecimalField(**FRACTION)
    consistently_closing = _ClosingSerializer()
    median_days_to_first_win = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    pipeline_by_status = _PipelineSerializer()
    revenue_by_tier = _RevenueByTierSerializer()
    score_distribution = _ScoreDistributionSerializer()
    health_distribution = _HealthDistributionSerializer()
    forecast = _ForecastSerializer()
    definitions = _DefinitionsSerializer()


class ProgramAnalyticsViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The program's KPIs: active partners, attrition, consistent closers, time to first win, pipeline by status,
    revenue by tier and month, score and health distributions and the next quarter's forecast, each with its
    definition."""

    queryset = PerformanceSettings.objects.none()
    serializer_class = ProgramAnalyticsSerializer
    pagination_class = None
    filter_backends = []
    action_permissions = {"list": "analytics.view"}

    @extend_schema(responses=ProgramAnalyticsSerializer)
    def list(self, request, *args, **kwargs):
        return Response(ProgramAnalyticsSerializer(program_analytics(actor=request.user)).data)


def register(router) -> None:
    router.register("analytics/program", ProgramAnalyticsViewSet, basename="analytics-program")
