"""The program analytics dashboard in a real browser: its four charts are drawn (Chart.js took each canvas and
put pixels on it), the forecast states its method, and the CSV link is there."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from deals.models import DealStatus
from performance.periods import Period

from ..deals.factories import DealFactory
from ..factories import PartnerFactory
from ..performance.factories import ScorecardFactory
from .conftest import SCREENSHOTS, login, shot

pytestmark = pytest.mark.e2e

CHARTS = ["revenue-by-tier", "pipeline-by-status", "score-distribution", "health"]

# True when Chart.js owns the canvas and some pixel of it is not transparent.
DRAWN = """canvas => {
  if (!window.Chart || !window.Chart.getChart(canvas) || !canvas.width || !canvas.height) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
  return false;
}"""


@pytest.fixture
def program(partner_a, partner_b):
    cache.clear()  # no figures shared from an earlier test
    today = timezone.localdate()
    quarter = Period.containing("quarter", today)
    for months_ago, amount in [(1, "12000"), (2, "8000"), (4, "15000"), (7, "5000")]:
        closed = (today.replace(day=1) - timedelta(days=30 * months_ago)).replace(day=10)
        DealFactory(partner=partner_a, status=DealStatus.WON, closed_on=closed, won_amount=Decimal(amount))
    DealFactory(partner=partner_b, status=DealStatus.WON, closed_on=today, won_amount=Decimal("4000"))
    DealFactory(partner=partner_a, status=DealStatus.LOST, closed_on=today)
    DealFactory(partner=partner_a, approved=True, amount=Decimal("30000"))
    DealFactory(partner=partner_b)
    for partner, score, health in [(partner_a, "82.5", "green"), (partner_b, "35", "amber")]:
        ScorecardFactory(
            partner=partner, period_start=quarter.start, period_end=quarter.end, score=Decimal(score),
            health_status=health,
        )  # fmt: skip
    for score, health in [("12", "red"), ("55", "green"), ("91", "green")]:
        ScorecardFactory(
            partner=PartnerFactory(), period_start=quarter.start, period_end=quarter.end, score=Decimal(score),
            health_status=health,
        )  # fmt: skip


def test_manager_sees_the_program_analytics_charts_drawn(page, live_server, manager, program):
    page.emulate_media(reduced_motion="reduce")  # drawn at once: the screenshot shows the final bars
    login(page, live_server, manager)
    page.goto(f"{live_server.url}/manage/performance/")

    expect(page.get_by_role("heading", name="Program analytics")).to_be_visible()
    for chart in CHARTS:
        canvas = page.locator(f'canvas[data-chart="{chart}"]')
        expect(canvas).to_be_visible()
        page.wait_for_function(DRAWN, arg=canvas.element_handle())
    expect(page.get_by_test_id("forecast-method")).to_contain_text("win rate over the trailing twelve months")
    expect(page.get_by_test_id("card-active-partners")).to_contain_text("5")
    expect(page.get_by_test_id("export-csv")).to_be_visible()
    shot(page, "performance-dashboard")
    page.get_by_test_id("chart-score-distribution").screenshot(path=str(SCREENSHOTS / "performance-scores.png"))
