"""Program analytics: every figure recomputed by hand on a small program, the query count pinned, and who may see
the API, the dashboard and its CSV.

The program on 15 Nov 2026 (Q4 2026; previous quarter Q3 2026; the four complete quarters Q4 2025 – Q3 2026;
trailing twelve months Dec 2025 – Nov 2026; 1 EUR = 1.10 USD, no JPY rate):

    steady   active   Gold    reseller GB  joined 2025-01-01  won 10 Nov 2025, 10 Feb, 10 May, 10 Aug, 5 Oct 2026
                                                              (1,000 USD won each, 1,500 registered); lost 1 Mar
                                                              2026 (800 USD); open: approved 10,000 USD
    faded    active   Silver  msp      DE  joined 2026-01-01  won 20 Jul 2026 (2,000 EUR); lost 1 Sep 2026 (600
                                                              EUR); open: submitted 4,000 EUR
    churned  churned  –       reseller GB  joined 2024-06-01  won 30 Sep 2026 (500 USD), 10 Oct 2026 (700 USD);
                                                              open: approved 3,000 USD
    newcomer onboard. Gold    techn.   US  joined 2026-10-01  won 25 Sep 2026 (30,000 JPY, before joining)
    quiet    active   Gold    reseller GB  joined 2025-06-01  one rejected deal (900 USD)
"""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from deals.models import DealStatus
from partners.models import PartnerStatus, PartnerType
from performance.analytics import program_analytics
from prm.errors import NotPermitted

from ..deals.factories import DealFactory, ExchangeRateFactory
from ..factories import PartnerFactory, TierFactory
from .factories import ScorecardFactory

TODAY = date(2026, 11, 15)
Q4 = (date(2026, 10, 1), date(2026, 12, 31))


@pytest.fixture(autouse=True)
def _no_shared_figures():
    """The figures are shared through the cache for a few minutes: each test computes its own."""
    cache.clear()
    yield
    cache.clear()


def _deal(partner, status, amount, currency="USD", closed_on=None, won_amount=None):
    return DealFactory(
        partner=partner,
        status=status,
        amount=Decimal(amount),
        currency=currency,
        closed_on=closed_on,
        won_amount=Decimal(won_amount) if won_amount is not None else None,
        approved_at=timezone.now() if status == DealStatus.APPROVED else None,
    )


def _won(partner, closed_on, won_amount, amount=None, currency="USD"):
    return _deal(partner, DealStatus.WON, amount or won_amount, currency, closed_on, won_amount)


@pytest.fixture
def program(db):
    silver = TierFactory(name="Silver", rank=2)
    gold = TierFactory(name="Gold", rank=3)
    ExchangeRateFactory(currency="EUR", rate=Decimal("1.10"), valid_from=date(2026, 1, 1))
    make = PartnerFactory
    steady = make(name="Steady", tier=gold, partner_type=PartnerType.RESELLER, country="GB", joined_on=date(2025, 1, 1))
    faded = make(name="Faded", tier=silver, partner_type=PartnerType.MSP, country="DE", joined_on=date(2026, 1, 1))
    churned = make(
        name="Churned", status=PartnerStatus.CHURNED, partner_type=PartnerType.RESELLER, joined_on=date(2024, 6, 1)
    )
    newcomer = make(
        name="Newcomer",
        status=PartnerStatus.ONBOARDING,
        tier=gold,
        partner_type=PartnerType.TECHNOLOGY,
        country="US",
        joined_on=date(2026, 10, 1),
    )
    quiet = make(name="Quiet", tier=gold, partner_type=PartnerType.RESELLER, country="GB", joined_on=date(2025, 6, 1))

    for day in (date(2025, 11, 10), date(2026, 2, 10), date(2026, 5, 10), date(2026, 8, 10), date(2026, 10, 5)):
        _won(steady, day, "1000", amount="1500")
    _deal(steady, DealStatus.LOST, "800", closed_on=date(2026, 3, 1))
    _deal(steady, DealStatus.APPROVED, "10000")

    _won(faded, date(2026, 7, 20), "2000", currency="EUR")
    _deal(faded, DealStatus.LOST, "600", "EUR", closed_on=date(2026, 9, 1))
    _deal(faded, DealStatus.SUBMITTED, "4000", "EUR")

    _won(churned, date(2026, 9, 30), "500")
    _won(churned, date(2026, 10, 10), "700")
    _deal(churned, DealStatus.APPROVED, "3000")

    _won(newcomer, date(2026, 9, 25), "30000", currency="JPY")

    _deal(quiet, DealStatus.REJECTED, "900")

    def card(partner, score, health, start=Q4[0], end=Q4[1]):
        return ScorecardFactory(
            partner=partner, period_start=start, period_end=end, score=Decimal(score), health_status=health
        )

    card(steady, "95.00", "green")
    card(faded, "100.00", "red")  # 100 is in the last bucket
    card(quiet, "10.00", "amber")  # 10 starts the second bucket
    card(newcomer, "9.99", "green")
    card(churned, "50.00", "red")  # a churned partner's scorecard is not counted
    card(steady, "55.00", "amber", start=date(2026, 7, 1), end=date(2026, 9, 30))  # another quarter
    return {"silver": silver, "gold": gold}


@pytest.fixture
def figures(program, program_admin):
    return program_analytics(actor=program_admin, today=TODAY)


def test_active_partners_by_tier_type_and_region(figures, program):
    active = figures["active_partners"]

    assert active["total"] == 3  # steady, faded, quiet: not the churned one, not the one still onboarding
    assert active["by_tier"] == [
        {"key": program["silver"].pk, "label": "Silver", "count": 1},
        {"key": program["gold"].pk, "label": "Gold", "count": 2},
    ]
    assert active["by_type"] == [
        {"key": "reseller", "label": "Reseller", "count": 2},
        {"key": "msp", "label": "Managed service provider", "count": 1},
    ]
    assert active["by_region"] == [
        {"key": "GB", "label": "United Kingdom", "count": 2},
        {"key": "DE", "label": "Germany", "count": 1},
    ]


def test_attrition_is_the_share_of_last_quarters_producers_that_stopped_or_churned(figures):
    # producing in Q3 2026: steady (Aug), faded (Jul), churned (30 Sep), newcomer (25 Sep) = 4
    # attrited: faded and newcomer (nothing in Q4), churned (churned, though it won in Q4) = 3
    assert figures["attrition"] == {"previously_producing": 4, "attrited": 3}
    assert figures["attrition_rate"] == Decimal("0.7500")


def test_consistently_closing_share_counts_active_partners_with_a_win_in_each_of_four_quarters(figures):
    # only steady won in each of Q4 2025, Q1, Q2 and Q3 2026; 3 active partners
    assert figures["consistently_closing"] == {"partners": 1, "active_partners": 3}
    assert figures["consistently_closing_share"] == Decimal("0.3333")
    assert [p["label"] for p in figures["periods"]["closing_quarters"]] == ["Q4 2025", "Q1 2026", "Q2 2026", "Q3 2026"]


def test_median_days_from_joining_to_the_first_win(figures):
    # steady 2025-01-01 → 2025-11-10: 313; faded 2026-01-01 → 2026-07-20: 200; churned 2024-06-01 → 2026-09-30:
    # 851; newcomer won before it joined: 0. Median of 0, 200, 313, 851 = (200 + 313) / 2
    assert figures["median_days_to_first_win"] == Decimal("256.5")


def test_pipeline_by_status_counts_every_deal_and_sums_registered_amounts_in_the_program_currency(figures):
    assert figures["pipeline_by_status"] == {
        # 5 × 1,500 + 2,000 EUR × 1.10 + 500 + 700; the JPY deal has no rate: counted, not summed
        "won": {"count": 9, "amount": Decimal("10900.00")},
        "lost": {"count": 2, "amount": Decimal("1460.00")},  # 800 + 600 EUR × 1.10
        "approved": {"count": 2, "amount": Decimal("13000.00")},
        "submitted": {"count": 1, "amount": Decimal("4400.00")},
        "rejected": {"count": 1, "amount": Decimal("900.00")},
        "expired": {"count": 0, "amount": Decimal("0.00")},
    }


def test_revenue_by_tier_and_month_over_the_trailing_twelve_months(figures, program):
    revenue = figures["revenue_by_tier"]

    assert revenue["months"] == ["2025-12", *(f"2026-{month:02d}" for month in range(1, 12))]
    by_name = {tier["name"]: tier for tier in revenue["tiers"]}
    assert list(by_name) == ["Silver", "Gold", "No tier"]

    def months(**amounts):
        return [Decimal(amounts.get(month[-2:], "0.00")) for month in revenue["months"]]

    # gold: steady's won amounts (Nov 2025 is outside the window) and newcomer's JPY deal, which has no rate
    assert by_name["Gold"]["amounts"] == months(**{"02": "1000", "05": "1000", "08": "1000", "10": "1000"})
    assert by_name["Gold"]["total"] == Decimal("4000.00")
    assert by_name["Silver"]["amounts"] == months(**{"07": "2200"})
    assert by_name["No tier"]["amounts"] == months(**{"09": "500", "10": "700"})
    assert (by_name["No tier"]["id"], by_name["No tier"]["total"]) == (None, Decimal("1200.00"))


def test_score_and_health_distributions_of_the_current_quarter(figures):
    assert figures["score_distribution"] == {
        "0-10": 1,  # 9.99
        "10-20": 1,  # 10.00
        "20-30": 0,
        "30-40": 0,
        "40-50": 0,
        "50-60": 0,  # the churned partner's 50 and steady's previous quarter are left out
        "60-70": 0,
        "70-80": 0,
        "80-90": 0,
        "90-100": 2,  # 95 and 100
    }
    assert figures["health_distribution"] == {"green": 2, "amber": 1, "red": 1}


def test_forecast_is_open_pipeline_times_each_partners_trailing_win_rate(figures):
    # steady: 10,000 × 4 won / 5 closed (Feb, May, Aug, Oct won; Mar lost; Nov 2025 is outside) = 8,000
    # faded: 4,000 EUR × 1.10 × 1 / 2 = 2,200; churned is left out; the others have nothing open
    forecast = figures["forecast"]

    assert forecast["amount"] == Decimal("10200.00")
    assert forecast["period"]["label"] == "Q1 2027"
    assert "win rate over the trailing twelve months" in forecast["method"]
    assert "Dec 2025 to Nov 2026" in forecast["method"]


def test_every_figure_has_a_definition(figures):
    figures_named = {
        "active_partners",
        "attrition_rate",
        "consistently_closing_share",
        "median_days_to_first_win",
        "pipeline_by_status",
        "revenue_by_tier",
        "score_distribution",
        "health_distribution",
        "forecast",
    }
    assert figures_named <= set(figures)
    assert set(figures["definitions"]) == figures_named
    assert all(len(text) > 30 for text in figures["definitions"].values())
    assert "Q3 2026" in figures["definitions"]["attrition_rate"]


def test_an_empty_program_has_no_ratios_rather_than_zeros(program_admin):
    figures = program_analytics(actor=program_admin, today=TODAY)

    assert figures["active_partners"]["total"] == 0
    assert figures["attrition_rate"] is None
    assert figures["consistently_closing_share"] is None
    assert figures["median_days_to_first_win"] is None
    assert figures["forecast"]["amount"] == Decimal("0.00")
    assert figures["revenue_by_tier"]["tiers"] == []


def test_the_figures_cost_eight_queries_however_many_partners(program, program_admin, django_assert_num_queries):
    for _ in range(3):
        PartnerFactory(tier=program["gold"])
    _won(PartnerFactory(), date(2026, 8, 1), "100")
    with django_assert_num_queries(8):
        program_analytics(actor=program_admin, today=TODAY)


def test_the_figures_are_shared_for_a_few_minutes_and_say_when_they_were_computed(
    program, program_admin, manager, django_assert_num_queries
):
    first = program_analytics(actor=program_admin, today=TODAY)
    _deal(PartnerFactory(), DealStatus.SUBMITTED, "100")

    with django_assert_num_queries(0):
        shared = program_analytics(actor=manager, today=TODAY)
    fresh = program_analytics(actor=manager, today=TODAY, fresh=True)

    assert shared["computed_at"] == first["computed_at"]
    assert shared["pipeline_by_status"]["submitted"]["count"] == 1
    assert fresh["pipeline_by_status"]["submitted"]["count"] == 2
    assert fresh["computed_at"] >= first["computed_at"]


def test_shared_figures_are_still_refused_to_a_partner(program, program_admin, partner_a_admin):
    program_analytics(actor=program_admin, today=TODAY)

    with pytest.raises(NotPermitted):
        program_analytics(actor=partner_a_admin, today=TODAY)


def test_a_partner_user_cannot_read_the_program_figures(partner_a_admin):
    with pytest.raises(NotPermitted):
        program_analytics(actor=partner_a_admin, today=TODAY)


# --- the API -------------------------------------------------------------------------------------------------


URL = "/api/v1/analytics/program/"


@pytest.mark.parametrize("role", ["program_admin", "manager", "finance"])
def test_staff_read_the_program_figures_through_the_api(role, program, request, api):
    response = api.as_user(request.getfixturevalue(role)).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert {
        "active_partners",
        "attrition_rate",
        "consistently_closing_share",
        "median_days_to_first_win",
        "pipeline_by_status",
        "revenue_by_tier",
        "score_distribution",
        "health_distribution",
        "forecast",
        "definitions",
    } <= set(body)
    assert set(body["pipeline_by_status"]) == set(DealStatus.values)
    assert set(body["pipeline_by_status"]["won"]) == {"count", "amount"}
    assert body["forecast"]["method"]


def test_api_numbers_match_the_hand_computed_ones(program, program_admin, api, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    body = api.as_user(program_admin).get(URL).json()

    assert body["attrition_rate"] == "0.7500"
    assert body["consistently_closing_share"] == "0.3333"
    assert body["median_days_to_first_win"] == "256.5"
    assert body["pipeline_by_status"]["won"] == {"count": 9, "amount": "10900.00"}
    assert body["forecast"]["amount"] == "10200.00"
    assert body["health_distribution"] == {"green": 2, "amber": 1, "red": 1}


@pytest.mark.parametrize("role", ["partner_a_admin", "partner_a_rep"])
def test_partners_get_403_from_the_api(role, request, api):
    assert api.as_user(request.getfixturevalue(role)).get(URL).status_code == 403


def test_anonymous_gets_401_from_the_api(api, db):
    assert api.get(URL).status_code == 401


# --- the dashboard and its CSV -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "finance"])
def test_staff_open_the_dashboard(role, program, request, page_client):
    response = page_client.as_user(request.getfixturevalue(role)).get(reverse("manage:performance"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Program analytics" in html
    for chart in ("revenue-by-tier", "pipeline-by-status", "score-distribution", "health"):
        assert f'data-chart="{chart}"' in html
    assert "Method:" in html and "trailing twelve months" in html
    assert reverse("manage:performance-export") in html


def test_the_dashboard_of_an_empty_program_renders(manager, page_client):
    response = page_client.as_user(manager).get(reverse("manage:performance"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Program analytics" in html
    assert html.count('data-testid="chart-empty"') == 4  # "No figures yet", not an empty axis


@pytest.mark.parametrize("name", ["manage:performance", "manage:performance-export"])
def test_partners_cannot_open_the_dashboard_or_its_csv(name, partner_a_admin, page_client):
    assert page_client.as_user(partner_a_admin).get(reverse(name)).status_code == 403


def test_the_csv_has_a_row_per_figure_and_breakdown(program, manager, page_client, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    response = page_client.as_user(manager).get(reverse("manage:performance-export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["figure", "breakdown", "item", "value", "unit", "definition"]
    cells = {tuple(row[:5]) for row in rows[1:]}
    assert ("active_partners", "total", "", "3", "partners") in cells
    assert ("active_partners", "region", "Germany", "1", "partners") in cells
    assert ("attrition_rate", "", "", "0.7500", "fraction") in cells
    assert ("pipeline_by_status", "won", "amount", "10900.00", "USD") in cells
    assert ("revenue_by_tier", "Silver", "2026-07", "2200.00", "USD") in cells
    assert ("score_distribution", "score", "90-100", "2", "scorecards") in cells
    assert ("forecast", "Q1 2027", "amount", "10200.00", "USD") in cells
    attrition = next(row for row in rows if row[0] == "attrition_rate")
    assert "Q3 2026" in attrition[5]


def test_the_beat_refresh_shares_the_figures_the_dashboard_reads(db, manager, django_assert_num_queries):
    from django.core.cache import cache

    from performance.analytics import program_analytics, program_analytics_refresh

    cache.clear()
    refreshed = program_analytics_refresh()
    with django_assert_num_queries(0):
        assert program_analytics(actor=manager) == refreshed
