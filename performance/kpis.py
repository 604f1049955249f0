"""The KPIs: one definition each, the words shown in the UI and by `GET /api/v1/kpis/`, and the default weight and
target the score uses until a program admin changes them. performance/engine.py computes exactly these words;
tests/performance/test_kpis.py recomputes them from the rows by hand.

`flow` KPIs add up over time (deals, revenue, sign-ins): their quarterly target is scaled to the period's
length. The others are levels or ratios (win rate, certifications, onboarding progress): one target for any
period."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Kpi:
    key: str
    name: str
    definition: str
    unit: str  # count, money, fraction, days, percent, money_per_day, nps
    flow: bool = False
    weight: Decimal = Decimal("0")
    target: Decimal = Decimal("1")  # per quarter for flow KPIs


_KPIS = [
    Kpi(
        "deals_registered",
        "Deals registered",
        "Deals the partner registered in the period (a deal's registration day is the day it was created).",
        "count",
        flow=True,
        weight=Decimal("10"),
        target=Decimal("12"),
    ),
    Kpi(
        "deals_approved",
        "Deals approved",
        "The partner's deals approved by a manager in the period, whatever became of them later.",
        "count",
        flow=True,
    ),
    Kpi(
        "deals_won",
        "Deals won",
        "The partner's deals with status won whose close date is in the period.",
        "count",
        flow=True,
        weight=Decimal("15"),
        target=Decimal("6"),
    ),
    Kpi(
        "deals_lost",
        "Deals lost",
        "The partner's deals with status lost whose close date is in the period.",
        "count",
        flow=True,
    ),
    Kpi(
        "revenue_won",
        "Revenue won",
        "Sum of the won amounts of the period's won deals, in the program currency at the exchange rates valid on "
        "the period's last day (today for the open period). A deal in a currency without a rate is left out.",
        "money",
        flow=True,
        weight=Decimal("30"),
        target=Decimal("150000"),
    ),
    Kpi(
        "average_deal_size",
        "Average deal size",
        "Revenue won divided by deals won (0 when none was won).",
        "money",
    ),
    Kpi(
        "win_rate",
        "Win rate",
        "Deals won divided by deals won plus deals lost in the period, a fraction from 0 to 1 (0 when none closed).",
        "fraction",
        weight=Decimal("10"),
        target=Decimal("0.5"),
    ),
    Kpi(
        "average_sales_cycle_days",
        "Average sales cycle",
        "Mean over the period's won deals of the days from registration to close (never below 0; 0 when none).",
        "days",
    ),
    Kpi(
        "sales_velocity",
        "Sales velocity",
        "Deals registered × average deal size × win rate ÷ the average sales cycle in days (at least 1): "
        "revenue per day.",
        "money_per_day",
    ),
    Kpi(
        "open_pipeline",
        "Open pipeline",
        "Amount of the partner's deals that were submitted or approved at the period's end (now, for the open "
        "period): registered by then and not yet won, lost (their close date), rejected (their decision time) or "
        "expired (their protection end).",
        "money",
        weight=Decimal("5"),
        target=Decimal("300000"),
    ),
    Kpi(
        "net_new_revenue",
        "Net-new revenue",
        "Revenue won from customers the partner had never won before (no earlier won deal of the partner for the "
        "same customer).",
        "money",
        flow=True,
    ),
    Kpi(
        "repeat_revenue",
        "Repeat revenue",
        "Revenue won from customers the partner had won before (an earlier won deal, by close date then number).",
        "money",
        flow=True,
    ),
    Kpi(
        "lead_acceptance_rate",
        "Lead acceptance rate",
        "Lead offers the partner accepted in the period, divided by those it accepted, declined or let lapse "
        "(0 when it answered none).",
        "fraction",
        weight=Decimal("5"),
        target=Decimal("0.8"),
    ),
    Kpi(
        "active_certifications",
        "Active certifications",
        "Certifications of the partner's users that are valid on the period's last day (today for the open period).",
        "count",
        weight=Decimal("5"),
        target=Decimal("5"),
    ),
    Kpi(
        "certified_users",
        "Certified users",
        "Distinct users of the partner holding at least one certification valid on the period's last day.",
        "count",
        weight=Decimal("10"),
        target=Decimal("3"),
    ),
    Kpi(
        "onboarding_progress",
        "Onboarding progress",
        "Percent of the partner's onboarding steps done (100 when it has no onboarding plan).",
        "percent",
        weight=Decimal("5"),
        target=Decimal("100"),
    ),
    Kpi(
        "satisfaction_index",
        "Satisfaction index",
        "Net promoter score of the partner's survey answers in the period: percent of answers 9–10 minus percent "
        "0–6, from −100 to 100 (0 when nobody answered).",
        "nps",
        weight=Decimal("0"),
        target=Decimal("50"),
    ),
    Kpi(
        "portal_engagement",
        "Portal engagement",
        "Sign-ins to the partner portal plus resource downloads by the partner's users in the period.",
        "count",
        flow=True,
        weight=Decimal("5"),
        target=Decimal("30"),
    ),
]

KPIS: dict[str, Kpi] = {kpi.key: kpi for kpi in _KPIS}
KPI_CHOICES = [(kpi.key, kpi.name) for kpi in _KPIS]
