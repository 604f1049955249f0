"""Payouts in a real browser: finance closes the month, finds the drafts on the approval page, opens one to check
its lines and their arithmetic, approves it, records the payment, and prints it; the partner's admin reads the same
statement in its portal."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incentives.accruals import accruals_sync_deal
from incentives.models import PayoutStatement, StatementStatus

from ..factories import PartnerFactory
from ..incentives.factories import IncentiveProgramFactory, won_deal
from .conftest import VIEWPORT, login, shot

pytestmark = pytest.mark.e2e


def _won(partner, amount, customer, currency="USD"):
    deal = won_deal(partner, amount, currency=currency, customer_name=customer)
    accruals_sync_deal(deal.pk)
    return deal


def test_finance_approves_and_marks_a_statement_paid(browser, live_server, finance, partner_a, partner_a_admin):
    IncentiveProgramFactory(name="Partner rebate", rate_percent=Decimal("7.50"))
    _won(partner_a, "12000.00", "Northwind Traders")
    _won(partner_a, "1234.57", "Contoso Ltd")
    _won(PartnerFactory(name="Bravo Systems"), "8000.00", "Fabrikam")
    today = timezone.localdate()

    fpage = browser.new_context(viewport=VIEWPORT, base_url=live_server.url).new_page()
    login(fpage, live_server, finance)
    fpage.locator("#sidebar").get_by_role("link", name="Payouts").click()
    expect(fpage.get_by_role("heading", name="Payout statements")).to_be_visible()

    # 1. Close the period (this month so far).
    fpage.get_by_test_id("close-period").locator("summary").click()
    fpage.get_by_label("First day", exact=True).fill(today.replace(day=1).isoformat())
    fpage.get_by_label("Last day", exact=True).fill(today.isoformat())
    fpage.get_by_test_id("generate").click()
    expect(fpage.get_by_text("Period closed: 3 lines on 2 draft statements (2 new).")).to_be_visible()
    expect(fpage.get_by_role("heading", name="Approve payout statements")).to_be_visible()
    statement = PayoutStatement.objects.get(partner=partner_a)
    expect(fpage.get_by_test_id(f"total-{statement.pk}")).to_have_text("992.59 USD")
    shot(fpage, "payouts-01-finance-approval-page")

    # 2. Open it: the lines with their arithmetic and the total as their sum.
    fpage.get_by_test_id(f"statement-row-{statement.pk}").locator("a.fw-semibold").click()
    expect(fpage.get_by_test_id("statement-lines")).to_contain_text("7.5% of 12,000.00 USD")
    expect(fpage.get_by_test_id("statement-lines")).to_contain_text("7.5% of 1,234.57 USD")
    expect(fpage.get_by_test_id("statement-total")).to_have_text("992.59 USD")
    fpage.get_by_test_id("approve").click()
    expect(fpage.get_by_text("Statement of Alpha Networks approved: 992.59 USD.")).to_be_visible()
    expect(fpage.get_by_test_id("statement-status")).to_have_text("Approved")

    # 3. Record the payment: the statement is paid and offers no button any more.
    fpage.get_by_label("Payment reference").fill("SEPA-2026-0042")
    fpage.get_by_test_id("mark-paid").click()
    expect(fpage.get_by_text("Statement of Alpha Networks marked paid: 992.59 USD.")).to_be_visible()
    expect(fpage.get_by_test_id("statement-status")).to_have_text("Paid")
    expect(fpage.get_by_test_id("payment-reference")).to_have_text("SEPA-2026-0042")
    expect(fpage.get_by_test_id("mark-paid")).to_have_count(0)
    statement.refresh_from_db()
    assert statement.status == StatementStatus.PAID and statement.paid_by == finance

    # 4. The printable page: no navigation, the lines and the total.
    fpage.get_by_test_id("statement-print").click()
    expect(fpage.get_by_test_id("printable-statement")).to_contain_text("Alpha Networks")
    expect(fpage.locator("#sidebar")).to_have_count(0)
    expect(fpage.get_by_test_id("statement-total")).to_have_text("992.59 USD")
    shot(fpage, "payouts-02-printable-statement")
    fpage.emulate_media(media="print")
    shot(fpage, "payouts-03-printable-statement-print-media")

    # 5. The partner reads its paid statement in the portal.
    ppage = browser.new_context(viewport=VIEWPORT, base_url=live_server.url).new_page()
    login(ppage, live_server, partner_a_admin)
    ppage.locator("#sidebar").get_by_role("link", name="Statements").click()
    expect(ppage.get_by_test_id(f"statement-row-{statement.pk}")).to_contain_text("Paid")
    expect(ppage.get_by_test_id("statement-table")).not_to_contain_text("Bravo")
    ppage.goto(f"{live_server.url}/portal/statements/{statement.pk}/")
    expect(ppage.get_by_test_id("statement-total")).to_have_text("992.59 USD")
    shot(ppage, "payouts-04-partner-statement")
