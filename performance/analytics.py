"""Program analytics: the figures of the manager dashboard, `GET /api/v1/analytics/program/` and its CSV.

Every figure is set-based: one grouped query per source for the whole program, whatever the number of partners
(eight queries in all, pinned in tests/performance/test_analytics.py; the result is shared for a few minutes, see
`program_analytics`), and each comes with its definition in
words (`definitions`), which the page prints beside it. Money is in the program currency at today's exchange
rates (prm.money): sums are grouped by currency in SQL and converted once per currency here, or converted per row
(engine.in_program_currency) where a figure multiplies a partner's own amount; a currency without a rate is left
out of a sum, never counted as zero. Program analytics are for staff only (`analytics.view`); they cover the whole
program, which is what staff see."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, F, IntegerField, Max, Min, Q, Sum, Value, When
from django.db.models.functions import Greatest, NullIf, TruncMonth
from django.utils import timezone
from django_countries import countries

from deals.models import ACTIVE_STATUSES, Deal, DealStatus
from partners.models import Partner, PartnerStatus, PartnerType, Tier
from prm.money import rates_on, round_money
from prm.permissions import require_perm

from .engine import DaysBetween, in_program_currency
from .models import HealthStatus, Scorecard
from .periods import MONTH, QUARTER, TTM, Period

__all__ = [
    "CACHE_SECONDS",
    "SCORE_BUCKETS",
    "compute_program_analytics",
    "program_analytics",
    "program_analytics_refresh",
]

FRACTION = Decimal("0.0001")
TENTH = Decimal("0.1")
#: How many complete quarters a partner must have closed a deal in to count as consistently closing.
CLOSING_QUARTERS = 4
#: Score buckets of the distribution: [0, 10), [10, 20), ..., [90, 100] (a score of 100 is in the last one).
SCORE_BUCKETS = [(low, low + 10) for low in range(0, 100, 10)]
NO_TIER = "No tier"
#: How long computed figures are shared before the next request recomputes them.
CACHE_SECONDS = 300


def _fraction(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    """numerator / denominator to four places, or None when there is nothing to divide by (no figure, not 0)."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(FRACTION, ROUND_HALF_UP)


def _money(amount: Decimal) -> Decimal:
    return round_money(amount, settings.PRM_PROGRAM_CURRENCY)


def _convert_sums(rows, rates: dict[str, Decimal], key, amount_field: str) -> dict[Any, Decimal]:
    """{key(row): exact sum in the program currency} of rows grouped by currency; unknown currencies left out."""
    totals: dict[Any, Decimal] = defaultdict(Decimal)
    for row in rows:
        rate, amount = rates.get(row["currency"]), row[amount_field]
        totals[key(row)] += amount * rate if rate is not None and amount is not None else Decimal(0)
    return totals


def _period(period: Period) -> dict[str, Any]:
    return {"start": period.start, "end": period.end, "label": period.label}


def program_analytics(*, actor, today: date | None = None, fresh: bool = False) -> dict[str, Any]:
    """The program's figures as of `today` (see the module's docstring and each figure's definition).

    They are the same for every member of staff, so they are computed once and shared for CACHE_SECONDS: over a
    million deals the grouped queries take seconds, the dashboard must answer in 300 ms. `computed_at` says
    how old they are; `fresh` recomputes them now."""
    require_perm(actor, "analytics.view")
    today = today or timezone.localdate()
    figures = None if fresh else cache.get(_cache_key(today))
    if figures is None:
        figures = program_analytics_refresh(today=today)
    return figures


def _cache_key(today: date) -> str:
    return f"performance:program-analytics:{settings.PRM_PROGRAM_CURRENCY}:{today.isoformat()}"


def program_analytics_refresh(*, today: date | None = None) -> dict[str, Any]:
    """Compute the figures and share them. Beat runs this more often than they expire (schedule.py), so a member
    of staff opening the dashboard finds them ready instead of waiting seconds for them."""
    today = today or timezone.localdate()
    figures = compute_program_analytics(today)
    cache.set(_cache_key(today), figures, CACHE_SECONDS)
    return figures


def compute_program_analytics(today: date) -> dict[str, Any]:
    """The figures computed now, from the deals, partners and scorecards (eight queries)."""
    currency = settings.PRM_PROGRAM_CURRENCY
    rates = rates_on(today)
    quarter = Period.containing(QUARTER, today)
    previous = quarter.previous()
    closing = [quarter.shifted(-step) for step in range(CLOSING_QUARTERS, 0, -1)]  # oldest first
    ttm = Period.containing(TTM, today)
    next_quarter = quarter.shifted(1)
    tiers = list(Tier.objects.order_by("rank").values("id", "name"))

    active = _active_partners(tiers)
    partners = _partner_figures(quarter, previous, closing, ttm, rates)
    months = [Period.containing(MONTH, ttm.start).shifted(step) for step in range(12)]
    result = {
        "as_of": today,
        "computed_at": timezone.now(),
        "currency": currency,
        "periods": {
            "current_quarter": _period(quarter),
            "previous_quarter": _period(previous),
            "closing_quarters": [_period(period) for period in closing],
            "trailing_twelve_months": _period(ttm),
            "next_quarter": _period(next_quarter),
        },
        "active_partners": active,
        "attrition_rate": _fraction(partners["attrited"], partners["producing_before"]),
        "attrition": {"previously_producing": partners["producing_before"], "attrited": partners["attrited"]},
        "consistently_closing_share": _fraction(partners["consistent"], active["total"]),
        "consistently_closing": {"partners": partners["consistent"], "active_partners": active["total"]},
        "median_days_to_first_win": _median_days_to_first_win(),
        "pipeline_by_status": _pipeline_by_status(rates),
        "revenue_by_tier": _revenue_by_tier(tiers, months, rates),
        **_scorecard_distributions(quarter),
        "forecast": {
            "amount": _money(partners["forecast"] or Decimal(0)),
            "currency": currency,
            "period": _period(next_quarter),
            "method": (
                f"For each partner that has not churned: the amount of its open deals (submitted or approved) "
                f"today, in {currency} at today's exchange rates, times its win rate over the trailing twelve "
                f"months ({ttm.start:%b %Y} to {ttm.end:%b %Y}: deals won ÷ deals won or lost; 0 for a partner "
                f"that closed nothing), summed over the partners. It assumes the open pipeline closes in "
                f"{next_quarter.label} at each partner's own past rate."
            ),
        },
    }
    result["definitions"] = _definitions(quarter, previous, closing, ttm, currency)
    return result


def _active_partners(tiers: list[dict]) -> dict[str, Any]:
    """Active partners (status active) by tier, by type and by region, from one grouped query."""
    rows = (
        Partner.objects.filter(status=PartnerStatus.ACTIVE)
        .values("tier_id", "partner_type", "country")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_tier: dict[int | None, int] = defaultdict(int)
    by_type: dict[str, int] = defaultdict(int)
    by_region: dict[str, int] = defaultdict(int)
    total = 0
    for row in rows:
        total += row["n"]
        by_tier[row["tier_id"]] += row["n"]
        by_type[row["partner_type"]] += row["n"]
        by_region[str(row["country"])] += row["n"]
    tier_rows = [{"key": tier["id"], "label": tier["name"], "count": by_tier.get(tier["id"], 0)} for tier in tiers]
    if by_tier.get(None):
        tier_rows.append({"key": None, "label": NO_TIER, "count": by_tier[None]})
    type_labels = dict(PartnerType.choices)
    return {
        "total": total,
        "by_tier": tier_rows,
        "by_type": sorted(
            ({"key": code, "label": str(type_labels.get(code, code)), "count": n} for code, n in by_type.items()),
            key=lambda row: (-row["count"], row["label"]),
        ),
        "by_region": sorted(
            ({"key": code, "label": str(countries.name(code) or code), "count": n} for code, n in by_region.items()),
            key=lambda row: (-row["count"], row["label"]),
        ),
    }


def _won_in(period: Period) -> Q:
    return Q(status=DealStatus.WON, closed_on__gte=period.start, closed_on__lte=period.end)


def _partner_figures(
    quarter: Period, previous: Period, closing: list[Period], ttm: Period, rates: dict[str, Decimal]
) -> dict[str, Any]:
    """Attrition, consistent closing and the forecast: one grouped pass over the deals that matter to them (won
    since the oldest closing quarter, lost in the trailing twelve months, open today), per partner, summed over
    the partners in the same query."""
    oldest = min(closing[0].start, ttm.start)
    ttm_closed = Q(closed_on__gte=ttm.start, closed_on__lte=ttm.end)
    deals = Deal.objects.filter(
        Q(status=DealStatus.WON, closed_on__gte=oldest, closed_on__lte=quarter.end)
        | Q(status=DealStatus.LOST) & ttm_closed
        | Q(status__in=ACTIVE_STATUSES)
    )
    per_partner = (
        deals.values("partner_id")
        .annotate(
            churned=Max(Case(When(partner__status=PartnerStatus.CHURNED, then=1), default=0)),
            active=Max(Case(When(partner__status=PartnerStatus.ACTIVE, then=1), default=0)),
            won_now=Count("id", filter=_won_in(quarter)),
            won_before=Count("id", filter=_won_in(previous)),
            **{f"won_q{index}": Count("id", filter=_won_in(period)) for index, period in enumerate(closing)},
            ttm_won=Count("id", filter=Q(status=DealStatus.WON) & ttm_closed),
            ttm_closed=Count("id", filter=Q(status__in=(DealStatus.WON, DealStatus.LOST)) & ttm_closed),
            pipeline=Sum(in_program_currency("amount", rates), filter=Q(status__in=ACTIVE_STATUSES)),
        )
        .order_by()
    )
    consistent = Q(active=1, **{f"won_q{index}__gt": 0 for index in range(len(closing))})
    producing_before = Q(won_before__gt=0)
    return per_partner.aggregate(
        producing_before=Count("partner_id", filter=producing_before),
        attrited=Count("partner_id", filter=producing_before & (Q(won_now=0) | Q(churned=1))),
        consistent=Count("partner_id", filter=consistent),
        forecast=Sum(F("pipeline") * F("ttm_won") / NullIf(F("ttm_closed"), 0), filter=Q(churned=0)),
    )


def _median_days_to_first_win() -> Decimal | None:
    """The median over partners with a won deal of the days from joining to their first win (0 when the first win
    came before the joining day)."""
    days = (
        Deal.objects.filter(status=DealStatus.WON, closed_on__isnull=False)
        .values("partner_id", "partner__joined_on")
        .annotate(days=Greatest(DaysBetween(Min("closed_on"), F("partner__joined_on")), Value(0)))
        .order_by()
        .values_list("days", flat=True)
    )
    values = list(days)
    if not values:
        return None
    return Decimal(str(statistics.median(values))).quantize(TENTH, ROUND_HALF_UP)


def _pipeline_by_status(rates: dict[str, Decimal]) -> dict[str, dict[str, Any]]:
    """Every deal by its status today: how many, and their registered amounts in the program currency."""
    rows = list(Deal.objects.values("status", "currency").annotate(count=Count("id"), amount=Sum("amount")).order_by())
    amounts = _convert_sums(rows, rates, lambda row: row["status"], "amount")
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["status"]] += row["count"]
    return {
        status: {"count": counts.get(status, 0), "amount": _money(amounts.get(status, Decimal(0)))}
        for status in DealStatus.values
    }


def _revenue_by_tier(tiers: list[dict], months: list[Period], rates: dict[str, Decimal]) -> dict[str, Any]:
    """Won revenue by the partner's tier today and the month the deal closed, over the trailing twelve months."""
    rows = (
        Deal.objects.filter(status=DealStatus.WON, closed_on__gte=months[0].start, closed_on__lte=months[-1].end)
        .values("partner__tier_id", "currency")
        .annotate(month=TruncMonth("closed_on"), amount=Sum("won_amount"))
        .order_by()
    )
    sums = _convert_sums(rows, rates, lambda row: (row["partner__tier_id"], _month_start(row["month"])), "amount")
    series = [*({"id": tier["id"], "name": tier["name"]} for tier in tiers), {"id": None, "name": NO_TIER}]
    result = []
    for tier in series:
        amounts = [_money(sums.get((tier["id"], month.start), Decimal(0))) for month in months]
        if tier["id"] is None and not any((tier["id"], month.start) in sums for month in months):
            continue  # a "No tier" series only when some revenue has no tier
        result.append({**tier, "amounts": amounts, "total": _money(sum(amounts, Decimal(0)))})
    return {"months": [month.start.strftime("%Y-%m") for month in months], "tiers": result}


def _month_start(value) -> date:
    # TruncMonth of a DateField is a date; on some backends a datetime
    return (value.date() if hasattr(value, "date") and callable(value.date) else value).replace(day=1)


def _scorecard_distributions(quarter: Period) -> dict[str, dict[str, int]]:
    """The current quarter's scorecards (of partners that have not churned) by score bucket and health status."""
    bucket = Case(
        *[When(score__gte=low, then=Value(index)) for index, (low, _) in reversed(list(enumerate(SCORE_BUCKETS)))],
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        Scorecard.objects.filter(period_kind=QUARTER, period_start=quarter.start)
        .exclude(partner__status=PartnerStatus.CHURNED)
        .annotate(bucket=bucket)
        .values("bucket", "health_status")
        .annotate(n=Count("id"))
        .order_by()
    )
    scores = dict.fromkeys(range(len(SCORE_BUCKETS)), 0)
    health = dict.fromkeys(HealthStatus.values, 0)
    for row in rows:
        scores[row["bucket"]] += row["n"]
        health[row["health_status"]] = health.get(row["health_status"], 0) + row["n"]
    return {
        "score_distribution": {f"{low}-{high}": scores[index] for index, (low, high) in enumerate(SCORE_BUCKETS)},
        "health_distribution": health,
    }


def _definitions(
    quarter: Period, previous: Period, closing: list[Period], ttm: Period, currency: str
) -> dict[str, str]:
    closing_labels = ", ".join(period.label for period in closing)
    return {
        "active_partners": (
            "Partners whose status is active, counted by their tier today, their partner type and their region "
            "(partners have no region of their own: the region is the partner's country)."
        ),
        "attrition_rate": (
            f"Of the partners that produced in {previous.label} (at least one deal won, closed in that quarter), the "
            f"share that has produced nothing in {quarter.label} so far or has churned. A fraction from 0 to 1; "
            f"no figure when no partner produced in {previous.label}."
        ),
        "consistently_closing_share": (
            f"The share of active partners that won at least one deal in each of the last {len(closing)} complete "
            f"quarters ({closing_labels}). A fraction from 0 to 1."
        ),
        "median_days_to_first_win": (
            "For each partner with a won deal: the days from the day it joined the program to the close date of its "
            "first won deal (0 when that deal closed before it joined); the median of those days over the partners."
        ),
        "pipeline_by_status": (
            f"Every deal by its status today: how many, and the sum of their registered amounts in {currency} at "
            "today's exchange rates (a currency without a rate is left out of the amount, not of the count)."
        ),
        "revenue_by_tier": (
            f"Won revenue (the won amount of deals won, in {currency} at today's exchange rates) by the month the "
            f"deal closed, {ttm.start:%b %Y} to {ttm.end:%b %Y}, and by the partner's tier today."
        ),
        "score_distribution": (
            f"The {quarter.label} scorecards of partners that have not churned, counted by score in buckets of ten "
            "points (0–10 holds scores from 0 up to but not including 10; 90–100 includes 100)."
        ),
        "health_distribution": (
            f"The {quarter.label} scorecards of partners that have not churned, counted by health status: green "
            "(no warning), amber (one warning) and red (two or more)."
        ),
        "forecast": "Next quarter's expected won revenue: see the method.",
    }
