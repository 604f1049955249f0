"""The scorecard API: KPI definitions, a partner's current scorecard, the scorecard history, on-demand
recalculation jobs and tier proposals (names in ../shared/API.md, Performance section). Viewsets are declarations
and service calls; tenancy and the role map are applied by the scoped bases (prm/api/viewsets.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.reverse import reverse

from prm.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin

from . import engine, proposals, selectors, services
from .filters import ScorecardFilterSet, TierProposalFilterSet
from .models import PeriodKind, RecalcJob, ScoringRule
from .serializers import (
    KpiSerializer,
    RecalcJobSerializer,
    RecalcJobStartedSerializer,
    ScorecardPeriodSerializer,
    ScorecardSerializer,
    TierProposalDecisionSerializer,
    TierProposalSerializer,
)

if TYPE_CHECKING:
    from partners.models import Partner

NO_SCORECARD = "No scorecard for this period: churned partners are not scored."


class KpiViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The KPI definitions (performance/kpis.py), not rows: the queryset (the program-wide scoring rules) only
    puts the view on the scoped base; `list` answers every KPI with the program's current weight and target."""

    queryset = ScoringRule.objects.all()
    serializer_class = KpiSerializer
    pagination_class = None
    filter_backends: list = []
    action_permissions = {"list": "kpi.view"}

    @extend_schema(responses=KpiSerializer(many=True))
    def list(self, request, *args, **kwargs):
        return Response(KpiSerializer(selectors.kpi_list(actor=request.user), many=True).data)


class ScorecardViewSet(ScopedReadOnlyViewSet):
    """Scorecard history: every partner's scorecards of every period kept (a partner sees its own)."""

    queryset = selectors.scorecards()
    serializer_class = ScorecardSerializer
    filterset_class = ScorecardFilterSet
    sorts = selectors.SCORECARD_SORTS
    ordering = selectors.SCORECARD_SORTS.order_by(None)
    action_permissions = {
        "list": "scorecard.view",
        "retrieve": "scorecard.view",
        "recalculate": "scorecard.recalculate",
    }

    @extend_schema(request=None, responses={202: RecalcJobStartedSerializer})
    @action(detail=False, methods=["post"])
    def recalculate(self, request):
        """Recalculate every partner's open periods now (a program admin's action): 202 with a job to poll at
        `url` (`GET /api/v1/jobs/{id}/`) for its state and progress."""
        job = services.recalc_job_start(actor=request.user)
        job.refresh_from_db()  # without a broker the job already ran on commit: say so
        url = reverse("job-detail", args=[job.pk], request=request)
        body = {"id": job.pk, "state": job.state, "progress": job.progress, "url": url}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class RecalcJobViewSet(ScopedReadOnlyViewSet):
    """Recalculation jobs (staff only): state queued → running → succeeded or failed, progress 0–100."""

    queryset = RecalcJob.objects.all()
    serializer_class = RecalcJobSerializer
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]
    action_permissions = {"list": "job.view", "retrieve": "job.view"}


class TierProposalViewSet(ScopedReadOnlyViewSet):
    """Recommended promotions and demotions for a manager to accept or dismiss (409 once decided)."""

    queryset = selectors.tier_proposals()
    serializer_class = TierProposalSerializer
    filterset_class = TierProposalFilterSet
    sorts = selectors.TIER_PROPOSAL_SORTS
    ordering = selectors.TIER_PROPOSAL_SORTS.order_by(None)
    action_permissions = {
        "list": "tier_proposal.view",
        "retrieve": "tier_proposal.view",
        "accept": "tier_proposal.decide",
        "dismiss": "tier_proposal.decide",
    }

    @extend_schema(request=TierProposalDecisionSerializer, responses=TierProposalSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Move the partner to the proposed tier (audited, `partner.tier_changed`); 409 when the proposal is no
        longer open or the partner's tier changed since it was made."""
        proposal = self.get_object()
        note = _valid(TierProposalDecisionSerializer, request)["note"]
        return self._response(proposals.tier_proposal_accept(actor=request.user, proposal=proposal, note=note))

    @extend_schema(request=TierProposalDecisionSerializer, responses=TierProposalSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Keep the partner's tier; 409 when the proposal is no longer open."""
        proposal = self.get_object()
        note = _valid(TierProposalDecisionSerializer, request)["note"]
        return self._response(proposals.tier_proposal_dismiss(actor=request.user, proposal=proposal, note=note))

    def _response(self, proposal):
        proposal = self.get_queryset().get(pk=proposal.pk)
        return Response(TierProposalSerializer(proposal, context=self.get_serializer_context()).data)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- GET /api/v1/partners/{id}/scorecard/ (an action of partners' PartnerViewSet) ----------------------------

partner_scorecard_schema = extend_schema(
    parameters=[
        OpenApiParameter(
            "period",
            OpenApiTypes.STR,
            enum=list(PeriodKind.values),
            default=PeriodKind.QUARTER,
            description="The open period of this kind: the current month, quarter or trailing twelve months.",
        )
    ],
    responses={
        200: ScorecardSerializer,
        400: OpenApiResponse(OpenApiTypes.OBJECT, description="`period` is not month, quarter or ttm."),
    },
)


def partner_scorecard(request, partner: Partner) -> Response:
    """The partner's scorecard of the current period. The partner was looked up through tenancy by the caller's
    viewset (another organization's is a 404 before this runs). A partner not scored yet (new, or before the first
    run) is recalculated here, once and synchronously (tens of milliseconds for one partner), without proposing
    tier changes: a read must not move a partner's tier, the next run proposes them."""
    query = ScorecardPeriodSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    kind = query.validated_data.get("period") or PeriodKind.QUARTER
    scorecard = selectors.scorecard_current(actor=request.user, partner=partner, kind=kind)
    if scorecard is None:
        engine.recalculate(partner_ids=[partner.pk], propose=False)
        scorecard = selectors.scorecard_current(actor=request.user, partner=partner, kind=kind)
    if scorecard is None:
        raise NotFound(NO_SCORECARD)
    return Response(ScorecardSerializer(scorecard, context={"request": request}).data)


def register(router) -> None:
    router.register("kpis", KpiViewSet, basename="kpi")
    router.register("scorecards", ScorecardViewSet)
    router.register("jobs", RecalcJobViewSet, basename="job")
    router.register("tier-proposals", TierProposalViewSet)
