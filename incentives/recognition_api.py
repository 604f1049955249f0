"""The recognition API: `GET /api/v1/leaderboards/?metric=&period=&period_start=&limit=` (the same board for every
caller, as on the pages) and `/api/v1/awards/` (partners read their own; managers grant by POST). Viewsets are
declarations and service calls; tenancy and the role map are applied by the scoped bases."""

from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from partners.models import Partner
from performance.models import PeriodKind
from prm.api.fields import ScopedPrimaryKeyRelatedField
from prm.api.viewsets import ScopedCreateListRetrieveViewSet, ScopedViewSetMixin
from prm.filters import FilterSet, Sorts

from .models import Award, Badge
from .recognition import DEFAULT_METRIC, METRICS, award_grant, leaderboard

AWARD_SORTS = Sorts({"newest": ("-granted_at", "-id"), "oldest": ("granted_at", "id")}, default="newest")


class AwardSerializer(serializers.ModelSerializer):
    partner = ScopedPrimaryKeyRelatedField(queryset=Partner.objects.all())
    badge = ScopedPrimaryKeyRelatedField(queryset=Badge.objects.all())
    badge_name = serializers.CharField(source="badge.name", read_only=True)
    icon = serializers.CharField(source="badge.icon", read_only=True)
    rule = serializers.CharField(source="badge.rule", read_only=True)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    class Meta:
        model = Award
        fields = ["id", "partner", "badge", "badge_name", "icon", "rule", "reason", "granted_by", "granted_at"]
        read_only_fields = ["granted_by", "granted_at"]
        validators: list = []  # the service says "already holds" (409) in words


class AwardFilterSet(FilterSet):
    partner = django_filters.ModelMultipleChoiceFilter(queryset=Partner.objects.all(), distinct=False)
    badge = django_filters.ModelMultipleChoiceFilter(queryset=Badge.objects.all(), distinct=False)

    class Meta:
        model = Award
        fields = ["partner", "badge"]


class AwardViewSet(ScopedCreateListRetrieveViewSet):
    """Badges held: a partner sees its own; managers grant one by hand (once per partner and badge: 409)."""

    queryset = Award.objects.select_related("badge")
    serializer_class = AwardSerializer
    filterset_class = AwardFilterSet
    sorts = AWARD_SORTS
    ordering = AWARD_SORTS.order_by(None)
    action_permissions = {"list": "recognition.view", "retrieve": "recognition.view", "create": "award.grant"}

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = award_grant(
            actor=self.request.user, partner=data["partner"], badge=data["badge"], reason=data.get("reason", "")
        )


class LeaderboardQuerySerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=list(METRICS), required=False, default=DEFAULT_METRIC)
    period = serializers.ChoiceField(choices=PeriodKind.choices, required=False, default="quarter")
    period_start = serializers.DateField(required=False, allow_null=True, default=None)
    limit = serializers.IntegerField(min_value=1, max_value=100, required=False, default=20)


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    partner = serializers.IntegerField(source="partner_id")
    partner_name = serializers.CharField(source="partner.name")
    tier = serializers.CharField(source="partner.tier.name", default=None)
    value = serializers.DecimalField(max_digits=16, decimal_places=2)


@extend_schema_serializer(many=False)  # one board per answer, not a list of boards
class LeaderboardSerializer(serializers.Serializer):
    metric = serializers.CharField()
    period_kind = serializers.CharField(source="period.kind")
    period_start = serializers.DateField(source="period.start")
    period_end = serializers.DateField(source="period.end")
    rows = LeaderboardRowSerializer(many=True)
    own = LeaderboardRowSerializer(allow_null=True, help_text="The caller's own row when it is outside the top.")


class LeaderboardViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The top partners of one period by won revenue, growth, certifications or score (from the scorecards). Not
    rows of the caller's: every partner sees the same board (the scorecards are read past tenancy on purpose). The
    queryset (the program-wide badges) only puts the view on the scoped base, like the KPI definitions'."""

    queryset = Badge.objects.all()
    serializer_class = LeaderboardSerializer
    pagination_class = None
    filter_backends: list = []
    action_permissions = {"list": "recognition.view"}

    @extend_schema(
        parameters=[LeaderboardQuerySerializer],
        responses={
            200: LeaderboardSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="A metric, period or period start it does not know."),
        },
    )
    def list(self, request, *args, **kwargs):
        query = LeaderboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        try:
            board = leaderboard(
                actor=request.user,
                metric=params["metric"],
                period_kind=params["period"],
                period_start=params["period_start"],
                limit=params["limit"],
            )
        except (ValueError, OverflowError):
            raise serializers.ValidationError({"period_start": ["No period of this kind starts there."]}) from None
        return Response(LeaderboardSerializer(board).data, status=status.HTTP_200_OK)


def register(router) -> None:
    router.register("leaderboards", LeaderboardViewSet, basename="leaderboard")
    router.register("awards", AwardViewSet)
