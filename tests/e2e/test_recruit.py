"""Recruit, end to end in a real browser: a visitor applies, a manager screens and approves, the new
partner's admin sets a password from the invitation email and lands in its own portal."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from partners.models import Application, Partner

from ..partners.factories import ScreeningCriterionFactory
from .conftest import VIEWPORT, login, shot

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a-fresh-partner-passphrase-2026"


@pytest.fixture
def five_cs(db):
    cache.clear()  # the public form is throttled per client address
    names = [("Capability", 3), ("Commitment", 2), ("Compatibility", 2), ("Coverage", 2), ("Credibility", 1)]
    return [ScreeningCriterionFactory(name=n, weight=w, position=i) for i, (n, w) in enumerate(names)]


def test_apply_screen_approve_and_the_new_partner_signs_in(browser, page, live_server, manager, gold_tier, five_cs):
    mail.outbox.clear()

    # 1. A visitor applies, without an account.
    page.goto(f"{live_server.url}/apply/")
    expect(page.get_by_role("heading", name="Become a partner")).to_be_visible()
    page.get_by_label("Company name").fill("Contoso Cloud")
    page.get_by_label("Company web domain").fill("https://www.contoso-cloud.example/")
    page.get_by_label("Headquarters country").select_option(label="France")
    page.get_by_label("Partnership type").select_option(label="Managed service provider")
    page.get_by_label("Your name").fill("Claire Dubois")
    page.get_by_label("Work email").fill("claire@contoso-cloud.example")
    page.get_by_label("Expected annual revenue with us").fill("350000")
    page.get_by_label("Certified technical staff").fill("6")
    page.get_by_label("Mid-market").check()
    page.get_by_label("Western Europe").check()
    page.get_by_label("Existing vendor relationships").fill("Globex, Initech")
    shot(page, "recruit-01-apply-form")
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_test_id("apply-thanks")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Thank you")
    shot(page, "recruit-02-apply-thanks")
    application = Application.objects.get()
    assert (application.domain, application.status) == ("contoso-cloud.example", "submitted")

    # 2. A manager finds it in the queue and screens it.
    login(page, live_server, manager)
    page.locator("#sidebar").get_by_role("link", name="Applications").click()
    expect(page).to_have_url(f"{live_server.url}/manage/applications/")
    table = page.get_by_test_id("application-table")
    expect(table).to_contain_text("Contoso Cloud")
    expect(table).to_contain_text("not scored")
    shot(page, "recruit-03-queue")
    table.get_by_role("link", name="Contoso Cloud").click()
    expect(page.get_by_test_id("application-name")).to_have_text("Contoso Cloud")
    for criterion, score in zip(five_cs, [5, 4, 4, 3, 5], strict=True):
        page.get_by_title(f"{criterion.name}: {score}").click()
    page.get_by_role("textbox", name="Note on Capability").fill("Strong MSP practice")
    page.get_by_test_id("save-scores").click()
    expect(page.get_by_role("alert")).to_contain_text("Scores saved.")
    # (4*3 + 3*2 + 3*2 + 2*2 + 4*1) / (4*10) = 32/40 = 80
    expect(page.get_by_test_id("fit-score")).to_contain_text("80")
    shot(page, "recruit-04-screened")

    page.get_by_test_id("approve").click()
    expect(page.get_by_role("alert")).to_contain_text("Contoso Cloud is a partner now")
    shot(page, "recruit-05-approved")
    partner = Partner.objects.get(domain="contoso-cloud.example")
    assert partner.status == "onboarding"

    # 3. The invitation email has a set-password link; the new admin follows it in a fresh browser.
    [email] = [m for m in mail.outbox if m.to == ["claire@contoso-cloud.example"]]
    path = re.search(r"https?://[^/\s]+(/reset/\S+/)", email.body).group(1)
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url, locale="en-US")
    newcomer = context.new_page()
    try:
        newcomer.goto(f"{live_server.url}{path}")
        expect(newcomer.get_by_role("heading", name="Choose a password")).to_be_visible()
        newcomer.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        newcomer.get_by_label("New password confirmation").fill(NEW_PASSWORD)
        shot(newcomer, "recruit-06-set-password")
        newcomer.get_by_role("button", name="Set password").click()
        expect(newcomer.get_by_text("Your password is set.")).to_be_visible()
        newcomer.get_by_role("link", name="Sign in").click()
        newcomer.locator("#id_username").fill("claire@contoso-cloud.example")
        newcomer.locator("#id_password").fill(NEW_PASSWORD)
        newcomer.get_by_role("button", name="Sign in").click()
        expect(newcomer).to_have_url(f"{live_server.url}/portal/")
        expect(newcomer.get_by_test_id("partner-name")).to_have_text("Contoso Cloud")
        expect(newcomer.locator("main")).to_contain_text("Onboarding")
        shot(newcomer, "recruit-07-new-partner-portal")
    finally:
        context.close()
