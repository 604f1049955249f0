"""The partner's side, in a real browser: one organization's portal, and nothing of any other partner."""

import pytest
from playwright.sync_api import expect

from tests.factories import AgreementFactory

from .conftest import login, shot

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_partners_with_data(partner_a, partner_a_admin, partner_a_rep, partner_b, partner_b_admin, partner_b_rep):
    """Both organizations have users and agreements, so a leak of partner_b's would have something to show."""
    AgreementFactory(partner=partner_a, title="Alpha reseller agreement 2026")
    AgreementFactory(partner=partner_b, title="Bravo distribution agreement")
    return partner_a, partner_b


def _never_shows_partner_b(page, partner_b):
    body = page.locator("body")
    expect(body).not_to_contain_text(partner_b.name)
    expect(body).not_to_contain_text(partner_b.domain)
    expect(body).not_to_contain_text("Bravo distribution agreement")


def test_partner_admin_sees_only_their_own_organization(page, live_server, partner_a_admin, two_partners_with_data):
    partner_a, partner_b = two_partners_with_data

    login(page, live_server, partner_a_admin, screenshot="partner-00-sign-in")
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_test_id("partner-name")).to_have_text("Alpha Networks")
    expect(page.locator("main")).to_contain_text("Alpha reseller agreement 2026")
    expect(page.locator("main")).to_contain_text("Gold")
    _never_shows_partner_b(page, partner_b)
    shot(page, "partner-01-home")

    page.locator("#sidebar").get_by_role("link", name="Our users").click()
    expect(page).to_have_url(f"{live_server.url}/portal/users/")
    users = page.get_by_test_id("portal-users")
    expect(users).to_contain_text("admin@alpha.example")
    expect(users).to_contain_text("rep@alpha.example")
    expect(users).not_to_contain_text("bravo.example")
    _never_shows_partner_b(page, partner_b)
    shot(page, "partner-02-users")

    page.locator("#sidebar").get_by_role("link", name="Agreements").click()
    expect(page).to_have_url(f"{live_server.url}/portal/agreements/")
    expect(page.get_by_role("heading", name="Agreements")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Alpha reseller agreement 2026")
    _never_shows_partner_b(page, partner_b)
    shot(page, "partner-03-agreements")


def test_partner_admin_invites_a_colleague(page, live_server, partner_a_admin, partner_b):
    login(page, live_server, partner_a_admin)
    page.goto(f"{live_server.url}/portal/users/")
    expect(page.get_by_text("Invite a colleague")).to_be_visible()
    users = page.get_by_test_id("portal-users")
    expect(users).not_to_contain_text("new.colleague@alpha.example")

    page.get_by_label("Email").fill("new.colleague@alpha.example")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Colleague")
    page.get_by_label("Job title").fill("Solutions engineer")
    page.get_by_label("Role").select_option(label="Partner rep")
    page.get_by_role("button", name="Send invitation").click()

    expect(page).to_have_url(f"{live_server.url}/portal/users/")
    expect(page.get_by_role("alert")).to_contain_text("Invitation sent.")
    row = users.get_by_role("row").filter(has_text="new.colleague@alpha.example")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Nora Colleague")
    expect(row).to_contain_text("Partner rep")
    expect(row).to_contain_text("Invited")
    shot(page, "partner-04-colleague-invited")


def test_partner_user_cannot_open_the_manager_portal(page, live_server, partner_a_admin, partner_b):
    login(page, live_server, partner_a_admin)

    response = page.goto(f"{live_server.url}/manage/partners/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You cannot open this page")).to_be_visible()
    expect(page.get_by_test_id("partner-table")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(partner_b.name)
    shot(page, "partner-05-manager-directory-403")

    response = page.goto(f"{live_server.url}/manage/partners/{partner_b.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_test_id("partner-name")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(partner_b.name)
    shot(page, "partner-06-other-partner-404")

    page.get_by_role("link", name="Back to your portal").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_test_id("partner-name")).to_have_text("Alpha Networks")
