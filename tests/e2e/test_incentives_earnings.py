"""A partner's "My earnings" in a real browser: the totals and the lines with their arithmetic, the lines filtered
by program, and the calculator answering in its card (htmx) — a bad amount said once, then a priced deal."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deals.models import DealStatus
from incentives.accruals import accruals_sync_deal
from incentives.models import Accrual, AccrualStatus, ProgramKind
from incentives.recognition import badges_grant_by_rule
from tests.deals.factories import DealFactory
from tests.incentives.factories import IncentiveProgramFactory
from tests.performance.factories import ScorecardFactory

from .conftest import login, shot

pytestmark = pytest.mark.e2e


@pytest.fixture
def alpha_earning(partner_a, gold_tier):
    gold_tier.rebate_percent = Decimal("5.00")
    gold_tier.save()
    IncentiveProgramFactory(name="Gold rebate", kind=ProgramKind.REBATE, rate_percent=None)
    spiff = IncentiveProgramFactory(
        name="SD-WAN SPIFF", kind=ProgramKind.SPIFF, rate_percent=None, amount=Decimal("500"), currency="USD",
        products="SD-WAN",
    )  # fmt: skip
    IncentiveProgramFactory(
        name="Volume bonus", kind=ProgramKind.VOLUME_BONUS, rate_percent=None,
        thresholds=[{"min_revenue": "100000", "percent": "2"}],
    )  # fmt: skip
    for amount, products in (("12000.00", "SD-WAN rollout"), ("3333.33", "")):
        deal = DealFactory(
            partner=partner_a, status=DealStatus.WON, won_amount=Decimal(amount), amount=Decimal(amount),
            currency="USD", products=products, closed_on=timezone.localdate(), customer_name=f"Customer {amount}",
        )  # fmt: skip
        accruals_sync_deal(deal.pk)
    Accrual.objects.filter(program=spiff).update(status=AccrualStatus.APPROVED)
    ScorecardFactory(partner=partner_a, revenue_won=Decimal("15333.33"))
    badges_grant_by_rule()
    return partner_a


def test_my_earnings_lines_and_the_calculator(page, live_server, alpha_earning, partner_a_admin):
    login(page, live_server, partner_a_admin)
    expect(page.get_by_test_id("badges")).to_contain_text("First deal won")
    page.get_by_role("link", name="My earnings").click()

    expect(page.get_by_test_id("total-accrued")).to_contain_text("766.67")
    expect(page.get_by_test_id("total-approved")).to_contain_text("500.00")
    lines = page.get_by_test_id("earnings-lines")
    expect(lines).to_contain_text("5% of 12,000.00 USD, the Gold tier's rate")
    expect(lines).to_contain_text("SPIFF of 500.00 USD per won deal with sd-wan")
    expect(lines).to_contain_text("Customer 12000.00")
    expect(lines.get_by_test_id("line-status").first).to_be_visible()

    page.locator("#calc-amount").fill("a lot")
    page.get_by_test_id("calculate").click()
    expect(page.get_by_test_id("amount-error")).to_have_text("Enter the deal's amount as a number, for example 25000.")
    expect(page.get_by_test_id("amount-error")).to_have_count(1)

    page.locator("#calc-amount").fill("20000")
    page.locator("#calc-products").fill("SD-WAN")
    page.get_by_test_id("calculate").click()
    answer = page.get_by_test_id("calculation")
    expect(answer).to_contain_text("5% of 20,000.00 USD, the Gold tier's rate")
    expect(answer).to_contain_text("2% of the quarter's revenue once it reaches 100,000 USD")
    expect(page.get_by_test_id("calc-total")).to_have_text("1,500.00 USD")
    shot(page, "incentives-my-earnings")

    page.locator("#id_program").select_option(label="SD-WAN SPIFF")
    expect(lines).not_to_contain_text("5% of 12,000.00")
    expect(lines).to_contain_text("SPIFF of 500.00 USD")

    page.get_by_role("link", name="Leaderboard").click()
    expect(page.get_by_test_id("leaderboard")).to_contain_text("Alpha Networks")
    expect(page.locator('[data-own="1"]')).to_have_count(1)
    shot(page, "incentives-portal-leaderboard")


def test_a_manager_grants_a_badge_from_the_leaderboard(page, live_server, alpha_earning, manager):
    from tests.incentives.factories import BadgeFactory

    BadgeFactory(name="Partner of the year", icon="star")
    login(page, live_server, manager)
    page.goto(f"{live_server.url}/manage/incentives/leaderboard/")
    expect(page.get_by_test_id("leaderboard")).to_contain_text("Alpha Networks")
    page.locator("#id_metric").select_option("score")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("leaderboard")).to_contain_text("Score")

    grant = page.get_by_test_id("grant-badge")
    grant.locator("#id_partner").select_option(label="Alpha Networks")
    grant.locator("#id_badge").select_option(label="Partner of the year")
    grant.locator("#id_reason").fill("Best launch of the year")
    grant.get_by_role("button", name="Grant").click()
    expect(page.get_by_text("“Partner of the year” granted to Alpha Networks.")).to_be_visible()
    shot(page, "incentives-manager-leaderboard")

    page.get_by_role("link", name="Alpha Networks").first.click()
    expect(page.get_by_test_id("badges")).to_contain_text("Partner of the year")
    expect(page.get_by_test_id("badges")).to_contain_text("First deal won")
