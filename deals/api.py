"""The deals API: registration with conflict detection, decisions, comments, attachments, leads, rates."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import pagination, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from prm import tenancy
from prm.api.throttling import UserThrottle
from prm.api.viewsets import HistoryMixin, ScopedCreateListRetrieveViewSet

from . import lead_services, selectors, services
from .conflicts import discloses_conflicts, find_conflicts
from .filters import DealFilterSet, LeadFilterSet
from .models import ACTIVE_STATUSES, Deal, DealConflict, ExchangeRate, Lead
from .serializers import (
    BulkDecisionSerializer,
    ConflictCheckSerializer,
    ConflictSerializer,
    CorrectionSerializer,
    DealAttachmentSerializer,
    DealCommentSerializer,
    DealListSerializer,
    DealSerializer,
    ExchangeRateSerializer,
    LeadConvertSerializer,
    LeadDeclineSerializer,
    LeadOfferSerializer,
    LeadSerializer,
    ReasonSerializer,
    WinSerializer,
)


class ConflictCheckThrottle(UserThrottle):
    """Conflict checks per user (THROTTLE_CONFLICT_CHECK), on top of the general limit: probing guessed
    customers one after another is how a partner would map who sells to whom. The register page's live
    preview counts against the same limit."""

    scope = "conflict_check"


class DealCursorPagination(pagination.CursorPagination):
    """Cursor pages: no COUNT(*) over a million rows, and a page deep in the list costs what the first does
    (an index range scan from the cursor, not an OFFSET)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"


BulkResultSerializer = inline_serializer(
    "DealBulkResult",
    {
        "done": serializers.ListField(child=serializers.IntegerField()),
        "refused": serializers.ListField(child=serializers.DictField()),
    },
)


class DealViewSet(HistoryMixin, ScopedCreateListRetrieveViewSet):
    queryset = Deal.objects.select_related("partner")
    serializer_class = DealSerializer
    filterset_class = DealFilterSet
    pagination_class = DealCursorPagination
    sorts = selectors.DEAL_SORTS
    ordering = ["-id"]
    action_permissions = {
        "list": "deal.view",
        "retrieve": "deal.view",
        "history": "audit.view",
        "create": "deal.register",
        "check_conflicts": "deal.view",
        "approve": "deal.approve",
        "reject": "deal.approve",
        "bulk": "deal.approve",
        "win": "deal.close",
        "lose": "deal.close",
        "reopen": "deal.reopen",
        "correct": "deal.correct",
        "comments": "deal.view",
        "add_comment": "deal.comment",
        "attachments": "deal.view",
        "add_attachment": "deal.comment",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "conflicts",
                    queryset=DealConflict.objects.filter(other__status__in=ACTIVE_STATUSES).select_related(
                        "other__partner"
                    ),
                    to_attr="active_conflicts",
                )
            )
        return queryset

    def get_serializer_class(self):
        return DealListSerializer if self.action == "list" else DealSerializer

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "check_conflicts":
            throttles.append(ConflictCheckThrottle())
        return throttles

    def perform_create(self, serializer):
        serializer.instance = services.deal_register(actor=self.request.user, data=serializer.validated_data)

    def _deal_response(self, deal):
        return Response(DealSerializer(deal, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._deal_response(services.deal_approve(actor=request.user, deal=self.get_object()))

    @extend_schema(request=ReasonSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        deal = self.get_object()
        data = _valid(ReasonSerializer, request)
        return self._deal_response(services.deal_reject(actor=request.user, deal=deal, reason=data["reason"]))

    @extend_schema(request=WinSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def win(self, request, pk=None):
        deal = self.get_object()
        data = _valid(WinSerializer, request)
        return self._deal_response(services.deal_win(actor=request.user, deal=deal, **data))

    @extend_schema(request=ReasonSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def lose(self, request, pk=None):
        deal = self.get_object()
        data = _valid(ReasonSerializer, request)
        return self._deal_response(services.deal_lose(actor=request.user, deal=deal, reason=data["reason"]))

    @extend_schema(request=ReasonSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Back to approved: a won or lost deal's close is undone (a manager's action; 409 if another registration
        of the customer is approved meanwhile)."""
        deal = self.get_object()
        data = _valid(ReasonSerializer, request)
        return self._deal_response(services.deal_reopen(actor=request.user, deal=deal, reason=data["reason"]))

    @extend_schema(request=CorrectionSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """Correct the amount a won deal was won for (a manager's action; 409 unless the deal is won)."""
        deal = self.get_object()
        data = _valid(CorrectionSerializer, request)
        return self._deal_response(services.deal_correct_won_amount(actor=request.user, deal=deal, **data))

    @extend_schema(request=BulkDecisionSerializer, responses=BulkResultSerializer)
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Approve or reject several submitted deals; each is decided on its own (one 409 refuses only it)."""
        data = _valid(BulkDecisionSerializer, request)
        deals = list(self.get_queryset().filter(pk__in=data["deals"]).order_by("id"))
        refused = services.deals_bulk_decide(
            actor=request.user, deals=deals, decision=data["decision"], reason=data.get("reason", "")
        )
        refused_ids = {d.pk for d, _ in refused}
        missing = sorted(set(data["deals"]) - {d.pk for d in deals})
        return Response(
            {
                "done": [d.pk for d in deals if d.pk not in refused_ids],
                "refused": [{"deal": d.pk, "detail": msg} for d, msg in refused]
                + [{"deal": pk, "detail": "Not found."} for pk in missing],
            }
        )

    @extend_schema(request=ConflictCheckSerializer, responses=ConflictSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="check-conflicts")
    def check_conflicts(self, request):
        """Other partners' active registrations of a customer, before registering it (nothing is saved). Who
        holds them is told to staff, and to partners only if the program discloses it; limited per user."""
        data = _valid(ConflictCheckSerializer, request)
        matches = find_conflicts(
            name=data["customer_name"], domain=data.get("customer_domain", ""), partner_id=request.user.partner_id
        )
        disclose = discloses_conflicts(request.user)
        return Response([m.as_dict(disclose=disclose) for m in matches])

    @extend_schema(responses=DealCommentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def comments(self, request, pk=None):
        deal = self.get_object()
        comments = tenancy.scope(deal.comments.select_related("author"), request.user)
        return Response(DealCommentSerializer(comments, many=True).data)

    @extend_schema(request=DealCommentSerializer, responses={201: DealCommentSerializer})
    @comments.mapping.post
    def add_comment(self, request, pk=None):
        deal = self.get_object()
        data = _valid(DealCommentSerializer, request)
        comment = services.deal_comment_add(actor=request.user, deal=deal, body=data["body"])
        return Response(DealCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=DealAttachmentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def attachments(self, request, pk=None):
        deal = self.get_object()
        rows = tenancy.scope(deal.attachments.select_related("uploaded_by"), request.user)
        return Response(DealAttachmentSerializer(rows, many=True).data)

    @extend_schema(request={"multipart/form-data": DealAttachmentSerializer}, responses={201: DealAttachmentSerializer})
    @attachments.mapping.post
    def add_attachment(self, request, pk=None):
        deal = self.get_object()
        file = request.FILES.get("file")
        attachment = services.deal_attachment_add(actor=request.user, deal=deal, file=file)
        return Response(DealAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class LeadViewSet(HistoryMixin, ScopedCreateListRetrieveViewSet):
    queryset = Lead.objects.select_related("partner", "converted_deal")
    serializer_class = LeadSerializer
    filterset_class = LeadFilterSet
    sorts = selectors.LEAD_SORTS
    ordering = ["-id"]
    action_permissions = {
        "list": "lead.view",
        "retrieve": "lead.view",
        "history": "audit.view",
        "create": "lead.manage",
        "offer": "lead.manage",
        "accept": "lead.respond",
        "decline": "lead.respond",
        "convert": "lead.respond",
    }

    def perform_create(self, serializer):
        serializer.instance = lead_services.lead_create(actor=self.request.user, data=serializer.validated_data)

    def _lead_response(self, lead):
        lead = self.get_queryset().get(pk=lead.pk)
        return Response(LeadSerializer(lead, context=self.get_serializer_context()).data)

    @extend_schema(request=LeadOfferSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def offer(self, request, pk=None):
        lead = self.get_object()
        data = _valid(LeadOfferSerializer, request)
        return self._lead_response(lead_services.lead_offer(actor=request.user, lead=lead, **data))

    @extend_schema(request=None, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._lead_response(lead_services.lead_accept(actor=request.user, lead=self.get_object()))

    @extend_schema(request=LeadDeclineSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        lead = self.get_object()
        data = _valid(LeadDeclineSerializer, request)
        lead = lead_services.lead_decline(actor=request.user, lead=lead, reason=data.get("reason", ""))
        # declined, the lead is back in the vendor's pool and no longer the partner's to see
        return Response(LeadSerializer(lead, context=self.get_serializer_context()).data)

    @extend_schema(request=LeadConvertSerializer, responses={201: DealSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = self.get_object()
        data = _valid(LeadConvertSerializer, request)
        deal = lead_services.lead_convert(actor=request.user, lead=lead, data=data)
        return Response(DealSerializer(deal, context=self.get_serializer_context()).data, status=201)


class ExchangeRateViewSet(ScopedCreateListRetrieveViewSet):
    """Rates into the program currency (settings.PRM_PROGRAM_CURRENCY); a program admin sets them."""

    queryset = ExchangeRate.objects.all()
    serializer_class = ExchangeRateSerializer
    filterset_fields = ["currency"]
    ordering_fields = ["currency", "valid_from"]
    action_permissions = {
        "list": "exchangerate.view",
        "retrieve": "exchangerate.view",
        "create": "exchangerate.manage",
    }

    def perform_create(self, serializer):
        serializer.instance = services.exchange_rate_set(actor=self.request.user, data=serializer.validated_data)


def register(router) -> None:
    router.register("deals", DealViewSet)
    router.register("leads", LeadViewSet)
    router.register("exchange-rates", ExchangeRateViewSet)
