"""The scorecard engine: every KPI of performance/kpis.py for a set of partners and one period, set-based.

Each source is read with one grouped query for all the partners at once (deals, certifications, onboarding,
survey answers, activity, agreements), whatever their number: the full recalculation of 10,000 partners and the
incremental one of a single partner run the same code, only the partner filter differs. The deals query is one
pass with conditional aggregates (the period, the previous period, the three before it, the trailing twelve
months), converted to the program currency inside the query.

`compute()` reads and returns rows without writing; `write()` replaces the period's scorecards of those partners
in one transaction (a reader sees the old rows or the new ones, never half a period)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, Count, Exists, F, Max, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Greatest, TruncDate
from django.utils import timezone

from deals.models import Deal, DealStatus
from onboarding.models import Certification, OnboardingPlan, OnboardingStep, StepStatus
from partners.models import Agreement, Partner, PartnerStatus, SurveyResponse, Tier
from prm.money import rates_on, round_money

from .kpis import KPIS
from .models import (
    ENGAGEMENT_KINDS,
    ActivityKind,
    ChurnRisk,
    HealthStatus,
    PartnerActivity,
    PerformanceSettings,
    Scorecard,
    ScoringRule,
)
from .periods import TARGET_SCALE, Period, ttm_ending

ZERO = Decimal(0)
FRACTION = Decimal("0.0001")
TENTH = Decimal("0.1")
CENT = Decimal("0.01")
#: Health thresholds (the words in each reason say them too).
REGISTRATIONS_FALLING_RATIO = Decimal("0.5")  # registrations under half the trailing average (pro rata)
PIPELINE_SHRINKING_RATIO = Decimal("0.7")  # open pipeline under 70% of the previous period's end
CERTIFICATIONS_LAPSING_DAYS = 30
TRAILING_PERIODS = 3


# --- SQL pieces ----------------------------------------------------------------------------------------------


class DaysBetween(models.Func):
    """Whole days from `earlier` to `later` (two dates), on PostgreSQL and SQLite alike."""

    output_field = models.IntegerField()

    def __init__(self, later, earlier):
        super().__init__(later, earlier)

    def as_sql(self, compiler, connection, **extra):
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        return f"({later} - {earlier})", [*later_params, *earlier_params]

    def as_sqlite(self, compiler, connection, **extra):
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)", [*later_params, *earlier_params]


def in_program_currency(field: str, rates: dict[str, Decimal]) -> Case:
    """`field` times its row's exchange rate; NULL for a currency without one (left out of a sum)."""
    money = models.DecimalField(max_digits=30, decimal_places=10)
    return Case(
        *[When(currency=code, then=F(field) * Value(rate, output_field=money)) for code, rate in sorted(rates.items())],
        default=Value(None, output_field=money),
        output_field=money,
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _won_in(period: Period) -> Q:
    return Q(status=DealStatus.WON, closed_on__gte=period.start, closed_on__lte=period.end)


def _registered_in(start: date, end: date) -> Q:
    return Q(created_at__gte=_start_of(start), created_at__lt=_start_of(end + timedelta(days=1)))


def _open_at(day: date, today: date) -> Q:
    """Deals open (submitted or approved) at the end of `day`. For today that is the status; for a past day it is
    read from when each deal closed: its close date, its decision time, the end of its protection."""
    if day >= today:
        return Q(status__in=(DealStatus.SUBMITTED, DealStatus.APPROVED))
    next_day = _start_of(day + timedelta(days=1))
    closed_by_then = (
        Q(status__in=(DealStatus.WON, DealStatus.LOST), closed_on__lte=day)
        | Q(status=DealStatus.REJECTED, decided_at__lt=next_day)
        | Q(status=DealStatus.EXPIRED, protected_until__lt=day)
    )
    return Q(created_at__lt=next_day) & ~closed_by_then


# --- what one computation returns ----------------------------------------------------------------------------


@dataclass
class Computed:
    partner_id: int
    kpis: dict[str, Decimal | int]
    score: Decimal
    contributions: dict[str, Decimal]
    trend: dict[str, Any]
    health_status: str
    churn_risk: str
    health_reasons: list[dict[str, str]]
    compliance_flags: list[dict[str, str]]
    recommended_tier_id: int | None
    tier_path: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def scoring_rules() -> dict[str, tuple[Decimal, Decimal]]:
    """{kpi: (weight, quarterly target)}: the defaults of kpis.py, overridden by the program's rules."""
    rules = {key: (kpi.weight, kpi.target) for key, kpi in KPIS.items()}
    for rule in ScoringRule.objects.all():
        rules[rule.kpi] = (rule.weight, rule.target)
    return rules


def score_of(kpis: dict[str, Any], rules: dict[str, tuple[Decimal, Decimal]], kind: str) -> tuple[Decimal, dict]:
    """The weighted score 0–100 and each KPI's contribution in points. A KPI earns its weight in proportion to its
    value against its target (a flow KPI's target scaled to the period), capped at the target; a negative value
    (a net promoter score) earns nothing. The score is the sum of the exact points, rounded half up to 0.01."""
    total_weight = sum((weight for weight, _ in rules.values() if weight > 0), ZERO)
    if total_weight == 0:
        return ZERO.quantize(CENT), {}
    exact = ZERO
    contributions = {}
    for key, (weight, target) in rules.items():
        if weight <= 0:
            continue
        scaled = target * TARGET_SCALE[kind] if KPIS[key].flow else target
        value = Decimal(kpis.get(key) or 0)
        attained = min(max(value, ZERO) / scaled, Decimal(1)) if scaled > 0 else Decimal(1)
        points = Decimal(100) * weight * attained / total_weight
        exact += points
        contributions[key] = points.quantize(CENT, ROUND_HALF_UP)
    return min(exact.quantize(CENT, ROUND_HALF_UP), Decimal(100)), contributions


def _money(amount: Decimal | None) -> Decimal:
    return round_money(amount or ZERO, settings.PRM_PROGRAM_CURRENCY)


def format_money(amount: Decimal) -> str:
    amount = _money(amount)
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{text} {settings.PRM_PROGRAM_CURRENCY}"


def _plural(count: int | Decimal, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# --- the engine ----------------------------------------------------------------------------------------------


@dataclass
class Reference:
    """What every period of one run shares: tiers, scoring rules, settings and exchange rates (read once)."""

    tiers: list[dict]
    rules: dict[str, tuple[Decimal, Decimal]]
    inactivity_days: int
    _rates: dict[date, dict[str, Decimal]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Reference:
        tiers = list(
            Tier.objects.order_by("rank").values(
                "id", "name", "rank", "min_revenue", "min_won_deals", "min_certified_users"
            )
        )
        return cls(tiers, scoring_rules(), PerformanceSettings.load().inactivity_days)

    def rates(self, day: date) -> dict[str, Decimal]:
        if day not in self._rates:
            self._rates[day] = rates_on(day)
        return self._rates[day]


def compute(
    period: Period,
    partner_ids: Iterable[int] | None = None,
    *,
    today: date | None = None,
    ref: Reference | None = None,
) -> list[Computed]:
    """Every KPI, the score, health, compliance and tier recommendation of `period` for the partners (all of them
    but churned ones when None). Reads only."""
    today = today or timezone.localdate()
    ref = ref or Reference.load()
    partners = Partner.objects.exclude(status=PartnerStatus.CHURNED)
    if partner_ids is not None:
        partners = partners.filter(pk__in=list(partner_ids))
    partner_rows = list(partners.values("id", "tier_id", "status", "joined_on", "created_at"))
    if not partner_rows:
        return []
    ids = [row["id"] for row in partner_rows] if partner_ids is not None else None
    scope = _scope(ids)

    as_of = period.as_of(today)
    rates = ref.rates(as_of)
    deals = _deal_figures(period, scope, rates, today)
    repeat = _repeat_revenue(period, scope, rates)
    certs = _certifications(period, scope, as_of)
    onboarding = _onboarding(ids, today)
    nps = _satisfaction(period, scope)
    activity = _activity(period, scope, today)
    agreements = _agreements(scope, as_of)
    previous = {
        row["partner_id"]: row
        for row in Scorecard.objects.filter(
            scope, period_kind=period.kind, period_start=period.previous().start
        ).values("partner_id", "score", "kpis")
    }
    tiers, rules, inactivity_days = ref.tiers, ref.rules, ref.inactivity_days
    tier_by_id = {tier["id"]: tier for tier in tiers}

    results = []
    for row in partner_rows:
        pid = row["id"]
        d = deals.get(pid, {})
        kpis = _kpis(
            d, repeat.get(pid, ZERO), certs.get(pid, {}), onboarding.get(pid), nps.get(pid), activity.get(pid, {})
        )
        score, contributions = score_of(kpis, rules, period.kind)
        prev = previous.get(pid)
        trend = _trend(score, kpis, prev)
        reasons = _health_reasons(
            period, today, d, certs.get(pid, {}), onboarding.get(pid), activity.get(pid, {}), row, inactivity_days
        )
        tier = tier_by_id.get(row["tier_id"])
        flags = _compliance_flags(tier, certs.get(pid, {}), agreements.get(pid), onboarding.get(pid), today)
        ttm_revenue = _money(d.get("ttm_revenue"))
        ttm_won = d.get("ttm_won") or 0
        certified_users = certs.get(pid, {}).get("users", 0)
        recommended = _recommended_tier(tiers, ttm_revenue, ttm_won, certified_users)
        results.append(
            Computed(
                partner_id=pid,
                kpis=kpis,
                score=score,
                contributions=contributions,
                trend=trend,
                health_status=(HealthStatus.GREEN, HealthStatus.AMBER, HealthStatus.RED)[min(len(reasons), 2)],
                churn_risk=(ChurnRisk.LOW, ChurnRisk.MEDIUM, ChurnRisk.HIGH)[min(len(reasons), 2)],
                health_reasons=reasons,
                compliance_flags=flags,
                recommended_tier_id=recommended["id"] if recommended else None,
                tier_path=_tier_path(tiers, recommended, tier, ttm_revenue, ttm_won, certified_users),
                extra={
                    "tier_id": row["tier_id"],
                    "status": row["status"],
                    "ttm_won": ttm_won,
                    "ttm_revenue": format_money(ttm_revenue),
                },
            )
        )
    return results


def _deal_figures(period: Period, scope: Q, rates: dict[str, Decimal], today: date) -> dict[int, dict]:
    """One grouped pass over the partners' deals registered by the period's end."""
    previous = period.previous()
    trailing_start = period.shifted(-TRAILING_PERIODS).start
    ttm = ttm_ending(period.end)
    won = _won_in(period)
    won_amount = in_program_currency("won_amount", rates)
    amount = in_program_currency("amount", rates)
    cycle = Greatest(DaysBetween(F("closed_on"), TruncDate("created_at")), Value(0))
    rows = (
        Deal.objects.filter(scope, created_at__lt=_start_of(period.end + timedelta(days=1)))
        .values("partner_id")
        .annotate(
            registered=Count("id", filter=_registered_in(period.start, period.end)),
            approved=Count(
                "id",
                filter=Q(
                    approved_at__gte=_start_of(period.start), approved_at__lt=_start_of(period.end + timedelta(days=1))
                ),
            ),
            won=Count("id", filter=won),
            lost=Count("id", filter=Q(status=DealStatus.LOST, closed_on__gte=period.start, closed_on__lte=period.end)),
            revenue=Sum(won_amount, filter=won),
            cycle_days=Sum(cycle, filter=won),
            pipeline=Sum(amount, filter=_open_at(period.end, today)),
            pipeline_before=Sum(amount, filter=_open_at(previous.end, today)),
            registered_trailing=Count("id", filter=_registered_in(trailing_start, period.start - timedelta(days=1))),
            revenue_before=Sum(won_amount, filter=_won_in(previous)),
            ttm_won=Count("id", filter=_won_in(ttm)),
            ttm_revenue=Sum(won_amount, filter=_won_in(ttm)),
        )
        .order_by()
    )
    return {row["partner_id"]: row for row in rows}


def _repeat_revenue(period: Period, scope: Q, rates: dict[str, Decimal]) -> dict[int, Decimal]:
    """Won revenue of the period from customers the partner had won before (an earlier close date, or the same
    day and a lower number)."""
    earlier_win = Deal.objects.filter(
        partner_id=OuterRef("partner_id"), customer_id=OuterRef("customer_id"), status=DealStatus.WON
    ).filter(Q(closed_on__lt=OuterRef("closed_on")) | Q(closed_on=OuterRef("closed_on"), id__lt=OuterRef("id")))
    rows = (
        Deal.objects.filter(scope, _won_in(period))
        .filter(Exists(earlier_win))
        .values("partner_id")
        .annotate(revenue=Sum(in_program_currency("won_amount", rates)))
        .order_by()
    )
    return {row["partner_id"]: row["revenue"] or ZERO for row in rows}


def _certifications(period: Period, scope: Q, as_of: date) -> dict[int, dict]:
    previous_end = period.previous().end
    lapse_by = as_of + timedelta(days=CERTIFICATIONS_LAPSING_DAYS)
    active = Q(issued_on__lte=as_of, expires_on__gte=as_of)
    rows = (
        Certification.objects.filter(scope, issued_on__lte=as_of)
        .values("partner_id")
        .annotate(
            active=Count("id", filter=active),
            users=Count("user_id", filter=active, distinct=True),
            active_before=Count("id", filter=Q(issued_on__lte=previous_end, expires_on__gte=previous_end)),
            lapsing=Count("id", filter=Q(expires_on__gte=as_of, expires_on__lt=lapse_by)),
        )
        .order_by()
    )
    return {row["partner_id"]: row for row in rows}


def _scope(ids: list[int] | None, path: str = "partner_id") -> Q:
    """All partners (None), or these ones: the only difference between the full and the incremental run."""
    return Q() if ids is None else Q(**{f"{path}__in": ids})


def _onboarding(ids: list[int] | None, today: date) -> dict[int, dict]:
    plans = {
        row["partner_id"]: {
            "progress": row["progress_percent"],
            "complete": row["completed_at"] is not None,
            "stuck_since": row["stuck_since"],
            "overdue": 0,
        }
        for row in OnboardingPlan.objects.filter(_scope(ids)).values(
            "partner_id", "progress_percent", "completed_at", "stuck_since"
        )
    }
    for row in (
        OnboardingStep.objects.filter(_scope(ids, "plan__partner_id"), status=StepStatus.OPEN, due_on__lt=today)
        .values("plan__partner_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if row["plan__partner_id"] in plans:
            plans[row["plan__partner_id"]]["overdue"] = row["n"]
    return plans


def _satisfaction(period: Period, scope: Q) -> dict[int, dict]:
    rows = (
        SurveyResponse.objects.filter(scope, _registered_in(period.start, period.end))
        .values("partner_id")
        .annotate(
            answers=Count("id"),
            promoters=Count("id", filter=Q(score__gte=9)),
            detractors=Count("id", filter=Q(score__lte=6)),
        )
        .order_by()
    )
    return {row["partner_id"]: row for row in rows}


def _activity(period: Period, scope: Q, today: date) -> dict[int, dict]:
    in_period = Q(at__gte=_start_of(period.start), at__lt=_start_of(period.end + timedelta(days=1)))
    rows = (
        PartnerActivity.objects.filter(scope, at__lt=_start_of(max(period.end, today) + timedelta(days=1)))
        .values("partner_id")
        .annotate(
            engagement=Count("id", filter=in_period & Q(kind__in=ENGAGEMENT_KINDS)),
            accepted=Count("id", filter=in_period & Q(kind=ActivityKind.LEAD_ACCEPTED)),
            answered=Count(
                "id",
                filter=in_period
                & Q(kind__in=(ActivityKind.LEAD_ACCEPTED, ActivityKind.LEAD_DECLINED, ActivityKind.LEAD_LAPSED)),
            ),
            last_sign_in=Max(
                "at", filter=Q(kind=ActivityKind.SIGN_IN, at__lt=_start_of(period.as_of(today) + timedelta(days=1)))
            ),
        )
        .order_by()
    )
    return {row["partner_id"]: row for row in rows}


def _agreements(scope: Q, as_of: date) -> dict[int, dict]:
    soon = as_of + timedelta(days=settings.PRM_AGREEMENT_REMINDER_DAYS)
    in_force = Q(starts_on__lte=as_of) & (Q(expires_on__isnull=True) | Q(expires_on__gte=as_of))
    rows = (
        Agreement.objects.filter(scope)
        .values("partner_id")
        .annotate(
            total=Count("id"),
            in_force=Count("id", filter=in_force),
            expiring=Count("id", filter=in_force & Q(expires_on__lte=soon, auto_renew=False)),
            open_ended_or_renewing=Count(
                "id", filter=in_force & (Q(expires_on__isnull=True) | Q(expires_on__gt=soon) | Q(auto_renew=True))
            ),
            last_expired=Max("expires_on", filter=Q(expires_on__lt=as_of)),
        )
        .order_by()
    )
    return {row["partner_id"]: row for row in rows}


def _ratio(numerator: Decimal | int, denominator: Decimal | int, places: Decimal) -> Decimal:
    if not denominator:
        return ZERO.quantize(places)
    return (Decimal(numerator) / Decimal(denominator)).quantize(places, ROUND_HALF_UP)


def _kpis(d: dict, repeat: Decimal, certs: dict, onboarding: dict | None, nps: dict | None, activity: dict) -> dict:
    won = d.get("won") or 0
    lost = d.get("lost") or 0
    registered = d.get("registered") or 0
    revenue_exact = d.get("revenue") or ZERO
    average_exact = revenue_exact / won if won else ZERO
    win_rate_exact = Decimal(won) / Decimal(won + lost) if won + lost else ZERO
    cycle_exact = Decimal(d.get("cycle_days") or 0) / won if won else ZERO
    velocity_exact = Decimal(registered) * average_exact * win_rate_exact / max(cycle_exact, Decimal(1))
    repeat = min(repeat, revenue_exact)
    answers = (nps or {}).get("answers") or 0
    nps_value = (Decimal(100) * (nps["promoters"] - nps["detractors"]) / answers if answers else ZERO).quantize(
        TENTH, ROUND_HALF_UP
    )
    return {
        "deals_registered": registered,
        "deals_approved": d.get("approved") or 0,
        "deals_won": won,
        "deals_lost": lost,
        "revenue_won": _money(revenue_exact),
        "average_deal_size": _money(average_exact),
        "win_rate": win_rate_exact.quantize(FRACTION, ROUND_HALF_UP),
        "average_sales_cycle_days": cycle_exact.quantize(TENTH, ROUND_HALF_UP),
        "sales_velocity": _money(velocity_exact),
        "open_pipeline": _money(d.get("pipeline")),
        "net_new_revenue": _money(revenue_exact - repeat),
        "repeat_revenue": _money(repeat),
        "lead_acceptance_rate": _ratio(activity.get("accepted") or 0, activity.get("answered") or 0, FRACTION),
        "active_certifications": certs.get("active") or 0,
        "certified_users": certs.get("users") or 0,
        "onboarding_progress": onboarding["progress"] if onboarding else 100,
        "satisfaction_index": nps_value,
        "portal_engagement": activity.get("engagement") or 0,
    }


def _trend(score: Decimal, kpis: dict, previous: dict | None) -> dict[str, Any]:
    if previous is None:
        return {"previous_score": None, "score_change": None, "kpis": {}}
    changes = {}
    for key, value in kpis.items():
        before = previous["kpis"].get(key)
        if before is not None:
            changes[key] = str(Decimal(value) - Decimal(str(before)))
    return {
        "previous_score": str(previous["score"]),
        "score_change": str(score - previous["score"]),
        "kpis": changes,
    }


def _health_reasons(
    period: Period,
    today: date,
    d: dict,
    certs: dict,
    onboarding: dict | None,
    activity: dict,
    partner: dict,
    inactivity_days: int,
) -> list[dict[str, str]]:
    """Leading indicators, each a reason in words: they move before revenue does."""
    reasons = []
    noun = {"month": "month", "quarter": "quarter", "ttm": "twelve months"}[period.kind]
    trailing_average = Decimal(d.get("registered_trailing") or 0) / TRAILING_PERIODS
    expected = trailing_average * period.elapsed_fraction(today)
    registered = d.get("registered") or 0
    if expected >= 1 and registered < expected * REGISTRATIONS_FALLING_RATIO:
        reasons.append(
            {
                "code": "registrations_falling",
                "text": f"{_plural(registered, 'deal')} registered this {noun}, under half the pace of the previous "
                f"three (an average of {trailing_average.quantize(TENTH)} per {noun}).",
            }
        )
    before = d.get("pipeline_before") or ZERO
    now = d.get("pipeline") or ZERO
    if before > 0 and now < before * PIPELINE_SHRINKING_RATIO:
        reasons.append(
            {
                "code": "pipeline_shrinking",
                "text": f"Open pipeline fell from {format_money(before)} to {format_money(now)} since the previous "
                f"{noun} ended.",
            }
        )
    lapsing = certs.get("lapsing") or 0
    if lapsing or (certs.get("active") or 0) < (certs.get("active_before") or 0):
        text = (
            f"{_plural(lapsing, 'certification')} expire within {CERTIFICATIONS_LAPSING_DAYS} days."
            if lapsing
            else f"Active certifications fell from {certs.get('active_before')} to {certs.get('active') or 0}."
        )
        reasons.append({"code": "certifications_lapsing", "text": text})
    last = activity.get("last_sign_in")
    as_of = period.as_of(today)
    partner_age = (as_of - partner["joined_on"]).days
    if last is None and partner_age >= inactivity_days:
        reasons.append({"code": "no_sign_ins", "text": f"No one has signed in for at least {inactivity_days} days."})
    elif last is not None and (as_of - timezone.localdate(last)).days >= inactivity_days:
        days = (as_of - timezone.localdate(last)).days
        reasons.append({"code": "no_sign_ins", "text": f"No one has signed in for {days} days."})
    if onboarding and not onboarding["complete"] and onboarding["overdue"]:
        reasons.append(
            {
                "code": "onboarding_overdue",
                "text": f"{_plural(onboarding['overdue'], 'onboarding step')} overdue "
                f"({onboarding['progress']}% done).",
            }
        )
    return reasons


def _compliance_flags(
    tier: dict | None, certs: dict, agreements: dict | None, onboarding: dict | None, today: date
) -> list[dict[str, str]]:
    flags = []
    users = certs.get("users") or 0
    if tier and users < tier["min_certified_users"]:
        flags.append(
            {
                "code": "certified_users_below_tier",
                "text": f"{_plural(users, 'certified user')}; {tier['name']} requires {tier['min_certified_users']}.",
            }
        )
    if agreements:
        if not agreements["in_force"] and agreements["last_expired"]:
            flags.append(
                {
                    "code": "agreement_expired",
                    "text": f"No agreement in force: the last one expired on {agreements['last_expired']}.",
                }
            )
        elif agreements["expiring"] and not agreements["open_ended_or_renewing"]:
            flags.append(
                {
                    "code": "agreement_expiring",
                    "text": f"{_plural(agreements['expiring'], 'agreement')} expiring within "
                    f"{settings.PRM_AGREEMENT_REMINDER_DAYS} days, none renewing.",
                }
            )
    if onboarding and not onboarding["complete"] and onboarding["stuck_since"]:
        flags.append(
            {
                "code": "onboarding_stalled",
                "text": f"Onboarding stalled since {onboarding['stuck_since']} ({onboarding['progress']}% done).",
            }
        )
    return flags


def _qualifies(tier: dict, revenue: Decimal, won: int, certified_users: int) -> bool:
    return (
        revenue >= tier["min_revenue"]
        and won >= tier["min_won_deals"]
        and certified_users >= tier["min_certified_users"]
    )


def _recommended_tier(tiers: list[dict], revenue: Decimal, won: int, certified_users: int) -> dict | None:
    """The highest tier whose requirements the trailing twelve months meet."""
    qualified = [tier for tier in tiers if _qualifies(tier, revenue, won, certified_users)]
    return qualified[-1] if qualified else None


def _tier_path(
    tiers: list[dict], recommended: dict | None, current: dict | None, revenue: Decimal, won: int, certified_users: int
) -> dict[str, Any]:
    """What is missing, in plain words: to keep the current tier when the trailing twelve months no longer meet it,
    otherwise to reach the next tier above both the current and the recommended one."""
    if current and (recommended is None or current["rank"] > recommended["rank"]):
        target, goal = current, "keep"
    else:
        floor = max((t["rank"] for t in (recommended, current) if t), default=-1)
        above = [tier for tier in tiers if tier["rank"] > floor]
        if not above:
            name = (current or recommended or {}).get("name", "")
            return {
                "next_tier": None,
                "goal": "top",
                "missing": [],
                "text": f"{name} is the highest tier, and the trailing twelve months meet it." if name else "",
            }
        target, goal = above[0], "reach"
    missing = []
    if certified_users < target["min_certified_users"]:
        gap = target["min_certified_users"] - certified_users
        missing.append(
            {
                "kpi": "certified_users",
                "amount": str(gap),
                "text": f"{gap} more certified {'user' if gap == 1 else 'users'}",
            }
        )
    if won < target["min_won_deals"]:
        gap = target["min_won_deals"] - won
        missing.append(
            {"kpi": "deals_won", "amount": str(gap), "text": f"{gap} more won {'deal' if gap == 1 else 'deals'}"}
        )
    if revenue < target["min_revenue"]:
        gap = _money(target["min_revenue"] - revenue)
        missing.append({"kpi": "revenue_won", "amount": str(gap), "text": f"{format_money(gap)} more won revenue"})
    parts = [item["text"] for item in missing]
    if not parts:
        text = f"You meet every requirement of {target['name']}; the change is proposed at the next recalculation."
    else:
        joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        text = f"{joined} to {goal} {target['name']} (over the trailing twelve months)."
    return {"next_tier": {"id": target["id"], "name": target["name"]}, "goal": goal, "missing": missing, "text": text}


# --- writing -------------------------------------------------------------------------------------------------


def _jsonable(values: dict) -> dict:
    return {key: (str(value) if isinstance(value, Decimal) else value) for key, value in values.items()}


def write(period: Period, computed: list[Computed], *, now: datetime | None = None) -> int:
    """Upsert the period's scorecards of these partners (one per partner); the caller holds the transaction."""
    now = now or timezone.now()
    rows = [
        Scorecard(
            partner_id=c.partner_id,
            period_kind=period.kind,
            period_start=period.start,
            period_end=period.end,
            computed_at=now,
            score=c.score,
            revenue_won=c.kpis["revenue_won"],
            open_pipeline=c.kpis["open_pipeline"],
            deals_won=c.kpis["deals_won"],
            kpis=_jsonable(c.kpis),
            contributions=_jsonable(c.contributions),
            trend=c.trend,
            health_status=c.health_status,
            churn_risk=c.churn_risk,
            health_reasons=c.health_reasons,
            compliance_flags=c.compliance_flags,
            recommended_tier_id=c.recommended_tier_id,
            tier_path=c.tier_path,
        )
        for c in sorted(computed, key=lambda c: c.partner_id)  # one lock order for concurrent runs
    ]
    Scorecard.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["partner", "period_kind", "period_start"],
        update_fields=[
            "period_end",
            "computed_at",
            "score",
            "revenue_won",
            "open_pipeline",
            "deals_won",
            "kpis",
            "contributions",
            "trend",
            "health_status",
            "churn_risk",
            "health_reasons",
            "compliance_flags",
            "recommended_tier",
            "tier_path",
        ],
    )
    return len(rows)


Progress = Callable[[int, str], None]


def recalculate(
    *,
    partner_ids: Iterable[int] | None = None,
    periods: list[Period] | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    propose: bool = True,
) -> int:
    """Compute, then write every period in one transaction; propose tier changes from the current quarter.
    Returns the number of scorecards written. Re-running it writes the same values (only computed_at moves)."""
    from .proposals import proposals_refresh

    today = today or timezone.localdate()
    partner_ids = list(partner_ids) if partner_ids is not None else None
    periods = periods or current_periods(today)
    ref = Reference.load()
    computed = []
    for index, period in enumerate(periods):
        if progress:
            progress(int(90 * index / len(periods)), f"Computing {period.label}")
        computed.append((period, compute(period, partner_ids, today=today, ref=ref)))
    if progress:
        progress(90, "Saving the scorecards")
    written = 0
    with transaction.atomic():
        for period, rows in computed:
            written += write(period, rows)
        if propose:
            quarter = Period.containing("quarter", today)
            for period, rows in computed:
                if period == quarter:
                    proposals_refresh(rows)
    if progress:
        progress(100, f"{written} scorecards saved")
    return written


def current_periods(today: date) -> list[Period]:
    return [Period.containing(kind, today) for kind in ("month", "quarter", "ttm")]
