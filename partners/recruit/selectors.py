"""Reads for the screening queue and the screening page. Every function takes the caller."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q

from prm import tenancy
from prm.filters import ListResult, Sorts, list_rows

from ..models import Application, ApplicationScore, ApplicationStatus, ScreeningCriterion
from .filters import ApplicationFilterSet

if TYPE_CHECKING:
    from collections.abc import Mapping

    from prm.accounts.models import User

APPLICATION_SORTS = Sorts(
    {
        "-submitted": (F("created_at").desc(), F("id").desc()),
        "submitted": (F("created_at").asc(), F("id").asc()),
        "-fit": (F("fit_score").desc(nulls_last=True), F("created_at").asc()),
        "fit": (F("fit_score").asc(nulls_last=True), F("created_at").asc()),
        "company": (F("company_name").asc(), F("id").asc()),
        "-company": (F("company_name").desc(), F("id").desc()),
        "status": (F("status").asc(), F("id").asc()),
    },
    default="-submitted",
    aliases={"created_at": "submitted", "fit_score": "fit", "company_name": "company"},
)


def application_list(*, actor: User, params: Mapping, sort: str | None = None) -> ListResult:
    """The filtered, sorted applications the actor may see, and the filterset (for the form and its errors)."""
    return list_rows(
        actor=actor,
        queryset=Application.objects.select_related("duplicate_of_partner"),
        filterset_class=ApplicationFilterSet,
        params=params,
        sorts=APPLICATION_SORTS,
        sort=sort,
    )


def application_counts(*, user: User) -> dict[str, int]:
    """How many applications are in each status (one query), for the queue's tabs."""
    rows = tenancy.scope(Application.objects.all(), user).aggregate(
        **{s.value: Count("id", filter=Q(status=s.value)) for s in ApplicationStatus}
    )
    return rows


def screening_sheet(*, user: User, application: Application) -> list[dict[str, Any]]:
    """One row per active criterion with the application's score, if any (two queries)."""
    criteria = list(tenancy.scope(ScreeningCriterion.objects.filter(active=True), user))
    scores = {
        s.criterion_id: s
        for s in tenancy.scope(ApplicationScore.objects.filter(application=application), user).select_related(
            "scored_by"
        )
    }
    return [{"criterion": c, "score": scores.get(c.pk)} for c in criteria]
