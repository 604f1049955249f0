"""Reads for cases: the filtered, sorted list (both portals), the thread (internal notes only for staff, by
tenancy) and the case page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from prm import audit, tenancy
from prm.filters import ListResult, Sorts, list_rows
from prm.permissions import has_perm

from ..models import ACTIVE_CASE_STATUSES, Case, CaseMessage
from .filters import CaseFilterSet

if TYPE_CHECKING:
    from collections.abc import Mapping

    from django.db.models import QuerySet

    from prm.accounts.models import User

#: ?sort= on the pages: "due" puts the active cases first, the most urgent on top; "age" the oldest first.
CASE_SORTS = Sorts(
    {
        "due": ("finished", "due_at", "id"),
        "-due": ("finished", "-due_at", "-id"),
        "age": ("created_at", "id"),
        "partner": ("partner__name", "id"),
        "status": ("status", "id"),
    },
    default="due",
    aliases={"id": "age", "created_at": "age", "due_at": "due"},
)


def with_finished(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """`finished` (0 while the case is active, 1 after): the "due" sort puts the cases still to act on first."""
    return queryset.annotate(
        finished=models.Case(
            models.When(status__in=ACTIVE_CASE_STATUSES, then=models.Value(0)),
            default=models.Value(1),
            output_field=models.IntegerField(),
        )
    )


def case_list(*, actor: User, params: Mapping, sort: str | None = None) -> ListResult:
    """Both portals' case lists: the actor's cases (tenancy), filtered and sorted."""
    return list_rows(
        actor=actor,
        queryset=with_finished(Case.objects.select_related("partner", "owner", "deal")),
        filterset_class=CaseFilterSet,
        params=params,
        sorts=CASE_SORTS,
        sort=sort,
    )


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
