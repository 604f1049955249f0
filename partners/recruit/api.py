"""`/api/v1/applications/` (anyone may apply; staff screen and decide) and `/api/v1/screening-criteria/`."""

from django.db.models import F, Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from prm.api.throttling import ApplyThrottle
from prm.api.viewsets import HistoryMixin, ScopedCreateListRetrieveViewSet, ScopedModelViewSet
from prm.permissions import PUBLIC

from ..models import Application, ApplicationScore, ScreeningCriterion
from . import selectors, services
from .filters import ApplicationFilterSet
from .serializers import (
    ApplicationReceiptSerializer,
    ApplicationSerializer,
    ApplicationSubmitSerializer,
    RejectSerializer,
    ScoreSheetSerializer,
    ScreeningCriterionSerializer,
)


class ApplicationViewSet(
    HistoryMixin,
    ScopedCreateListRetrieveViewSet,
):
    """Partner applications. `POST` needs no sign-in (throttled per client address); an identical
    resubmission (same contact email and domain while the first is open) answers 200 with the open
    application instead of 201 with a new one. Everything else is for staff."""

    queryset = Application.objects.select_related("duplicate_of_partner", "decided_by").prefetch_related(
        Prefetch("scores", queryset=ApplicationScore.objects.select_related("criterion", "scored_by"))
    )
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilterSet
    sorts = selectors.APPLICATION_SORTS
    ordering = ["-created_at", "-id"]
    action_permissions = {
        "create": PUBLIC,
        "list": "application.view",
        "retrieve": "application.view",
        "history": "audit.view",
        "score": "application.screen",
        "approve": "application.decide",
        "reject": "application.decide",
    }

    def filter_queryset(self, queryset):
        # Unscored applications sort last in both directions, on PostgreSQL and SQLite alike.
        queryset = super().filter_queryset(queryset)
        order = [o for o in queryset.query.order_by if isinstance(o, str)]
        if any(o.lstrip("-") == "fit_score" for o in order):
            queryset = queryset.order_by(
                *[F(o[1:]).desc(nulls_last=True) if o.startswith("-") else F(o).asc(nulls_last=True) for o in order]
            )
        return queryset

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(ApplyThrottle())
        return throttles

    def get_serializer_class(self):
        if self.action == "create":
            return ApplicationSubmitSerializer
        return super().get_serializer_class()

    @extend_schema(
        request=ApplicationSubmitSerializer,
        responses={
            201: ApplicationReceiptSerializer,
            200: OpenApiResponse(ApplicationReceiptSerializer, description="Already applied: the open application."),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = ApplicationSubmitSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        actor = request.user if request.user.is_authenticated else None
        application, created = services.application_submit(actor=actor, data=serializer.validated_data)
        body = ApplicationReceiptSerializer(application).data
        if not created:
            body["detail"] = "You have already applied with this email address for this domain; we are on it."
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _answer(self, application):
        application = self.get_queryset().get(pk=application.pk)
        return Response(ApplicationSerializer(application, context=self.get_serializer_context()).data)

    @extend_schema(request=ScoreSheetSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request, *args, **kwargs):
        application = self.get_object()
        serializer = ScoreSheetSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.application_score(
            actor=request.user, application=application, scores=serializer.validated_data["scores"]
        )
        return self._answer(application)

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        application = self.get_object()
        services.application_approve(actor=request.user, application=application)
        return self._answer(application)

    @extend_schema(request=RejectSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        application = self.get_object()
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.application_reject(
            actor=request.user, application=application, reason=serializer.validated_data["reason"]
        )
        return self._answer(application)


class ScreeningCriterionViewSet(HistoryMixin, ScopedModelViewSet):
    queryset = ScreeningCriterion.objects.all()
    serializer_class = ScreeningCriterionSerializer
    ordering_fields = ["position", "name", "weight"]
    action_permissions = {
        "list": "criterion.view",
        "retrieve": "criterion.view",
        "history": "audit.view",
        "create": "criterion.manage",
        "update": "criterion.manage",
        "partial_update": "criterion.manage",
    }

    def perform_create(self, serializer):
        serializer.instance = services.criterion_create(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.criterion_update(
            actor=self.request.user, criterion=serializer.instance, data=serializer.validated_data
        )


def register(router) -> None:
    router.register("applications", ApplicationViewSet)
    router.register("screening-criteria", ScreeningCriterionViewSet)
