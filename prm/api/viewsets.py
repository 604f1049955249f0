"""The base classes of every API view. Tenancy and role permissions are applied here, so a concrete
viewset declares `queryset`, `serializer_class` and `action_permissions` and cannot forget either."""

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from prm import audit, tenancy

from .idempotency import IdempotentMixin
from .serializers import AuditEntrySerializer


class ScopedViewSetMixin(IdempotentMixin):
    """Tenancy applied where a concrete viewset cannot skip it (NetBox's `initial()`): the declared `queryset` is
    scoped to the caller once it is authenticated and before any permission check looks an object up, so the
    default `get_queryset()` and every action built on it see only the caller's rows. A viewset that replaces
    `get_queryset()` (a selector, another model) is scoped again in `filter_queryset()`, the step that both the list
    and the detail lookup (`get_object()`) go through."""

    action_permissions: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        queryset = type(self).queryset
        if queryset is not None:
            self.queryset = tenancy.scope(queryset.all(), request.user)
        super().initial(request, *args, **kwargs)

    def filter_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        if type(self).get_queryset is not GenericAPIView.get_queryset:
            queryset = tenancy.scope(queryset, self.request.user)
        return super().filter_queryset(queryset)

    def get_object(self):
        # Cached: check_permissions below already looked the object up.
        if not hasattr(self, "_scoped_object"):
            self._scoped_object = super().get_object()
        return self._scoped_object

    def check_permissions(self, request):
        # On a detail route the object comes first: another organization's row is a 404 whatever the
        # caller's role, never a 403 that tells it exists.
        if getattr(self, "detail", False) and request.user and request.user.is_authenticated:
            self.get_object()
        super().check_permissions(request)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedCreateListRetrieveViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Create, list and read: records that change only through their own actions (a deal's approve, a case's
    close), never by PUT/PATCH."""


class ScopedModelViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Create, read, update (no delete: partners' records are kept and audited). Writes go through
    `perform_create`/`perform_update`, which concrete viewsets point at their services."""


class HistoryMixin:
    """`GET …/{id}/history/`: the audit trail of the object."""

    @extend_schema(responses=AuditEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, *args, **kwargs):
        obj = self.get_object()
        return Response(AuditEntrySerializer(audit.history_for(obj), many=True).data)
