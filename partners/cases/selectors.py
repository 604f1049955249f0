"""Reads for cases: the filtered, sorted list (both portals), the thread (internal notes only for staff, by
tenancy) and the case page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from prm import audit, tenancy
from prm.permissions import has_perm

from ..models import ACTIVE_CASE_STATUSES, Case, CaseMessage
from .filters import CaseFilterSet

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from prm.accounts.models import User

#: ?sort= on the pages: "due" puts the active cases first, the most urgent on top; "age" the oldest first.
SORTS: dict[str, list[str]] = {
    "due": ["finished", "due_at", "id"],
    "-due": ["finished", "-due_at", "-id"],
    "age": ["created_at", "id"],
    "-age": ["-created_at", "-id"],
    "partner": ["partner__name", "id"],
    "-partner": ["-partner__name", "-id"],
    "status": ["status", "id"],
    "-status": ["-status", "-id"],
}
DEFAULT_SORT = "due"


def case_queryset(*, user: User) -> QuerySet[Case]:
    return (
        tenancy.scope(Case.objects.all(), user)
        .select_related("partner", "owner", "deal")
        .annotate(
            finished=models.Case(
                models.When(status__in=ACTIVE_CASE_STATUSES, then=models.Value(0)),
                default=models.Value(1),
                output_field=models.IntegerField(),
            )
        )
    )


def case_list(*, user: User, params, request=None, sort: str | None = None) -> tuple[CaseFilterSet, QuerySet[Case]]:
    filterset = CaseFilterSet(params, queryset=case_queryset(user=user), request=request)
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    return filterset, queryset.order_by(*SORTS.get(sort or DEFAULT_SORT, SORTS[DEFAULT_SORT]))


def case_messages(*, user: User, case: Case) -> QuerySet[CaseMessage]:
    """The thread as `user` may see it: tenancy leaves internal notes out for every partner user."""
    return (
        tenancy.scope(CaseMessage.objects.filter(case=case), user).select_related("author").order_by("created_at", "id")
    )


def case_detail(*, user: User, case: Case) -> dict[str, Any]:
    return {
        "case": case,
        "thread": list(case_messages(user=user, case=case)),
        "history": audit.history_for(case, limit=50),
        "sla": case.sla(),
        "can_manage": has_perm(user, "case.manage"),
    }


def case_counts(*, user: User) -> dict[str, int]:
    """Active and overdue cases the user may see (two indexed counts)."""
    visible = tenancy.scope(Case.objects.all(), user)
    return {"active": visible.active().count(), "overdue": visible.overdue(timezone.now()).count()}
