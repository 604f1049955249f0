"""The full recalculation in one PostgreSQL statement (performance/scorecards_sql.py) writes exactly what the Python
engine computes: every stored column of every scorecard, words included, compared row by row over the same data.

The data: seed_bench's program in small (deals of every status over two years, certifications, onboarding,
agreements, sign-ins, lead answers, survey answers), partners made by hand for the branches a random program may
miss (a tier to keep, the top tier, a tier named with quotes, a currency without a rate, a repeat win on the
same day, a deal closed before it was registered, a partner that joined today), and a hypothesis property over
random deals and scoring rules."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deals.models import DealStatus
from partners.models import Partner, Tier
from performance import engine, scorecards_sql
from performance.models import ActivityKind, Scorecard, ScoringRule
from performance.periods import Period

from ..deals.factories import ExchangeRateFactory
from ..factories import AgreementFactory, PartnerFactory
from ..onboarding.factories import OnboardingPlanFactory
from .factories import PartnerActivityFactory
from .test_engine import SNAPSHOT_FIELDS
from .test_kpis import at, deal

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based recalculation is PostgreSQL's (SQLite runs the engine)"
)

#: every stored column but the row's key (those of the engine's own full-run tests)
STORED = tuple(name for name in SNAPSHOT_FIELDS if name not in ("partner_id", "period_kind", "period_start"))


def _stored(periods: list[Period]) -> dict[tuple, dict]:
    rows = Scorecard.objects.filter(
        period_kind__in={p.kind for p in periods}, period_start__in={p.start for p in periods}
    ).values("partner_id", "period_kind", "period_start", *STORED)
    keys = {(p.kind, p.start) for p in periods}
    return {
        (row["partner_id"], row["period_kind"], row["period_start"]): {name: row[name] for name in STORED}
        for row in rows
        if (row["period_kind"], row["period_start"]) in keys
    }


def _forget(periods: list[Period]) -> None:
    for p in periods:
        Scorecard.objects.filter(period_kind=p.kind, period_start=p.start).delete()


def _both_ways(periods: list[Period], today: date) -> tuple[dict, dict]:
    """The periods' scorecards as the Python engine writes them, then as the statement writes them (the stored
    scorecards of the periods before, which the trend reads, are the same for both)."""
    engine.write_all(list(engine.compute_periods(periods, None, today=today).items()))
    python = _stored(periods)
    _forget(periods)
    computed, written = scorecards_sql.write_periods(periods, today=today)
    assert computed == written == len(python)
    return python, _stored(periods)


def _assert_same(python: dict, sql: dict) -> None:
    assert sql.keys() == python.keys()
    differing = {key: (python[key], sql[key]) for key in python if python[key] != sql[key]}
    assert not differing, f"{len(differing)} of {len(python)} scorecards differ, e.g. {next(iter(differing.items()))}"


def _edge_partners(today: date) -> None:
    """Branches a random program may not reach (after seed_bench, whose tiers are ranked 1 to 4)."""
    ExchangeRateFactory(currency="EUR", rate=Decimal("1.0837"), valid_from=today - timedelta(days=400))
    Tier.objects.filter(rank=3).update(name='Gold "Elite" — O\'Brien & Co')  # words with quotes in the JSON
    Tier.objects.filter(rank=4).update(min_revenue=0, min_won_deals=30, min_certified_users=0)
    silver, gold, platinum = (Tier.objects.get(rank=rank) for rank in (2, 3, 4))
    quarter = Period.containing("quarter", today)
    keeper = PartnerFactory(tier=gold, joined_on=today - timedelta(days=900))  # below Gold: a tier to keep
    deal(keeper, quarter.start, DealStatus.WON, won_amount=Decimal("1234.57"), closed_on=quarter.start)
    topped = PartnerFactory(tier=platinum, joined_on=today)  # the top tier, met; joined today: no "no sign-ins"
    for _ in range(30):
        deal(topped, today, DealStatus.WON, won_amount=Decimal("99.99"), closed_on=today)
    mixed = PartnerFactory(tier=silver, joined_on=today - timedelta(days=400))
    first = deal(mixed, quarter.start, DealStatus.WON, won_amount=Decimal("10.01"), closed_on=quarter.start)
    # the same customer again on the same day (a repeat win by its number), then a deal closed before it was
    # registered (its cycle counts as 0 days), one in a currency without a rate, one in EUR
    deal(
        mixed,
        quarter.start,
        DealStatus.WON,
        customer_name=first.customer_name,
        customer_domain=first.customer_domain,
        won_amount=Decimal("0.03"),
        closed_on=quarter.start,
    )
    deal(mixed, today, DealStatus.WON, won_amount=Decimal("333.33"), closed_on=today - timedelta(days=3))
    deal(mixed, today, DealStatus.WON, currency="CHF", won_amount=Decimal("500"), closed_on=today)
    deal(mixed, quarter.start, DealStatus.APPROVED, currency="EUR", amount=Decimal("777.77"))
    deal(mixed, quarter.start - timedelta(days=10), DealStatus.SUBMITTED, amount=Decimal("5000"))
    PartnerActivityFactory(partner=mixed, kind=ActivityKind.SIGN_IN, at=at(today - timedelta(days=45)))
    OnboardingPlanFactory(partner=mixed, progress_percent=40, stuck_since=today - timedelta(days=20))
    AgreementFactory(partner=mixed, starts_on=today - timedelta(days=800), expires_on=today - timedelta(days=5))
    PartnerFactory(status="churned")


@pytest.mark.django_db(transaction=True)
def test_the_statement_writes_what_the_engine_computes_over_a_seeded_program():
    call_command("seed_bench", partners=150, customers=500, deals=6_000, force=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    today = timezone.localdate()
    _edge_partners(today)
    current = engine.current_periods(today)
    before = [Period.containing("quarter", today).previous(), Period.containing("month", today).previous()]
    engine.write_all(list(engine.compute_periods(before, None, today=today).items()))  # what the trend reads
    # the open periods, and two closed ones (their levels read on their last day, not today)
    periods = [*current, before[0].previous(), before[1].previous()]
    python, sql = _both_ways(periods, today)
    _assert_same(python, sql)
    reasons = {reason["code"] for row in sql.values() for reason in row["health_reasons"]}
    flags = {flag["code"] for row in sql.values() for flag in row["compliance_flags"]}
    goals = {row["tier_path"]["goal"] for row in sql.values()}
    texts = [reason["text"] for row in sql.values() for reason in row["health_reasons"]]
    for variant in ("No one has signed in for at least", "Active certifications fell", "expire within 30 days"):
        assert any(variant in text for text in texts), variant  # both forms of the reasons that have two
    assert any(text.startswith("No one has signed in for ") and text[25].isdigit() for text in texts)
    # the comparison covered every kind of words, not only empty lists
    assert reasons == {
        "registrations_falling",
        "pipeline_shrinking",
        "certifications_lapsing",
        "no_sign_ins",
        "onboarding_overdue",
    }
    assert flags == {"certified_users_below_tier", "agreement_expired", "agreement_expiring", "onboarding_stalled"}
    assert goals >= {"keep", "reach", "top"}
    assert any(row["trend"]["previous_score"] is not None for row in sql.values())

    # a second run finds every row unchanged and rewrites none, whichever path wrote them
    assert scorecards_sql.write_periods(periods, today=today)[1] == 0
    engine.write_all(list(engine.compute_periods(periods, None, today=today).items()))
    assert scorecards_sql.write_periods(periods, today=today)[1] == 0
    # a changed figure is rewritten, for that partner only
    partner = Partner.objects.exclude(status="churned").order_by("pk").first()
    deal(partner, today, DealStatus.SUBMITTED, amount=Decimal("1"))
    assert scorecards_sql.write_periods(periods[:1], today=today)[1] == 1


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("250000"), places=2)
deals_strategy = st.lists(
    st.tuples(
        st.integers(0, 2),  # partner
        st.integers(-200, 0),  # registered, days before today
        st.integers(-30, 60),  # closed, days after registration
        st.sampled_from([DealStatus.WON, DealStatus.WON, DealStatus.LOST, DealStatus.SUBMITTED, DealStatus.APPROVED]),
        amounts,
        st.sampled_from(["USD", "USD", "EUR", "CHF"]),
        st.integers(0, 3),  # customer
    ),
    max_size=14,
)
rules = st.dictionaries(
    st.sampled_from(["deals_registered", "deals_won", "revenue_won", "win_rate", "portal_engagement"]),
    st.tuples(st.integers(0, 40), st.decimals(min_value=Decimal("0.5"), max_value=Decimal("200000"), places=1)),
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deals=deals_strategy, rules=rules)
def test_the_statement_agrees_with_the_engine_on_random_deals_and_rules(deals, rules):
    today = date(2026, 11, 20)
    with transaction.atomic():
        ExchangeRateFactory(currency="EUR", rate=Decimal("1.0837"), valid_from=date(2025, 1, 1))
        partners = [PartnerFactory(joined_on=date(2025, 1, 1)) for _ in range(3)]
        customers = {}
        for who, registered, closes, status, amount, currency, customer in deals:
            created = today + timedelta(days=registered)
            closed = created + timedelta(days=closes) if status in (DealStatus.WON, DealStatus.LOST) else None
            fields = {"amount": amount, "currency": currency, "closed_on": closed and min(closed, today)}
            if status == DealStatus.WON:
                fields["won_amount"] = amount
            if (who, customer) in customers and status != DealStatus.APPROVED:  # one approved deal per customer
                fields |= customers[who, customer]
            made = deal(partners[who], created, status, **fields)
            customers.setdefault(
                (who, customer), {"customer_name": made.customer_name, "customer_domain": made.customer_domain}
            )
        for key, (weight, target) in rules.items():
            ScoringRule.objects.update_or_create(kpi=key, defaults={"weight": weight, "target": target})
        periods = engine.current_periods(today)
        engine.write_all(list(engine.compute_periods([p.previous() for p in periods], None, today=today).items()))
        _assert_same(*_both_ways(periods, today))
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_statement_agrees_when_no_kpi_is_weighted():
    today = date(2026, 11, 20)
    partner = PartnerFactory(joined_on=date(2025, 1, 1))
    deal(partner, today - timedelta(days=5), DealStatus.WON, won_amount=Decimal("1500"), closed_on=today)
    for key in engine.scoring_rules():
        ScoringRule.objects.update_or_create(kpi=key, defaults={"weight": 0, "target": 1})
    python, sql = _both_ways(engine.current_periods(today), today)
    _assert_same(python, sql)
    assert {row["score"] for row in sql.values()} == {Decimal("0.00")}
    assert all(row["contributions"] == {} for row in sql.values())
