"""A partner's "My performance" page and the manager's partner page in a real browser: the trend charts are drawn
(Chart.js painted the canvas) and the path to the next tier reads as a sentence."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deals.models import DealStatus
from performance.engine import recalculate
from performance.periods import Period
from tests.deals.factories import DealFactory
from tests.factories import PartnerUserFactory, TierFactory
from tests.onboarding.factories import CertificationFactory
from tests.performance.factories import ScorecardFactory

from .conftest import login, shot

pytestmark = pytest.mark.e2e

TIER_PATH = "2 more certified users and 48,000 USD more won revenue to reach Gold (over the trailing twelve months)."

#: True once Chart.js has drawn the canvas: a chart object is attached and some pixel is not transparent.
DRAWN = """(id) => {
  const canvas = document.querySelector(`canvas[data-chart="${id}"]`);
  if (!canvas || !window.Chart || !window.Chart.getChart(canvas)) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
  return false;
}"""


@pytest.fixture
def alpha_with_history(partner_a, gold_tier):
    """Alpha: Silver, one certified user, 52,000 USD won this quarter, and seven past quarters of scorecards."""
    silver = TierFactory(name="Silver", rank=1)
    gold_tier.min_certified_users = 3
    gold_tier.min_revenue = Decimal("100000")
    gold_tier.save()
    partner_a.tier = silver
    partner_a.save()
    CertificationFactory(user=PartnerUserFactory(partner=partner_a))
    for amount in ("30000", "22000"):
        DealFactory(
            partner=partner_a, status=DealStatus.WON, won_amount=Decimal(amount), closed_on=timezone.localdate()
        )
    DealFactory(partner=partner_a, amount=Decimal("40000"))  # open pipeline
    quarter = Period.containing("quarter", timezone.localdate())
    for steps in range(1, 8):
        period = quarter.shifted(-steps)
        ScorecardFactory(
            partner=partner_a,
            period_start=period.start,
            period_end=period.end,
            score=Decimal(20 + 3 * (8 - steps)),
            revenue_won=Decimal(5000 * (8 - steps)),
            open_pipeline=Decimal(60000 - 4000 * steps),
        )
    recalculate(partner_ids=[partner_a.pk])
    return partner_a


def _expect_charts_drawn(page):
    for chart in ("trend-score", "trend-revenue", "trend-pipeline"):
        page.wait_for_function(DRAWN, arg=chart)


def test_my_performance_draws_the_trends_and_says_the_tier_path(page, live_server, partner_a_admin, alpha_with_history):
    login(page, live_server, partner_a_admin)

    page.locator("#sidebar").get_by_role("link", name="My performance").click()

    expect(page.get_by_role("heading", name="My performance")).to_be_visible()
    expect(page.get_by_test_id("tier-path-text")).to_have_text(TIER_PATH)
    checklist = page.get_by_test_id("tier-checklist")
    expect(checklist).to_contain_text("2 more certified users (Gold needs 3 certified users)")
    expect(page.get_by_test_id("kpi-table")).to_contain_text("52,000 USD")
    _expect_charts_drawn(page)
    shot(page, "performance-portal-01-my-performance")

    page.get_by_test_id("period-tabs").get_by_role("link", name="Month", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/portal/performance/?period=month")
    expect(page.get_by_test_id("period-label")).to_contain_text(timezone.localdate().strftime("%b %Y"))
    page.wait_for_function(DRAWN, arg="trend-score")


def test_the_managers_partner_page_shows_the_performance_card(page, live_server, manager, alpha_with_history):
    login(page, live_server, manager)

    page.goto(f"{live_server.url}/manage/partners/{alpha_with_history.pk}/")

    card = page.get_by_test_id("performance-card")
    expect(card).to_contain_text("Performance")
    expect(card.get_by_test_id("tier-path-text")).to_contain_text(TIER_PATH)
    expect(card.get_by_test_id("recommended-tier")).to_be_visible()
    _expect_charts_drawn(page)
    shot(page, "performance-portal-02-manager-partner-page")
