"""Market development funds in a real browser: a partner requests funds for a webinar, its manager approves the
request, the partner claims what it cost with a PDF as proof, finance opens the proof and approves the claim; the
partner sees the claim approved and to be paid on its next statement, and the reimbursement line exists; then it
registers a deal that came from the webinar."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from deals.models import Deal
from incentives.models import Accrual, AccrualKind, MdfClaim, MdfRequest

from ..incentives.factories import MdfFundFactory
from .conftest import VIEWPORT, login, shot

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n% proof of performance: the webinar invoice\n"


def test_partner_requests_manager_approves_partner_claims_finance_approves(
    browser, live_server, tmp_path, partner_a, partner_a_admin, manager, finance
):
    today = timezone.localdate()
    fund = MdfFundFactory(
        partner=partner_a,
        period_start=today - timedelta(days=10),
        period_end=today + timedelta(days=80),
        amount=Decimal("10000.00"),
    )

    # 1. The partner asks for funds for a webinar.
    ppage = browser.new_context(viewport=VIEWPORT, base_url=live_server.url).new_page()
    login(ppage, live_server, partner_a_admin)
    ppage.locator("#sidebar").get_by_role("link", name="MDF").click()
    expect(ppage.get_by_test_id("balance")).to_contain_text("10,000.00 USD")
    ppage.get_by_test_id("new-request").click()
    ppage.get_by_label("Activity").select_option("webinar")
    ppage.get_by_label("Description").fill("SD-WAN webinar for mid-market IT leads")
    ppage.get_by_label("Starts on").fill((today + timedelta(days=3)).isoformat())
    ppage.get_by_label("Ends on").fill((today + timedelta(days=3)).isoformat())
    ppage.get_by_label("Planned cost").fill("3000")
    ppage.get_by_label("Expected leads").fill("25")
    shot(ppage, "mdf-01-partner-request-form")
    ppage.get_by_test_id("submit").click()
    expect(ppage.locator(".alert-success")).to_contain_text("Request sent")
    request = MdfRequest.objects.get(fund=fund)
    expect(ppage.get_by_test_id(f"request-{request.pk}")).to_contain_text("Waiting for a decision")

    # 2. The manager approves it from the queue.
    mpage = browser.new_context(viewport=VIEWPORT, base_url=live_server.url).new_page()
    login(mpage, live_server, manager)
    mpage.locator("#sidebar").get_by_role("link", name="MDF").click()
    expect(mpage.get_by_test_id("pending-requests")).to_contain_text("1")
    shot(mpage, "mdf-02-manager-overview")
    mpage.get_by_test_id("tab-requests").click()
    expect(mpage.get_by_test_id(f"request-row-{request.pk}")).to_contain_text("Alpha Networks")
    shot(mpage, "mdf-03-manager-request-queue")
    mpage.get_by_test_id(f"approve-{request.pk}").click()
    expect(mpage.locator(".alert-success")).to_contain_text("Request approved: 3,000.00 USD taken from the fund.")

    # 3. The partner claims 2,800 with the invoice as proof.
    ppage.reload()
    expect(ppage.get_by_test_id("balance")).to_contain_text("7,000.00 USD")
    ppage.get_by_test_id(f"claim-button-{request.pk}").click()
    expect(ppage.get_by_test_id("intro")).to_contain_text("Up to 3,000.00 USD is left to claim")
    ppage.get_by_label("Amount spent").fill("2800")
    ppage.get_by_label("What was done").fill("Webinar platform, ads and speaker fee")
    ppage.get_by_label("Leads generated").fill("31")
    invoice = tmp_path / "webinar-invoice.pdf"
    invoice.write_bytes(PDF)
    ppage.get_by_label("Proof of performance").set_input_files(str(invoice))
    shot(ppage, "mdf-04-partner-claim-form")
    ppage.get_by_test_id("submit").click()
    expect(ppage.locator(".alert-success")).to_contain_text("Claim sent")
    claim = MdfClaim.objects.get(request=request)
    expect(ppage.get_by_test_id(f"claim-{claim.pk}")).to_contain_text("Finance is checking the proof.")

    # 4. Finance opens the proof and approves the claim.
    fpage = browser.new_context(viewport=VIEWPORT, base_url=live_server.url).new_page()
    login(fpage, live_server, finance)
    fpage.goto(f"{live_server.url}/manage/mdf/claims/")
    row = fpage.get_by_test_id(f"claim-row-{claim.pk}")
    expect(row).to_contain_text("2,800.00 USD")
    proof = claim.proofs.get()
    with fpage.expect_download() as download:
        fpage.get_by_test_id(f"proof-{proof.pk}").click()
    assert download.value.suggested_filename == "webinar-invoice.pdf"
    assert open(download.value.path(), "rb").read() == PDF  # noqa: SIM115
    shot(fpage, "mdf-05-finance-claim-queue")
    fpage.get_by_test_id(f"approve-claim-{claim.pk}").click()
    expect(fpage.locator(".alert-success")).to_contain_text("Claim approved: 2,800.00 USD")

    line = Accrual.objects.get(mdf_claim=claim)
    assert (line.kind, line.amount, line.statement_id) == (AccrualKind.MDF, Decimal("2800.00"), None)

    # 5. The partner sees it approved, and the activity's return.
    ppage.reload()
    expect(ppage.get_by_test_id(f"claim-{claim.pk}")).to_contain_text("Paid on your next payout statement.")
    expect(ppage.get_by_test_id(f"request-{request.pk}")).to_contain_text("31 leads")
    shot(ppage, "mdf-06-partner-after")
    ppage.get_by_role("link", name="Webinar").first.click()
    expect(ppage.get_by_test_id("roi")).to_contain_text("31")
    shot(ppage, "mdf-07-partner-request-roi")

    # 6. A deal that came from the webinar says so: the registration form offers the approved activity.
    ppage.goto(live_server.url + reverse("portal:deal-register"))
    ppage.locator("#id_customer_name").fill("Webinar Attendee Ltd")
    ppage.locator("#id_amount").fill("42000")
    ppage.locator("#id_expected_close_date").fill((timezone.localdate() + timedelta(days=45)).isoformat())
    ppage.get_by_label("From an MDF activity").select_option(str(request.pk))
    shot(ppage, "mdf-08-partner-deal-from-activity")
    ppage.get_by_test_id("submit-registration").click()
    expect(ppage.get_by_test_id("mdf-activity")).to_contain_text("Webinar")
    assert Deal.objects.get(customer_name="Webinar Attendee Ltd").mdf_request_id == request.pk
