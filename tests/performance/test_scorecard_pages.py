"""The manager's scorecard pages: the list of every partner's scorecard (filters, period, sort, CSV), the tier
proposals to accept or dismiss, and the scoring settings with the on-demand recalculation and its progress."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.models import DealStatus
from partners.models import PartnerType
from performance import engine
from performance.forms import scoring_initial
from performance.models import PerformanceSettings, RecalcJob, ScoringRule, TierProposal
from performance.periods import Period

from ..deals.factories import DealFactory
from ..factories import PartnerFactory, StaffFactory, TierFactory
from .factories import RecalcJobFactory, ScorecardFactory, TierProposalFactory

pytestmark = pytest.mark.django_db

LIST = "manage:scorecard-list"


def _won(partner, amount, days_ago=3):
    today = timezone.localdate()
    return DealFactory(
        partner=partner,
        status=DealStatus.WON,
        amount=Decimal(amount),
        won_amount=Decimal(amount),
        closed_on=today - timedelta(days=days_ago),
        created_at=timezone.now() - timedelta(days=days_ago + 20),
    )


@pytest.fixture
def program(partner_a, gold_tier):
    """Alpha (Gold, nothing won: demotion proposed), Winner (Silver, 150,000 won: promotion proposed), scored by the
    engine from their deals."""
    silver = TierFactory(name="Silver", rank=1)
    gold_tier.min_revenue = Decimal("100000")
    gold_tier.save()
    winner = PartnerFactory(name="Winner Ltd", tier=silver, partner_type=PartnerType.MSP, country="DE")
    _won(winner, "150000")
    DealFactory(partner=partner_a, amount=Decimal("40000"))  # open pipeline only
    engine.recalculate()
    return {"alpha": partner_a, "winner": winner, "silver": silver, "gold": gold_tier}


def _rows(response):
    return [card.partner.name for card in response.context["page"].object_list]


def _csv(response):
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- who opens what ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args",
    [("manage:scorecard-list", []), ("manage:scorecard-export", []), ("manage:tier-proposal-list", [])],
)
def test_staff_open_the_lists_and_a_partner_user_cannot(name, args, page_client, program, manager, finance, request):
    for role in ("program_admin", "manager", "finance"):
        assert page_client.as_user(request.getfixturevalue(role)).get(reverse(name, args=args)).status_code == 200
    assert page_client.as_user(request.getfixturevalue("partner_a_admin")).get(reverse(name)).status_code == 403


def test_only_the_program_admin_opens_the_settings_and_starts_a_recalculation(
    page_client, program_admin, manager, finance, partner_a_admin
):
    url = reverse("manage:scorecard-settings")
    assert page_client.as_user(program_admin).get(url).status_code == 200
    for user in (manager, finance, partner_a_admin):
        assert page_client.as_user(user).get(url).status_code == 403
        assert page_client.as_user(user).post(reverse("manage:scorecard-recalculate")).status_code == 403
    assert not RecalcJob.objects.exists()


# --- the scorecard list --------------------------------------------------------------------------------------


def test_the_list_shows_every_partner_of_the_quarter_best_first(page_client, program_admin, program):
    response = page_client.as_user(program_admin).get(reverse(LIST))

    assert response.status_code == 200
    assert _rows(response) == ["Winner Ltd", "Alpha Networks"]
    assert response.context["period"] == Period.containing("quarter", timezone.localdate())
    text = response.content.decode()
    # the recommended tier beside the current one when they differ, both ways
    assert text.count('data-testid="recommended-tier"') == 2
    assert "→ Gold" in text and "→ Silver" in text
    assert "150,000" in text and reverse("manage:partner-detail", args=[program["winner"].pk]) in text


def test_filters_left_on_any_list_everything_and_each_filter_narrows(page_client, program_admin, program, manager):
    program["winner"].manager = manager
    program["winner"].save()
    client = page_client.as_user(program_admin)
    url = reverse(LIST)
    empty = dict.fromkeys(
        ["search", "tier", "health_status", "churn_risk", "partner_type", "country", "manager", "period"], ""
    )

    assert _rows(client.get(url, {**empty, "period_start": ""})) == ["Winner Ltd", "Alpha Networks"]
    assert _rows(client.get(url, {**empty, "tier": program["silver"].pk})) == ["Winner Ltd"]
    assert _rows(client.get(url, {**empty, "partner_type": "msp"})) == ["Winner Ltd"]
    assert _rows(client.get(url, {**empty, "country": "GB"})) == ["Alpha Networks"]
    assert _rows(client.get(url, {**empty, "manager": manager.pk})) == ["Winner Ltd"]
    assert _rows(client.get(url, {**empty, "search": "alpha"})) == ["Alpha Networks"]
    assert _rows(client.get(url, {"sort": "partner"})) == ["Alpha Networks", "Winner Ltd"]


def test_health_and_churn_filters_and_the_reasons_shown(page_client, program_admin):
    ScorecardFactory(partner=PartnerFactory(name="Calm Co"))
    ScorecardFactory(
        partner=PartnerFactory(name="Fading Inc"),
        health_status="red",
        churn_risk="high",
        health_reasons=[
            {"code": "no_sign_ins", "text": "No one has signed in for 45 days."},
            {"code": "pipeline_shrinking", "text": "Open pipeline fell from 90,000 USD to 10,000 USD."},
        ],
    )
    client = page_client.as_user(program_admin)

    red = client.get(reverse(LIST), {"health_status": "red"})
    assert _rows(red) == ["Fading Inc"]
    assert "No one has signed in for 45 days." in red.content.decode()
    assert _rows(client.get(reverse(LIST), {"churn_risk": "low"})) == ["Calm Co"]


def test_the_filter_bar_gets_only_the_table_with_the_export_link_following(page_client, program_admin, program):
    response = page_client.as_user(program_admin).get(
        reverse(LIST), {"search": "winner", "tier": ""}, headers={"HX-Request": "true"}
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in text and 'data-testid="scorecard-table"' in text
    assert _rows(response) == ["Winner Ltd"]
    assert 'hx-swap-oob="true"' in text and "export.csv?search=winner" in text


def test_sort_by_score_change_puts_a_first_scorecard_last(page_client, program_admin):
    ScorecardFactory(partner=PartnerFactory(name="Up"), trend={"score_change": "12.50"})
    ScorecardFactory(partner=PartnerFactory(name="Down"), trend={"score_change": "-3.20"})
    ScorecardFactory(partner=PartnerFactory(name="New"), trend={"score_change": None})
    client = page_client.as_user(program_admin)

    assert _rows(client.get(reverse(LIST), {"sort": "-change"})) == ["Up", "Down", "New"]
    ascending = client.get(reverse(LIST), {"sort": "change"})
    assert _rows(ascending) == ["Down", "Up", "New"]
    assert "bi-arrow-down-short" in ascending.content.decode()


def test_another_period_kind_and_a_past_period(page_client, program_admin, partner_a):
    quarter = Period.containing("quarter", timezone.localdate())
    earlier = quarter.previous()
    ScorecardFactory(partner=partner_a, score=Decimal("10"))
    ScorecardFactory(
        partner=PartnerFactory(name="Last quarter only"), period_start=earlier.start, period_end=earlier.end
    )
    month = Period.containing("month", timezone.localdate())
    ScorecardFactory(
        partner=PartnerFactory(name="Monthly"), period_kind="month", period_start=month.start, period_end=month.end
    )
    client = page_client.as_user(program_admin)

    assert _rows(client.get(reverse(LIST))) == ["Alpha Networks"]
    past = client.get(reverse(LIST), {"period_start": earlier.start.isoformat()})
    assert _rows(past) == ["Last quarter only"]
    assert earlier.label in past.content.decode()
    assert _rows(client.get(reverse(LIST), {"period": "month"})) == ["Monthly"]


def test_a_period_no_calendar_holds_is_an_error_on_the_page_not_a_crash(page_client, program_admin, partner_a):
    ScorecardFactory(partner=partner_a)
    response = page_client.as_user(program_admin).get(reverse(LIST), {"period": "ttm", "period_start": "9999-12-30"})

    assert response.status_code == 200
    assert _rows(response) == []
    assert "No period of this kind starts there." in response.content.decode()
    for day in ("0001-01-02", "9999-12-30"):  # the calendar's ends: the earlier and later links too
        for kind in ("month", "quarter", "ttm"):
            assert page_client.get(reverse(LIST), {"period": kind, "period_start": day}).status_code == 200


def test_the_csv_follows_the_filters_with_every_kpi(page_client, program_admin, program):
    response = page_client.as_user(program_admin).get(reverse("manage:scorecard-export"), {"tier": ""})
    rows = _csv(response)
    assert [row["partner"] for row in rows] == ["Winner Ltd", "Alpha Networks"]
    assert {"score", "health_status", "health_reasons", "revenue_won", "win_rate", "portal_engagement"} <= set(rows[0])
    assert rows[0]["revenue_won"] == "150000.00" and rows[0]["recommended_tier"] == "Gold"

    filtered = _csv(page_client.get(reverse("manage:scorecard-export"), {"partner_type": "msp"}))
    assert [row["partner"] for row in filtered] == ["Winner Ltd"]


def test_the_list_costs_the_same_queries_for_three_rows_or_twelve(page_client, program_admin, manager):
    tier = TierFactory(name="Silver", rank=1)
    client = page_client.as_user(program_admin)
    for _ in range(3):
        ScorecardFactory(partner=PartnerFactory(tier=tier, manager=manager), recommended_tier=tier)
    client.get(reverse(LIST))  # warm the session and the content types
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(LIST))
    for _ in range(9):
        ScorecardFactory(partner=PartnerFactory(tier=tier, manager=StaffFactory()), recommended_tier=tier)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(reverse(LIST)).context["page"].object_list) == 12

    assert len(many) == len(few)
    # the session and user, the tier and manager choices of the filter bar, the count, the page
    assert len(many) == 6, [q["sql"] for q in many.captured_queries]


# --- tier proposals ------------------------------------------------------------------------------------------


def test_the_engine_s_proposals_are_listed_open_first_with_reasons_and_score(page_client, program_admin, program):
    TierProposalFactory(partner=PartnerFactory(name="Old decision"), status="dismissed")
    response = page_client.as_user(program_admin).get(reverse("manage:tier-proposal-list"))

    rows = response.context["page"].object_list
    assert [p.status for p in rows] == ["open", "open", "dismissed"]
    winner = next(p for p in rows if p.partner == program["winner"])
    assert (winner.direction, winner.from_tier, winner.to_tier) == ("promotion", program["silver"], program["gold"])
    assert winner.partner_score is not None
    text = response.content.decode()
    assert "Gold requires" in text and text.count('data-testid="accept"') == 2


def test_proposal_filters(page_client, program_admin, program):
    client = page_client.as_user(program_admin)
    url = reverse("manage:tier-proposal-list")

    everything = client.get(url, {"status": "", "direction": "", "tier": ""}).context["page"].object_list
    assert len(everything) == 2
    promotions = client.get(url, {"direction": "promotion"}).context["page"].object_list
    assert [p.partner for p in promotions] == [program["winner"]]
    into_silver = client.get(url, {"tier": program["silver"].pk, "status": "open"}).context["page"].object_list
    assert {p.partner for p in into_silver} == {program["alpha"], program["winner"]}


def test_accept_moves_the_partner_and_a_second_decision_is_a_message(page_client, manager, program):
    proposal = TierProposal.objects.get(partner=program["winner"], status="open")
    client = page_client.as_user(manager)

    response = client.post(
        reverse("manage:tier-proposal-accept", args=[proposal.pk]), {"note": "Great quarter"}, follow=True
    )
    assert "Accepted: Winner Ltd is now Gold." in response.content.decode()
    program["winner"].refresh_from_db()
    proposal.refresh_from_db()
    assert program["winner"].tier == program["gold"]
    assert (proposal.status, proposal.decided_by, proposal.note) == ("accepted", manager, "Great quarter")

    again = client.post(reverse("manage:tier-proposal-dismiss", args=[proposal.pk]), follow=True)
    assert again.status_code == 200
    assert "Not dismissed: This proposal is already accepted." in again.content.decode()


def test_accepting_a_demotion_below_the_lowest_tier_leaves_no_tier(page_client, manager, partner_a):
    proposal = TierProposalFactory(partner=partner_a)  # Gold → no tier
    response = page_client.as_user(manager).post(
        reverse("manage:tier-proposal-accept", args=[proposal.pk]), follow=True
    )
    assert "Accepted: Alpha Networks now has no tier." in response.content.decode()
    partner_a.refresh_from_db()
    assert partner_a.tier is None


def test_dismiss_keeps_the_tier(page_client, program_admin, program):
    proposal = TierProposal.objects.get(partner=program["alpha"], status="open")
    response = page_client.as_user(program_admin).post(
        reverse("manage:tier-proposal-dismiss", args=[proposal.pk]), follow=True
    )
    assert "Dismissed: Alpha Networks keeps its tier." in response.content.decode()
    program["alpha"].refresh_from_db()
    assert program["alpha"].tier == program["gold"]
    assert TierProposal.objects.get(pk=proposal.pk).status == "dismissed"


def test_finance_sees_proposals_without_buttons_and_cannot_decide(page_client, finance, partner_b_admin, program):
    proposal = TierProposal.objects.get(partner=program["winner"], status="open")
    client = page_client.as_user(finance)

    text = client.get(reverse("manage:tier-proposal-list")).content.decode()
    assert "Winner Ltd" in text and 'data-testid="accept"' not in text
    assert client.post(reverse("manage:tier-proposal-accept", args=[proposal.pk])).status_code == 403
    # a partner user: another organization's proposal is not found
    other = page_client.as_user(partner_b_admin).post(reverse("manage:tier-proposal-accept", args=[proposal.pk]))
    assert other.status_code == 404
    assert TierProposal.objects.get(pk=proposal.pk).status == "open"


# --- settings and recalculation ------------------------------------------------------------------------------


def _settings_form(**overrides):
    initial = scoring_initial(engine.scoring_rules(), PerformanceSettings.load())
    data = {key: str(value) for key, value in initial.items() if key != "auto_apply_tier_changes"}
    if initial["auto_apply_tier_changes"]:
        data["auto_apply_tier_changes"] = "on"
    return {**data, **overrides}


def test_the_settings_show_each_kpi_with_its_definition_and_save(page_client, program_admin):
    client = page_client.as_user(program_admin)
    text = client.get(reverse("manage:scorecard-settings")).content.decode()
    assert "Sum of the won amounts of the period" in text and 'name="weight_revenue_won"' in text

    response = client.post(
        reverse("manage:scorecard-settings"),
        _settings_form(
            weight_revenue_won="40", target_deals_won="8", inactivity_days="14", auto_apply_tier_changes="on"
        ),
        follow=True,
    )
    assert "Scoring saved." in response.content.decode()
    assert ScoringRule.objects.get(kpi="revenue_won").weight == Decimal("40")
    assert ScoringRule.objects.get(kpi="deals_won").target == Decimal("8")
    assert ScoringRule.objects.count() == 2  # only what changed
    settings = PerformanceSettings.load()
    assert (settings.inactivity_days, settings.auto_apply_tier_changes) == (14, True)


def test_a_negative_weight_is_one_error_beside_its_field_and_nothing_is_saved(page_client, program_admin):
    response = page_client.as_user(program_admin).post(
        reverse("manage:scorecard-settings"), _settings_form(weight_win_rate="-5", inactivity_days="14")
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert text.count("Ensure this value is greater than or equal to 0.") == 1
    assert 'data-field-error="weight_win_rate"' in text
    assert not ScoringRule.objects.exists() and PerformanceSettings.load().inactivity_days == 30


def test_all_weights_zero_is_one_message_in_words_and_nothing_is_saved(page_client, program_admin):
    zeros = {f"weight_{key}": "0" for key in engine.scoring_rules()}
    response = page_client.as_user(program_admin).post(
        reverse("manage:scorecard-settings"), _settings_form(**zeros, inactivity_days="20")
    )
    assert response.status_code == 400
    assert response.content.decode().count("Give at least one KPI a weight above 0.") == 1
    assert not ScoringRule.objects.exists() and PerformanceSettings.load().inactivity_days == 30


def test_recalculate_runs_the_job_and_its_status_shows_100_percent(
    page_client, program_admin, partner_a, django_capture_on_commit_callbacks
):
    _won(partner_a, "5000")
    client = page_client.as_user(program_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("manage:scorecard-recalculate"))

    job = RecalcJob.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"?job={job.pk}#recalculation")
    assert (job.state, job.progress, job.requested_by) == ("succeeded", 100, program_admin)
    assert partner_a.scorecards.filter(period_kind="quarter").get().revenue_won == Decimal("5000.00")

    page = client.get(response.url).content.decode()
    assert 'data-testid="job-progress">100%' in page and "Recalculation started." in page
    status = client.get(reverse("manage:job-status", args=[job.pk]), headers={"HX-Request": "true"})
    text = status.content.decode()
    assert "100%" in text and "Succeeded" in text and "scorecards recalculated" in text
    assert 'hx-trigger="every 1s"' not in text  # done: it stops polling


def test_a_running_job_polls_itself_every_second(page_client, manager):
    job = RecalcJobFactory(state="running", progress=45, message="Computing Q3 2026")
    text = page_client.as_user(manager).get(reverse("manage:job-status", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in text and "45%" in text and "pct-45" in text and "Computing Q3 2026" in text


@pytest.mark.parametrize("name,label", [(LIST, "Scorecards"), ("manage:tier-proposal-list", "Tier proposals")])
def test_the_sidebar_lights_the_page_s_own_link_only(name, label, page_client, program_admin):
    # /manage/performance/ (the performance dashboard) is a prefix of these pages' paths
    response = page_client.as_user(program_admin).get(reverse(name))
    lit = [link["label"] for section in response.context["nav_sections"] for link in section["links"] if link["active"]]
    assert lit == [label]
