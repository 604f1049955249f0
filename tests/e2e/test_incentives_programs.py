"""Incentive programs in a real browser: the program admin creates a Gold-only rebate with a budget cap through the
form, finds it in the list (filtered by kind), recomputes it over a deal already won and sees the line and the
budget bar; the Gold partner's rep finds it among its programs, with the rule in words and no budget figures.
Finance filters the accrual lines (the CSV link follows) and adds an adjustment for the partner's next
statement."""

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from deals.models import DealStatus
from incentives.models import Accrual, IncentiveProgram

from ..deals.factories import DealFactory
from .conftest import VIEWPORT, login, shot

pytestmark = pytest.mark.e2e


def test_a_program_admin_creates_a_rebate_and_the_partner_sees_it(
    browser, live_server, program_admin, finance, partner_a, partner_a_rep, gold_tier
):
    from django.utils import timezone

    today = timezone.localdate()
    DealFactory(
        partner=partner_a,
        status=DealStatus.WON,
        won_amount=Decimal("12000.00"),
        amount=Decimal("12000.00"),
        closed_on=today - timedelta(days=3),
    )

    # 1. The program admin writes the rebate through the form.
    page = browser.new_context(viewport=VIEWPORT, base_url=live_server.url).new_page()
    login(page, live_server, program_admin)
    page.locator("#sidebar").get_by_role("link", name="Programs").click()
    expect(page.get_by_role("heading", name="Incentive programs")).to_be_visible()
    page.get_by_test_id("new-program").click()
    expect(page.get_by_role("heading", name="New rebate program")).to_be_visible()
    expect(page.get_by_label("Amount per won deal")).to_have_count(0)  # a SPIFF's field, not a rebate's
    page.get_by_label("Name").fill("Gold growth rebate")
    page.get_by_label("Description").fill("A thank-you on every won deal this year.")
    page.get_by_label("Rate (%)").fill("4.5")
    page.get_by_label("Starts on").fill((today - timedelta(days=30)).isoformat())
    page.get_by_label("Budget cap").fill("20000")
    page.get_by_label("Gold").check()
    shot(page, "incentives-programs-01-form")
    page.get_by_test_id("save-program").click()

    expect(page.get_by_test_id("program-name")).to_have_text("Gold growth rebate")
    expect(page.get_by_test_id("program-rule")).to_have_text("4.5% of won revenue.")
    expect(page.get_by_test_id("program-audience")).to_contain_text("Tiers: Gold")
    program = IncentiveProgram.objects.get(name="Gold growth rebate")

    # 2. Recompute: the deal already won gets its line, and the budget bar moves.
    page.get_by_test_id("recompute").click()
    expect(page.locator("main")).to_contain_text("Recomputation started")
    page.reload()
    expect(page.get_by_test_id("program-lines")).to_contain_text("4.5% of 12,000.00 USD")
    expect(page.get_by_test_id("budget")).to_contain_text("540.00 of 20,000.00 USD")
    assert Accrual.objects.get(program=program).amount == Decimal("540.00")
    shot(page, "incentives-programs-02-detail")

    # 3. The list, filtered by kind through the htmx filter bar.
    page.locator("#sidebar").get_by_role("link", name="Programs").click()
    page.get_by_label("Kind").select_option("spiff")
    expect(page.get_by_test_id("program-table")).to_contain_text("No program matches these filters.")
    page.get_by_label("Kind").select_option("rebate")
    expect(page.get_by_test_id(f"program-row-{program.pk}")).to_contain_text("540.00 / 20,000.00 USD")
    shot(page, "incentives-programs-03-list")

    # 4. The Gold partner's rep sees the program, its rule in words, and no budget.
    rep = browser.new_context(viewport=VIEWPORT, base_url=live_server.url).new_page()
    login(rep, live_server, partner_a_rep)
    rep.locator("#sidebar").get_by_role("link", name="Programs").click()
    card = rep.get_by_test_id(f"program-{program.pk}")
    expect(card).to_contain_text("Gold growth rebate")
    expect(card.get_by_test_id("program-rule")).to_have_text("4.5% of won revenue.")
    expect(rep.locator("main")).not_to_contain_text("20,000")
    shot(rep, "incentives-programs-04-portal")

    # 5. Finance: the lines of the program, then an adjustment for the partner's next statement.
    fin = browser.new_context(viewport=VIEWPORT, base_url=live_server.url).new_page()
    login(fin, live_server, finance)
    fin.locator("#sidebar").get_by_role("link", name="Accruals").click()
    expect(fin.get_by_role("heading", name="Accrual lines")).to_be_visible()
    fin.get_by_label("Program").select_option(label="Gold growth rebate")
    expect(fin.get_by_test_id("accrual-table")).to_contain_text("4.5% of 12,000.00 USD")
    expect(fin.get_by_test_id("export-csv")).to_have_attribute(
        "href", f"/manage/incentives/accruals/export.csv?program={program.pk}&sort=-date"
    )
    shot(fin, "incentives-programs-05-accruals")
    fin.get_by_test_id("add-adjustment").click()
    fin.get_by_label("Partner").select_option(label="Alpha Networks")
    fin.get_by_label("Amount").fill("-40")
    fin.get_by_label("Explanation").fill("Rebate on a returned unit")
    fin.get_by_test_id("save-adjustment").click()
    expect(fin.locator("main")).to_contain_text("Adjustment of -40.00 USD added for Alpha Networks")
    expect(fin.get_by_test_id("accrual-table")).to_contain_text("Adjustment: Rebate on a returned unit")
    shot(fin, "incentives-programs-06-adjusted")
