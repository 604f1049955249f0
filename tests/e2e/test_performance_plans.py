"""A joint business plan in a real browser: the manager writes it through the form (objectives as rows), sees
each objective's progress from the partner's scorecard with the ones behind their pace flagged, and agrees; the
partner's admin finds it in its portal, sees the same progress and agrees; the plan is agreed."""

import pytest
from playwright.sync_api import expect

from performance import engine
from performance.models import BusinessPlan
from performance.periods import Period

from ..deals.factories import DealFactory
from .conftest import VIEWPORT, login, shot

pytestmark = pytest.mark.e2e


def test_manager_writes_a_plan_both_sides_agree_and_see_its_progress(
    browser, live_server, manager, partner_a, partner_a_admin
):
    from django.utils import timezone

    DealFactory.create_batch(3, partner=partner_a)
    engine.recalculate(partner_ids=[partner_a.pk])
    quarter = Period.containing("quarter", timezone.localdate())

    # 1. The manager writes the plan through the form.
    mpage = browser.new_context(viewport=VIEWPORT, base_url=live_server.url).new_page()
    login(mpage, live_server, manager)
    mpage.locator("#sidebar").get_by_role("link", name="Business plans").click()
    expect(mpage.get_by_role("heading", name="Business plans")).to_be_visible()
    mpage.get_by_test_id("new-plan").click()
    mpage.get_by_label("Partner").select_option(label="Alpha Networks")
    mpage.get_by_label("Period").select_option("quarter")
    mpage.get_by_label("Starting on").fill(quarter.start.isoformat())
    mpage.get_by_label("Title").fill("Grow the mid-market")
    mpage.get_by_label("Notes").fill("Two joint webinars; enablement for the new reps.")
    mpage.get_by_label("Objective 1 KPI").select_option("deals_registered")
    mpage.get_by_label("Objective 1 target").fill("3")
    mpage.get_by_label("Objective 1 in words").fill("Register 3 deals")
    mpage.get_by_label("Objective 2 KPI").select_option("certified_users")
    mpage.get_by_label("Objective 2 target").fill("3")
    mpage.get_by_label("Objective 2 in words").fill("Certify 3 reps")
    mpage.get_by_label("Objective 3 KPI").select_option("revenue_won")
    mpage.get_by_label("Objective 3 target").fill("250000")
    shot(mpage, "plans-01-manager-form")
    mpage.get_by_test_id("save-plan").click()

    expect(mpage.get_by_test_id("plan-title")).to_have_text("Grow the mid-market")
    plan = BusinessPlan.objects.get()
    expect(mpage.get_by_test_id("objective-deals_registered")).to_contain_text("3 of 3 deals registered")
    expect(mpage.get_by_test_id("objective-deals_registered")).to_contain_text("Reached")
    expect(mpage.get_by_test_id("objective-certified_users")).to_contain_text("0 of 3 certified users")
    expect(mpage.get_by_test_id("objective-certified_users").get_by_test_id("at-risk")).to_be_visible()
    expect(mpage.get_by_test_id("risk-alert")).to_contain_text("2 objectives behind their pace")
    expect(mpage.get_by_test_id("scorecard-note")).to_contain_text("From the scorecard computed")
    mpage.get_by_test_id("agree").click()
    expect(mpage.locator("main")).to_contain_text("it is agreed once the partner agrees too")
    expect(mpage.get_by_test_id("agree")).to_have_count(0)
    shot(mpage, "plans-02-manager-detail")

    # 2. The partner's admin finds it, sees the same progress, and agrees.
    ppage = browser.new_context(viewport=VIEWPORT, base_url=live_server.url).new_page()
    login(ppage, live_server, partner_a_admin)
    ppage.locator("#sidebar").get_by_role("link", name="Business plans").click()
    row = ppage.get_by_test_id(f"plan-row-{plan.pk}")
    expect(row).to_contain_text("2 at risk")
    expect(row).to_contain_text("manager agreed")
    shot(ppage, "plans-03-partner-list")
    row.get_by_role("link", name="Grow the mid-market").click()
    expect(ppage.get_by_test_id("objective-certified_users")).to_contain_text("0 of 3 certified users")
    ppage.get_by_test_id("agree").click()
    expect(ppage.locator("main")).to_contain_text("Both sides have agreed")
    expect(ppage.get_by_test_id("plan-status")).to_have_text("Agreed")
    shot(ppage, "plans-04-partner-agreed")

    plan.refresh_from_db()
    assert plan.status == "agreed"
