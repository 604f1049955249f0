from rest_framework.decorators import action
from rest_framework.filters import SearchFilter

from performance.scorecard_api import partner_scorecard, partner_scorecard_schema
from prm.api.viewsets import HistoryMixin, ScopedModelViewSet

from . import selectors, services
from .filters import AgreementFilterSet, PartnerFilterSet
from .models import Agreement, Partner, Tier
from .serializers import AgreementSerializer, PartnerSerializer, TierSerializer


class TierViewSet(HistoryMixin, ScopedModelViewSet):
    queryset = Tier.objects.all()
    serializer_class = TierSerializer
    ordering_fields = ["rank", "name"]
    action_permissions = {
        "list": "tier.view",
        "retrieve": "tier.view",
        "history": "audit.view",
        "create": "tier.manage",
        "update": "tier.manage",
        "partial_update": "tier.manage",
    }

    def perform_create(self, serializer):
        serializer.instance = services.tier_create(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.tier_update(
            actor=self.request.user, tier=serializer.instance, data=serializer.validated_data
        )


class PartnerViewSet(HistoryMixin, ScopedModelViewSet):
    queryset = Partner.objects.select_related("tier", "manager")
    serializer_class = PartnerSerializer
    filterset_class = PartnerFilterSet
    sorts = selectors.PARTNER_SORTS
    ordering = ["name", "id"]
    action_permissions = {
        "list": "partner.view",
        "retrieve": "partner.view",
        "history": "audit.view",
        "create": "partner.manage",
        "update": "partner.manage",
        "partial_update": "partner.manage",
        "scorecard": "scorecard.view",
    }

    def perform_create(self, serializer):
        serializer.instance = services.partner_create(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.partner_update(
            actor=self.request.user, partner=serializer.instance, data=serializer.validated_data
        )

    @partner_scorecard_schema
    @action(detail=True, methods=["get"])
    def scorecard(self, request, pk=None):
        """The partner's scorecard of the current quarter (`?period=month|ttm` for the others)."""
        return partner_scorecard(request, self.get_object())


class AgreementViewSet(HistoryMixin, ScopedModelViewSet):
    queryset = Agreement.objects.select_related("partner")
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    filter_backends = [*ScopedModelViewSet.filter_backends, SearchFilter]
    search_fields = ["title", "reference"]
    ordering_fields = ["starts_on", "expires_on", "title"]
    action_permissions = {
        "list": "agreement.view",
        "retrieve": "agreement.view",
        "history": "audit.view",
        "create": "agreement.manage",
        "update": "agreement.manage",
        "partial_update": "agreement.manage",
    }

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        partner = data.pop("partner")
        serializer.instance = services.agreement_create(actor=self.request.user, partner=partner, data=data)

    def perform_update(self, serializer):
        serializer.instance = services.agreement_update(
            actor=self.request.user, agreement=serializer.instance, data=serializer.validated_data
        )


def register(router) -> None:
    router.register("tiers", TierViewSet)
    router.register("partners", PartnerViewSet)
    router.register("agreements", AgreementViewSet)

    from .cases import api as cases_api
    from .engage import api as engage_api
    from .recruit import api as recruit_api

    recruit_api.register(router)
    engage_api.register(router)
    cases_api.register(router)
