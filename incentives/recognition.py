"""Recognition: badges granted by rule (set-based, for every partner at once or for one partner after its event) or
by hand, and the leaderboards read from the stored scorecards.

A rule badge is granted once per partner (a unique constraint; a second run adds nothing) and never taken back:
it says the partner did it once. The leaderboard is the same for every viewer — a partner sees the names and
figures of the top partners, as the program publishes them — so it is read past tenancy on purpose."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, DecimalField, F, Q, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, NullIf
from django.utils import timezone

from deals.models import Deal, DealStatus
from onboarding.models import Certification
from performance.models import Scorecard
from performance.periods import KINDS, QUARTER, TTM, Period
from prm.errors import Conflict
from prm.events.models import OutboxEvent
from prm.events.services import event_emit
from prm.permissions import require_perm
from prm.services import service

from .models import Award, Badge, BadgeRule

if TYPE_CHECKING:
    from collections.abc import Iterable

    from partners.models import Partner
    from prm.accounts.models import User

logger = logging.getLogger(__name__)

#: The badges the rules grant: created on the first run when missing (a program admin may rename them later).
DEFAULT_BADGES = {
    BadgeRule.FIRST_DEAL_WON: ("First deal won", "The partner's first won deal.", "trophy"),
    BadgeRule.TEN_DEALS_WON: ("10 deals won", "Ten won deals.", "stars"),
    BadgeRule.TEN_CERTIFIED_USERS: ("10 certified users", "Ten users holding a valid certification.", "mortarboard"),
    BadgeRule.MILLION_REVENUE: ("Million seller", "1,000,000 won in twelve months.", "gem"),
    BadgeRule.TOP_SCORE: ("Top scorer", "A quarter's score of 80 or more.", "award"),
}
TOP_SCORE = Decimal("80")
MILLION = Decimal("1000000")


def default_badges() -> dict[str, Badge]:
    """{rule: badge} for every rule, creating the default badge of a rule that has none."""
    badges = {badge.rule: badge for badge in Badge.objects.exclude(rule=BadgeRule.BY_HAND).order_by("id")}
    for rule, (name, description, icon) in DEFAULT_BADGES.items():
        if rule not in badges:
            badges[rule], _ = Badge.objects.get_or_create(
                name=name, defaults={"rule": rule, "description": description, "icon": icon}
            )
    return badges


def _qualifying(rule: str, partner_ids: Iterable[int] | None, today: date):
    """The ids of the partners meeting `rule`, as one query (a values list to use as a subquery)."""
    if rule in (BadgeRule.FIRST_DEAL_WON, BadgeRule.TEN_DEALS_WON):
        least = 1 if rule == BadgeRule.FIRST_DEAL_WON else 10
        rows = Deal.objects.filter(status=DealStatus.WON).values("partner_id").annotate(n=Count("id"))
        rows = rows.filter(n__gte=least)
    elif rule == BadgeRule.TEN_CERTIFIED_USERS:
        rows = Certification.objects.active(today).values("partner_id").annotate(n=Count("user_id", distinct=True))
        rows = rows.filter(n__gte=10)
    elif rule == BadgeRule.MILLION_REVENUE:
        rows = Scorecard.objects.filter(period_kind=TTM, revenue_won__gte=MILLION).values("partner_id").distinct()
    elif rule == BadgeRule.TOP_SCORE:
        rows = Scorecard.objects.filter(period_kind=QUARTER, score__gte=TOP_SCORE).values("partner_id").distinct()
    else:
        return None
    if partner_ids is not None:
        rows = rows.filter(partner_id__in=list(partner_ids))
    return rows.order_by().values_list("partner_id", flat=True)


def badges_grant_by_rule(*, partner_ids: Iterable[int] | None = None, today: date | None = None) -> int:
    """Grant every rule badge to the partners meeting its rule (all partners, or only `partner_ids`) that do not
    hold it yet: one query per rule for who qualifies, one insert per rule. An award.granted event per new award.
    Running it again grants nothing. Returns the number of awards made."""
    today = today or timezone.localdate()
    partner_ids = list(partner_ids) if partner_ids is not None else None
    made = 0
    with transaction.atomic():
        for rule, badge in default_badges().items():
            qualifying = _qualifying(rule, partner_ids, today)
            if qualifying is None:
                continue
            held = Award.objects.filter(badge=badge).values("partner_id")
            new_ids = list(qualifying.exclude(partner_id__in=held))
            if not new_ids:
                continue
            reason = f"By rule: {BadgeRule(rule).label}."
            Award.objects.bulk_create(
                [Award(partner_id=pk, badge=badge, reason=reason) for pk in new_ids], ignore_conflicts=True
            )
            for award in Award.objects.filter(badge=badge, partner_id__in=new_ids).select_related("badge"):
                _emit(award, actor=None)
            made += len(new_ids)
    logger.info("badges.granted_by_rule", extra={"made": made, "partners": len(partner_ids or []) or "all"})
    return made


def _emit(award: Award, actor) -> None:
    event_emit(
        name="award.granted",
        instance=award,
        actor=actor,
        payload={"id": award.pk, "badge": award.badge_id, "name": award.badge.name, "by_hand": actor is not None},
    )


@service
def award_grant(*, actor: User, partner: Partner, badge: Badge, reason: str = "") -> Award:
    """A manager grants a badge by hand (once per partner and badge: a second grant is a 409)."""
    require_perm(actor, "award.grant", "Only the vendor's partner managers grant badges.")
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise ValidationError({"reason": "Keep the reason within 300 characters."})
    if Award.objects.filter(partner=partner, badge=badge).exists():
        raise Conflict(f"{partner.name} already holds “{badge.name}”.")
    try:
        with transaction.atomic():
            award = Award.objects.create(partner=partner, badge=badge, reason=reason, granted_by=actor)
    except IntegrityError:
        raise Conflict(f"{partner.name} already holds “{badge.name}”.") from None
    _emit(award, actor=actor)
    logger.info("award.granted", extra={"partner_id": partner.pk, "badge_id": badge.pk})
    return award


def partner_awards(partner: Partner) -> list[Award]:
    """A partner's badges, newest first, in one query (the portal home and the manager's partner page)."""
    return list(Award.objects.filter(partner_id=partner.pk).select_related("badge"))


# --- leaderboards --------------------------------------------------------------------------------------------

METRICS = {
    "revenue_won": "Won revenue",
    "growth": "Growth",
    "certifications": "Certifications",
    "score": "Score",
}
DEFAULT_METRIC = "revenue_won"


def _json_number(path: str):
    # NullIf: SQLite's text of a JSON null is "null" (PostgreSQL's is NULL); a missing key is NULL on both
    return Cast(NullIf(KT(path), Value("null")), output_field=DecimalField(max_digits=16, decimal_places=2))


def _metric_value(metric: str):
    if metric == "revenue_won":
        return F("revenue_won")
    if metric == "score":
        return F("score")
    if metric == "growth":
        return _json_number("trend__kpis__revenue_won")  # won revenue against the previous period
    if metric == "certifications":
        return _json_number("kpis__active_certifications")
    raise ValueError(metric)


@dataclass(frozen=True)
class Board:
    metric: str
    period: Period
    rows: list[Scorecard]  # each with .value and .rank
    own: Scorecard | None  # the viewing partner's row when it is not in `rows`


def leaderboard_period(kind: str | None, start, today: date) -> Period:
    """The period a board shows: `kind` (default the quarter) containing `start` (default today). Raises
    ValueError for an unknown kind or a day no period holds."""
    kind = kind or QUARTER
    if kind not in KINDS:
        raise ValueError(f"unknown period kind {kind!r}")
    if not start:
        return Period.containing(kind, today)
    start = start if isinstance(start, date) else date.fromisoformat(str(start))
    return Period.starting(TTM, start.replace(day=1)) if kind == TTM else Period.containing(kind, start)


def leaderboard(
    *,
    actor: User,
    metric: str = DEFAULT_METRIC,
    period_kind: str | None = None,
    period_start=None,
    limit: int = 20,
    today: date | None = None,
) -> Board:
    """The top `limit` partners of one period by `metric` (revenue_won, growth, certifications, score), from the
    stored scorecards in one query; ties by partner name. A partner viewing it also gets its own row and rank
    when it is outside the top (two more queries)."""
    require_perm(actor, "recognition.view")
    if metric not in METRICS:
        raise ValidationError({"metric": f"Choose one of: {', '.join(METRICS)}."})
    period = leaderboard_period(period_kind, period_start, today or timezone.localdate())
    cards = (
        Scorecard.objects.filter(period_kind=period.kind, period_start=period.start)
        .annotate(value=_metric_value(metric))
        .filter(value__isnull=False)
    )
    rows = list(
        cards.select_related("partner__tier").order_by(F("value").desc(), "partner__name", "id")[: max(1, limit)]
    )
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    own = None
    partner_id = getattr(actor, "partner_id", None)
    if partner_id and not any(row.partner_id == partner_id for row in rows):
        own = cards.select_related("partner__tier").filter(partner_id=partner_id).first()
        if own is not None:
            own.rank = cards.filter(Q(value__gt=own.value)).count() + 1
    return Board(metric=metric, period=period, rows=rows, own=own)


# --- jobs ----------------------------------------------------------------------------------------------------


@shared_task(name="incentives.grant_badges", acks_late=True)
def grant_badges() -> int:
    """Every partner, every rule badge (daily)."""
    return badges_grant_by_rule()


@shared_task(name="incentives.grant_partner_badges", acks_late=True)
def grant_partner_badges(event_id: int) -> int:
    """A deal won or a certification issued: the rules for that event's partner only (idempotent)."""
    event = OutboxEvent.objects.filter(pk=event_id).first()
    if event is None or not event.partner_id:
        return 0
    return badges_grant_by_rule(partner_ids=[event.partner_id])
