"""Market development funds: allocation (by hand, by rule), requests within the fund's balance and period, claims
with proof never past their request, reimbursement as an MDF line, ROI and utilization; the API as each role, and
another organization's rows (proof downloads included) a 404; the pages driven as each role."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deals.models import DealStatus
from incentives import mdf
from incentives.models import (
    Accrual,
    AccrualKind,
    MdfClaim,
    MdfFund,
    MdfProof,
    MdfRequest,
)
from prm.errors import Conflict, InvalidTransition, NotPermitted
from prm.events.models import OutboxEvent

from ..deals.factories import DealFactory, LeadFactory
from ..factories import PartnerFactory, TierFactory
from .factories import MdfClaimFactory, MdfFundFactory, MdfRequestFactory

TODAY = date.today()
PDF = b"%PDF-1.4 invoice for the webinar venue"


def pdf(name="invoice.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def request_data(**overrides):
    data = {
        "activity_type": "webinar",
        "description": "SD-WAN webinar for mid-market IT leads",
        "starts_on": TODAY + timedelta(days=5),
        "ends_on": TODAY + timedelta(days=5),
        "planned_cost": Decimal("3000.00"),
        "expected_leads": 25,
    }
    return {**data, **overrides}


@pytest.fixture
def fund(partner_a):
    return MdfFundFactory(
        partner=partner_a,
        period_start=TODAY - timedelta(days=30),
        period_end=TODAY + timedelta(days=60),
        amount=Decimal("10000.00"),
    )


@pytest.fixture
def approved(fund, manager):
    return MdfRequestFactory(fund=fund, planned_cost=Decimal("4000.00"), status="approved", decided_by=manager)


# --- funds ---------------------------------------------------------------------------------------------------


def test_manager_allocates_a_fund_by_hand_once_per_period(manager, partner_a):
    fund = mdf.mdf_fund_allocate(
        actor=manager,
        partner=partner_a,
        period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30),
        amount=Decimal("15000.00"),
    )
    assert (fund.currency, fund.remaining, fund.allocated_by) == ("USD", Decimal("15000.00"), manager)
    assert OutboxEvent.objects.filter(name="mdf.fund_allocated").count() == 1
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_fund_allocate(
            actor=manager,
            partner=partner_a,
            period_start=date(2026, 8, 1),
            period_end=date(2026, 12, 31),
            amount=Decimal("1.00"),
        )
    assert "already has a fund for 01 Jul 2026 – 30 Sep 2026" in exc.value.message_dict["period_start"][0]


def test_a_partner_cannot_allocate_a_fund(partner_a_admin, partner_a):
    with pytest.raises(NotPermitted):
        mdf.mdf_fund_allocate(
            actor=partner_a_admin,
            partner=partner_a,
            period_start=date(2026, 7, 1),
            period_end=date(2026, 9, 30),
            amount=Decimal("1.00"),
        )


def test_allocation_by_rule_gives_each_tier_its_percent_of_prior_revenue(manager, partner_a, gold_tier):
    silver = TierFactory(name="Silver", rank=2)
    partner_s = PartnerFactory(name="Silver Co", tier=silver)
    no_tier = PartnerFactory(name="No tier")
    already = PartnerFactory(name="Already funded", tier=gold_tier)
    MdfFundFactory(partner=already, period_start=date(2026, 4, 1), period_end=date(2026, 6, 30))
    for partner, amount in ((partner_a, "100000.00"), (partner_s, "40000.00"), (no_tier, "90000.00"),
                            (already, "50000.00")):  # fmt: skip
        DealFactory(partner=partner, status=DealStatus.WON, won_amount=Decimal(amount), closed_on=date(2026, 2, 10))
    # won in the new period itself: not counted
    DealFactory(partner=partner_a, status=DealStatus.WON, won_amount=Decimal("999"), closed_on=date(2026, 4, 2))

    made = mdf.mdf_funds_allocate_by_rule(
        actor=manager,
        period_start=date(2026, 4, 1),
        period_end=date(2026, 6, 30),
        percent_by_tier={gold_tier.pk: Decimal("5"), silver.pk: Decimal("2.5")},
    )

    assert made == 2
    funds = {f.partner_id: f for f in MdfFund.objects.filter(period_start=date(2026, 4, 1))}
    assert funds[partner_a.pk].amount == Decimal("5000.00")
    assert funds[partner_a.pk].rule == "5% of 100,000.00 USD won 01 Jan 2026 – 31 Mar 2026 (Gold tier)"
    assert funds[partner_s.pk].amount == Decimal("1000.00")
    assert no_tier.pk not in funds
    assert funds[already.pk].amount == Decimal("20000.00")  # the one allocated before, untouched
    # a rerun makes nothing twice
    assert (
        mdf.mdf_funds_allocate_by_rule(
            actor=manager,
            period_start=date(2026, 4, 1),
            period_end=date(2026, 6, 30),
            percent_by_tier={gold_tier.pk: 5},
        )
        == 0
    )


def test_allocation_job_runs_the_rule(manager, partner_a, gold_tier):
    DealFactory(partner=partner_a, status=DealStatus.WON, won_amount=Decimal("1000"), closed_on=date(2026, 5, 5))
    result = mdf.mdf_allocate_by_rule_task.delay(manager.pk, "2026-06-01", "2026-06-30", {str(gold_tier.pk): "10"})
    assert result.get() == 1
    assert MdfFund.objects.get(partner=partner_a).amount == Decimal("100.00")


def test_prior_period_of_a_quarter_month_and_odd_range():
    assert mdf.prior_period(date(2026, 4, 1), date(2026, 6, 30)) == (date(2026, 1, 1), date(2026, 3, 31))
    assert mdf.prior_period(date(2026, 1, 1), date(2026, 1, 31)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert mdf.prior_period(date(2026, 1, 10), date(2026, 1, 19)) == (date(2025, 12, 31), date(2026, 1, 9))


# --- requests ------------------------------------------------------------------------------------------------


def test_partner_requests_within_its_fund(partner_a_rep, fund):
    request = mdf.mdf_request_create(actor=partner_a_rep, fund=fund, data=request_data())
    assert (request.status, request.requested_by) == ("submitted", partner_a_rep)
    assert OutboxEvent.objects.filter(name="mdf.request_submitted").count() == 1


def test_request_on_an_expired_fund_is_refused(partner_a_rep, partner_a):
    old = MdfFundFactory(partner=partner_a, period_start=date(2025, 1, 1), period_end=date(2025, 3, 31))
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_request_create(actor=partner_a_rep, fund=old, data=request_data())
    assert exc.value.message_dict["fund"] == ["This fund expired on 31 Mar 2025."]


def test_request_outside_the_period_or_over_the_balance_is_refused(partner_a_rep, fund):
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_request_create(
            actor=partner_a_rep, fund=fund, data=request_data(ends_on=fund.period_end + timedelta(days=1))
        )
    assert "within the fund's period" in exc.value.message_dict["starts_on"][0]
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_request_create(actor=partner_a_rep, fund=fund, data=request_data(planned_cost=Decimal("10000.01")))
    assert exc.value.message_dict["planned_cost"] == ["Only 10,000.00 USD is left in this fund."]


def test_a_partner_cannot_request_on_another_partners_fund(partner_b_rep, fund):
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_request_create(actor=partner_b_rep, fund=fund, data=request_data())
    assert "fund" in exc.value.message_dict


def test_approval_takes_the_cost_from_the_fund_and_refuses_past_it(manager, fund):
    first = MdfRequestFactory(fund=fund, planned_cost=Decimal("7000.00"))
    second = MdfRequestFactory(fund=fund, planned_cost=Decimal("3000.01"))
    mdf.mdf_request_approve(actor=manager, request=first)
    fund.refresh_from_db()
    assert (fund.approved_total, fund.remaining) == (Decimal("7000.00"), Decimal("3000.00"))
    with pytest.raises(Conflict) as exc:
        mdf.mdf_request_approve(actor=manager, request=second)
    assert exc.value.status_code == 409
    assert str(exc.value).startswith("Only 3,000.00 USD is left in this fund")
    second.refresh_from_db()
    assert second.status == "submitted"
    with pytest.raises(InvalidTransition) as exc:
        mdf.mdf_request_approve(actor=manager, request=first)
    assert str(exc.value) == "This request is already approved."


def test_the_last_cent_of_a_fund_can_be_approved(manager, partner_a):
    """Regression: on SQLite the balance check was float arithmetic (0.10 + 0.20 > 0.30), so approving exactly what
    was left could be refused."""
    fund = MdfFundFactory(partner=partner_a, amount=Decimal("0.30"))
    for cost in ("0.10", "0.20"):
        mdf.mdf_request_approve(actor=manager, request=MdfRequestFactory(fund=fund, planned_cost=Decimal(cost)))
    fund.refresh_from_db()
    assert (fund.approved_total, fund.remaining) == (Decimal("0.30"), Decimal("0.00"))
    with pytest.raises(Conflict):
        mdf.mdf_request_approve(actor=manager, request=MdfRequestFactory(fund=fund, planned_cost=Decimal("0.01")))


def test_reject_needs_a_reason_and_partners_cannot_decide(manager, partner_a_admin, fund):
    request = MdfRequestFactory(fund=fund)
    with pytest.raises(NotPermitted):
        mdf.mdf_request_approve(actor=partner_a_admin, request=request)
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_request_reject(actor=manager, request=request, reason="  ")
    assert "reason" in exc.value.message_dict
    mdf.mdf_request_reject(actor=manager, request=request, reason="Outside our target segment.")
    request.refresh_from_db()
    assert (request.status, request.reason) == ("rejected", "Outside our target segment.")
    with pytest.raises(InvalidTransition) as exc:
        mdf.mdf_request_approve(actor=manager, request=request)
    assert str(exc.value) == "Cannot approve a request that is rejected. It has been decided."


# --- claims --------------------------------------------------------------------------------------------------


def test_claim_with_proof_then_finance_approves_it_into_an_mdf_line(partner_a_rep, finance, approved):
    claim = mdf.mdf_claim_create(
        actor=partner_a_rep,
        request=approved,
        amount=Decimal("3800.00"),
        description="Venue and ads",
        leads_generated=31,
        files=[pdf(), pdf("photo.png", b"\x89PNG\r\n\x1a\n....")],
    )
    assert sorted(claim.proofs.values_list("name", flat=True)) == ["invoice.pdf", "photo.png"]
    mdf.mdf_claim_approve(actor=finance, claim=claim)
    line = Accrual.objects.get(mdf_claim=claim)
    assert (line.kind, line.status, line.amount, line.currency, line.statement_id) == (
        AccrualKind.MDF, "accrued", Decimal("3800.00"), "USD", None
    )  # fmt: skip
    dates = f"{approved.starts_on:%d %b %Y} – {approved.ends_on:%d %b %Y}"
    assert line.explanation == f"MDF claim for Webinar ({dates})"
    assert OutboxEvent.objects.filter(name="mdf.claim_approved").count() == 1


def test_a_claim_never_exceeds_its_request(partner_a_rep, approved):
    MdfClaimFactory(request=approved, amount=Decimal("3000.00"))
    MdfClaimFactory(request=approved, amount=Decimal("900.00"), status="rejected")
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_claim_create(actor=partner_a_rep, request=approved, amount=Decimal("1000.01"), files=[pdf()])
    assert exc.value.message_dict["amount"] == [
        "A claim cannot exceed its request: 1,000.00 USD is left to claim of the planned 4,000.00 USD."
    ]
    mdf.mdf_claim_create(actor=partner_a_rep, request=approved, amount=Decimal("1000.00"), files=[pdf()])


def test_claim_needs_an_approved_request_and_checked_proof(partner_a_rep, fund, approved):
    submitted = MdfRequestFactory(fund=fund)
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_claim_create(actor=partner_a_rep, request=submitted, amount=Decimal("10"), files=[pdf()])
    assert "Only an approved request can be claimed" in exc.value.message_dict["request"][0]
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_claim_create(actor=partner_a_rep, request=approved, amount=Decimal("10"), files=[])
    assert "proof" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_claim_create(
            actor=partner_a_rep, request=approved, amount=Decimal("10"), files=[pdf("fake.pdf", b"MZ\x90 not a pdf")]
        )
    assert exc.value.message_dict["proof"] == ["The file's content is not a .pdf file."]
    assert not MdfClaim.objects.exists() and not MdfProof.objects.exists()


def test_only_finance_decides_claims_and_a_rejection_says_why(manager, finance, approved):
    claim = MdfClaimFactory(request=approved)
    with pytest.raises(NotPermitted):
        mdf.mdf_claim_approve(actor=manager, claim=claim)
    mdf.mdf_claim_reject(actor=finance, claim=claim, reason="The invoice is for another event.")
    claim.refresh_from_db()
    assert (claim.status, claim.reason) == ("rejected", "The invoice is for another event.")
    assert not Accrual.objects.filter(mdf_claim=claim).exists()


# --- ROI and utilization -------------------------------------------------------------------------------------


def test_roi_counts_attributed_leads_claimed_leads_and_won_revenue(manager, partner_a, approved):
    LeadFactory(mdf_request=approved)
    LeadFactory(mdf_request=approved)
    MdfClaimFactory(request=approved, amount=Decimal("2000.00"), leads_generated=10, status="approved")
    DealFactory(partner=partner_a, mdf_request=approved, status=DealStatus.WON, won_amount=Decimal("25000.00"))
    DealFactory(partner=partner_a, mdf_request=approved, status=DealStatus.APPROVED)
    roi = mdf.request_roi(actor=manager, request=approved)
    assert (roi.leads, roi.attributed_leads, roi.claimed_leads, roi.won_deals) == (12, 2, 10, 1)
    assert (roi.won_revenue, roi.cost, roi.revenue_per_cost) == (
        Decimal("25000.00"), Decimal("2000.00"), Decimal("12.50")
    )  # fmt: skip


def test_utilization_by_partner_and_tier(manager, partner_a, partner_b, fund, approved):
    MdfFundFactory(partner=partner_b, period_start=fund.period_start, period_end=fund.period_end, amount=5000)
    MdfFund.objects.filter(pk=fund.pk).update(approved_total=Decimal("4000.00"))
    MdfClaimFactory(request=approved, amount=Decimal("1500.00"), status="approved")
    MdfClaimFactory(request=approved, amount=Decimal("500.00"))  # submitted: not claimed yet
    by_partner = {r["partner__name"]: r for r in mdf.utilization_by_partner(actor=manager)}
    alpha = by_partner["Alpha Networks"]
    assert (alpha["allocated"], alpha["approved"], alpha["claimed"], alpha["approved_percent"]) == (
        Decimal("10000.00"), Decimal("4000.00"), Decimal("1500.00"), Decimal("40")
    )  # fmt: skip
    assert by_partner["Bravo Systems"]["approved"] == Decimal("0")
    by_tier = {r["partner__tier__name"]: r for r in mdf.utilization_by_tier(actor=manager)}
    assert by_tier["Gold"]["allocated"] == Decimal("10000.00")
    assert by_tier[None]["allocated"] == Decimal("5000.00")


# --- API -----------------------------------------------------------------------------------------------------


def test_api_request_approve_claim_reimburse(api, partner_a_rep, manager, finance, fund):
    client = api.as_user(partner_a_rep)
    body = {**request_data(planned_cost="2500.00"), "fund": fund.pk}
    body["starts_on"] = body["ends_on"] = body["starts_on"].isoformat()
    created = client.post("/api/v1/mdf/requests/", body, format="json")
    assert created.status_code == 201, created.json()
    request_id = created.json()["id"]

    approved = api.as_user(manager).post(f"/api/v1/mdf/requests/{request_id}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert api.as_user(manager).get(f"/api/v1/mdf/funds/{fund.pk}/").json()["remaining"] == "7500.00"

    client = api.as_user(partner_a_rep)
    over = client.post(
        "/api/v1/mdf/claims/", {"request": request_id, "amount": "2500.01", "proof": [pdf()]}, format="multipart"
    )
    assert over.status_code == 400
    assert "cannot exceed its request" in over.json()["amount"][0]
    claim = client.post(
        "/api/v1/mdf/claims/",
        {"request": request_id, "amount": "2400.00", "leads_generated": 18, "proof": [pdf()]},
        format="multipart",
    )
    assert claim.status_code == 201, claim.json()
    claim_id = claim.json()["id"]
    assert [p["name"] for p in claim.json()["proofs"]] == ["invoice.pdf"]

    assert api.as_user(manager).post(f"/api/v1/mdf/claims/{claim_id}/approve/").status_code == 403
    done = api.as_user(finance).post(f"/api/v1/mdf/claims/{claim_id}/approve/")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert Accrual.objects.get(mdf_claim_id=claim_id).amount == Decimal("2400.00")
    roi = api.as_user(partner_a_rep).get(f"/api/v1/mdf/requests/{request_id}/").json()["roi"]
    assert (roi["leads"], roi["cost"]) == (18, "2400.00")


def test_api_over_approval_is_a_409_naming_what_is_left(api, manager, fund):
    MdfFund.objects.filter(pk=fund.pk).update(approved_total=Decimal("9000.00"))
    request = MdfRequestFactory(fund=fund, planned_cost=Decimal("1500.00"))
    response = api.as_user(manager).post(f"/api/v1/mdf/requests/{request.pk}/approve/")
    assert response.status_code == 409
    assert "Only 1,000.00 USD is left in this fund" in str(response.json())


def test_api_reject_needs_a_reason(api, manager, fund):
    request = MdfRequestFactory(fund=fund)
    assert api.as_user(manager).post(f"/api/v1/mdf/requests/{request.pk}/reject/", {}).status_code == 400
    response = api.as_user(manager).post(f"/api/v1/mdf/requests/{request.pk}/reject/", {"reason": "No budget"})
    assert response.json()["reason"] == "No budget"


def test_api_funds_managers_create_partners_read_their_own(api, manager, partner_a_admin, partner_b, fund):
    MdfFundFactory(partner=partner_b)
    body = {"partner": partner_b.pk, "period_start": "2030-01-01", "period_end": "2030-03-31", "amount": "500"}
    assert api.as_user(partner_a_admin).post("/api/v1/mdf/funds/", body).status_code == 403
    created = api.as_user(manager).post("/api/v1/mdf/funds/", body)
    assert created.status_code == 201 and created.json()["currency"] == "USD"
    rows = api.as_user(partner_a_admin).get("/api/v1/mdf/funds/").json()["results"]
    assert [r["id"] for r in rows] == [fund.pk]


def test_api_partner_cannot_touch_another_partners_rows(api, partner_b_admin, approved):
    claim = MdfClaimFactory(request=approved)
    proof = MdfProof(claim=claim, name="invoice.pdf", size=len(PDF))
    proof.file.save("invoice.pdf", pdf(), save=True)
    client = api.as_user(partner_b_admin)
    assert client.get(f"/api/v1/mdf/requests/{approved.pk}/").status_code == 404
    assert client.get(f"/api/v1/mdf/claims/{claim.pk}/").status_code == 404
    assert client.get(f"/api/v1/mdf/proofs/{proof.pk}/download/").status_code == 404
    # nor claim on it, nor attribute a deal to it
    response = client.post(
        "/api/v1/mdf/claims/", {"request": approved.pk, "amount": "10", "proof": [pdf()]}, format="multipart"
    )
    assert response.status_code == 400 and "request" in response.json()


def test_api_partner_downloads_its_own_proof(api, partner_a_rep, approved):
    claim = MdfClaimFactory(request=approved)
    proof = MdfProof(claim=claim, name="invoice.pdf", size=len(PDF))
    proof.file.save("invoice.pdf", pdf(), save=True)
    response = api.as_user(partner_a_rep).get(f"/api/v1/mdf/proofs/{proof.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert 'filename="invoice.pdf"' in response["Content-Disposition"]


def test_deal_registration_names_its_mdf_activity(api, partner_a_rep, partner_b_rep, approved):
    body = {
        "customer_name": "Acme Widgets",
        "customer_domain": "acme-widgets.example",
        "amount": "12000.00",
        "currency": "USD",
        "expected_close_date": (TODAY + timedelta(days=30)).isoformat(),
        "mdf_request": approved.pk,
    }
    refused = api.as_user(partner_b_rep).post("/api/v1/deals/", body, format="json")
    assert refused.status_code == 400 and "mdf_request" in refused.json()
    created = api.as_user(partner_a_rep).post("/api/v1/deals/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["mdf_request"] == approved.pk


def test_deal_cannot_name_a_request_not_yet_approved(api, partner_a_rep, fund):
    pending = MdfRequestFactory(fund=fund)
    body = {
        "customer_name": "Acme Widgets",
        "amount": "12000.00",
        "currency": "USD",
        "expected_close_date": (TODAY + timedelta(days=30)).isoformat(),
        "mdf_request": pending.pk,
    }
    response = api.as_user(partner_a_rep).post("/api/v1/deals/", body, format="json")
    assert response.status_code == 400
    assert response.json()["mdf_request"] == ["Name one of your organization's approved MDF activities."]


# --- pages ---------------------------------------------------------------------------------------------------


def test_manager_overview_shows_utilization_and_funds(page_client, manager, fund, approved):
    MdfFund.objects.filter(pk=fund.pk).update(approved_total=Decimal("4000.00"))
    response = page_client.as_user(manager).get(reverse("manage:mdf"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpha Networks" in html and "10,000.00 USD" in html and "(40 %)" in html
    assert f'data-testid="fund-row-{fund.pk}"' in html


def test_manager_allocates_by_hand_and_by_rule_through_the_pages(page_client, manager, partner_a, gold_tier):
    client = page_client.as_user(manager)
    body = {"partner": partner_a.pk, "period_start": "2030-01-01", "period_end": "2030-03-31", "amount": "2500"}
    response = client.post(reverse("manage:mdf-fund-create"), body)
    assert response.status_code == 302
    again = client.post(reverse("manage:mdf-fund-create"), body)
    assert again.status_code == 400
    assert "already has a fund for 01 Jan 2030 – 31 Mar 2030" in again.content.decode()
    DealFactory(partner=partner_a, status=DealStatus.WON, won_amount=Decimal("2000"), closed_on=date(2030, 4, 3))
    rule = {"period_start": "2030-07-01", "period_end": "2030-09-30", f"tier_{gold_tier.pk}": "10"}
    response = client.post(reverse("manage:mdf-allocate-rule"), rule, follow=True)
    assert "1 fund allocated." in response.content.decode()
    assert MdfFund.objects.get(partner=partner_a, period_start=date(2030, 7, 1)).amount == Decimal("200.00")


def test_manager_approves_and_rejects_requests_on_the_queue(page_client, manager, fund):
    first = MdfRequestFactory(fund=fund, planned_cost=Decimal("9000.00"))
    second = MdfRequestFactory(fund=fund, planned_cost=Decimal("2000.00"))
    client = page_client.as_user(manager)
    assert f'data-testid="request-row-{first.pk}"' in client.get(reverse("manage:mdf-requests")).content.decode()
    response = client.post(reverse("manage:mdf-request-approve", args=[first.pk]), follow=True)
    assert "Request approved: 9,000.00 USD taken from the fund." in response.content.decode()
    response = client.post(reverse("manage:mdf-request-approve", args=[second.pk]), follow=True)
    assert "Not approved: Only 1,000.00 USD is left in this fund" in response.content.decode()
    response = client.post(reverse("manage:mdf-request-reject", args=[second.pk]), {"reason": ""}, follow=True)
    assert "Not rejected: Reason:" in response.content.decode()
    client.post(reverse("manage:mdf-request-reject", args=[second.pk]), {"reason": "Over budget"})
    second.refresh_from_db()
    assert (second.status, second.reason) == ("rejected", "Over budget")


def test_finance_decides_claims_and_sees_their_proof(page_client, finance, manager, approved):
    claim = MdfClaimFactory(request=approved)
    proof = MdfProof(claim=claim, name="invoice.pdf", size=len(PDF))
    proof.file.save("invoice.pdf", pdf(), save=True)
    html = page_client.as_user(finance).get(reverse("manage:mdf-claims")).content.decode()
    assert reverse("manage:mdf-proof", args=[proof.pk]) in html and f"approve-claim-{claim.pk}" in html
    assert page_client.as_user(finance).get(reverse("manage:mdf-proof", args=[proof.pk])).status_code == 200
    # a manager sees the queue without the buttons, and cannot approve
    assert (
        f"approve-claim-{claim.pk}"
        not in page_client.as_user(manager).get(reverse("manage:mdf-claims")).content.decode()
    )
    assert page_client.as_user(manager).post(reverse("manage:mdf-claim-approve", args=[claim.pk])).status_code == 403
    response = page_client.as_user(finance).post(reverse("manage:mdf-claim-approve", args=[claim.pk]), follow=True)
    assert "Claim approved: 4,500.00 USD goes on the partner" in response.content.decode()


def test_partner_requests_and_claims_through_the_portal(page_client, partner_a_rep, manager, fund):
    client = page_client.as_user(partner_a_rep)
    html = client.get(reverse("portal:mdf")).content.decode()
    assert "10,000.00 USD" in html and 'data-testid="new-request"' in html
    body = {
        "fund": fund.pk,
        "activity_type": "event",
        "description": "Booth at the regional IT fair",
        "starts_on": (TODAY + timedelta(days=3)).isoformat(),
        "ends_on": (TODAY + timedelta(days=4)).isoformat(),
        "planned_cost": "12000",
        "expected_leads": "40",
    }
    over = client.post(reverse("portal:mdf-request-create"), body)
    assert over.status_code == 400 and "Only 10,000.00 USD is left in this fund." in over.content.decode()
    assert client.post(reverse("portal:mdf-request-create"), {**body, "planned_cost": "6000"}).status_code == 302
    request = MdfRequest.objects.get(fund=fund)
    mdf.mdf_request_approve(actor=manager, request=request)
    claim_url = reverse("portal:mdf-claim-create", args=[request.pk])
    assert "Up to 6,000.00 USD is left to claim" in client.get(claim_url).content.decode()
    too_much = client.post(claim_url, {"amount": "6000.01", "proof": pdf()})
    assert too_much.status_code == 400 and "A claim cannot exceed its request" in too_much.content.decode()
    done = client.post(claim_url, {"amount": "5800", "leads_generated": "12", "proof": [pdf(), pdf("b.pdf")]})
    assert done.status_code == 302
    claim = MdfClaim.objects.get(request=request)
    assert claim.proofs.count() == 2
    html = client.get(reverse("portal:mdf")).content.decode()
    assert "Finance is checking the proof." in html
    assert "4,000.00 USD" in html  # the balance after the approval


def test_partner_reads_reasons_and_cannot_open_another_partners_pages(
    page_client, partner_b_admin, partner_a_rep, fund
):
    rejected = MdfRequestFactory(fund=fund, status="rejected", reason="Not our segment")
    claim = MdfClaimFactory(request=MdfRequestFactory(fund=fund, status="approved"))
    proof = MdfProof(claim=claim, name="invoice.pdf", size=len(PDF))
    proof.file.save("invoice.pdf", pdf(), save=True)
    assert "Not our segment" in page_client.as_user(partner_a_rep).get(reverse("portal:mdf")).content.decode()
    other = page_client.as_user(partner_b_admin)
    assert other.get(reverse("portal:mdf-request", args=[rejected.pk])).status_code == 404
    assert other.get(reverse("portal:mdf-claim-create", args=[claim.request_id])).status_code == 404
    assert other.get(reverse("portal:mdf-proof", args=[proof.pk])).status_code == 404
    assert other.get(reverse("manage:mdf")).status_code == 403


def test_expired_fund_shows_as_expired_and_offers_no_request(page_client, partner_a_rep, partner_a):
    MdfFundFactory(partner=partner_a, period_start=date(2025, 1, 1), period_end=date(2025, 3, 31))
    html = page_client.as_user(partner_a_rep).get(reverse("portal:mdf")).content.decode()
    assert "Expired 31 Mar 2025" in html and 'data-testid="new-request"' not in html


def test_the_deal_page_names_the_mdf_activity_it_came_from(page_client, manager, partner_a_rep, partner_a, approved):
    deal = DealFactory(partner=partner_a, mdf_request=approved)
    html = page_client.as_user(manager).get(reverse("manage:deal-detail", args=[deal.pk])).content.decode()
    assert reverse("manage:mdf-request", args=[approved.pk]) in html and "From MDF activity" in html
    html = page_client.as_user(partner_a_rep).get(reverse("portal:deal-detail", args=[deal.pk])).content.decode()
    assert reverse("portal:mdf-request", args=[approved.pk]) in html


def test_a_request_on_a_fund_that_expired_meanwhile_cannot_be_approved(manager, partner_a):
    old = MdfFundFactory(partner=partner_a, period_start=date(2025, 1, 1), period_end=date(2025, 3, 31))
    request = MdfRequestFactory(fund=old, starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 2))
    with pytest.raises(Conflict) as exc:
        mdf.mdf_request_approve(actor=manager, request=request)
    assert str(exc.value) == "This fund expired on 31 Mar 2025: reject the request."
    old.refresh_from_db()
    assert old.approved_total == Decimal("0")


def test_an_approved_claim_is_reimbursed_on_the_next_statement(manager, finance, partner_a_rep, approved):
    from incentives.statements import statement_approve, statement_mark_paid, statements_generate

    claim = mdf.mdf_claim_create(actor=partner_a_rep, request=approved, amount=Decimal("1200.00"), files=[pdf()])
    mdf.mdf_claim_approve(actor=finance, claim=claim)
    statements_generate(actor=finance, period_start=TODAY.replace(day=1), period_end=TODAY)
    line = Accrual.objects.get(mdf_claim=claim)
    statement = line.statement
    assert statement is not None and statement.total == Decimal("1200.00")
    statement_approve(actor=finance, statement=statement)
    statement_mark_paid(actor=finance, statement=statement, payment_reference="WIRE-1")
    row = mdf.utilization_by_partner(actor=manager)[0]
    assert (row["claimed"], row["reimbursed"]) == (Decimal("1200.00"), Decimal("1200.00"))
