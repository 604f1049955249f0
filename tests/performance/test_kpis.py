"""Every KPI of performance/kpis.py on small data computed by hand (the expected numbers below are worked out in
the comments, not by calling the engine's helpers), with the edge cases the definitions name."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import Deal, DealStatus
from partners.models import SurveyResponse
from performance.engine import compute, recalculate
from performance.kpis import KPIS
from performance.models import ActivityKind, Scorecard
from performance.periods import Period

from ..deals.factories import DealFactory, ExchangeRateFactory
from ..factories import AgreementFactory, PartnerFactory, PartnerUserFactory
from ..onboarding.factories import CertificationFactory, CourseFactory, OnboardingPlanFactory, OnboardingStepFactory
from ..partners.factories import SurveyResponseFactory
from .factories import PartnerActivityFactory

TODAY = date(2026, 11, 30)  # Q4 2026 = Oct 1 – Dec 31 (open); November 2026; ttm = Dec 2025 – Nov 2026
Q4 = Period.containing("quarter", TODAY)
Q3 = Q4.previous()
NOV = Period.containing("month", TODAY)
TTM = Period.containing("ttm", TODAY)


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def deal(partner, created: date, status=DealStatus.SUBMITTED, **fields) -> Deal:
    made = DealFactory(partner=partner, status=status, **fields)
    Deal.objects.filter(pk=made.pk).update(created_at=at(created))
    made.refresh_from_db()
    return made


def kpis_of(partner, period: Period) -> dict:
    [row] = [c for c in compute(period, [partner.pk], today=TODAY) if c.partner_id == partner.pk]
    return row.kpis


@pytest.fixture
def rates(db):
    ExchangeRateFactory(currency="EUR", rate=Decimal("1.10"), valid_from=date(2026, 1, 1))
    ExchangeRateFactory(currency="EUR", rate=Decimal("1.20"), valid_from=date(2026, 11, 15))
    ExchangeRateFactory(currency="GBP", rate=Decimal("1.25"), valid_from=date(2026, 1, 1))


@pytest.fixture
def seller(db, rates):
    """One partner's deals across periods and currencies:
    d1 registered Oct 5, won Oct 25: 10,000 USD (cycle 20 days)
    d2 registered Sep 20 (Q3), won Oct 10: 5,000 EUR (cycle 20 days)
    d3 registered Oct 15, lost Nov 1
    d4 registered Nov 2, submitted: 20,000 USD open
    d5 registered Nov 3, approved Nov 4: 8,000 GBP open
    d6 registered Nov 10, won the same day: 2,000 USD, the same customer as d1 (repeat revenue, cycle 0)
    d8 registered Jun 1, won Jun 30: 7,000 USD (Q2: only in the trailing twelve months)
    d10 registered Sep 25, rejected Oct 2: 1,000 USD (open at the end of Q3, not after)"""
    p = PartnerFactory(status="active")
    d1 = deal(
        p,
        date(2026, 10, 5),
        DealStatus.WON,
        amount=Decimal("12000"),
        won_amount=Decimal("10000"),
        closed_on=date(2026, 10, 25),
        approved_at=at(date(2026, 10, 6)),
    )
    deal(
        p,
        date(2026, 9, 20),
        DealStatus.WON,
        amount=Decimal("5000"),
        currency="EUR",
        won_amount=Decimal("5000"),
        closed_on=date(2026, 10, 10),
        approved_at=at(date(2026, 9, 21)),
    )
    deal(p, date(2026, 10, 15), DealStatus.LOST, closed_on=date(2026, 11, 1), approved_at=at(date(2026, 10, 16)))
    deal(p, date(2026, 11, 2), amount=Decimal("20000"))
    deal(
        p,
        date(2026, 11, 3),
        DealStatus.APPROVED,
        amount=Decimal("8000"),
        currency="GBP",
        approved_at=at(date(2026, 11, 4)),
        protected_until=date(2027, 2, 1),
    )
    deal(
        p,
        date(2026, 11, 10),
        DealStatus.WON,
        customer_name=d1.customer_name,
        customer_domain=d1.customer_domain,
        amount=Decimal("2000"),
        won_amount=Decimal("2000"),
        closed_on=date(2026, 11, 10),
        approved_at=at(date(2026, 11, 10)),
    )
    deal(
        p,
        date(2026, 6, 1),
        DealStatus.WON,
        amount=Decimal("7000"),
        won_amount=Decimal("7000"),
        closed_on=date(2026, 6, 30),
        approved_at=at(date(2026, 6, 2)),
    )
    deal(p, date(2026, 9, 25), DealStatus.REJECTED, amount=Decimal("1000"), decided_at=at(date(2026, 10, 2)))
    return p


def test_deal_kpis_of_the_open_quarter(seller):
    k = kpis_of(seller, Q4)
    assert k["deals_registered"] == 5  # d1 d3 d4 d5 d6
    assert k["deals_approved"] == 4  # d1 d3 d5 d6 (d2 was approved in Q3)
    assert (k["deals_won"], k["deals_lost"]) == (3, 1)  # d1 d2 d6 / d3
    # EUR at the rate valid on the period's as-of day (today, Nov 30): 1.20 → d2 = 6,000
    assert k["revenue_won"] == Decimal("18000.00")  # 10,000 + 6,000 + 2,000
    assert k["average_deal_size"] == Decimal("6000.00")
    assert k["win_rate"] == Decimal("0.7500")  # 3 / (3 + 1)
    assert k["average_sales_cycle_days"] == Decimal("13.3")  # (20 + 20 + 0) / 3
    # 5 × 6,000 × 0.75 ÷ 13.33… = 22,500 × 3 / 40 = 1,687.50
    assert k["sales_velocity"] == Decimal("1687.50")
    assert k["open_pipeline"] == Decimal("30000.00")  # d4 20,000 USD + d5 8,000 GBP × 1.25
    assert k["repeat_revenue"] == Decimal("2000.00")  # d6: d1's customer, won before
    assert k["net_new_revenue"] == Decimal("16000.00")


def test_month_and_trailing_twelve_months(seller):
    nov = kpis_of(seller, NOV)
    assert (nov["deals_registered"], nov["deals_won"], nov["deals_lost"]) == (3, 1, 1)  # d4 d5 d6 / d6 / d3
    assert nov["revenue_won"] == Decimal("2000.00")
    assert nov["win_rate"] == Decimal("0.5000")
    ttm = kpis_of(seller, TTM)
    assert ttm["deals_won"] == 4  # d1 d2 d6 d8
    assert ttm["revenue_won"] == Decimal("25000.00")


def test_a_closed_quarter_reads_its_pipeline_and_rates_at_its_end(seller):
    q3 = kpis_of(seller, Q3)
    assert q3["deals_registered"] == 2  # d2 d10
    assert q3["deals_won"] == 0
    # open at Sep 30: d2 (won only on Oct 10) 5,000 EUR × 1.10 (the rate then) + d10 (rejected Oct 2) 1,000 USD
    assert q3["open_pipeline"] == Decimal("6500.00")


def test_a_partner_with_nothing_has_zeros_not_errors(db):
    p = PartnerFactory(status="active")
    k = kpis_of(p, Q4)
    for key in ("deals_registered", "deals_won", "deals_lost", "active_certifications", "portal_engagement"):
        assert k[key] == 0
    for key in (
        "revenue_won",
        "average_deal_size",
        "win_rate",
        "average_sales_cycle_days",
        "sales_velocity",
        "open_pipeline",
        "lead_acceptance_rate",
        "satisfaction_index",
    ):
        assert k[key] == 0, key
    assert k["onboarding_progress"] == 100  # no onboarding plan: nothing left to do


def test_a_deal_won_in_a_currency_without_a_rate_is_counted_but_not_summed(db):
    p = PartnerFactory(status="active")
    deal(
        p,
        date(2026, 11, 1),
        DealStatus.WON,
        currency="JPY",
        amount=Decimal("100000"),
        won_amount=Decimal("100000"),
        closed_on=date(2026, 11, 2),
    )
    k = kpis_of(p, Q4)
    assert k["deals_won"] == 1
    assert k["revenue_won"] == 0


def test_a_deal_closed_before_its_registration_day_counts_zero_cycle_days(db):
    p = PartnerFactory(status="active")
    # deal_win allows a close the day before registration (a time-zone edge): its cycle is 0, never -1
    deal(p, date(2026, 11, 5), DealStatus.WON, won_amount=Decimal("100"), closed_on=date(2026, 11, 4))
    deal(p, date(2026, 11, 1), DealStatus.WON, won_amount=Decimal("100"), closed_on=date(2026, 11, 5))
    assert kpis_of(p, Q4)["average_sales_cycle_days"] == Decimal("2.0")  # (0 + 4) / 2


def test_a_deal_spanning_periods_counts_where_each_event_happened(seller):
    """d2: registered in Q3 (counts there), won in Q4 (its revenue counts there), open at the end of Q3."""
    q3, q4 = kpis_of(seller, Q3), kpis_of(seller, Q4)
    assert q3["deals_registered"] == 2 and q3["revenue_won"] == 0
    assert q4["revenue_won"] >= Decimal("6000.00")


def test_a_won_deal_reopened_leaves_the_revenue_and_returns_to_the_pipeline(seller):
    d6 = Deal.objects.get(partner=seller, won_amount=Decimal("2000"))
    # what reopening leaves (deals.services.deal_reopen): approved again, no close date, no won amount
    Deal.objects.filter(pk=d6.pk).update(status=DealStatus.APPROVED, won_amount=None, closed_on=None)
    k = kpis_of(seller, Q4)
    assert (k["deals_won"], k["revenue_won"]) == (2, Decimal("16000.00"))
    assert k["repeat_revenue"] == 0
    assert k["open_pipeline"] == Decimal("32000.00")  # 30,000 + d6's 2,000


def test_leading_indicators(db):
    p = PartnerFactory(status="active")
    u1, u2 = PartnerUserFactory(partner=p), PartnerUserFactory(partner=p)
    c1, c2 = CourseFactory(), CourseFactory()
    CertificationFactory(user=u1, course=c1, issued_on=date(2026, 1, 10), expires_on=date(2027, 1, 10))
    CertificationFactory(user=u1, course=c2, issued_on=date(2026, 2, 10), expires_on=date(2027, 2, 10))
    CertificationFactory(user=u2, course=c1, issued_on=date(2025, 11, 1), expires_on=date(2026, 11, 1))
    plan = OnboardingPlanFactory(partner=p, progress_percent=40)
    OnboardingStepFactory(plan=plan, due_on=TODAY - timedelta(days=3))
    for score in (10, 9, 7, 3):
        response = SurveyResponseFactory(partner=p, user=PartnerUserFactory(partner=p), score=score)
        SurveyResponse.objects.filter(pk=response.pk).update(created_at=at(date(2026, 11, 20)))
    for day in (date(2026, 10, 1), date(2026, 11, 2), date(2026, 11, 29)):
        PartnerActivityFactory(partner=p, kind=ActivityKind.SIGN_IN, at=at(day))
    PartnerActivityFactory(partner=p, kind=ActivityKind.DOWNLOAD, at=at(date(2026, 11, 3)))
    PartnerActivityFactory(partner=p, kind=ActivityKind.SIGN_IN, at=at(date(2026, 9, 30)))  # Q3
    for kind in (
        ActivityKind.LEAD_ACCEPTED,
        ActivityKind.LEAD_ACCEPTED,
        ActivityKind.LEAD_DECLINED,
        ActivityKind.LEAD_LAPSED,
    ):
        PartnerActivityFactory(partner=p, kind=kind, at=at(date(2026, 11, 5)))

    k = kpis_of(p, Q4)
    assert k["active_certifications"] == 2  # u2's expired on Nov 1
    assert k["certified_users"] == 1
    assert k["onboarding_progress"] == 40
    assert k["satisfaction_index"] == Decimal("25.0")  # (2 promoters − 1 detractor) / 4 answers
    assert k["portal_engagement"] == 4  # 3 sign-ins + 1 download in Q4
    assert k["lead_acceptance_rate"] == Decimal("0.5000")  # 2 of 4 answers
    q3 = kpis_of(p, Q3)
    assert (q3["active_certifications"], q3["certified_users"]) == (3, 2)


def test_the_score_is_the_weighted_attainment_of_the_defaults(seller):
    """Recomputed here from the KPI values and the defaults' words: weight × min(value ÷ target, 1), over the sum
    of the weights, × 100; a flow KPI's quarterly target as is."""
    recalculate(partner_ids=[seller.pk], today=TODAY, periods=[Q4], propose=False)
    card = Scorecard.objects.get(partner=seller, period_kind="quarter", period_start=Q4.start)
    weights = {key: kpi.weight for key, kpi in KPIS.items() if kpi.weight > 0}
    expected = (
        sum(
            weights[key] * min(max(Decimal(str(card.kpis[key])), Decimal(0)) / KPIS[key].target, Decimal(1))
            for key in weights
        )
        * 100
        / sum(weights.values())
    )
    assert card.score == expected.quantize(Decimal("0.01"))
    assert sum(Decimal(v) for v in card.contributions.values()) == pytest.approx(card.score, abs=Decimal("0.05"))
    # win rate 0.75 against a target of 0.5: capped, its whole weight of 10 points
    assert Decimal(card.contributions["win_rate"]) == Decimal("10.00")


def test_agreement_expiring_and_certified_users_below_tier_are_flagged(db):
    from ..factories import TierFactory

    gold = TierFactory(name="Gold", rank=3, min_certified_users=2)
    p = PartnerFactory(status="active", tier=gold)
    AgreementFactory(partner=p, starts_on=date(2025, 1, 1), expires_on=TODAY + timedelta(days=10), auto_renew=False)
    [card] = compute(Q4, [p.pk], today=TODAY)
    codes = {flag["code"] for flag in card.compliance_flags}
    assert codes == {"certified_users_below_tier", "agreement_expiring"}
