"""Disputes, end to end in a real browser: a partner opens a case on its deal → a manager reviews it, replies,
adds an internal note and resolves it → the partner sees the reply and the resolution, never the note."""

import re

import pytest
from playwright.sync_api import expect

from partners.models import Case

from ..deals.factories import DealFactory
from .conftest import VIEWPORT, login, shot

pytestmark = pytest.mark.e2e


def test_partner_opens_a_case_manager_resolves_partner_reads_the_resolution(
    browser, live_server, partner_a, partner_a_rep, partner_b, manager
):
    partner_a.manager = manager
    partner_a.save(update_fields=["manager"])
    deal = DealFactory(partner=partner_a, customer_name="Globex Corporation", registered_by=partner_a_rep)
    DealFactory(partner=partner_b, customer_name="Globex Corp")

    # 1. The partner opens a case on its registration.
    ppage = browser.new_context(viewport=VIEWPORT, base_url=live_server.url).new_page()
    login(ppage, live_server, partner_a_rep)
    ppage.locator("#sidebar").get_by_role("link", name="Cases").click()
    expect(ppage.get_by_role("heading", name="Our cases")).to_be_visible()
    ppage.get_by_test_id("open-case").click()
    ppage.get_by_label("About").select_option("deal_conflict")
    ppage.get_by_label("Subject").fill("Globex: we registered first")
    ppage.get_by_label("Description").fill("Bravo registered Globex two weeks after us. Please keep our protection.")
    ppage.get_by_label("Deal").select_option(str(deal.pk))
    shot(ppage, "cases-01-partner-opens")
    ppage.get_by_test_id("submit-case").click()
    expect(ppage.get_by_test_id("case-subject")).to_have_text("Globex: we registered first")
    expect(ppage.get_by_test_id("case-status")).to_have_text("Open")
    expect(ppage.get_by_test_id("case-deal")).to_contain_text("Globex Corporation")
    case = Case.objects.get()
    assert (case.partner, case.deal, case.owner) == (partner_a, deal, manager)

    # 2. The manager finds it, reviews, replies, notes internally and resolves it.
    mpage = browser.new_context(viewport=VIEWPORT, base_url=live_server.url).new_page()
    login(mpage, live_server, manager)
    mpage.locator("#sidebar").get_by_role("link", name="Cases").click()
    expect(mpage).to_have_url(f"{live_server.url}/manage/cases/")
    row = mpage.get_by_test_id(f"case-row-{case.pk}")
    expect(row).to_contain_text("Alpha Networks")
    expect(row).to_contain_text("Due")
    shot(mpage, "cases-02-manager-list")
    row.get_by_role("link", name="Globex: we registered first").click()
    expect(mpage.get_by_test_id("case-sla")).to_contain_text(re.compile(r"business day|Due today"))
    mpage.get_by_test_id("review").click()
    expect(mpage.get_by_test_id("case-status")).to_have_text("In review")
    mpage.locator("#id_body").fill("Thanks — checking both registration dates now.")
    mpage.get_by_test_id("post-message").click()
    expect(mpage.get_by_test_id("thread")).to_contain_text("checking both registration dates")
    mpage.locator("#id_body").fill("Bravo's rep was warned about this last quarter.")
    mpage.get_by_label("Internal note (the partner never sees it)").check()
    mpage.get_by_test_id("post-message").click()
    expect(mpage.locator("[data-internal=true]")).to_contain_text("warned about this")
    shot(mpage, "cases-03-manager-case-in-review")
    mpage.get_by_label("Resolution").fill(
        "Alpha registered first: its protection stands; Bravo's registration is rejected."
    )
    mpage.get_by_test_id("resolve").click()
    expect(mpage.get_by_test_id("case-status")).to_have_text("Resolved")
    expect(mpage.get_by_test_id("resolution")).to_contain_text("its protection stands")
    expect(mpage.get_by_test_id("history")).to_contain_text("in_review")
    shot(mpage, "cases-04-manager-resolved")

    # 3. The partner sees the reply and the resolution, not the internal note.
    ppage.reload()
    expect(ppage.get_by_test_id("case-status")).to_have_text("Resolved")
    expect(ppage.get_by_test_id("resolution")).to_contain_text("its protection stands")
    expect(ppage.get_by_test_id("thread")).to_contain_text("checking both registration dates")
    expect(ppage.locator("main")).not_to_contain_text("warned about this")
    expect(ppage.locator("main")).not_to_contain_text("Internal note")
    shot(ppage, "cases-05-partner-sees-resolution")
    ppage.locator("#sidebar").get_by_role("link", name="Cases").click()
    expect(ppage.get_by_test_id(f"case-row-{case.pk}")).to_contain_text("Resolved")
    shot(ppage, "cases-06-partner-list")
