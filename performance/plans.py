"""Joint business plans: a partner and its manager agree objectives for one month or quarter ("register 20 deals",
"certify 3 reps", "250,000 USD won"), each tied to a KPI. Progress is read from the partner's scorecard of that
period, so both sides see the same numbers the score is made of; an objective behind its pro-rata pace is at risk.

Writes (one transaction each, audited, each emitting its event): business_plan_create, business_plan_update,
business_plan_agree. Who writes is the map's business (`business_plan.manage`: managers and a partner's admin);
which partner's plans they reach is tenancy's (a partner admin only its own organization's).

Reads: business_plan_list (the filtered, sorted list of both portals and the API) and plan_progress /
plans_progress (each objective's value, percent, pace, risk and words)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from partners.models import Partner
from prm import tenancy
from prm.errors import Conflict
from prm.events.services import event_emit
from prm.filters import FilterSet, ListResult, Sorts, list_rows
from prm.permissions import has_perm, require_perm
from prm.services import service, validate_and_save

from .engine import format_money
from .kpis import KPIS
from .models import BusinessPlan, PlanObjective, PlanStatus, Scorecard
from .periods import MONTH, QUARTER, Period

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from prm.accounts.models import User

logger = logging.getLogger(__name__)

PLAN_KINDS = (MONTH, QUARTER)
#: KPIs where less is better cannot be an objective: progress is a value climbing to its target.
NOT_OBJECTIVES = {"deals_lost": "fewer is better", "average_sales_cycle_days": "shorter is better"}
PLAN_KPI_CHOICES = [(key, kpi.name) for key, kpi in KPIS.items() if key not in NOT_OBJECTIVES]
MAX_OBJECTIVES = len(PLAN_KPI_CHOICES)
TARGET_MIN = Decimal("0.0001")
TARGET_MAX = Decimal("999999999999.9999")  # the column's 16 digits, 4 of them decimals

# --- validation ----------------------------------------------------------------------------------------------


def plan_period(kind: str | None, start: date | None) -> Period:
    """The month or quarter a plan is for, from its kind and first day; anything else is a field error."""
    kind = kind or QUARTER
    if kind not in PLAN_KINDS:
        raise ValidationError({"period_kind": "A plan is for a month or a quarter."})
    if start is None:
        raise ValidationError({"period_start": "Give the first day of the plan's month or quarter."})
    try:
        return Period.starting(kind, start)
    except ValueError:
        first = Period.containing(kind, start).start
        raise ValidationError(
            {"period_start": f"A {kind} starts on its first day: {start:%-d %b %Y} is not one ({first:%-d %b %Y} is)."}
        ) from None


def _target(value: Any) -> Decimal:
    try:
        target = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"objectives": f"{value!r} is not a number."}) from None
    if not target.is_finite() or target <= 0:
        raise ValidationError({"objectives": "Each objective's target must be more than 0."})
    if target > TARGET_MAX or target != target.quantize(Decimal("0.0001"), ROUND_HALF_UP):
        raise ValidationError({"objectives": "A target has at most 12 digits before the point and 4 after it."})
    return target


def clean_objectives(objectives: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """[{kpi, target, description}] checked: a known KPI that can rise to a target, each KPI once, target > 0."""
    cleaned: list[dict[str, Any]] = []
    for objective in objectives:
        key = objective.get("kpi")
        if key not in KPIS:
            raise ValidationError({"objectives": f"Unknown KPI {key!r}: choose one of the KPI keys."})
        if key in NOT_OBJECTIVES:
            reason = NOT_OBJECTIVES[key]
            raise ValidationError({"objectives": f"{KPIS[key].name} is no objective ({reason}): choose another."})
        if any(o["kpi"] == key for o in cleaned):
            raise ValidationError({"objectives": f"{KPIS[key].name} is there twice: one objective per KPI."})
        description = (objective.get("description") or "").strip()
        if len(description) > 300:
            raise ValidationError({"objectives": "An objective's description has at most 300 characters."})
        cleaned.append({"kpi": key, "target": _target(objective.get("target")), "description": description})
    if len(cleaned) > MAX_OBJECTIVES:
        raise ValidationError({"objectives": f"At most {MAX_OBJECTIVES} objectives."})
    return cleaned


def _visible_partner(actor: User, partner: Partner | None) -> Partner:
    """The partner, if the actor may reach it (tenancy: a partner admin only its own organization)."""
    if partner is None or not tenancy.scope(Partner.objects.filter(pk=partner.pk), actor).exists():
        raise ValidationError({"partner": "Choose the partner the plan is with."})
    return partner


def _title(value: str | None) -> str:
    title = (value or "").strip()
    if not title:
        raise ValidationError({"title": "Give the plan a title."})
    return title


# --- writes --------------------------------------------------------------------------------------------------


def _payload(plan: BusinessPlan, **extra) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "partner": plan.partner_id,
        "period_kind": plan.period_kind,
        "period_start": plan.period_start.isoformat(),
        "status": plan.status,
        **extra,
    }


def _unique_message(period: Period) -> dict[str, str]:
    return {"period_start": f"This partner already has a plan for {period.label}: open it and change that one."}


@service
def business_plan_create(
    *, actor: User, partner: Partner | None, data: Mapping[str, Any], objectives: Iterable[Mapping] = ()
) -> BusinessPlan:
    """A draft plan for one partner and period, with its objectives. One plan per partner per period."""
    require_perm(actor, "business_plan.manage", "Your role cannot write business plans.")
    partner = _visible_partner(actor, partner)
    period = plan_period(data.get("period_kind"), data.get("period_start"))
    cleaned = clean_objectives(objectives)
    if BusinessPlan.objects.filter(partner=partner, period_kind=period.kind, period_start=period.start).exists():
        raise ValidationError(_unique_message(period))
    plan = BusinessPlan(
        partner=partner,
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        title=_title(data.get("title")),
        notes=(data.get("notes") or "").strip(),
        created_by=actor,
    )
    validate_and_save(plan, unique_message=_unique_message(period))
    for values in cleaned:  # a few rows, saved one by one so the audit trail records each
        PlanObjective(plan=plan, **values).save()
    event_emit(
        name="business_plan.created",
        instance=plan,
        actor=actor,
        payload=_payload(plan, objectives=[{"kpi": o["kpi"], "target": str(o["target"])} for o in cleaned]),
    )
    logger.info("business_plan.created", extra={"plan": plan.pk, "partner": partner.pk})
    return plan


def _locked(plan: BusinessPlan) -> BusinessPlan:
    """The plan row, locked: a change and an agreement at the same moment are decided one after the other."""
    return BusinessPlan.objects.select_for_update().select_related("partner").get(pk=plan.pk)


def _replace_objectives(plan: BusinessPlan, cleaned: list[dict[str, Any]]) -> bool:
    """Make the plan's objectives these (same KPI: updated in place, so its history stays one row). Returns
    whether anything changed."""
    existing = {o.kpi: o for o in plan.objectives.all()}
    wanted = {o["kpi"]: o for o in cleaned}
    changed = False
    for key, objective in existing.items():
        if key not in wanted:
            objective.delete()
            changed = True
    for key, values in wanted.items():
        objective = existing.get(key)
        if objective is None:
            PlanObjective(plan=plan, **values).save()
            changed = True
        elif objective.target != values["target"] or objective.description != values["description"]:
            objective.target, objective.description = values["target"], values["description"]
            objective.save(update_fields=["target", "description"])
            changed = True
    return changed


@service
def business_plan_update(
    *,
    actor: User,
    plan: BusinessPlan,
    data: Mapping[str, Any],
    objectives: Iterable[Mapping] | None = None,
) -> BusinessPlan:
    """Change the title, the notes and (given `objectives`) the objectives. A change of objectives asks both
    sides again: the plan goes back to draft and both agreements are cleared. The period never changes."""
    require_perm(actor, "business_plan.manage", "Your role cannot write business plans.")
    plan = _locked(plan)
    _visible_partner(actor, plan.partner)
    for field in ("period_kind", "period_start"):
        if field in data and data[field] is not None and str(data[field]) != str(getattr(plan, field)):
            raise ValidationError({field: "A plan's period cannot change: make a plan for the other period."})
    changed = []
    if "title" in data:
        title = _title(data["title"])
        if title != plan.title:
            plan.title = title
            changed.append("title")
    if "notes" in data:
        notes = (data["notes"] or "").strip()
        if notes != plan.notes:
            plan.notes = notes
            changed.append("notes")
    cleaned = clean_objectives(objectives) if objectives is not None else None
    cleared = False
    if cleaned is not None and _replace_objectives(plan, cleaned):
        changed.append("objectives")
        cleared = plan.partner_agreed_at is not None or plan.manager_agreed_at is not None
        plan.status, plan.partner_agreed_at, plan.manager_agreed_at = PlanStatus.DRAFT, None, None
    if not changed:
        return plan
    validate_and_save(plan)
    event_emit(
        name="business_plan.updated",
        instance=plan,
        actor=actor,
        payload=_payload(plan, changed=changed, agreements_cleared=cleared),
    )
    logger.info("business_plan.updated", extra={"plan": plan.pk, "changed": changed, "agreements_cleared": cleared})
    return plan


def agreement_side(actor: User) -> str:
    """ "manager" for the vendor's people, "partner" for a partner's admin (the map says which portal is theirs)."""
    return "manager" if has_perm(actor, "portal.manager") else "partner"


@service
def business_plan_agree(*, actor: User, plan: BusinessPlan) -> BusinessPlan:
    """Agree to the plan as it stands, for one's own side: a partner admin of the plan's partner for the partner,
    a manager for the vendor. Both agreed → the plan is agreed (event `business_plan.agreed`). Agreeing twice is
    a 409; a plan without objectives cannot be agreed."""
    require_perm(actor, "business_plan.manage", "Your role cannot agree business plans.")
    plan = _locked(plan)
    if not tenancy.scope(BusinessPlan.objects.filter(pk=plan.pk), actor).exists():
        raise ValidationError({"plan": "This plan is not one of your organization's."})
    if not plan.objectives.exists():
        raise ValidationError({"objectives": "Add at least one objective before agreeing to the plan."})
    side = agreement_side(actor)
    field = "manager_agreed_at" if side == "manager" else "partner_agreed_at"
    if getattr(plan, field) is not None:
        who = "The vendor" if side == "manager" else "Your organization"
        raise Conflict(f"{who} already agreed to this plan on {getattr(plan, field):%-d %b %Y}.")
    setattr(plan, field, timezone.now())
    if plan.partner_agreed_at and plan.manager_agreed_at:
        plan.status = PlanStatus.AGREED
    validate_and_save(plan)
    event_emit(
        name="business_plan.agreed",
        instance=plan,
        actor=actor,
        payload=_payload(plan, side=side, both=plan.status == PlanStatus.AGREED),
    )
    logger.info("business_plan.agreed", extra={"plan": plan.pk, "side": side, "status": plan.status})
    return plan


# --- the list ------------------------------------------------------------------------------------------------


class BusinessPlanFilterSet(FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search")
    partner = django_filters.ModelChoiceFilter(queryset=Partner.objects.all())
    period_kind = django_filters.ChoiceFilter(choices=[(MONTH, "Month"), (QUARTER, "Quarter")])
    period_start = django_filters.DateFilter()
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices)

    class Meta:
        model = BusinessPlan
        fields = ["search", "partner", "period_kind", "period_start", "status"]

    def filter_search(self, queryset, name, value):
        value = value.strip()[:200]
        return queryset.filter(Q(title__icontains=value) | Q(partner__name__icontains=value)) if value else queryset


PLAN_SORTS = Sorts(
    {
        "newest": ("-period_start", "-id"),
        "period": ("period_start", "id"),
        "partner": ("partner__name", "-period_start", "id"),
        "title": ("title", "id"),
        "status": ("status", "-period_start", "id"),
        "updated": ("-updated_at", "-id"),
    },
    default="newest",
    aliases={"period_start": "period", "id": "period", "created_at": "period", "updated_at": "updated"},
)


def business_plan_list(*, actor: User, params: Mapping | None, sort: str | None = None) -> ListResult:
    """The plans `actor` may see (a partner only its own), filtered and sorted; objectives prefetched."""
    return list_rows(
        actor=actor,
        queryset=BusinessPlan.objects.select_related("partner").prefetch_related("objectives"),
        filterset_class=BusinessPlanFilterSet,
        params=params,
        sorts=PLAN_SORTS,
        sort=sort,
    )


# --- progress ------------------------------------------------------------------------------------------------

#: How an objective's KPI reads in a sentence: "12 of 20 deals registered", "12,000 USD of 250,000 USD won".
_NOUNS = {
    "deals_registered": "deals registered",
    "deals_approved": "deals approved",
    "deals_won": "deals won",
    "revenue_won": "won",
    "net_new_revenue": "net-new revenue won",
    "repeat_revenue": "repeat revenue won",
    "active_certifications": "active certifications",
    "certified_users": "certified users",
    "portal_engagement": "sign-ins and downloads",
}
HUNDRED = Decimal(100)


def format_kpi(key: str, value: Decimal) -> str:
    """A KPI's value as people read it: money in the program currency, rates and progress in percent."""
    unit = KPIS[key].unit
    if unit == "money":
        return format_money(value)
    if unit == "money_per_day":
        return f"{format_money(value)} a day"
    if unit == "fraction":
        return f"{_number(value * HUNDRED)}%"
    if unit == "percent":
        return f"{_number(value)}%"
    return _number(value)


def _number(value: Decimal) -> str:
    """12 → "12", 9.333 → "9.3", 1234.5 → "1,234.5"."""
    rounded = value.quantize(Decimal("0.1"), ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return f"{rounded:,.0f}"
    return f"{rounded:,.1f}"


@dataclass
class ObjectiveProgress:
    """One objective against the scorecard: the real `percent` (may pass 100) and `percent_shown` (capped)."""

    id: int
    kpi: str
    kpi_name: str
    unit: str
    target: Decimal
    description: str
    computed: bool
    value: Decimal
    percent: Decimal
    percent_shown: Decimal
    expected: Decimal
    at_risk: bool
    status: str  # achieved, on_track, at_risk, missed, not_started
    text: str

    @property
    def percent_bar(self) -> int:
        """Whole percent for the progress bar's width class (pct-N)."""
        return int(self.percent_shown.to_integral_value(ROUND_HALF_UP))


def _objective_progress(
    objective: PlanObjective, period: Period, scorecard: Scorecard | None, today: date
) -> ObjectiveProgress:
    kpi = KPIS[objective.kpi]
    raw = scorecard.kpis.get(objective.kpi) if scorecard is not None else None
    computed = scorecard is not None and raw is not None
    value = Decimal(str(raw)) if computed else Decimal(0)
    target = objective.target
    percent = (value / target * HUNDRED).quantize(Decimal("0.1"), ROUND_HALF_UP)
    expected = target * period.elapsed_fraction(today)
    # Behind the pace while the period runs; ended below target once it is over (the pace is then the target).
    at_risk = value < expected
    if value >= target:
        status = "achieved"
    elif today < period.start:
        status = "not_started"
    elif today > period.end:
        status = "missed"
    else:
        status = "at_risk" if at_risk else "on_track"
    return ObjectiveProgress(
        id=objective.pk,
        kpi=objective.kpi,
        kpi_name=kpi.name,
        unit=kpi.unit,
        target=target,
        description=objective.description,
        computed=computed,
        value=value,
        percent=percent,
        percent_shown=min(max(percent, Decimal(0)), HUNDRED),
        expected=expected.quantize(Decimal("0.0001"), ROUND_HALF_UP),
        at_risk=at_risk,
        status=status,
        text=_words(objective.kpi, value, target, expected, status, computed, period),
    )


def _words(key: str, value: Decimal, target: Decimal, expected: Decimal, status: str, computed: bool, period) -> str:
    noun = _NOUNS.get(key)
    if noun:
        figures = f"{format_kpi(key, value)} of {format_kpi(key, target)} {noun}"
    else:
        figures = f"{KPIS[key].name}: {format_kpi(key, value)} of {format_kpi(key, target)}"
    if not computed:
        figures += " (not computed yet)"
    # a pace in money reads in whole units: "behind the pace of 165,761 USD", not "165,760.87 USD"
    pace = format_kpi(key, expected.quantize(Decimal(1), ROUND_HALF_UP) if KPIS[key].unit == "money" else expected)
    tail = {
        "achieved": "target reached",
        "not_started": f"the {period.kind} starts on {period.start:%-d %b %Y}",
        "missed": f"the {period.kind} ended below target",
        "at_risk": f"behind the pace of {pace} by today",
        "on_track": f"on pace ({pace} expected by today)",
    }[status]
    return f"{figures} — {tail}"


def plans_progress(plans: Iterable[BusinessPlan], today: date | None = None) -> dict[int, list[ObjectiveProgress]]:
    """{plan id: its objectives' progress}, for many plans with one query for their scorecards (objectives are
    read from a prefetch when the plans have one)."""
    plans = list(plans)
    today = today or timezone.localdate()
    if not plans:
        return {}
    # a superset by column (no OR per plan: a page of 500 plans would nest 500 terms deep), matched exactly below
    rows = Scorecard.objects.filter(
        partner_id__in={p.partner_id for p in plans},
        period_kind__in={p.period_kind for p in plans},
        period_start__in={p.period_start for p in plans},
    ).only("partner_id", "period_kind", "period_start", "kpis", "computed_at")
    scorecards = {(s.partner_id, s.period_kind, s.period_start): s for s in rows}
    result = {}
    for plan in plans:
        period = Period(plan.period_kind, plan.period_start, plan.period_end)
        scorecard = scorecards.get((plan.partner_id, plan.period_kind, plan.period_start))
        result[plan.pk] = [_objective_progress(o, period, scorecard, today) for o in plan.objectives.all()]
    return result


def plan_progress(plan: BusinessPlan, today: date | None = None) -> list[ObjectiveProgress]:
    """Each objective of the plan against the partner's scorecard of the plan's period: its value (0 and "not
    computed yet" before the first scorecard), percent of the target, the pro-rata pace (target × the share of
    the period gone by today), whether it is at risk (behind that pace; after the period, below its target),
    and the sentence both portals show ("12 of 20 deals registered — behind the pace of 15 by today")."""
    return plans_progress([plan], today)[plan.pk]


def plan_scorecard(plan: BusinessPlan) -> Scorecard | None:
    """The scorecard the plan's progress is read from (for "computed at" on the pages)."""
    return Scorecard.objects.filter(
        partner_id=plan.partner_id, period_kind=plan.period_kind, period_start=plan.period_start
    ).first()
