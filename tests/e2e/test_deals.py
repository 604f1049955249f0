"""Deal registration in a real browser: register with a live conflict preview → the manager sees the conflict
in the queue → approves one → the competing approval is refused → the partner wins the deal; and a lead
offered → accepted → converted."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.deals.factories import DealFactory, LeadFactory

from .conftest import login, shot

pytestmark = pytest.mark.e2e


def test_register_conflict_approve_refuse_win(browser, live_server, partner_a, partner_a_rep, partner_b, manager):
    rival = DealFactory(
        partner=partner_b, customer_name="Globex Corporation", customer_domain="globex.example", amount=777777
    )

    # the partner registers, and sees the conflict while typing
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    login(page, live_server, partner_a_rep)
    page.locator("#sidebar").get_by_role("link", name="Deals").click()
    expect(page.get_by_role("heading", name="Our deals")).to_be_visible()
    page.get_by_test_id("register-deal").click()
    page.locator("#id_customer_name").press_sequentially("Globex Corp", delay=20)
    preview = page.get_by_test_id("conflict-preview")
    # the partner learns that another partner holds a registration, not which one (no disclosure by default)
    expect(preview).to_contain_text("Already registered by another partner")
    expect(preview).to_contain_text("Globex Corporation")
    expect(preview).not_to_contain_text("Bravo Systems")
    expect(preview).not_to_contain_text("777")
    page.locator("#id_customer_domain").fill("globex.example")
    page.locator("#id_country").select_option("GB")
    page.locator("#id_amount").fill("150000")
    page.locator("#id_expected_close_date").fill((timezone.localdate() + timedelta(days=40)).isoformat())
    page.locator("#id_products").fill("Edge gateways, 3-year support")
    shot(page, "deals-01-register-with-conflict")
    page.get_by_test_id("submit-registration").click()
    expect(page.get_by_test_id("deal-title")).to_have_text("Globex Corp")
    expect(page.get_by_test_id("conflicts")).to_contain_text("Globex Corporation")
    expect(page.locator("main")).not_to_contain_text("Bravo Systems")
    expect(page.locator("main")).not_to_contain_text("777,777")
    shot(page, "deals-02-partner-deal-page")
    deal_url = page.url

    # the manager sees both registrations side by side, approves ours, is refused on theirs
    manager_context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url)
    mpage = manager_context.new_page()
    login(mpage, live_server, manager)
    mpage.goto(f"{live_server.url}/manage/deals/")
    expect(mpage.get_by_test_id("deal-table")).to_contain_text("Globex Corp")
    shot(mpage, "deals-03-manager-list")
    mpage.get_by_test_id("queue-link").click()
    rows = mpage.get_by_test_id("queue-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Bravo Systems")  # oldest first
    expect(rows.nth(1).get_by_test_id("conflict")).to_contain_text("Bravo Systems")
    expect(rows.first.get_by_test_id("sla")).to_be_visible()
    shot(mpage, "deals-04-approval-queue")
    rows.nth(1).get_by_role("link", name="Globex Corp").click()
    mpage.get_by_test_id("approve").click()
    expect(mpage.locator(".alert-success")).to_contain_text("approved")
    expect(mpage.get_by_test_id("protected-until")).to_be_visible()
    shot(mpage, "deals-05-approved")
    mpage.goto(f"{live_server.url}/manage/deals/{rival.pk}/")
    mpage.get_by_test_id("approve").click()
    expect(mpage.locator(".alert-danger")).to_contain_text("already has an approved registration (Alpha Networks")
    shot(mpage, "deals-06-competing-approval-refused")

    # the partner wins it
    page.goto(deal_url)
    expect(page.get_by_test_id("close-deal")).to_be_visible()
    page.locator("#win-amount").fill("148000.00")
    page.get_by_test_id("win").click()
    expect(page.get_by_test_id("status")).to_have_text("Won")
    page.locator("#comment-body").fill("Signed today. Thanks for the support!")
    page.get_by_test_id("add-comment").click()
    expect(page.get_by_test_id("comments")).to_contain_text("Signed today")
    shot(page, "deals-07-won")
    manager_context.close()
    context.close()


def test_lead_offered_accepted_converted(page, live_server, partner_a, partner_a_admin, manager):
    lead = LeadFactory(customer_name="Wayne Enterprises", country="GB")

    login(page, live_server, manager)
    page.goto(f"{live_server.url}/manage/leads/{lead.pk}/")
    suggestion = page.get_by_test_id("suggestion").filter(has_text="Alpha Networks")
    shot(page, "deals-08-lead-suggestions")
    suggestion.get_by_role("button", name="Offer").click()
    expect(page.get_by_test_id("offered-to")).to_have_text("Alpha Networks")
    page.get_by_role("button", name="Sign out").click()

    login(page, live_server, partner_a_admin)
    page.locator("#sidebar").get_by_role("link", name="Leads").click()
    expect(page.get_by_test_id("lead-row")).to_contain_text("Wayne Enterprises")
    shot(page, "deals-09-partner-leads")
    page.get_by_test_id("accept-lead").click()
    page.get_by_test_id("convert-lead").click()
    page.locator("#id_expected_close_date").fill((timezone.localdate() + timedelta(days=25)).isoformat())
    page.get_by_test_id("submit-convert").click()
    expect(page).to_have_url(re.compile(r"/portal/deals/\d+/$"))
    expect(page.get_by_test_id("deal-title")).to_have_text("Wayne Enterprises")
    shot(page, "deals-10-lead-converted")
