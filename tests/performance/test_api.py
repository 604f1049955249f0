"""The scorecard API: KPI definitions, a partner's current scorecard, the history list, recalculation jobs and tier
proposals, as each role sees them."""

from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import DealStatus
from partners.models import PartnerStatus
from performance.kpis import KPIS
from performance.models import RecalcJob, Scorecard, ScoringRule
from performance.periods import Period

from ..deals.factories import DealFactory
from ..factories import PartnerFactory, TierFactory
from .factories import RecalcJobFactory, ScorecardFactory, TierProposalFactory

pytestmark = pytest.mark.django_db

KPIS_URL = "/api/v1/kpis/"
SCORECARDS = "/api/v1/scorecards/"
RECALCULATE = "/api/v1/scorecards/recalculate/"
PROPOSALS = "/api/v1/tier-proposals/"


def scorecard_url(partner) -> str:
    return f"/api/v1/partners/{partner.pk}/scorecard/"


def won_deal(partner, amount: str):
    return DealFactory(
        partner=partner,
        status=DealStatus.WON,
        won_amount=Decimal(amount),
        closed_on=timezone.localdate(),
    )


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- KPIs ------------------------------------------------------------------------------------------------------


def test_kpis_lists_every_kpi_with_its_definition_and_the_programs_weight_and_target(api, partner_a_rep):
    ScoringRule.objects.create(kpi="revenue_won", weight=Decimal("40"), target=Decimal("90000"))

    response = api.as_user(partner_a_rep).get(KPIS_URL)

    assert response.status_code == 200
    rows = {row["key"]: row for row in response.json()}
    assert set(rows) == set(KPIS)
    assert rows["win_rate"]["definition"] == KPIS["win_rate"].definition
    assert rows["win_rate"]["unit"] == "fraction"
    assert rows["revenue_won"]["weight"] == "40.00"  # the program's rule, not the default 30
    assert rows["revenue_won"]["target"] == "90000.0000"
    assert rows["deals_won"]["weight"] == "15.00"  # no rule: the default
    assert rows["deals_won"]["flow"] is True


def test_kpis_need_a_signed_in_caller(api):
    assert api.get(KPIS_URL).status_code == 401


# --- a partner's current scorecard ---------------------------------------------------------------------------


def test_partner_scorecard_is_computed_on_first_read_with_the_partners_own_numbers(api, partner_a, partner_a_rep):
    won_deal(partner_a, "30000.00")
    won_deal(partner_a, "12000.50")
    DealFactory(partner=partner_a, status=DealStatus.LOST, closed_on=timezone.localdate())

    response = api.as_user(partner_a_rep).get(scorecard_url(partner_a))

    assert response.status_code == 200, response.json()
    body = response.json()
    quarter = Period.containing("quarter", timezone.localdate())
    assert (body["period_start"], body["period_end"]) == (quarter.start.isoformat(), quarter.end.isoformat())
    assert body["period_kind"] == "quarter"
    assert body["currency"] == "USD"
    kpis = body["kpis"]
    assert kpis["revenue_won"] == "42000.50"
    assert kpis["deals_won"] == 2
    assert kpis["deals_lost"] == 1
    assert kpis["win_rate"] == "0.6667"
    assert kpis["average_deal_size"] == "21000.25"
    assert {"deals_registered", "deals_approved", "average_sales_cycle_days", "sales_velocity", "open_pipeline"} <= set(
        kpis
    )
    assert isinstance(kpis["active_certifications"], int)
    assert isinstance(kpis["onboarding_progress"], int)
    assert Decimal(body["score"]) == sum(Decimal(points) for points in body["contributions"].values())
    assert set(body["health"]) == {"status", "churn_risk", "reasons"}
    assert body["health"]["status"] in {"green", "amber", "red"}
    assert set(body["tier_path"]) == {"next_tier", "goal", "missing", "text"}
    assert body["trend"]["previous_score"] is None
    # the read wrote the partner's scorecards of every open period, and proposed no tier change
    assert Scorecard.objects.filter(partner=partner_a).count() == 3
    assert not partner_a.tier_proposals.exists()


def test_partner_scorecard_answers_the_stored_row_for_the_period_asked(api, partner_a, partner_a_admin):
    month = Period.containing("month", timezone.localdate())
    ScorecardFactory(partner=partner_a, period_kind="month", period_start=month.start, period_end=month.end)
    ScorecardFactory(partner=partner_a, score=Decimal("77.25"))
    client = api.as_user(partner_a_admin)

    by_default = client.get(scorecard_url(partner_a))
    monthly = client.get(scorecard_url(partner_a), {"period": "month"})
    blank = client.get(scorecard_url(partner_a), {"period": ""})

    assert by_default.json()["score"] == "77.25"
    assert by_default.json()["period_kind"] == "quarter"
    assert monthly.json()["period_start"] == month.start.isoformat()
    assert blank.json()["score"] == "77.25"
    assert client.get(scorecard_url(partner_a), {"period": "year"}).status_code == 400


def test_partner_scorecard_shows_the_recommended_tier_and_the_health_reasons(api, partner_a, manager):
    gold = partner_a.tier
    ScorecardFactory(
        partner=partner_a,
        recommended_tier=gold,
        health_status="red",
        churn_risk="high",
        health_reasons=[{"code": "no_sign_ins", "text": "No one has signed in for 45 days."}],
    )

    body = api.as_user(manager).get(scorecard_url(partner_a)).json()

    assert body["recommended_tier"] == {"id": gold.pk, "name": "Gold"}
    assert body["health"] == {
        "status": "red",
        "churn_risk": "high",
        "reasons": [{"code": "no_sign_ins", "text": "No one has signed in for 45 days."}],
    }


def test_another_partners_scorecard_is_404_and_not_computed(api, partner_a, partner_b_rep):
    response = api.as_user(partner_b_rep).get(scorecard_url(partner_a))

    assert response.status_code == 404
    assert not Scorecard.objects.exists()


def test_a_churned_partner_is_not_scored(api, manager):
    churned = PartnerFactory(status=PartnerStatus.CHURNED)

    response = api.as_user(manager).get(scorecard_url(churned))

    assert response.status_code == 404
    assert "churned" in response.json()["detail"]


# --- the history -----------------------------------------------------------------------------------------------


def test_a_partner_lists_only_its_own_scorecards_and_staff_list_all(api, partner_a, partner_b, partner_b_rep, manager):
    own = ScorecardFactory(partner=partner_b)
    other = ScorecardFactory(partner=partner_a)

    assert ids(api.as_user(partner_b_rep).get(SCORECARDS)) == [own.pk]
    assert sorted(ids(api.as_user(manager).get(SCORECARDS))) == sorted([own.pk, other.pk])
    assert api.as_user(partner_b_rep).get(f"{SCORECARDS}{other.pk}/").status_code == 404


def test_history_filters_and_empty_filters(api, partner_a, partner_b, manager):
    quarter = Period.containing("quarter", timezone.localdate())
    earlier = quarter.previous()
    now_a = ScorecardFactory(partner=partner_a, health_status="red", churn_risk="high")
    before_a = ScorecardFactory(partner=partner_a, period_start=earlier.start, period_end=earlier.end)
    now_b = ScorecardFactory(partner=partner_b, churn_risk="medium", health_status="amber")
    client = api.as_user(manager)

    assert sorted(ids(client.get(SCORECARDS, {"partner": partner_a.pk}))) == sorted([now_a.pk, before_a.pk])
    assert ids(client.get(SCORECARDS, {"period_start": earlier.start.isoformat()})) == [before_a.pk]
    assert ids(client.get(SCORECARDS, {"health_status": "red"})) == [now_a.pk]
    assert ids(client.get(SCORECARDS, {"churn_risk": "medium"})) == [now_b.pk]
    assert ids(client.get(SCORECARDS, {"period_kind": "month"})) == []
    everything = ids(client.get(SCORECARDS))
    assert len(everything) == 3
    empty = {"partner": "", "period_start": "", "period_kind": "", "health_status": "", "churn_risk": ""}
    assert ids(client.get(SCORECARDS, empty)) == everything
    assert client.get(SCORECARDS, {"health_status": "purple"}).status_code == 400


def test_history_orders_by_score_period_and_revenue(api, partner_a, partner_b, manager):
    earlier = Period.containing("quarter", timezone.localdate()).previous()
    low = ScorecardFactory(partner=partner_a, score=Decimal("10"), revenue_won=Decimal("900"))
    high = ScorecardFactory(partner=partner_b, score=Decimal("90"), revenue_won=Decimal("100"))
    old = ScorecardFactory(
        partner=partner_a, period_start=earlier.start, period_end=earlier.end, score=Decimal("50"), revenue_won=1
    )
    client = api.as_user(manager)

    assert ids(client.get(SCORECARDS, {"ordering": "-score"})) == [high.pk, old.pk, low.pk]
    assert ids(client.get(SCORECARDS, {"ordering": "revenue_won"})) == [old.pk, high.pk, low.pk]
    assert ids(client.get(SCORECARDS, {"ordering": "period_start"}))[0] == old.pk
    # by default the newest period first, its partners in order (partner_a was made before partner_b)
    assert ids(client.get(SCORECARDS)) == [low.pk, high.pk, old.pk]


def test_a_partner_cannot_filter_by_another_partners_id(api, partner_a, partner_b_rep):
    ScorecardFactory(partner=partner_a)
    assert api.as_user(partner_b_rep).get(SCORECARDS, {"partner": partner_a.pk}).status_code == 400


def test_the_history_query_count_does_not_grow_with_the_page(api, manager, django_assert_num_queries):
    silver = TierFactory(name="Silver", rank=2)
    for _ in range(20):
        ScorecardFactory(partner=PartnerFactory(tier=silver), recommended_tier=silver)
    client = api.as_user(manager)

    with django_assert_num_queries(2):  # count, page (partner and tier joined)
        small = client.get(SCORECARDS, {"page_size": 3})
    with django_assert_num_queries(2):
        large = client.get(SCORECARDS, {"page_size": 20})
    assert len(small.json()["results"]) == 3
    assert len(large.json()["results"]) == 20
    assert large.json()["results"][0]["recommended_tier"]["name"] == "Silver"


# --- recalculation and jobs -----------------------------------------------------------------------------------


def test_a_program_admin_recalculates_202_with_a_job_that_finishes(
    api, program_admin, partner_a, partner_b, django_capture_on_commit_callbacks
):
    won_deal(partner_a, "5000.00")
    client = api.as_user(program_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RECALCULATE)

    assert response.status_code == 202
    body = response.json()
    assert body["state"] in ("queued", "succeeded")
    assert body["url"].endswith(f"/api/v1/jobs/{body['id']}/")
    assert response["Location"] == body["url"]
    job = client.get(f"/api/v1/jobs/{body['id']}/").json()
    assert job["state"] == "succeeded"
    assert job["progress"] == 100
    assert job["kind"] == "scorecards"
    assert job["result"] == {"scorecards": 6}  # two partners, three open periods
    assert job["finished_at"] is not None
    quarter = Period.containing("quarter", timezone.localdate())
    assert Scorecard.objects.get(partner=partner_a, period_kind="quarter", period_start=quarter.start).revenue_won == (
        Decimal("5000.00")
    )


@pytest.mark.parametrize("role", ["manager", "finance", "partner_a_admin"])
def test_only_a_program_admin_may_recalculate(api, request, role):
    response = api.as_user(request.getfixturevalue(role)).post(RECALCULATE)

    assert response.status_code == 403
    assert not RecalcJob.objects.exists()


def test_jobs_are_staff_only(api, manager, partner_a_admin):
    job = RecalcJobFactory(state="running", progress=40, message="Computing Q4 2026")

    seen = api.as_user(manager).get(f"/api/v1/jobs/{job.pk}/")

    assert seen.status_code == 200
    assert {k: seen.json()[k] for k in ("state", "progress", "message")} == {
        "state": "running",
        "progress": 40,
        "message": "Computing Q4 2026",
    }
    assert api.as_user(partner_a_admin).get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert api.as_user(partner_a_admin).get("/api/v1/jobs/").status_code == 403


# --- tier proposals --------------------------------------------------------------------------------------------


def test_staff_list_proposals_with_filters_and_partners_may_not(api, partner_a, partner_b, finance, partner_a_admin):
    silver = TierFactory(name="Silver", rank=2)
    demotion = TierProposalFactory(partner=partner_a, to_tier=silver)
    promotion = TierProposalFactory(partner=partner_b, to_tier=silver, direction="promotion", status="dismissed")
    client = api.as_user(finance)

    assert ids(client.get(PROPOSALS)) == [promotion.pk, demotion.pk]
    assert ids(client.get(PROPOSALS, {"status": "open"})) == [demotion.pk]
    assert ids(client.get(PROPOSALS, {"direction": "promotion"})) == [promotion.pk]
    assert ids(client.get(PROPOSALS, {"partner": partner_a.pk})) == [demotion.pk]
    assert ids(client.get(PROPOSALS, {"status": "", "direction": "", "partner": ""})) == [promotion.pk, demotion.pk]
    row = client.get(f"{PROPOSALS}{demotion.pk}/").json()
    assert row["from_tier"] == {"id": partner_a.tier_id, "name": "Gold"}
    assert row["to_tier"] == {"id": silver.pk, "name": "Silver"}
    assert row["partner_name"] == "Alpha Networks"
    assert api.as_user(partner_a_admin).get(PROPOSALS).status_code == 403


def test_a_manager_accepts_a_proposal_the_partner_moves_and_a_second_decision_is_409(api, partner_a, manager):
    silver = TierFactory(name="Silver", rank=2)
    proposal = TierProposalFactory(partner=partner_a, to_tier=silver)
    client = api.as_user(manager)

    response = client.post(f"{PROPOSALS}{proposal.pk}/accept/", {"note": "Agreed at the QBR"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "accepted"
    assert body["note"] == "Agreed at the QBR"
    assert body["decided_by"] == manager.email
    partner_a.refresh_from_db()
    assert partner_a.tier == silver
    again = client.post(f"{PROPOSALS}{proposal.pk}/dismiss/", {}, format="json")
    assert again.status_code == 409
    assert "already accepted" in again.json()["detail"]


def test_a_manager_dismisses_a_proposal_and_the_tier_stays(api, partner_a, manager):
    gold = partner_a.tier
    proposal = TierProposalFactory(partner=partner_a, to_tier=TierFactory(name="Silver", rank=2))

    response = api.as_user(manager).post(f"{PROPOSALS}{proposal.pk}/dismiss/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    partner_a.refresh_from_db()
    assert partner_a.tier == gold
    assert api.as_user(manager).post(f"{PROPOSALS}{proposal.pk}/accept/", {}, format="json").status_code == 409


def test_finance_sees_proposals_but_may_not_decide(api, partner_a, finance):
    proposal = TierProposalFactory(partner=partner_a)

    assert api.as_user(finance).post(f"{PROPOSALS}{proposal.pk}/accept/", {}, format="json").status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "open"


def test_a_proposal_made_before_the_partners_tier_changed_is_409(api, partner_a, manager):
    proposal = TierProposalFactory(partner=partner_a, to_tier=None)
    partner_a.tier = TierFactory(name="Platinum", rank=4)
    partner_a.save(update_fields=["tier"])

    response = api.as_user(manager).post(f"{PROPOSALS}{proposal.pk}/accept/", {}, format="json")

    assert response.status_code == 409
    proposal.refresh_from_db()
    assert proposal.status == "open"
