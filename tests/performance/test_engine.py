"""The recalculation as a whole: the score's properties, health that warns before revenue falls, the full run equal
to the incremental ones, idempotence, coalescing, tier proposals and the activity the indicators count."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from deals.models import Deal, DealStatus
from partners.models import Partner
from performance import engine, scorecards_sql
from performance.engine import compute, recalculate, score_of
from performance.kpis import KPIS
from performance.models import (
    ActivityKind,
    PartnerActivity,
    PendingRecalc,
    PerformanceSettings,
    ProposalStatus,
    RecalcJob,
    Scorecard,
    TierProposal,
)
from performance.periods import Period
from performance.proposals import tier_proposal_accept, tier_proposal_dismiss
from performance.services import scorecards_mark_stale
from prm.errors import Conflict, NotPermitted
from prm.events.models import OutboxEvent

from ..deals.factories import DealFactory
from ..factories import TEST_PASSWORD, PartnerFactory, PartnerUserFactory, TierFactory
from .factories import PartnerActivityFactory
from .test_kpis import at, deal

# --- the score -----------------------------------------------------------------------------------------------

kpi_values = st.fixed_dictionaries(
    {key: st.decimals(min_value=-100, max_value=10**7, places=2, allow_nan=False) for key in KPIS}
)
rules = st.fixed_dictionaries(
    {
        key: st.tuples(
            st.decimals(min_value=0, max_value=100, places=2, allow_nan=False),
            st.decimals(min_value=Decimal("0.01"), max_value=10**6, places=2, allow_nan=False),
        )
        for key in KPIS
    }
)


@given(kpis=kpi_values, rules=rules, kind=st.sampled_from(["month", "quarter", "ttm"]))
def test_the_score_stays_within_0_and_100(kpis, rules, kind):
    score, contributions = score_of(kpis, rules, kind)
    assert Decimal(0) <= score <= Decimal(100)
    assert all(Decimal(0) <= points <= Decimal(100) for points in contributions.values())


@given(
    kpis=kpi_values,
    rules=rules,
    key=st.sampled_from(sorted(KPIS)),
    more=st.decimals(min_value=Decimal("0.01"), max_value=10**6, places=2, allow_nan=False),
)
def test_the_score_rises_with_each_positively_weighted_kpi(kpis, rules, key, more):
    before, _ = score_of(kpis, rules, "quarter")
    after, _ = score_of({**kpis, key: kpis[key] + more}, rules, "quarter")
    assert after >= before
    weight, target = rules[key]
    if weight == 0:
        return
    total = sum(w for w, _ in rules.values() if w > 0)
    raised = min(max(kpis[key] + more, Decimal(0)), target) - min(max(kpis[key], Decimal(0)), target)
    if Decimal(100) * weight * raised / (target * total) >= Decimal("0.02"):  # a gain that survives rounding
        assert after > before


# --- health warns a period before revenue falls ----------------------------------------------------------------

QUARTERS = [Period.containing("quarter", date(2025, 10, 1)).shifted(n) for n in range(5)]  # Q4 2025 … Q4 2026


def _sell_steadily(partner, quarters, per_quarter=6):
    """Each quarter: `per_quarter` deals registered mid-quarter, half won and half lost in the next one; a
    sign-in every month. So at each quarter's end its own registrations are the open pipeline."""
    for q in quarters:
        for n in range(per_quarter):
            closes = q.shifted(1).start + timedelta(days=20 + n)
            won = n % 2 == 0
            deal(
                partner,
                q.start + timedelta(days=30 + n),
                DealStatus.WON if won else DealStatus.LOST,
                amount=Decimal("10000"),
                won_amount=Decimal("10000") if won else None,
                closed_on=closes,
            )
    for month in range(15):
        PartnerActivityFactory(
            partner=partner, kind=ActivityKind.SIGN_IN, at=at(date(2025, 10, 1) + timedelta(days=30 * month))
        )


def test_a_declining_partner_is_flagged_a_quarter_before_its_revenue_falls(db):
    steady, declining = PartnerFactory(status="active"), PartnerFactory(status="active")
    _sell_steadily(steady, QUARTERS[:4])
    _sell_steadily(declining, QUARTERS[:3])
    _sell_steadily(declining, QUARTERS[3:4], per_quarter=1)  # Q3 2026: one registration instead of six
    q2, q3, q4 = QUARTERS[2], QUARTERS[3], QUARTERS[4]
    today = q4.end + timedelta(days=1)

    cards = {(q, c.partner_id): c for q in (q2, q3, q4) for c in compute(q, None, today=today)}

    # in Q3 the declining partner still earns what the steady one earns ...
    assert cards[q3, declining.pk].kpis["revenue_won"] == cards[q3, steady.pk].kpis["revenue_won"] > 0
    # ... but is flagged, for reasons that say why
    flagged = cards[q3, declining.pk]
    assert flagged.health_status == "red" and flagged.churn_risk == "high"
    assert {r["code"] for r in flagged.health_reasons} == {"registrations_falling", "pipeline_shrinking"}
    assert "1 deal registered this quarter" in flagged.health_reasons[0]["text"]
    # and its revenue falls the quarter after
    assert cards[q4, declining.pk].kpis["revenue_won"] < cards[q3, declining.pk].kpis["revenue_won"]
    # the steady partner is never flagged, nor is the declining one before its decline
    for q in (q2, q3):
        assert cards[q, steady.pk].health_status == "green", cards[q, steady.pk].health_reasons
    assert cards[q2, declining.pk].health_status == "green"


# --- full = incremental, idempotent, atomic ------------------------------------------------------------------

SNAPSHOT_FIELDS = [
    "partner_id",
    "period_kind",
    "period_start",
    "period_end",
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
    "recommended_tier_id",
    "tier_path",
]


def _snapshot():
    return sorted(Scorecard.objects.values_list(*SNAPSHOT_FIELDS), key=lambda row: (row[0], row[1], row[2]))


@pytest.fixture
def three_partners(db):
    gold = TierFactory(name="Gold", rank=3, min_revenue=Decimal("20000"))
    TierFactory(name="Silver", rank=2, min_revenue=Decimal("5000"))
    partners = [PartnerFactory(status="active", tier=gold) for _ in range(3)]
    today = date.today()
    for i, p in enumerate(partners):
        for n in range(i + 1):
            deal(
                p,
                today - timedelta(days=40 + n),
                DealStatus.WON,
                won_amount=Decimal(3000 * (n + 1)),
                closed_on=today - timedelta(days=n),
            )
        DealFactory(partner=p, amount=Decimal("1000") * (i + 1))
    return partners


def test_the_full_run_equals_the_incremental_runs(three_partners):
    recalculate()
    full = _snapshot()
    Scorecard.objects.all().delete()
    for p in three_partners:
        recalculate(partner_ids=[p.pk])
    assert _snapshot() == full
    assert len(full) == 9  # three partners × month, quarter, trailing twelve months


def test_running_again_changes_nothing(three_partners):
    recalculate()
    first = _snapshot()
    recalculate()
    assert _snapshot() == first


def test_a_run_that_fails_midway_leaves_the_previous_scorecards_whole(three_partners, monkeypatch):
    recalculate()
    before = _snapshot()
    Deal.objects.filter(partner=three_partners[0]).update(amount=Decimal("99999"))

    def then_die(write):
        def write_then_die(*args, **kwargs):
            assert write(*args, **kwargs)  # the new rows are written, then the worker dies before the commit
            raise SystemExit("worker killed")

        return write_then_die

    # whichever writes the full run: the Python engine's writer, or the statement of scorecards_sql (PostgreSQL)
    monkeypatch.setattr(engine, "write_all", then_die(engine.write_all))
    monkeypatch.setattr(scorecards_sql, "write_periods", then_die(scorecards_sql.write_periods))
    with pytest.raises(SystemExit):
        recalculate()
    assert _snapshot() == before


# --- coalescing ----------------------------------------------------------------------------------------------


def test_a_burst_of_events_for_one_partner_is_one_recalculation(db, django_capture_on_commit_callbacks):
    p = PartnerFactory(status="active")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        scheduled = [scorecards_mark_stale(partner_id=p.pk) for _ in range(100)]
    assert scheduled.count(True) == 1
    assert len(callbacks) == 1  # one task sent for the hundred events
    assert not PendingRecalc.objects.exists()  # (eager) the run claimed the partner
    assert RecalcJob.objects.filter(kind="incremental").count() == 1
    assert Scorecard.objects.filter(partner=p).count() == 3


def test_a_deal_event_recalculates_its_partner_through_the_outbox(db, django_capture_on_commit_callbacks):
    from deals.services import deal_win

    p = PartnerFactory(status="active")
    d = DealFactory(partner=p, approved=True)
    with django_capture_on_commit_callbacks(execute=True):
        deal_win(actor=d.registered_by, deal=d, amount=Decimal("4321.00"), closed_on=date.today())
    card = Scorecard.objects.get(partner=p, period_kind="quarter")
    assert card.kpis["revenue_won"] == "4321.00"


# --- tier proposals ------------------------------------------------------------------------------------------


@pytest.fixture
def tiers(db):
    return (
        TierFactory(name="Registered", rank=1),
        TierFactory(name="Silver", rank=2, min_revenue=Decimal("10000"), min_won_deals=1),
        TierFactory(name="Gold", rank=3, min_revenue=Decimal("50000"), min_won_deals=3, min_certified_users=2),
    )


def test_a_partner_that_outgrew_its_tier_gets_a_promotion_proposed_not_applied(tiers, manager):
    registered, silver, gold = tiers
    p = PartnerFactory(status="active", tier=registered)
    deal(
        p,
        date.today() - timedelta(days=20),
        DealStatus.WON,
        won_amount=Decimal("12000"),
        closed_on=date.today() - timedelta(days=2),
    )
    recalculate(partner_ids=[p.pk])
    proposal = TierProposal.objects.get(partner=p)
    assert (proposal.from_tier, proposal.to_tier, proposal.direction, proposal.status) == (
        registered,
        silver,
        "promotion",
        "open",
    )
    p.refresh_from_db()
    assert p.tier == registered  # proposed, not silently applied
    card = Scorecard.objects.get(partner=p, period_kind="quarter")
    assert card.recommended_tier == silver
    # the path to Gold in words: 2 certified users, 2 won deals and 38,000 USD more
    assert card.tier_path["text"] == (
        "2 more certified users, 2 more won deals and 38,000 USD more won revenue to reach Gold "
        "(over the trailing twelve months)."
    )
    assert OutboxEvent.objects.filter(name="tier_proposal.created").count() == 1
    # recalculating again keeps the one open proposal
    recalculate(partner_ids=[p.pk])
    assert TierProposal.objects.filter(partner=p).count() == 1

    tier_proposal_accept(actor=manager, proposal=proposal)
    p.refresh_from_db()
    assert p.tier == silver
    assert OutboxEvent.objects.filter(name="partner.tier_changed", partner=p).exists()
    with pytest.raises(Conflict):
        tier_proposal_dismiss(actor=manager, proposal=proposal)


def test_finance_cannot_decide_a_proposal(tiers, finance):
    p = PartnerFactory(status="active", tier=tiers[2])
    recalculate(partner_ids=[p.pk])
    proposal = TierProposal.objects.get(partner=p)
    assert proposal.direction == "demotion"
    with pytest.raises(NotPermitted):
        tier_proposal_accept(actor=finance, proposal=proposal)


def test_a_proposal_no_longer_recommended_is_withdrawn(tiers):
    registered, silver, _ = tiers
    p = PartnerFactory(status="active", tier=silver)
    recalculate(partner_ids=[p.pk])  # nothing won: Registered is recommended
    assert TierProposal.objects.get(partner=p).to_tier == registered
    deal(
        p,
        date.today() - timedelta(days=20),
        DealStatus.WON,
        won_amount=Decimal("12000"),
        closed_on=date.today() - timedelta(days=1),
    )
    recalculate(partner_ids=[p.pk])
    assert TierProposal.objects.get(partner=p).status == ProposalStatus.WITHDRAWN


def test_automatic_tier_changes_when_the_admin_turned_them_on(tiers):
    registered, silver, _ = tiers
    PerformanceSettings.objects.update_or_create(pk=1, defaults={"auto_apply_tier_changes": True})
    p = PartnerFactory(status="active", tier=registered)
    deal(
        p,
        date.today() - timedelta(days=20),
        DealStatus.WON,
        won_amount=Decimal("12000"),
        closed_on=date.today() - timedelta(days=1),
    )
    recalculate(partner_ids=[p.pk])
    p.refresh_from_db()
    assert p.tier == silver
    assert TierProposal.objects.get(partner=p).status == ProposalStatus.APPLIED


# --- activity ------------------------------------------------------------------------------------------------


def test_a_partner_users_sign_in_is_recorded_and_staffs_is_not(db, manager, client):
    user = PartnerUserFactory()
    for who in (user, manager):
        client.post(reverse("login"), {"username": who.email, "password": TEST_PASSWORD})
        client.logout()
    assert list(PartnerActivity.objects.values_list("partner_id", "kind")) == [(user.partner_id, "sign_in")]


def test_a_lead_answer_is_recorded_once_even_when_the_event_is_delivered_twice(db):
    from performance.handlers import _lead_answer

    p = PartnerFactory()
    event = OutboxEvent.objects.create(name="lead.declined", aggregate_type="lead", aggregate_id="1", partner=p)
    _lead_answer(event)
    _lead_answer(event)
    assert PartnerActivity.objects.filter(partner=p, kind=ActivityKind.LEAD_DECLINED).count() == 1


def test_churned_partners_get_no_scorecards(db):
    p = PartnerFactory(status="churned")
    recalculate()
    assert not Scorecard.objects.filter(partner=p).exists()
    assert Partner.objects.filter(pk=p.pk).exists()


def test_the_nightly_run_is_recorded(db):
    from performance.services import scorecards_recalculate_all

    PartnerFactory(status="active")
    RecalcJob.objects.create(
        kind="incremental", state="succeeded", finished_at=datetime(2020, 1, 1, tzinfo=timezone_utc())
    )
    assert scorecards_recalculate_all() == 3
    assert list(RecalcJob.objects.values_list("kind", "state")) == [("nightly", "succeeded")]


def timezone_utc():
    from datetime import UTC

    return UTC


def test_a_second_recalculation_is_refused_while_one_is_under_way(
    db, program_admin, django_capture_on_commit_callbacks
):
    from performance.services import recalc_job_start

    RecalcJob.objects.create(kind="scorecards", state="running", progress=40)
    with pytest.raises(Conflict, match="already under way .* 40% done"):
        recalc_job_start(actor=program_admin)
    stale = RecalcJob.objects.create(kind="scorecards", state="running")
    RecalcJob.objects.filter(state="running").update(created_at=stale.created_at - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        job = recalc_job_start(actor=program_admin)
    job.refresh_from_db()
    assert job.state == "succeeded"  # (eager) the dead ones do not block


def test_partners_of_a_failed_incremental_run_wait_for_the_next_one(db, monkeypatch):
    from performance.services import scorecards_recalculate_pending

    p = PartnerFactory(status="active")
    PendingRecalc.objects.create(partner=p)

    def die(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(engine, "recalculate", die)
    with pytest.raises(RuntimeError):
        scorecards_recalculate_pending()
    assert PendingRecalc.objects.filter(partner=p).exists()
    assert RecalcJob.objects.get(kind="incremental").state == "failed"
    monkeypatch.undo()
    assert scorecards_recalculate_pending() == 1
    assert Scorecard.objects.filter(partner=p).count() == 3
