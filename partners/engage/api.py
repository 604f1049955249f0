"""`/api/v1/announcements/`, `/api/v1/surveys/`, `/api/v1/survey-responses/`."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from prm.api.viewsets import HistoryMixin, ScopedCreateListRetrieveViewSet, ScopedModelViewSet

from ..models import Announcement, Survey, SurveyResponse
from . import selectors, services
from .filters import SurveyResponseFilterSet
from .serializers import AnnouncementSerializer, SurveyReportSerializer, SurveyResponseSerializer, SurveySerializer


class AnnouncementViewSet(HistoryMixin, ScopedModelViewSet):
    """Partners read the announcements meant for their audience once published; staff write them."""

    queryset = Announcement.objects.all()
    serializer_class = AnnouncementSerializer
    ordering_fields = ["publish_at", "title"]
    action_permissions = {
        "list": "announcement.view",
        "retrieve": "announcement.view",
        "history": "audit.view",
        "create": "announcement.manage",
        "update": "announcement.manage",
        "partial_update": "announcement.manage",
        "read": "announcement.read",
    }

    def get_queryset(self):
        return selectors.announcements_for(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.announcement_create(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.announcement_update(
            actor=self.request.user, announcement=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "AnnouncementReadReceipt", {"read": serializers.BooleanField(), "first_time": serializers.BooleanField()}
        ),
    )
    @action(detail=True, methods=["post"])
    def read(self, request, *args, **kwargs):
        announcement = self.get_object()
        created = services.announcement_mark_read(actor=request.user, announcement=announcement)
        return Response({"read": True, "first_time": created})


class SurveyViewSet(HistoryMixin, ScopedModelViewSet):
    queryset = Survey.objects.all()
    serializer_class = SurveySerializer
    ordering_fields = ["opens_on", "closes_on", "title"]
    action_permissions = {
        "list": "survey.view",
        "retrieve": "survey.view",
        "history": "audit.view",
        "create": "survey.manage",
        "update": "survey.manage",
        "partial_update": "survey.manage",
        "results": "survey.results",
    }

    def perform_create(self, serializer):
        serializer.instance = services.survey_create(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.survey_update(
            actor=self.request.user, survey=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(responses=SurveyReportSerializer)
    @action(detail=True, methods=["get"])
    def results(self, request, *args, **kwargs):
        """Overall NPS and NPS per partner (% promoters 9–10 minus % detractors 0–6)."""
        report = selectors.survey_results(user=request.user, survey=self.get_object())
        return Response(SurveyReportSerializer(report).data)


class SurveyResponseViewSet(
    ScopedCreateListRetrieveViewSet,
):
    """Partner users answer; each sees only its own organization's answers, staff see all of them."""

    queryset = SurveyResponse.objects.select_related("user", "partner")
    serializer_class = SurveyResponseSerializer
    filterset_class = SurveyResponseFilterSet
    ordering_fields = ["created_at", "score"]
    action_permissions = {
        "list": "survey_response.view",
        "retrieve": "survey_response.view",
        "create": "survey.respond",
    }

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        response = services.survey_respond(
            actor=request.user, survey=data["survey"], score=data["score"], comment=data.get("comment", "")
        )
        return Response(self.get_serializer(response).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("announcements", AnnouncementViewSet)
    router.register("surveys", SurveyViewSet)
    router.register("survey-responses", SurveyResponseViewSet)
