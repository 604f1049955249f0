"""The scorecard engine: every KPI of performance/kpis.py for a set of partners and one period, set-based.

Each source is read with one grouped query for all the partners at once (deals, certifications, onboarding,
survey answers, activity, agreements), whatever their number: the full recalculation of 10,000 partners and the
incremental one of a single partner run the same code, only the partner filter differs. The deals query is one
pass with conditional aggregates (the period, the previous period, the three before it, the trailing twelve
months), converted to the program currency inside the query.

`compute()` reads and returns rows without writing; `write()` replaces the period's scorecards of those partners
in one transaction (a reader sees the old rows or the new ones, never half a period)."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Case, Count, Exists, F, Max, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Cast, Greatest, TruncDate, TruncMonth
from django.utils import timezone

from deals.models import Deal, DealStatus
from onboarding.models import Certification, OnboardingPlan, OnboardingStep, StepStatus
from partners.models import Agreement, Partner, PartnerStatus, SurveyResponse, Tier
from prm.dates import end_of_day, start_of_day
from prm.money import minor_units, rates_on

from .kpis import KPIS
from .models import (
    ENGAGEMENT_KINDS,
    LEAD_ANSWER_KINDS,
    ActivityKind,
    ChurnRisk,
    HealthStatus,
    PartnerActivity,
    PerformanceSettings,
    Scorecard,
    ScoringRule,
)
from .periods import TARGET_SCALE, Period, ttm_ending

logger = logging.getLogger(__name__)
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
FRACTION = Decimal("0.0001")
TENTH = Decimal("0.1")
CENT = Decimal("0.01")
SNAP_PLACES = 12
SNAP = Decimal(1).scaleb(-SNAP_PLACES)
#: Health thresholds (the words in each reason say them too).
REGISTRATIONS_FALLING_RATIO = Decimal("0.5")  # registrations under half the trailing average (pro rata)
PIPELINE_SHRINKING_RATIO = Decimal("0.7")  # open pipeline under 70% of the previous period's end
CERTIFICATIONS_LAPSING_DAYS = 30
TRAILING_PERIODS = 3
#: A period kind in the health reasons' words ("this quarter", "per twelve months").
PERIOD_NOUNS = {"month": "month", "quarter": "quarter", "ttm": "twelve months"}


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


def _won_in(period: Period) -> Q:
    return Q(status=DealStatus.WON, closed_on__gte=period.start, closed_on__lte=period.end)


def _registered_in(start: date, end: date) -> Q:
    return Q(created_at__gte=start_of_day(start), created_at__lt=end_of_day(end))


def _open_at(day: date, today: date) -> Q:
    """Deals open (submitted or approved) at the end of `day`. For today that is the status; for a past day it is
    read from when each deal closed: its close date, its decision time, the end of its protection."""
    if day >= today:
        return Q(status__in=(DealStatus.SUBMITTED, DealStatus.APPROVED))
    next_day = end_of_day(day)
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
    return _score(kpis, score_plan(rules, kind))


def score_plan(rules: dict[str, tuple[Decimal, Decimal]], kind: str) -> tuple[Decimal, list]:
    """(total weight, [(kpi, weight, target scaled to the period)]) of the weighted KPIs: worked out once a run."""
    total = sum((weight for weight, _ in rules.values() if weight > 0), ZERO)
    weighted = [
        (key, weight, target * TARGET_SCALE[kind] if KPIS[key].flow else target)
        for key, (weight, target) in rules.items()
        if weight > 0
    ]
    return total, weighted


def _score(kpis: dict[str, Any], plan: tuple[Decimal, list]) -> tuple[Decimal, dict]:
    total_weight, weighted = plan
    if total_weight == 0:
        return ZERO.quantize(CENT), {}
    exact = ZERO
    contributions = {}
    for key, weight, scaled in weighted:
        value = Decimal(kpis.get(key) or 0)
        attained = min(max(value, ZERO) / scaled, ONE) if scaled > 0 else ONE
        points = HUNDRED * weight * attained / total_weight
        exact += points
        contributions[key] = snap(points).quantize(CENT, ROUND_HALF_UP)
    return min(snap(exact).quantize(CENT, ROUND_HALF_UP), HUNDRED), contributions


def snap(value: Decimal) -> Decimal:
    """`value` to SNAP_PLACES decimals, before it is rounded or compared. A figure made of several divisions (a
    score summing twelfths and thirds, the sales velocity) carries the arithmetic's last-digit error, which can
    put a value that is exactly half a cent, or exactly on a threshold, on either side of it. No figure here is a
    ratio of small enough whole numbers to be that close to a tie without being one, so this gives every value
    its exact rounding, in Python and in SQL (performance/scorecards_sql.py) alike."""
    return value.quantize(SNAP, ROUND_HALF_UP)


@functools.cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def _money(amount: Decimal | None) -> Decimal:
    """Half up to the program currency's minor unit (prm.money.round_money's rule, its quantum looked up once)."""
    return (amount or ZERO).quantize(_quantum(settings.PRM_PROGRAM_CURRENCY), ROUND_HALF_UP)


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
    return compute_periods([period], partner_ids, today=today, ref=ref)[period]


def compute_periods(
    periods: list[Period],
    partner_ids: Iterable[int] | None = None,
    *,
    today: date | None = None,
    ref: Reference | None = None,
) -> dict[Period, list[Computed]]:
    """`compute` for several periods at once: each source is read with one grouped query for all of them (a
    condition two periods share, such as today's open pipeline, is computed once). This is what makes one
    partner's recalculation of its month, quarter and twelve months cheap."""
    today = today or timezone.localdate()
    ref = ref or Reference.load()
    partners = Partner.objects.exclude(status=PartnerStatus.CHURNED)
    if partner_ids is not None:
        partners = partners.filter(pk__in=list(partner_ids))
    partner_rows = list(partners.values("id", "tier_id", "status", "joined_on"))
    if not partner_rows:
        return {period: [] for period in periods}
    ids = [row["id"] for row in partner_rows] if partner_ids is not None else None

    deals = _deal_figures(periods, ids, ref, today)
    repeat = _repeat_revenue(periods, ids, ref, today)
    certs = _certifications(periods, ids, today)
    onboarding = _onboarding(ids, today)
    nps = _satisfaction(periods, ids, today)
    activity = _activity(periods, ids, today)
    agreements = _agreements(periods, ids, today)
    previous = _previous_scorecards(periods, ids, today)
    tiers, rules, inactivity_days = ref.tiers, ref.rules, ref.inactivity_days
    tier_by_id = {tier["id"]: tier for tier in tiers}

    results: dict[Period, list[Computed]] = {}
    for period in periods:
        scoring = score_plan(rules, period.kind)
        rows = results[period] = []
        for row in partner_rows:
            pid = row["id"]
            d = deals[period].get(pid, {})
            cert = certs[period].get(pid, {})
            act = activity[period].get(pid, {})
            plan = onboarding.get(pid)
            kpis = _kpis(d, repeat[period].get(pid, ZERO), cert, plan, nps[period].get(pid), act)
            score, contributions = _score(kpis, scoring)
            reasons = _health_reasons(period, today, d, cert, plan, act, row, inactivity_days)
            tier = tier_by_id.get(row["tier_id"])
            ttm_revenue = _money(d.get("ttm_revenue"))
            ttm_won = d.get("ttm_won") or 0
            certified_users = cert.get("users", 0)
            recommended = _recommended_tier(tiers, ttm_revenue, ttm_won, certified_users)
            rows.append(
                Computed(
                    partner_id=pid,
                    kpis=kpis,
                    score=score,
                    contributions=contributions,
                    trend=_trend(score, kpis, previous[period].get(pid)),
                    health_status=(HealthStatus.GREEN, HealthStatus.AMBER, HealthStatus.RED)[min(len(reasons), 2)],
                    churn_risk=(ChurnRisk.LOW, ChurnRisk.MEDIUM, ChurnRisk.HIGH)[min(len(reasons), 2)],
                    health_reasons=reasons,
                    compliance_flags=_compliance_flags(tier, cert, agreements[period].get(pid), plan, today),
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


class _Aggregates:
    """Conditional aggregates asked for by several periods: the same condition is computed once, under one alias."""

    def __init__(self) -> None:
        self.aliases: dict[tuple, str] = {}
        self.expressions: dict[str, Any] = {}

    def __call__(self, key: tuple, make) -> str:
        if key not in self.aliases:
            alias = f"a{len(self.aliases)}"
            self.aliases[key] = alias
            self.expressions[alias] = make()
        return self.aliases[key]


#: The deal figures that are sums of money (converted per currency after the query); the others are counts.
DEAL_MONEY = ("revenue", "pipeline", "pipeline_before", "ttm_revenue")


@dataclass
class Source:
    """One grouped query of a source, for every period at once: `build(ids)` is its values() queryset (all
    partners when ids is None) and `wanted[period]` maps each figure's name to the column alias holding it. The
    Python path folds its rows; the set-based path (performance/scorecards_sql.py) embeds its SQL."""

    build: Callable[[list[int] | None], Any]
    wanted: dict[Period, dict[str, str]] = field(default_factory=dict)


def deal_source(periods: list[Period], today: date, *, cents: bool = False) -> Source:
    """Deals by partner and currency: every count and sum the periods need, sums left in the deal currency (in
    cents, as whole numbers, with `cents`: PostgreSQL adds integers several times faster than numerics, which
    counts over a million deals; amounts have two decimals, so nothing is lost)."""
    agg = _Aggregates()

    def money(field: str):
        return Cast(F(field) * 100, models.BigIntegerField()) if cents else F(field)

    cycle = Greatest(DaysBetween(F("closed_on"), TruncDate("created_at")), Value(0))

    def registered(start, end):
        return agg(("registered", start, end), lambda: Count("id", filter=_registered_in(start, end)))

    def won_count(p):
        return agg(("won", p.start, p.end), lambda: Count("id", filter=_won_in(p)))

    def revenue(p):
        return agg(("revenue", p.start, p.end), lambda: Sum(money("won_amount"), filter=_won_in(p)))

    def pipeline(day):
        key_day = day if day < today else today
        return agg(("pipeline", key_day), lambda: Sum(money("amount"), filter=_open_at(key_day, today)))

    wanted: dict[Period, dict[str, str]] = {}
    for p in periods:
        previous, ttm = p.previous(), ttm_ending(p.end)
        trailing_start = p.shifted(-TRAILING_PERIODS).start
        wanted[p] = {
            "registered": registered(p.start, p.end),
            "approved": agg(
                ("approved", p.start, p.end),
                lambda p=p: Count(
                    "id", filter=Q(approved_at__gte=start_of_day(p.start), approved_at__lt=end_of_day(p.end))
                ),
            ),
            "won": won_count(p),
            "lost": agg(
                ("lost", p.start, p.end),
                lambda p=p: Count("id", filter=Q(status=DealStatus.LOST, closed_on__gte=p.start, closed_on__lte=p.end)),
            ),
            "revenue": revenue(p),
            "cycle_days": agg(("cycle", p.start, p.end), lambda p=p: Sum(cycle, filter=_won_in(p))),
            "pipeline": pipeline(p.end),
            "pipeline_before": pipeline(previous.end),
            "registered_trailing": registered(trailing_start, p.start - timedelta(days=1)),
            "ttm_won": won_count(ttm),
            "ttm_revenue": revenue(ttm),
        }
    last_end = max(p.end for p in periods)
    return Source(
        lambda ids: (
            Deal.objects.filter(_scope(ids), created_at__lt=end_of_day(last_end))
            .values("partner_id", "currency")
            .annotate(**agg.expressions)
            .order_by()
        ),
        wanted,
    )


def _deal_figures(
    periods: list[Period], ids: list[int] | None, ref: Reference, today: date
) -> dict[Period, dict[int, dict]]:
    """One grouped pass over the partners' deals, by partner and currency, for every period: sums stay in each
    deal currency in the query and are converted here at the period's rates (the same sum, without a CASE per
    row)."""
    source = deal_source(periods, today)
    wanted = source.wanted
    rows = _rows(("deals", _key(periods, today)), source.build, ids)
    figures: dict[Period, dict[int, dict]] = {p: {} for p in periods}
    rates = {p: ref.rates(p.as_of(today)) for p in periods}
    for row in rows:
        pid, currency = row["partner_id"], row["currency"]
        for p, names in wanted.items():
            into = figures[p].setdefault(pid, dict.fromkeys(names, 0))
            rate = rates[p].get(currency)
            for name, alias in names.items():
                value = row[alias]
                if not value:
                    continue
                if name in DEAL_MONEY:
                    if rate is not None:  # a currency without a rate is left out of the sums
                        into[name] += value * rate
                else:
                    into[name] += value
    return figures


def repeat_source(periods: list[Period]) -> Source:
    """Won revenue by partner, currency and month of close, of deals whose customer the partner had won before (an
    earlier close date, or the same day and a lower number)."""
    earlier_win = Deal.objects.filter(
        partner_id=OuterRef("partner_id"), customer_id=OuterRef("customer_id"), status=DealStatus.WON
    ).filter(Q(closed_on__lt=OuterRef("closed_on")) | Q(closed_on=OuterRef("closed_on"), id__lt=OuterRef("id")))
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    return Source(
        lambda ids: (
            Deal.objects.filter(_scope(ids), status=DealStatus.WON, closed_on__gte=first, closed_on__lte=last)
            .filter(Exists(earlier_win))
            .annotate(month=TruncMonth("closed_on"))
            .values("partner_id", "currency", "month")
            .annotate(revenue=Sum("won_amount"))
            .order_by()
        )
    )


def _repeat_revenue(
    periods: list[Period], ids: list[int] | None, ref: Reference, today: date
) -> dict[Period, dict[int, Decimal]]:
    """Won revenue of each period from customers the partner had won before (an earlier close date, or the same
    day and a lower number). Periods are whole calendar months, so one query by partner, currency and month of
    close serves them all."""
    rows = _rows(("repeat", _key(periods, today)), repeat_source(periods).build, ids)
    result: dict[Period, dict[int, Decimal]] = {p: {} for p in periods}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime) else month
        for p in periods:
            rate = ref.rates(p.as_of(today)).get(row["currency"])
            if rate is not None and p.start <= month <= p.end:
                result[p][row["partner_id"]] = result[p].get(row["partner_id"], ZERO) + row["revenue"] * rate
    return result


def _split(rows, wanted: dict[Period, dict[str, str]]) -> dict[Period, dict[int, dict]]:
    """Rows of shared aggregates (by partner) → per period, per partner, the names each period asked for."""
    result: dict[Period, dict[int, dict]] = {p: {} for p in wanted}
    for row in rows:
        for p, names in wanted.items():
            result[p][row["partner_id"]] = {name: row[alias] for name, alias in names.items()}
    return result


def _certifications(periods: list[Period], ids: list[int] | None, today: date) -> dict[Period, dict[int, dict]]:
    source = certification_source(periods, today)
    return _split(_rows(("certifications", _key(periods, today)), source.build, ids), source.wanted)


def certification_source(periods: list[Period], today: date) -> Source:
    agg = _Aggregates()
    wanted = {}
    for p in periods:
        as_of, before = p.as_of(today), p.previous().end
        lapse_by = as_of + timedelta(days=CERTIFICATIONS_LAPSING_DAYS)
        active = Q(issued_on__lte=as_of, expires_on__gte=as_of)
        wanted[p] = {
            "active": agg(("active", as_of), lambda active=active: Count("id", filter=active)),
            "users": agg(("users", as_of), lambda active=active: Count("user_id", filter=active, distinct=True)),
            "active_before": agg(
                ("active", before),
                lambda before=before: Count("id", filter=Q(issued_on__lte=before, expires_on__gte=before)),
            ),
            "lapsing": agg(
                ("lapsing", as_of),
                lambda as_of=as_of, lapse_by=lapse_by: Count(
                    "id", filter=Q(expires_on__gte=as_of, expires_on__lt=lapse_by)
                ),
            ),
        }
    last = max(p.as_of(today) for p in periods)
    return Source(
        lambda ids: (
            Certification.objects.filter(_scope(ids), issued_on__lte=last)
            .values("partner_id")
            .annotate(**agg.expressions)
            .order_by()
        ),
        wanted,
    )


#: Compiled SQL of the sources for one partner, by source and periods: building and compiling the ORM queries was
#: most of one partner's recalculation (about 25 ms of 45 per period), the queries themselves under 1 ms each.
_COMPILED: dict[tuple, tuple[str, tuple, list[int], list[str]]] = {}
_SENTINEL = -987_654_321


def _key(periods: list[Period], today: date) -> tuple:
    return (today, *((p.kind, p.start, p.end) for p in periods))


def _rows(key: tuple, build, ids: list[int] | None) -> list[dict]:
    """The rows of `build(ids)` (a values() queryset) as dicts. For one partner on PostgreSQL the SQL is compiled
    once per key (with a placeholder id) and reused with the partner's id: the same statement Django would send,
    without building it again. Anything else runs through the ORM as usual."""
    if ids is None or len(ids) != 1 or connection.vendor != "postgresql":
        return list(build(ids))
    compiled = _COMPILED.get(key)
    if compiled is None:
        query = build([_SENTINEL]).query
        sql, params = query.get_compiler(using="default").as_sql()
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        positions = [i for i, value in enumerate(params) if value == _SENTINEL]
        if len(positions) != 1:  # the placeholder must be the partner filter and nothing else
            return list(build(ids))
        if len(_COMPILED) > 256:
            _COMPILED.clear()
        compiled = _COMPILED[key] = (sql, tuple(params), positions, names)
    sql, params, positions, names = compiled
    bound = list(params)
    for position in positions:
        bound[position] = ids[0]
    with connection.cursor() as cursor:
        cursor.execute(sql, bound)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _scope(ids: list[int] | None, path: str = "partner_id") -> Q:
    """All partners (None), or these ones: the only difference between the full and the incremental run."""
    return Q() if ids is None else Q(**{f"{path}__in": ids})


def plan_source() -> Source:
    """Each partner's onboarding plan: its progress, whether it is complete, since when it is stuck."""
    return Source(
        lambda ids: OnboardingPlan.objects.filter(_scope(ids)).values(
            "partner_id", "progress_percent", "completed_at", "stuck_since"
        )
    )


def overdue_step_source(today: date) -> Source:
    """Open onboarding steps past their due day, counted by partner (`n`)."""
    return Source(
        lambda ids: (
            OnboardingStep.objects.filter(_scope(ids, "plan__partner_id"), status=StepStatus.OPEN, due_on__lt=today)
            .values("plan__partner_id")
            .annotate(n=Count("id"))
            .order_by()
        )
    )


def _onboarding(ids: list[int] | None, today: date) -> dict[int, dict]:
    plans = {
        row["partner_id"]: {
            "progress": row["progress_percent"],
            "complete": row["completed_at"] is not None,
            "stuck_since": row["stuck_since"],
            "overdue": 0,
        }
        for row in _rows(("plans",), plan_source().build, ids)
    }
    if not plans:
        return plans
    for row in _rows(("overdue_steps", today), overdue_step_source(today).build, ids):
        if row["plan__partner_id"] in plans:
            plans[row["plan__partner_id"]]["overdue"] = row["n"]
    return plans


def _satisfaction(periods: list[Period], ids: list[int] | None, today: date) -> dict[Period, dict[int, dict]]:
    source = satisfaction_source(periods, today)
    return _split(_rows(("satisfaction", _key(periods, today)), source.build, ids), source.wanted)


def satisfaction_source(periods: list[Period], today: date) -> Source:
    agg = _Aggregates()
    wanted = {}
    for p in periods:
        within = _registered_in(p.start, p.end)
        wanted[p] = {
            "answers": agg(("answers", p.start, p.end), lambda within=within: Count("id", filter=within)),
            "promoters": agg(
                ("promoters", p.start, p.end), lambda within=within: Count("id", filter=within & Q(score__gte=9))
            ),
            "detractors": agg(
                ("detractors", p.start, p.end), lambda within=within: Count("id", filter=within & Q(score__lte=6))
            ),
        }
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    return Source(
        lambda ids: (
            SurveyResponse.objects.filter(_scope(ids), _registered_in(first, last))
            .values("partner_id")
            .annotate(**agg.expressions)
            .order_by()
        ),
        wanted,
    )


def _activity(periods: list[Period], ids: list[int] | None, today: date) -> dict[Period, dict[int, dict]]:
    source = activity_source(periods, today)
    return _split(_rows(("activity", _key(periods, today)), source.build, ids), source.wanted)


def activity_source(periods: list[Period], today: date) -> Source:
    agg = _Aggregates()
    wanted = {}
    for p in periods:
        within = Q(at__gte=start_of_day(p.start), at__lt=end_of_day(p.end))
        as_of = p.as_of(today)
        wanted[p] = {
            "engagement": agg(
                ("engagement", p.start, p.end),
                lambda within=within: Count("id", filter=within & Q(kind__in=ENGAGEMENT_KINDS)),
            ),
            "accepted": agg(
                ("accepted", p.start, p.end),
                lambda within=within: Count("id", filter=within & Q(kind=ActivityKind.LEAD_ACCEPTED)),
            ),
            "answered": agg(
                ("answered", p.start, p.end),
                lambda within=within: Count("id", filter=within & Q(kind__in=LEAD_ANSWER_KINDS)),
            ),
            "last_sign_in": agg(
                ("last_sign_in", as_of),
                lambda as_of=as_of: Max("at", filter=Q(kind=ActivityKind.SIGN_IN, at__lt=end_of_day(as_of))),
            ),
        }
    last = max(max(p.end, today) for p in periods)
    return Source(
        lambda ids: (
            PartnerActivity.objects.filter(_scope(ids), at__lt=end_of_day(last))
            .values("partner_id")
            .annotate(**agg.expressions)
            .order_by()
        ),
        wanted,
    )


def _agreements(periods: list[Period], ids: list[int] | None, today: date) -> dict[Period, dict[int, dict]]:
    source = agreement_source(periods, today)
    return _split(_rows(("agreements", _key(periods, today)), source.build, ids), source.wanted)


def agreement_source(periods: list[Period], today: date) -> Source:
    agg = _Aggregates()
    wanted = {}
    for p in periods:
        as_of = p.as_of(today)
        soon = as_of + timedelta(days=settings.PRM_AGREEMENT_REMINDER_DAYS)
        in_force = Q(starts_on__lte=as_of) & (Q(expires_on__isnull=True) | Q(expires_on__gte=as_of))
        wanted[p] = {
            "in_force": agg(("in_force", as_of), lambda in_force=in_force: Count("id", filter=in_force)),
            "expiring": agg(
                ("expiring", as_of),
                lambda in_force=in_force, soon=soon: Count(
                    "id", filter=in_force & Q(expires_on__lte=soon, auto_renew=False)
                ),
            ),
            "open_ended_or_renewing": agg(
                ("renewing", as_of),
                lambda in_force=in_force, soon=soon: Count(
                    "id",
                    filter=in_force & (Q(expires_on__isnull=True) | Q(expires_on__gt=soon) | Q(auto_renew=True)),
                ),
            ),
            "last_expired": agg(
                ("last_expired", as_of), lambda as_of=as_of: Max("expires_on", filter=Q(expires_on__lt=as_of))
            ),
        }
    return Source(
        lambda ids: Agreement.objects.filter(_scope(ids)).values("partner_id").annotate(**agg.expressions).order_by(),
        wanted,
    )


def _previous_scorecards(periods: list[Period], ids: list[int] | None, today: date) -> dict[Period, dict[int, dict]]:
    """The stored scorecards of the periods before these (for the trend). Through the ORM, which decodes the
    KPIs' JSON."""
    keys = {(p.kind, p.previous().start): p for p in periods}
    which = Q()
    for kind, start in keys:
        which |= Q(period_kind=kind, period_start=start)
    result: dict[Period, dict[int, dict]] = {p: {} for p in periods}
    for row in (
        Scorecard.objects.filter(_scope(ids))
        .filter(which)
        .values("partner_id", "period_kind", "period_start", "score", "kpis")
    ):
        result[keys[row["period_kind"], row["period_start"]]][row["partner_id"]] = row
    return result


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
    velocity_exact = snap(Decimal(registered) * average_exact * win_rate_exact / max(cycle_exact, Decimal(1)))
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
    noun = PERIOD_NOUNS[period.kind]
    trailing_average = Decimal(d.get("registered_trailing") or 0) / TRAILING_PERIODS
    expected = snap(trailing_average * period.elapsed_fraction(today))
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
    return write_all([(period, computed)], now=now)


def write_all(computed: list[tuple[Period, list[Computed]]], *, now: datetime | None = None) -> int:
    """Upsert the scorecards of several periods, in batches of a thousand rows. A row whose figures did not change
    since it was written (same fingerprint) is left as it is: a nightly run rewrites only what moved, instead of
    every row of the program (and the table does not bloat with dead copies). Returns the rows computed."""
    now = now or timezone.now()
    stored = _stored_fingerprints(computed)
    rows = []
    for period, period_rows in computed:
        for c in sorted(period_rows, key=lambda c: c.partner_id):  # one lock order for concurrent runs
            values = {
                "score": c.score,
                "kpis": _jsonable(c.kpis),
                "contributions": _jsonable(c.contributions),
                "trend": c.trend,
                "health_status": str(c.health_status),
                "churn_risk": str(c.churn_risk),
                "health_reasons": c.health_reasons,
                "compliance_flags": c.compliance_flags,
                "recommended_tier_id": c.recommended_tier_id,
                "tier_path": c.tier_path,
                "period_end": period.end,
            }
            fingerprint = hashlib.md5(
                json.dumps(values, sort_keys=True, default=str).encode(), usedforsecurity=False
            ).hexdigest()
            if stored.get((c.partner_id, period.kind, period.start)) == fingerprint:
                continue
            rows.append(
                Scorecard(
                    partner_id=c.partner_id,
                    period_kind=period.kind,
                    period_start=period.start,
                    computed_at=now,
                    revenue_won=c.kpis["revenue_won"],
                    open_pipeline=c.kpis["open_pipeline"],
                    deals_won=c.kpis["deals_won"],
                    fingerprint=fingerprint,
                    **values,
                )
            )
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
            "fingerprint",
        ],
    )
    logger.info("scorecards.written", extra={"changed": len(rows), "computed": sum(len(r) for _, r in computed)})
    return sum(len(period_rows) for _, period_rows in computed)


def _stored_fingerprints(computed: list[tuple[Period, list[Computed]]]) -> dict[tuple, str]:
    which = Q()
    for period, period_rows in computed:
        ids = [c.partner_id for c in period_rows]
        scope = Q(partner_id__in=ids) if len(ids) < 1000 else Q()
        which |= Q(scope, period_kind=period.kind, period_start=period.start)
    if not computed:
        return {}
    return {
        (pid, kind, start): fingerprint
        for pid, kind, start, fingerprint in Scorecard.objects.filter(which).values_list(
            "partner_id", "period_kind", "period_start", "fingerprint"
        )
    }


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
    if partner_ids is None and connection.vendor == "postgresql":
        return _recalculate_all_in_sql(periods, today, ref, progress, propose)
    if progress:
        progress(5, f"Computing {', '.join(period.label for period in periods)}")
    computed = list(compute_periods(periods, partner_ids, today=today, ref=ref).items())
    if progress:
        progress(90, "Saving the scorecards")
    with transaction.atomic():
        written = write_all(computed)
        if propose:
            quarter = Period.containing("quarter", today)
            for period, rows in computed:
                if period == quarter:
                    proposals_refresh(rows)
    if progress:
        progress(100, f"{written} scorecards saved")
    return written


def _recalculate_all_in_sql(
    periods: list[Period], today: date, ref: Reference, progress: Progress | None, propose: bool
) -> int:
    """Every partner on PostgreSQL: computed and written by the database in one statement
    (performance/scorecards_sql.py, tested row for row against this module). Tier proposals need the Python rows of
    the few partners whose recommendation differs from their tier, or who have an open proposal: those are
    computed here, as an incremental run would."""
    from . import scorecards_sql
    from .proposals import proposal_candidates, proposals_refresh

    if progress:
        progress(5, f"Computing and saving {', '.join(period.label for period in periods)}")
    quarter = Period.containing("quarter", today)
    with transaction.atomic():
        computed, changed = scorecards_sql.write_periods(periods, today=today, ref=ref)
        if propose and quarter in periods:
            ids = proposal_candidates(quarter)
            if ids:
                proposals_refresh(compute(quarter, ids, today=today, ref=ref))
    logger.info("scorecards.written", extra={"changed": changed, "computed": computed})
    if progress:
        progress(100, f"{computed} scorecards saved")
    return computed


def current_periods(today: date) -> list[Period]:
    return [Period.containing(kind, today) for kind in ("month", "quarter", "ttm")]
