"""Reads of the performance app for the API and the pages. Every function takes the caller: a partner user sees
only its own organization's scorecards (tenancy), staff see all."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from prm import tenancy
from prm.filters import ListResult, Sorts, list_rows

from . import engine
from .filters import ScorecardFilterSet, TierProposalFilterSet
from .kpis import KPIS
from .models import Scorecard, TierProposal
from .periods import Period

if TYPE_CHECKING:
    from collections.abc import Mapping

    from partners.models import Partner
    from prm.accounts.models import User

SCORECARD_SORTS = Sorts(
    {
        "period_start": ("period_start", "partner_id", "id"),
        "-period_start": ("-period_start", "partner_id", "id"),  # newest period first, its partners in order
        "score": ("score", "id"),
        "revenue_won": ("revenue_won", "id"),
    },
    default="-period_start",
)
TIER_PROPOSAL_SORTS = Sorts({"newest": ("-created_at", "-id"), "oldest": ("created_at", "id")}, default="newest")


def scorecards() -> QuerySet[Scorecard]:
    """Scorecards with what their serializer shows of other rows (partner name, recommended tier): no N+1."""
    return Scorecard.objects.select_related("partner", "recommended_tier")


def tier_proposals() -> QuerySet[TierProposal]:
    return TierProposal.objects.select_related("partner", "from_tier", "to_tier", "decided_by")


def kpi_list(*, actor: User) -> list[dict]:
    """Every KPI with its definition and the program's current weight and target (defaults unless an admin set
    them). The same for every caller: the words a scorecard is read by."""
    rules = engine.scoring_rules()
    return [
        {
            "key": kpi.key,
            "name": kpi.name,
            "definition": kpi.definition,
            "unit": kpi.unit,
            "flow": kpi.flow,
            "weight": rules[kpi.key][0],
            "target": rules[kpi.key][1],
        }
        for kpi in KPIS.values()
    ]


def scorecard_list(*, actor: User, params: Mapping | None, sort: str | None = None) -> ListResult:
    return list_rows(
        actor=actor,
        queryset=scorecards(),
        filterset_class=ScorecardFilterSet,
        params=params,
        sorts=SCORECARD_SORTS,
        sort=sort,
    )


def scorecard_current(*, actor: User, partner: Partner, kind: str, today: date | None = None) -> Scorecard | None:
    """The partner's scorecard of the open period of `kind` (month, quarter or ttm), if one was computed."""
    period = Period.containing(kind, today or timezone.localdate())
    return (
        tenancy.scope(scorecards(), actor)
        .filter(partner=partner, period_kind=period.kind, period_start=period.start)
        .first()
    )


def tier_proposal_list(*, actor: User, params: Mapping | None, sort: str | None = None) -> ListResult:
    return list_rows(
        actor=actor,
        queryset=tier_proposals(),
        filterset_class=TierProposalFilterSet,
        params=params,
        sorts=TIER_PROPOSAL_SORTS,
        sort=sort,
    )
