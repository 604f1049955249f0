"""Reads for announcements and surveys. `satisfaction_index` is the NPS per partner that scorecards use."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from prm import tenancy
from prm.permissions import has_perm

from ..models import Announcement, AnnouncementRead, Partner, Survey, SurveyResponse

if TYPE_CHECKING:
    from collections.abc import Iterable

    from prm.accounts.models import User

PROMOTER_MIN = 9  # 9–10
DETRACTOR_MAX = 6  # 0–6


def nps(*, promoters: int, detractors: int, responses: int) -> Decimal | None:
    """Net Promoter Score: % promoters − % detractors, −100 to 100 (one decimal); None with no responses."""
    if not responses:
        return None
    return (Decimal(100 * (promoters - detractors)) / Decimal(responses)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def _nps_aggregates() -> dict[str, Any]:
    return {
        "responses": Count("id"),
        "promoters": Count("id", filter=Q(score__gte=PROMOTER_MIN)),
        "detractors": Count("id", filter=Q(score__lte=DETRACTOR_MAX)),
    }


def _with_nps(row: dict[str, Any]) -> dict[str, Any]:
    row["passives"] = row["responses"] - row["promoters"] - row["detractors"]
    row["nps"] = nps(promoters=row["promoters"], detractors=row["detractors"], responses=row["responses"])
    return row


def satisfaction_index(
    *, partner_ids: Iterable[int] | None = None, since: date | None = None, survey: Survey | None = None
) -> dict[int, dict[str, Any]]:
    """NPS per partner over its users' survey responses, in ONE aggregate query:
    `{partner_id: {"responses", "promoters", "passives", "detractors", "nps"}}`. Partners without responses
    are absent. A program-level read for staff and jobs (no tenancy: callers pass the partners)."""
    responses = SurveyResponse.objects.all()
    if partner_ids is not None:
        responses = responses.filter(partner_id__in=list(partner_ids))
    if since is not None:
        responses = responses.filter(created_at__date__gte=since)
    if survey is not None:
        responses = responses.filter(survey=survey)
    rows = responses.values("partner_id").annotate(**_nps_aggregates()).order_by()
    return {row.pop("partner_id"): _with_nps(row) for row in rows}


def survey_results(*, user: User, survey: Survey) -> dict[str, Any]:
    """The survey's page: overall NPS, the 0–10 distribution, NPS per partner and the latest comments."""
    responses = tenancy.scope(SurveyResponse.objects.filter(survey=survey), user)
    overall = _with_nps(responses.aggregate(**_nps_aggregates()))
    distribution = dict(responses.values_list("score").annotate(n=Count("id")).order_by())
    per_partner = satisfaction_index(survey=survey, partner_ids=None)
    partners = {p.pk: p for p in tenancy.scope(Partner.objects.filter(pk__in=per_partner), user).select_related("tier")}
    by_partner = sorted(
        ({"partner": partners[pid], **row} for pid, row in per_partner.items() if pid in partners),
        key=lambda r: (r["nps"], r["partner"].name),
    )
    top = max(distribution.values(), default=0)
    return {
        "overall": overall,
        "distribution": [
            {
                "score": s,
                "count": distribution.get(s, 0),
                "percent": (100 * distribution.get(s, 0) // top) if top else 0,
            }
            for s in range(11)
        ],
        "by_partner": by_partner,
        "comments": list(responses.exclude(comment="").select_related("partner", "user").order_by("-created_at")[:20]),
    }


def survey_list(*, user: User):
    """Surveys with their response count and NPS (one query)."""
    surveys = tenancy.scope(Survey.objects.all(), user).annotate(
        **{f"n_{k}": v for k, v in _survey_aggregates().items()}
    )
    result = []
    for s in surveys:
        s.stats = _with_nps({"responses": s.n_responses, "promoters": s.n_promoters, "detractors": s.n_detractors})
        result.append(s)
    return result


def _survey_aggregates() -> dict[str, Any]:
    return {
        "responses": Count("responses"),
        "promoters": Count("responses", filter=Q(responses__score__gte=PROMOTER_MIN)),
        "detractors": Count("responses", filter=Q(responses__score__lte=DETRACTOR_MAX)),
    }


def open_surveys_for(*, user: User) -> list[Survey]:
    """The surveys open today, each with the user's own answer (`my_response`) or None."""
    today = timezone.localdate()
    surveys = list(tenancy.scope(Survey.objects.filter(opens_on__lte=today, closes_on__gte=today), user))
    mine = {
        r.survey_id: r
        for r in tenancy.scope(SurveyResponse.objects.filter(user=user, survey__in=[s.pk for s in surveys]), user)
    }
    for s in surveys:
        s.my_response = mine.get(s.pk)
    return surveys


def announcements_for(*, user: User):
    """The announcements the user may see, newest first, with `is_read` for the user and, for staff,
    `read_count` (how many users opened it)."""
    queryset = tenancy.scope(Announcement.objects.all(), user).annotate(
        is_read=Exists(AnnouncementRead.objects.filter(announcement=OuterRef("pk"), user=user))
    )
    if has_perm(user, "announcement.manage") or has_perm(user, "portal.manager"):
        queryset = queryset.annotate(read_count=Count("reads", distinct=True))
    return queryset.prefetch_related("audience_tiers").order_by("-publish_at", "-id")


def unread_announcements(*, user: User, limit: int = 3) -> list[Announcement]:
    return list(announcements_for(user=user).filter(is_read=False)[:limit])
