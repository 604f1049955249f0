"""The partner's "My performance" page and the performance card of the manager's partner page: the numbers of the
partner's own scorecard in words, the path to the next tier, health, and the trends from the stored history."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import DealStatus
from performance.engine import recalculate
from performance.models import Scorecard, TierProposal
from performance.periods import Period
from performance.selectors_partner import format_kpi

from ..deals.factories import DealFactory
from ..factories import PartnerUserFactory, TierFactory
from ..onboarding.factories import CertificationFactory
from .factories import ScorecardFactory, TierProposalFactory

MY_PERFORMANCE = reverse("portal:my-performance")


def _quarter(steps: int = 0) -> Period:
    return Period.containing("quarter", timezone.localdate()).shifted(steps)


def _won(partner, amount: str, **extra):
    return DealFactory(
        partner=partner,
        status=DealStatus.WON,
        won_amount=Decimal(amount),
        closed_on=timezone.localdate(),
        **extra,
    )


@pytest.fixture
def short_of_gold(partner_a, gold_tier):
    """Alpha is Silver with one certified user and 52,000 USD won this quarter; Gold asks for three certified
    users and 100,000 USD over the trailing twelve months."""
    silver = TierFactory(name="Silver", rank=1)
    gold_tier.min_certified_users = 3
    gold_tier.min_revenue = Decimal("100000")
    gold_tier.save()
    partner_a.tier = silver
    partner_a.save()
    CertificationFactory(user=PartnerUserFactory(partner=partner_a))
    _won(partner_a, "30000")
    _won(partner_a, "22000")
    DealFactory(partner=partner_a, status=DealStatus.LOST, closed_on=timezone.localdate())
    return partner_a


class TestMyPerformance:
    def test_the_tier_path_says_what_is_missing_in_words(self, page_client, partner_a_admin, short_of_gold):
        recalculate(partner_ids=[short_of_gold.pk])

        page = page_client.as_user(partner_a_admin).get(MY_PERFORMANCE).content.decode()

        assert (
            "2 more certified users and 48,000 USD more won revenue to reach Gold (over the trailing twelve months)."
            in page
        )
        assert "2 more certified users (Gold needs 3 certified users)" in page
        assert "48,000 USD more won revenue (Gold needs 100,000 USD won revenue)" in page

    def test_values_on_the_page_are_the_scorecards(self, page_client, partner_a_rep, short_of_gold):
        recalculate(partner_ids=[short_of_gold.pk])
        scorecard = Scorecard.objects.get(partner=short_of_gold, period_kind="quarter", period_start=_quarter().start)

        response = page_client.as_user(partner_a_rep).get(MY_PERFORMANCE)
        page = response.content.decode()

        assert response.status_code == 200
        assert scorecard.kpis["revenue_won"] == "52000.00" and scorecard.kpis["win_rate"] == "0.6667"
        assert f'data-testid="score">{scorecard.score.normalize():f}' in page
        rows = {row.key: row for row in response.context["performance"].kpi_rows}
        assert rows["revenue_won"].value == "52,000 USD"
        assert rows["win_rate"].value == "66.7%"
        assert rows["deals_won"].value == "2"
        assert rows["revenue_won"].points == Decimal(scorecard.contributions["revenue_won"])
        assert rows["win_rate"].target == "50%"  # a level's target is the same for every period
        assert rows["revenue_won"].target == "150,000 USD"  # the default quarterly target
        assert "52,000 USD" in page and "66.7%" in page
        assert "The partner&#x27;s deals with status won whose close date is in the period." in page  # definitions
        assert "Silver" in page  # the current tier beside the recommended one

    def test_the_month_and_ttm_tabs_show_those_periods(self, page_client, partner_a_admin, short_of_gold):
        recalculate(partner_ids=[short_of_gold.pk])
        client = page_client.as_user(partner_a_admin)
        today = timezone.localdate()

        month = client.get(MY_PERFORMANCE, {"period": "month"})
        ttm = client.get(MY_PERFORMANCE, {"period": "ttm"})
        unknown = client.get(MY_PERFORMANCE, {"period": "decade"})

        assert month.context["performance"].scorecard.period_kind == "month"
        assert month.context["performance"].period == Period.containing("month", today)
        assert Period.containing("month", today).label in month.content.decode()
        assert ttm.context["performance"].scorecard.period_kind == "ttm"
        assert "12 months to" in ttm.content.decode()
        # the monthly chart spans twelve months, the quarterly one eight quarters
        assert len(month.context["performance"].charts["score"]["labels"]) == 12
        assert unknown.status_code == 200 and unknown.context["kind"] == "quarter"

    def test_a_partner_without_a_scorecard_gets_one_computed_once(
        self, page_client, partner_a_admin, partner_a, gold_tier
    ):
        gold_tier.min_revenue = Decimal("100000")  # Alpha is Gold but short of it: a demotion is due
        gold_tier.save()
        _won(partner_a, "12345")

        response = page_client.as_user(partner_a_admin).get(MY_PERFORMANCE)

        assert response.context["performance"].scorecard is not None
        assert "12,345 USD" in response.content.decode()
        assert set(Scorecard.objects.filter(partner=partner_a).values_list("period_kind", flat=True)) == {
            "month",
            "quarter",
            "ttm",
        }
        # opening a page proposes nothing: the demotion waits for the next recalculation
        assert not TierProposal.objects.filter(partner=partner_a).exists()

    def test_the_trend_charts_come_from_the_stored_history(self, page_client, partner_a_admin, partner_a):
        for steps, score, revenue in ((-3, "20.00", "1000.00"), (-1, "35.00", "8000.00"), (0, "41.25", "9000.00")):
            period = _quarter(steps)
            ScorecardFactory(
                partner=partner_a,
                period_start=period.start,
                period_end=period.end,
                score=Decimal(score),
                revenue_won=Decimal(revenue),
                trend={"previous_score": "35.00", "score_change": "6.25", "kpis": {}} if steps == 0 else {},
            )

        response = page_client.as_user(partner_a_admin).get(MY_PERFORMANCE)
        charts = response.context["performance"].charts
        page = response.content.decode()

        assert charts["score"]["labels"] == [_quarter(steps).label for steps in range(-7, 1)]
        assert charts["score"]["series"][0]["values"] == [None, None, None, None, 20.0, None, 35.0, 41.25]
        assert charts["revenue"]["series"][0]["values"][-1] == 9000.0
        assert 'data-testid="chart-trend-score"' in page and 'data-testid="chart-trend-pipeline"' in page
        assert f"+6.25</span> since {_quarter(-1).label}" in page

    def test_health_reasons_and_compliance_flags_are_listed(self, page_client, partner_a_rep, partner_a):
        ScorecardFactory(
            partner=partner_a,
            health_status="red",
            churn_risk="high",
            health_reasons=[
                {"code": "no_sign_ins", "text": "No one has signed in for 45 days."},
                {"code": "pipeline_shrinking", "text": "Open pipeline fell from 90,000 USD to 10,000 USD."},
            ],
            compliance_flags=[{"code": "agreement_expired", "text": "No agreement in force."}],
        )

        page = page_client.as_user(partner_a_rep).get(MY_PERFORMANCE).content.decode()

        assert "At risk" in page and "churn risk high" in page
        assert "No one has signed in for 45 days." in page
        assert "Open pipeline fell from 90,000 USD to 10,000 USD." in page
        assert "No agreement in force." in page

    def test_another_partners_numbers_never_appear(self, page_client, partner_a_rep, partner_a, partner_b):
        ScorecardFactory(partner=partner_a, revenue_won=Decimal("1111.00"))
        for steps in (0, -1):
            period = _quarter(steps)
            ScorecardFactory(
                partner=partner_b,
                period_start=period.start,
                period_end=period.end,
                score=Decimal("97.31"),
                revenue_won=Decimal("987654.00"),
                health_reasons=[{"code": "x", "text": "Bravo-only warning"}],
            )

        response = page_client.as_user(partner_a_rep).get(MY_PERFORMANCE)
        page = response.content.decode()

        assert response.context["performance"].scorecard.partner_id == partner_a.pk
        assert "1,111 USD" in page
        assert "987,654" not in page and "987654" not in page and "97.31" not in page
        assert "Bravo-only warning" not in page and partner_b.name not in page

    @pytest.mark.parametrize("role", ["manager", "program_admin", "finance"])
    def test_staff_cannot_open_the_partner_portal_page(self, page_client, role, request):
        response = page_client.as_user(request.getfixturevalue(role)).get(MY_PERFORMANCE)

        assert response.status_code == 403

    def test_the_partner_navigation_links_to_it(self, page_client, partner_a_rep, partner_a):
        ScorecardFactory(partner=partner_a)

        page = page_client.as_user(partner_a_rep).get(reverse("portal:home")).content.decode()

        assert f'href="{MY_PERFORMANCE}"' in page and "My performance" in page


@pytest.mark.parametrize(
    ("unit", "value", "text"),
    [
        ("money", "48000.00", "48,000 USD"),
        ("money", "1234.5", "1,234.50 USD"),
        ("money_per_day", "78000", "78,000 USD a day"),
        ("fraction", "0.6667", "66.7%"),
        ("fraction", "0", "0%"),
        ("percent", "75", "75%"),
        ("days", "12.5", "12.5 days"),
        ("nps", "20.0", "+20"),
        ("nps", "-12.5", "-12.5"),
        ("count", 1500, "1,500"),
    ],
)
def test_kpi_values_read_as_words(unit, value, text):
    assert format_kpi(unit, value) == text


class TestManagerPartnerPage:
    def test_the_card_shows_score_health_tier_proposal_and_trends(self, page_client, manager, short_of_gold):
        recalculate(partner_ids=[short_of_gold.pk])
        TierProposalFactory(partner=short_of_gold, from_tier=short_of_gold.tier, to_tier=None)  # ours, not the engine's
        scorecard = Scorecard.objects.get(partner=short_of_gold, period_kind="quarter", period_start=_quarter().start)

        response = page_client.as_user(manager).get(reverse("manage:partner-detail", args=[short_of_gold.pk]))
        page = response.content.decode()

        assert 'data-testid="performance-card"' in page
        assert f'data-testid="score">{scorecard.score.normalize():f}' in page
        assert "52,000 USD won" in page
        assert "2 more certified users and 48,000 USD more won revenue to reach Gold" in page
        assert 'data-testid="open-proposal"' in page and "from Silver to no tier" in page
        assert 'data-testid="chart-trend-revenue"' in page
        assert "js/charts.js" in page

    def test_a_partner_without_a_scorecard_says_so(self, page_client, manager, partner_b):
        page = page_client.as_user(manager).get(reverse("manage:partner-detail", args=[partner_b.pk])).content.decode()

        assert "No scorecard for" in page
        assert not Scorecard.objects.filter(partner=partner_b).exists()  # the manager's page computes nothing

    def test_the_card_adds_a_fixed_number_of_queries(self, page_client, manager, partner_a, django_assert_num_queries):
        url = reverse("manage:partner-detail", args=[partner_a.pk])
        client = page_client.as_user(manager)
        client.get(url)  # warm the session
        # 8 for the page without the card (session, user, partner, users, agreements, history, the badges card's
        # awards) + the card's 2
        with django_assert_num_queries(10) as few:
            client.get(url)
        for steps in range(-7, 1):
            period = _quarter(steps)
            ScorecardFactory(partner=partner_a, period_start=period.start, period_end=period.end)
        TierProposalFactory(partner=partner_a)
        with django_assert_num_queries(10) as many:
            client.get(url)

        card = [q["sql"] for q in many.captured_queries if "performance_" in q["sql"]]
        assert len(card) == 2  # the history with the current quarter, and the open proposal
        assert len(few.captured_queries) == len(many.captured_queries)
