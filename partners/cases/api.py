"""`/api/v1/cases/`: disputes. Partners open cases and write on their own organization's; staff move them
`open → in_review → resolved | closed`. `…/{id}/messages/` is the thread (internal notes: staff only)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from prm.api.viewsets import HistoryMixin, ScopedCreateListRetrieveViewSet

from ..models import Case
from . import selectors, services
from .filters import CaseFilterSet
from .serializers import AssignSerializer, CaseMessageSerializer, CaseSerializer, CloseSerializer, ResolutionSerializer


class CaseViewSet(
    HistoryMixin,
    ScopedCreateListRetrieveViewSet,
):
    queryset = selectors.with_finished(Case.objects.select_related("partner", "owner", "opened_by"))
    serializer_class = CaseSerializer
    filterset_class = CaseFilterSet
    sorts = selectors.CASE_SORTS
    ordering = ["-id"]
    action_permissions = {
        "list": "case.view",
        "retrieve": "case.view",
        "history": "audit.view",
        "create": "case.open",
        "review": "case.manage",
        "resolve": "case.manage",
        "assign": "case.manage",
        "close": "case.close",
        "messages": "case.view",
        "post_message": "case.message",
    }

    def perform_create(self, serializer):
        serializer.instance = services.case_open(actor=self.request.user, data=serializer.validated_data)

    def _case(self, case):
        return Response(CaseSerializer(case, context=self.get_serializer_context()).data)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Staff take the case up: open → in_review."""
        return self._case(services.case_review(actor=request.user, case=self.get_object()))

    @extend_schema(request=ResolutionSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Staff decide it: in_review → resolved, with the resolution the partner sees."""
        case = self.get_object()
        data = self._valid(ResolutionSerializer)
        return self._case(services.case_resolve(actor=request.user, case=case, resolution=data["resolution"]))

    @extend_schema(request=CloseSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a case that is not resolved: staff, or the partner withdrawing its own case."""
        case = self.get_object()
        data = self._valid(CloseSerializer)
        return self._case(services.case_close(actor=request.user, case=case, reason=data["reason"]))

    @extend_schema(request=AssignSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        case = self.get_object()
        data = self._valid(AssignSerializer)
        return self._case(services.case_assign(actor=request.user, case=case, owner=data["owner"]))

    @extend_schema(responses=CaseMessageSerializer(many=True))
    @action(detail=True, methods=["get"])
    def messages(self, request, pk=None):
        """The thread, oldest first. Partner users never receive internal notes."""
        thread = selectors.case_messages(user=request.user, case=self.get_object())
        return Response(CaseMessageSerializer(thread, many=True).data)

    @extend_schema(request=CaseMessageSerializer, responses={201: CaseMessageSerializer})
    @messages.mapping.post
    def post_message(self, request, pk=None):
        case = self.get_object()
        data = self._valid(CaseMessageSerializer)
        message = services.case_message_post(
            actor=request.user, case=case, body=data["body"], internal=data.get("internal", False)
        )
        return Response(CaseMessageSerializer(message).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("cases", CaseViewSet)
