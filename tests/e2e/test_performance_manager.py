"""The manager's scorecard pages in a real browser: the filter bar narrows the scorecards through htmx, a tier
proposal is accepted with a note, and a recalculation's progress bar polls its job until it is done."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deals.models import DealStatus
from partners.models import PartnerType
from performance import engine
from performance.models import RecalcJob

from ..deals.factories import DealFactory
from ..factories import PartnerFactory, TierFactory
from ..performance.factories import RecalcJobFactory
from .conftest import login, shot

pytestmark = pytest.mark.e2e


@pytest.fixture
def scored(partner_a, gold_tier):
    """Alpha (Gold, nothing won) and Winner (Silver, 150,000 won), scored by the engine: one promotion and one
    demotion proposed."""
    silver = TierFactory(name="Silver", rank=1)
    gold_tier.min_revenue = Decimal("100000")
    gold_tier.save()
    winner = PartnerFactory(name="Winner Ltd", tier=silver, partner_type=PartnerType.MSP, country="DE")
    DealFactory(
        partner=winner,
        status=DealStatus.WON,
        amount=Decimal("150000"),
        won_amount=Decimal("150000"),
        closed_on=timezone.localdate() - timedelta(days=2),
        created_at=timezone.now() - timedelta(days=25),
    )
    DealFactory(partner=partner_a, amount=Decimal("40000"))
    engine.recalculate()
    return {"winner": winner, "silver": silver}


def test_the_scorecard_list_filters_through_htmx(page, live_server, program_admin, scored):
    login(page, live_server, program_admin)
    page.locator("#sidebar").get_by_role("link", name="Scorecards").click()
    expect(page.get_by_role("heading", name="Partner scorecards")).to_be_visible()
    rows = page.get_by_test_id("scorecard-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Winner Ltd")
    expect(rows.first.get_by_test_id("recommended-tier")).to_contain_text("Gold")
    shot(page, "performance-manager-01-scorecards")

    page.locator("#id_tier").select_option(label="Silver")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Winner Ltd")
    expect(page.get_by_test_id("export-csv")).to_have_attribute("href", re.compile(r"export\.csv\?.*tier="))
    expect(page).to_have_url(re.compile(r"tier="))
    shot(page, "performance-manager-02-scorecards-filtered")


def test_a_manager_accepts_a_tier_proposal(page, live_server, manager, scored):
    login(page, live_server, manager)
    page.locator("#sidebar").get_by_role("link", name="Tier proposals").click()
    row = page.get_by_test_id("proposal-row").filter(has_text="Winner Ltd")
    expect(row).to_contain_text("Promotion")
    expect(row).to_contain_text("Gold requires")
    shot(page, "performance-manager-03-proposals")

    row.get_by_placeholder("Note (optional)").fill("Strong quarter, welcome to Gold")
    row.get_by_test_id("accept").click()
    expect(page.locator(".alert-success")).to_contain_text("Accepted: Winner Ltd is now Gold.")
    decided = page.get_by_test_id("proposal-row").filter(has_text="Winner Ltd")
    expect(decided).to_contain_text("Accepted")
    expect(decided).to_contain_text("Strong quarter, welcome to Gold")
    shot(page, "performance-manager-04-proposal-accepted")
    scored["winner"].refresh_from_db()
    assert scored["winner"].tier.name == "Gold"


def test_recalculation_progress_bar_polls_until_done(page, live_server, program_admin, scored):
    # a job a worker is running: the bar shows its progress and follows it without a reload
    running = RecalcJobFactory(state="running", progress=40, message="Computing Q4 2026", requested_by=program_admin)
    login(page, live_server, program_admin)
    page.goto(f"{live_server.url}/manage/performance/settings/?job={running.pk}")
    status = page.get_by_test_id("job-status")
    expect(status.get_by_test_id("job-progress")).to_have_text("40%")
    expect(status).to_contain_text("Computing Q4 2026")
    shot(page, "performance-manager-05-recalculation-running")
    RecalcJob.objects.filter(pk=running.pk).update(
        state="succeeded", progress=100, message="12 scorecards recalculated"
    )
    expect(page.get_by_test_id("job-progress")).to_have_text("100%", timeout=5_000)
    expect(page.get_by_test_id("job-state")).to_have_text("Succeeded")

    # "Recalculate all now": eager tasks finish the job within the request
    page.get_by_test_id("recalculate").click()
    expect(page.locator(".alert-success")).to_contain_text("Recalculation started.")
    expect(page.get_by_test_id("job-state")).to_have_text("Succeeded")
    expect(page.get_by_test_id("job-progress")).to_have_text("100%")
    expect(page.get_by_test_id("job-message")).to_contain_text("scorecards recalculated")
    shot(page, "performance-manager-06-recalculation-done")
    assert RecalcJob.objects.filter(requested_by=program_admin, state="succeeded").count() == 2
