"""The vendor's side, in a real browser: find a partner in the directory, open it, create a new one."""

import re

import pytest
from playwright.sync_api import expect

from partners.models import Partner

from .conftest import login, shot

pytestmark = pytest.mark.e2e


def test_program_admin_finds_a_partner_and_opens_it(
    page, live_server, program_admin, partner_a, partner_a_admin, partner_b, partner_b_admin
):
    login(page, live_server, program_admin, screenshot="manager-00-sign-in")
    expect(page).to_have_url(f"{live_server.url}/manage/")
    expect(page.get_by_role("heading", name="Program overview")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_contain_text("admin@vendor.example")
    shot(page, "manager-01-dashboard")

    page.locator("#sidebar").get_by_role("link", name="Partners").click()
    expect(page).to_have_url(f"{live_server.url}/manage/partners/")
    expect(page.get_by_role("heading", name="Partners", exact=True)).to_be_visible()
    table = page.get_by_test_id("partner-table")
    expect(table).to_contain_text("Alpha Networks")
    expect(table).to_contain_text("Bravo Systems")
    expect(page.get_by_test_id("export-csv")).to_be_visible()
    shot(page, "manager-02-partner-directory")

    page.locator("#id_search").press_sequentially("alph", delay=50)
    expect(table.get_by_role("link", name="Bravo Systems")).to_have_count(0)
    expect(table.get_by_role("link", name="Alpha Networks")).to_be_visible()
    expect(page.locator("#results")).to_contain_text("1 result")
    expect(page).to_have_url(re.compile(r"/manage/partners/\?search=alph"))
    shot(page, "manager-03-directory-searched")

    table.get_by_role("link", name="Alpha Networks").click()
    expect(page).to_have_url(f"{live_server.url}/manage/partners/{partner_a.pk}/")
    expect(page.get_by_test_id("partner-name")).to_have_text("Alpha Networks")
    users = page.get_by_test_id("partner-users")
    expect(users).to_contain_text("admin@alpha.example")
    expect(users).to_contain_text(partner_a_admin.get_full_name())
    expect(users).to_contain_text("Partner admin")
    expect(users).not_to_contain_text("admin@bravo.example")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("created")
    expect(history).to_contain_text("Alpha Networks")
    expect(page.locator("body")).not_to_contain_text("Bravo Systems")
    shot(page, "manager-04-partner-detail")


def test_program_admin_creates_a_partner_after_fixing_a_bad_domain(page, live_server, program_admin, gold_tier):
    login(page, live_server, program_admin)
    page.goto(f"{live_server.url}/manage/partners/")
    page.get_by_role("link", name="New partner").click()
    expect(page).to_have_url(f"{live_server.url}/manage/partners/new/")
    expect(page.get_by_role("heading", name="New partner")).to_be_visible()
    shot(page, "manager-05-new-partner-form")

    page.get_by_label("Name").fill("Charlie Cloud")
    page.get_by_label("Domain").fill("not a domain")
    page.get_by_label("Type").select_option(label="Reseller")
    page.get_by_label("Status").select_option(label="Onboarding")
    page.get_by_label("Country").select_option(label="France")
    page.get_by_label("City").fill("Lyon")
    page.get_by_label("Tier").select_option(label="Gold")
    page.get_by_role("button", name="Save").click()

    error = page.locator('[data-field-error="domain"]')
    expect(error).to_be_visible()
    expect(error).to_contain_text("is not a valid domain name")
    expect(page.get_by_label("Domain")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.get_by_label("Name")).to_have_value("Charlie Cloud")  # what was typed is kept
    expect(page).to_have_url(f"{live_server.url}/manage/partners/new/")
    shot(page, "manager-06-new-partner-domain-error")

    page.get_by_label("Domain").fill("https://www.Charlie-Cloud.example/about")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/manage/partners/\d+/$"))
    created = Partner.objects.get(name="Charlie Cloud")
    expect(page).to_have_url(f"{live_server.url}/manage/partners/{created.pk}/")
    expect(page.get_by_test_id("partner-name")).to_have_text("Charlie Cloud")
    expect(page.get_by_role("alert")).to_contain_text("Partner created.")
    expect(page.locator("main")).to_contain_text("charlie-cloud.example")
    expect(page.locator("main")).to_contain_text("France, Lyon")
    expect(page.get_by_test_id("history")).to_contain_text("created")
    expect(page.locator('[data-field-error="domain"]')).to_have_count(0)
    shot(page, "manager-07-new-partner-created")
