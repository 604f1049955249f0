"""Factories for the performance app. Scorecards made here are rows for routes and pages; tests of the numbers
make their scorecards with the engine (performance.engine.recalculate) from real deals."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from performance.models import (
    ActivityKind,
    BusinessPlan,
    PartnerActivity,
    PlanObjective,
    RecalcJob,
    Scorecard,
    TierProposal,
)
from performance.periods import Period

from ..factories import PartnerFactory


def _quarter():
    return Period.containing("quarter", timezone.localdate())


class ScorecardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scorecard

    partner = factory.SubFactory(PartnerFactory)
    period_kind = "quarter"
    period_start = factory.LazyFunction(lambda: _quarter().start)
    period_end = factory.LazyFunction(lambda: _quarter().end)
    computed_at = factory.LazyFunction(timezone.now)
    score = Decimal("42.50")
    revenue_won = Decimal("12000.00")
    open_pipeline = Decimal("50000.00")
    deals_won = 2
    kpis = factory.LazyFunction(lambda: {"revenue_won": "12000.00", "deals_won": 2, "win_rate": "0.5000"})
    contributions = factory.LazyFunction(lambda: {"revenue_won": "2.40"})
    health_status = "green"
    churn_risk = "low"


class TierProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TierProposal

    partner = factory.SubFactory(PartnerFactory)
    from_tier = factory.LazyAttribute(lambda o: o.partner.tier)
    to_tier = None
    direction = "demotion"
    reasons = factory.LazyFunction(lambda: ["The lowest tier's requirements are not met."])


class BusinessPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessPlan

    partner = factory.SubFactory(PartnerFactory)
    period_kind = "quarter"
    period_start = factory.LazyFunction(lambda: _quarter().start)
    period_end = factory.LazyFunction(lambda: _quarter().end)
    title = "Grow the mid-market"


class PlanObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanObjective

    plan = factory.SubFactory(BusinessPlanFactory)
    kpi = "deals_registered"
    target = Decimal("20")
    description = "Register 20 deals"


class PartnerActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerActivity

    partner = factory.SubFactory(PartnerFactory)
    kind = ActivityKind.SIGN_IN
    at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))


class RecalcJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecalcJob

    state = "succeeded"
    progress = 100
