"""One partner's performance as its pages show it: the partner portal's "My performance" page and the card on the
manager's partner page read the same selector, so both sides see the same numbers in the same words.

Every figure comes from stored scorecards (performance/engine.py writes them): the chosen period's scorecard and
its history for the trend charts are one query, the open tier proposal and the business plans one each, and only
when the page asks for them. The selector never computes a scorecard; the portal page asks the engine once when
the period has none yet (performance/partner_views.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from partners.models import Partner, Tier
from prm import tenancy
from prm.charts import line_chart
from prm.permissions import has_perm

from .engine import format_money, scoring_rules
from .kpis import KPIS
from .models import BusinessPlan, ProposalStatus, Scorecard, TierProposal
from .periods import KINDS, MONTH, QUARTER, TARGET_SCALE, TTM, Period

#: How many periods the trend charts show, by period kind (the current one included).
HISTORY_LENGTH = {MONTH: 12, QUARTER: 8, TTM: 12}
KIND_LABELS = {MONTH: "Month", QUARTER: "Quarter", TTM: "Trailing 12 months"}
HEALTH_COLORS = {"green": "success", "amber": "warning", "red": "danger"}
PERCENT = Decimal("0.1")


def format_kpi(unit: str, value: Any) -> str:
    """A KPI value as a person reads it: money in the program currency, a fraction as a percent, days as days."""
    number = Decimal(str(value if value is not None else 0))
    if unit == "money":
        return format_money(number)
    if unit == "money_per_day":
        return f"{format_money(number)} a day"
    if unit == "fraction":
        return f"{_trim(number * 100)}%"
    if unit == "percent":
        return f"{_trim(number)}%"
    if unit == "days":
        return f"{_trim(number)} days"
    if unit == "nps":
        return f"{'+' if number > 0 else ''}{_trim(number)}"
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{_trim(number)}"


def _trim(number: Decimal) -> str:
    """At most one decimal place, none when it is whole: 66.7, 50."""
    rounded = number.quantize(PERCENT, ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return f"{rounded:,.0f}"
    return f"{rounded:,.1f}"


@dataclass
class KpiRow:
    key: str
    name: str
    definition: str
    unit: str
    value: str
    target: str  # "—" for a KPI without weight: it is shown, not scored
    weight: Decimal
    points: Decimal
    #: The points as a share of the KPI's weight, 0–100 (the width of the small bar).
    attained_percent: int
    change: str  # "+3" against the previous period, "" when unknown or unchanged


@dataclass
class Requirement:
    text: str
    met: bool


@dataclass
class PartnerPerformance:
    partner: Partner
    period: Period
    scorecard: Scorecard | None
    history: list[Scorecard]
    charts: dict[str, dict]
    kpi_rows: list[KpiRow] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)
    open_proposal: TierProposal | None = None
    plans: list[BusinessPlan] = field(default_factory=list)

    @property
    def score_change(self) -> Decimal | None:
        change = (self.scorecard.trend or {}).get("score_change") if self.scorecard else None
        return Decimal(change) if change is not None else None

    @property
    def revenue_won(self) -> str:
        return format_money(self.scorecard.revenue_won) if self.scorecard else ""

    @property
    def open_pipeline(self) -> str:
        return format_money(self.scorecard.open_pipeline) if self.scorecard else ""

    @property
    def previous_label(self) -> str:
        return self.period.previous().label

    @property
    def health_color(self) -> str:
        return HEALTH_COLORS.get(self.scorecard.health_status, "secondary") if self.scorecard else "secondary"

    @property
    def tier_differs(self) -> bool:
        return bool(self.scorecard) and self.scorecard.recommended_tier_id != self.partner.tier_id


def periods_back(period: Period, count: int) -> list[Period]:
    """`count` periods ending with `period`, oldest first."""
    return [period.shifted(-steps) for steps in range(count - 1, -1, -1)]


def partner_performance(
    *,
    actor,
    partner: Partner,
    kind: str = QUARTER,
    today: date | None = None,
    with_kpis: bool = False,
    with_proposal: bool = False,
    with_plans: bool = False,
) -> PartnerPerformance:
    """The partner's scorecard of the current period of `kind`, its history as three trend charts (score, revenue
    won, open pipeline), and on request the KPI table with the next tier's checklist (two more queries: the scoring
    rules and the next tier), the open tier proposal (staff who may see proposals) and the business plans.
    Tenancy scopes every read by `actor`: a partner user only ever reads its own organization's rows."""
    if kind not in KINDS:
        raise ValueError(f"unknown period kind {kind!r}")
    today = today or timezone.localdate()
    period = Period.containing(kind, today)
    periods = periods_back(period, HISTORY_LENGTH[kind])
    rows = tenancy.scope(
        Scorecard.objects.filter(
            partner=partner, period_kind=kind, period_start__gte=periods[0].start, period_start__lte=period.start
        ),
        actor,
    ).select_related("recommended_tier")
    by_start = {row.period_start: row for row in rows}
    history = [by_start[p.start] for p in periods if p.start in by_start]
    scorecard = by_start.get(period.start)
    result = PartnerPerformance(
        partner=partner, period=period, scorecard=scorecard, history=history, charts=_charts(periods, by_start)
    )
    if with_kpis and scorecard is not None:
        result.kpi_rows = _kpi_rows(scorecard, kind)
        result.requirements = _requirements(scorecard)
    if with_proposal and has_perm(actor, "tier_proposal.view"):
        result.open_proposal = (
            tenancy.scope(TierProposal.objects.filter(partner=partner, status=ProposalStatus.OPEN), actor)
            .select_related("from_tier", "to_tier")
            .first()
        )
    if with_plans and has_perm(actor, "business_plan.view"):
        result.plans = list(
            tenancy.scope(BusinessPlan.objects.filter(partner=partner), actor).order_by("-period_start", "-id")[:6]
        )
    return result


def _charts(periods: list[Period], by_start: dict[date, Scorecard]) -> dict[str, dict]:
    labels = [p.label for p in periods]
    heading = KIND_LABELS[periods[-1].kind]
    currency = settings.PRM_PROGRAM_CURRENCY

    def values(attribute: str) -> list[Decimal | None]:
        return [getattr(by_start[p.start], attribute) if p.start in by_start else None for p in periods]

    if not by_start:
        labels = []  # nothing stored yet: the include says "No figures yet." instead of an empty axis
    return {
        "score": line_chart(
            labels, {"Score": values("score") if labels else []}, title="Score", label_heading=heading,
            description="0–100, weighted from the KPIs against their targets.", colors=["primary"],
        ),
        "revenue": line_chart(
            labels, {"Revenue won": values("revenue_won") if labels else []}, title="Revenue won", unit=currency,
            label_heading=heading, colors=["success"],
        ),
        "pipeline": line_chart(
            labels, {"Open pipeline": values("open_pipeline") if labels else []}, title="Open pipeline",
            unit=currency, label_heading=heading, description="Submitted and approved deals at each period's end.",
            colors=["info"],
        ),
    }  # fmt: skip


def _kpi_rows(scorecard: Scorecard, kind: str) -> list[KpiRow]:
    rules = scoring_rules()
    changes = (scorecard.trend or {}).get("kpis", {})
    rows = []
    for key, kpi in KPIS.items():
        weight, target = rules.get(key, (kpi.weight, kpi.target))
        scaled = target * TARGET_SCALE[kind] if kpi.flow else target
        points = Decimal(str(scorecard.contributions.get(key, "0")))
        attained = int((points / weight * 100).quantize(Decimal(1), ROUND_HALF_UP)) if weight > 0 else 0
        change = Decimal(changes[key]) if changes.get(key) is not None else None
        rows.append(
            KpiRow(
                key=key,
                name=kpi.name,
                definition=kpi.definition,
                unit=kpi.unit,
                value=format_kpi(kpi.unit, scorecard.kpis.get(key)),
                target=format_kpi(kpi.unit, scaled) if weight > 0 else "—",
                weight=weight,
                points=points,
                attained_percent=max(0, min(attained, 100)),
                change=_change_text(kpi.unit, change),
            )
        )
    return rows


def _change_text(unit: str, change: Decimal | None) -> str:
    if not change:
        return ""
    text = format_kpi(unit, abs(change)).lstrip("+")  # the sign is ours: a net promoter score brings its own
    return f"+{text}" if change > 0 else f"−{text}"


def _requirements(scorecard: Scorecard) -> list[Requirement]:
    """The next tier's requirements as a checklist: what is missing (in the engine's words) unticked, what is met
    ticked. A requirement of zero is no requirement."""
    path = scorecard.tier_path or {}
    next_tier = path.get("next_tier")
    if not next_tier:
        return []
    tier = Tier.objects.filter(pk=next_tier["id"]).first()
    missing = {item["kpi"]: item["text"] for item in path.get("missing", [])}
    if tier is None:
        return [Requirement(text, False) for text in missing.values()]
    wanted = [
        ("certified_users", tier.min_certified_users, f"{tier.min_certified_users} certified users"),
        ("deals_won", tier.min_won_deals, f"{tier.min_won_deals} won deals"),
        ("revenue_won", tier.min_revenue, f"{format_money(tier.min_revenue)} won revenue"),
    ]
    return [
        Requirement(
            f"{missing[key]} ({tier.name} needs {need})" if key in missing else f"{need}: met", key not in missing
        )
        for key, minimum, need in wanted
        if minimum
    ]
