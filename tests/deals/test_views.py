import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal, DealStatus, LeadStatus

from ..factories import PartnerFactory
from .factories import DealAttachmentFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


def _register_form(**overrides):
    return {
        "customer_name": "Globex Corporation",
        "customer_domain": "globex.example",
        "country": "GB",
        "amount": "5000.00",
        "currency": "USD",
        "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
        **overrides,
    }


class TestPortal:
    def test_register_with_a_conflict_warns_and_shows_the_deal(self, page_client, partner_a_rep, partner_b):
        DealFactory(partner=partner_b, customer_domain="globex.example")
        response = page_client.as_user(partner_a_rep).post(
            reverse("portal:deal-register"), _register_form(), follow=True
        )

        deal = Deal.objects.get(partner=partner_a_rep.partner)
        assert response.redirect_chain[-1][0] == reverse("portal:deal-detail", args=[deal.pk])
        text = response.content.decode()
        assert "Another partner has registered this customer too" in text and "Bravo Systems" not in text
        assert 'data-testid="conflict"' in text

    def test_bad_input_shows_field_errors(self, page_client, partner_a_rep):
        response = page_client.as_user(partner_a_rep).post(
            reverse("portal:deal-register"), _register_form(amount="0", expected_close_date="2001-01-01")
        )
        assert response.status_code == 400
        assert set(response.context["form"].errors) >= {"amount", "expected_close_date"}

    def test_a_deal_names_the_mdf_activity_it_came_from(self, page_client, partner_a_rep, partner_b):
        from ..incentives.factories import MdfFundFactory, MdfRequestFactory

        fund = MdfFundFactory(partner=partner_a_rep.partner)
        webinar = MdfRequestFactory(fund=fund, status="approved")
        MdfRequestFactory(fund=fund, status="submitted", activity_type="event")
        theirs = MdfRequestFactory(fund__partner=partner_b, status="approved")
        client = page_client.as_user(partner_a_rep)

        form = client.get(reverse("portal:deal-register")).context["form"]
        assert [value for value, _ in form.fields["mdf_request"].choices] == ["", webinar.pk]  # approved, own
        assert form.fields["mdf_request"].choices[1][1].startswith("Webinar, ")

        refused = client.post(reverse("portal:deal-register"), _register_form(mdf_request=str(theirs.pk)))
        assert refused.status_code == 400
        assert refused.context["form"].errors["mdf_request"]
        assert not Deal.objects.exists()

        left_out = client.post(reverse("portal:deal-register"), _register_form(customer_name="Initech", mdf_request=""))
        assert left_out.status_code == 302 and Deal.objects.get().mdf_request is None

        client.post(reverse("portal:deal-register"), _register_form(mdf_request=str(webinar.pk)))
        deal = Deal.objects.get(customer_name="Globex Corporation")
        assert deal.mdf_request == webinar
        detail = client.get(reverse("portal:deal-detail", args=[deal.pk])).content.decode()
        assert 'data-testid="mdf-activity"' in detail

    def test_no_mdf_question_without_an_approved_activity(self, page_client, partner_a_rep):
        form = page_client.as_user(partner_a_rep).get(reverse("portal:deal-register")).context["form"]
        assert "mdf_request" not in form.fields

    def test_live_conflict_preview(self, page_client, partner_a_rep, partner_b):
        DealFactory(partner=partner_b, customer_name="Initech", customer_domain="initech.example", amount=987654)
        client = page_client.as_user(partner_a_rep)
        hit = client.get(reverse("portal:deal-conflicts"), {"customer_name": "Initech Ltd"}, HTTP_HX_REQUEST="true")
        assert "Already registered by another partner" in hit.content.decode()
        assert "Bravo Systems" not in hit.content.decode() and "987" not in hit.content.decode()
        miss = client.get(reverse("portal:deal-conflicts"), {"customer_name": "Nobody Inc"}, HTTP_HX_REQUEST="true")
        assert "No other partner" in miss.content.decode()

    def test_my_deals_only_and_win_from_the_page(self, page_client, partner_a, partner_a_rep, partner_b):
        mine = DealFactory(partner=partner_a, approved=True, customer_name="Mine Corp")
        DealFactory(partner=partner_b, customer_name="Theirs Corp")
        client = page_client.as_user(partner_a_rep)

        listing = client.get(reverse("portal:deals")).content.decode()
        assert "Mine Corp" in listing and "Theirs Corp" not in listing

        client.post(
            reverse("portal:deal-win", args=[mine.pk]),
            {"amount": "4200.00", "closed_on": timezone.localdate().isoformat()},
        )
        mine.refresh_from_db()
        assert mine.status == DealStatus.WON

    def test_an_illegal_action_is_a_message_not_a_crash(self, page_client, partner_a, partner_a_rep):
        deal = DealFactory(partner=partner_a, status="rejected")
        response = page_client.as_user(partner_a_rep).post(
            reverse("portal:deal-lose", args=[deal.pk]), {"reason": "x"}, follow=True
        )
        assert "Cannot lose a deal that is rejected" in response.content.decode()

    def test_comment_and_attachment_download(self, page_client, partner_a, partner_a_rep, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        deal = DealFactory(partner=partner_a)
        client = page_client.as_user(partner_a_rep)
        client.post(reverse("portal:deal-comment", args=[deal.pk]), {"body": "Pilot next week"})
        client.post(reverse("portal:deal-attach", args=[deal.pk]), {"file": SimpleUploadedFile("a.txt", b"hello")})
        page = client.get(reverse("portal:deal-detail", args=[deal.pk])).content.decode()
        assert "Pilot next week" in page and "a.txt" in page
        download = client.get(reverse("portal:deal-attachment", args=[deal.attachments.get().pk]))
        assert b"".join(download.streaming_content) == b"hello"

    def test_lead_accept_and_convert(self, page_client, partner_a, partner_a_rep):
        lead = LeadFactory(offer=partner_a, customer_name="Wayne Enterprises")
        client = page_client.as_user(partner_a_rep)
        assert "Wayne Enterprises" in client.get(reverse("portal:leads")).content.decode()
        client.post(reverse("portal:lead-accept", args=[lead.pk]))
        response = client.post(
            reverse("portal:lead-convert", args=[lead.pk]),
            {
                "amount": "1000.00",
                "currency": "USD",
                "expected_close_date": (timezone.localdate() + timedelta(days=9)).isoformat(),
            },
        )
        lead.refresh_from_db()
        assert lead.status == LeadStatus.CONVERTED
        assert response["Location"] == reverse("portal:deal-detail", args=[lead.converted_deal.pk])


class TestManager:
    def test_queue_sorted_by_age_with_sla_and_conflicts_side_by_side(
        self, page_client, manager, partner_a, partner_b, django_assert_max_num_queries
    ):
        old = DealFactory(
            partner=partner_a, customer_domain="globex.example", created_at=timezone.now() - timedelta(days=10)
        )
        new = DealFactory(partner=partner_b, customer_domain="other.example")
        from deals.models import DealConflict

        rival = DealFactory(partner=partner_b, customer_domain="globex.example")
        DealConflict.objects.bulk_create([DealConflict(deal=old, other=rival, match="domain")])
        client = page_client.as_user(manager)

        response = client.get(reverse("manage:deal-queue"))
        rows = response.context["rows"]
        assert [d.pk for d, _ in rows][:2] == [old.pk, new.pk]
        assert rows[0][1]["state"] == "overdue"
        assert [c.other_id for c in rows[0][0].active_conflicts] == [rival.pk]
        DealFactory.create_batch(10, partner=partner_a)
        with django_assert_max_num_queries(12):
            client.get(reverse("manage:deal-queue"))

    def test_bulk_approve_from_the_queue(self, page_client, manager, partner_a, partner_b):
        a = DealFactory(partner=partner_a, customer_domain="globex.example")
        b = DealFactory(partner=partner_b, customer_domain="globex.example")
        response = page_client.as_user(manager).post(
            reverse("manage:deal-bulk"), {"decision": "approve", "deals": [a.pk, b.pk]}, follow=True
        )
        text = response.content.decode()
        assert "1 registration approved." in text
        assert f"#{b.pk}" in text and "already has an approved registration" in text

    def test_approve_and_reject_from_the_deal_page(self, page_client, manager, partner_a):
        deal = DealFactory(partner=partner_a)
        client = page_client.as_user(manager)
        page = client.get(reverse("manage:deal-detail", args=[deal.pk])).content.decode()
        assert 'data-testid="approve"' in page and "120 days" in page
        client.post(reverse("manage:deal-approve", args=[deal.pk]))
        deal.refresh_from_db()
        assert deal.status == DealStatus.APPROVED
        other = DealFactory(partner=partner_a)
        client.post(reverse("manage:deal-reject", args=[other.pk]), {"reason": "Duplicate"})
        other.refresh_from_db()
        assert (other.status, other.rejection_reason) == ("rejected", "Duplicate")

    def test_correct_and_reopen_a_won_deal_from_its_page(self, page_client, manager, partner_a):
        deal = DealFactory(
            partner=partner_a, approved=True, status="won", won_amount="5000.00", closed_on=timezone.localdate()
        )
        client = page_client.as_user(manager)
        page = client.get(reverse("manage:deal-detail", args=[deal.pk])).content.decode()
        assert 'data-testid="correct"' in page and 'data-testid="reopen"' in page and 'data-testid="win"' not in page

        corrected = client.post(
            reverse("manage:deal-correct", args=[deal.pk]), {"amount": "4500.00", "reason": "Discount"}, follow=True
        )
        assert "Won amount corrected to 4,500.00 USD." in corrected.content.decode()
        reopened = client.post(reverse("manage:deal-reopen", args=[deal.pk]), {"reason": "Cancelled"}, follow=True)

        assert "Deal reopened" in reopened.content.decode()
        deal.refresh_from_db()
        assert (deal.status, deal.won_amount, deal.closed_on) == (DealStatus.APPROVED, None, None)
        assert 'data-testid="reopen"' not in reopened.content.decode()

    def test_a_lost_deal_offers_reopen_only_and_an_error_is_said_once(self, page_client, manager, partner_a):
        deal = DealFactory(partner=partner_a, status="lost", lost_reason="Budget cut", closed_on=timezone.localdate())
        client = page_client.as_user(manager)
        page = client.get(reverse("manage:deal-detail", args=[deal.pk])).content.decode()
        assert 'data-testid="reopen"' in page and 'data-testid="correct"' not in page

        empty = client.post(reverse("manage:deal-reopen", args=[deal.pk]), {"reason": ""}, follow=True)
        assert empty.content.decode().count("Reason: This field may not be blank.") == 1
        wrong = client.post(
            reverse("manage:deal-correct", args=[deal.pk]), {"amount": "10.00", "reason": "x"}, follow=True
        )
        assert wrong.content.decode().count("Only a won deal&#x27;s amount can be corrected") == 1
        deal.refresh_from_db()
        assert (deal.status, deal.lost_reason) == ("lost", "Budget cut")

    def test_reopening_while_another_partner_holds_the_customer_is_a_message(
        self, page_client, manager, partner_a, partner_b
    ):
        deal = DealFactory(partner=partner_a, status="lost", customer_domain="globex.example")
        DealFactory(partner=partner_b, customer_domain="globex.example", approved=True)
        response = page_client.as_user(manager).post(
            reverse("manage:deal-reopen", args=[deal.pk]), {"reason": "Back"}, follow=True
        )
        assert "already has an approved registration (Bravo Systems" in response.content.decode()
        deal.refresh_from_db()
        assert deal.status == "lost"

    @pytest.mark.parametrize("role", ["finance", "partner_a_admin"])
    def test_finance_and_partners_cannot_reopen_or_correct(self, page_client, request, partner_a, role):
        deal = DealFactory(partner=partner_a, status="won", won_amount="5000.00", closed_on=timezone.localdate())
        client = page_client.as_user(request.getfixturevalue(role))

        assert client.post(reverse("manage:deal-reopen", args=[deal.pk]), {"reason": "x"}).status_code == 403
        correct = client.post(reverse("manage:deal-correct", args=[deal.pk]), {"amount": "1.00", "reason": "x"})
        assert correct.status_code == 403
        deal.refresh_from_db()
        assert (deal.status, str(deal.won_amount)) == ("won", "5000.00")

    def test_finance_sees_no_reopen_or_correct_form(self, page_client, finance, partner_a):
        deal = DealFactory(partner=partner_a, status="won", won_amount="5000.00", closed_on=timezone.localdate())
        page = page_client.as_user(finance).get(reverse("manage:deal-detail", args=[deal.pk])).content.decode()
        assert 'data-testid="after-close"' not in page

    def test_list_filters_and_the_query_count_does_not_grow(
        self, page_client, manager, partner_a, partner_b, django_assert_max_num_queries
    ):
        DealFactory(partner=partner_a, customer_name="Alpha Deal", status="won")
        DealFactory(partner=partner_b, customer_name="Bravo Deal")
        client = page_client.as_user(manager)
        names = lambda r: [d.customer_name for d in r.context["page"].object_list]  # noqa: E731
        assert names(client.get(reverse("manage:deals"), {"status": "won"})) == ["Alpha Deal"]
        assert names(client.get(reverse("manage:deals"), {"partner": partner_b.pk})) == ["Bravo Deal"]
        with django_assert_max_num_queries(15) as small:
            client.get(reverse("manage:deals"))
        DealFactory.create_batch(20, partner=PartnerFactory())
        with django_assert_max_num_queries(15) as large:
            client.get(reverse("manage:deals"))
        assert len(small.captured_queries) == len(large.captured_queries)

    def test_csv_export_streams_the_filtered_rows(self, page_client, manager, partner_a, partner_b):
        DealFactory(partner=partner_a, customer_name="Alpha Deal")
        DealFactory(partner=partner_b, customer_name="Bravo Deal")
        response = page_client.as_user(manager).get(reverse("manage:deal-export"), {"partner": partner_a.pk})
        assert response.streaming
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows[0][:4] == ["id", "partner", "tier", "customer_name"]
        assert [(r[1], r[2], r[3]) for r in rows[1:]] == [("Alpha Networks", "Gold", "Alpha Deal")]

    def test_offer_a_lead_to_a_suggested_partner(self, page_client, manager, partner_a):
        lead = LeadFactory(country="GB")
        client = page_client.as_user(manager)
        page = client.get(reverse("manage:lead-detail", args=[lead.pk]))
        assert partner_a in page.context["suggestions"]
        client.post(reverse("manage:lead-offer", args=[lead.pk]), {"partner": partner_a.pk})
        lead.refresh_from_db()
        assert (lead.status, lead.partner) == (LeadStatus.OFFERED, partner_a)

    def test_another_partners_attachment_is_404(self, page_client, partner_a, partner_b_rep):
        attachment = DealAttachmentFactory(deal=DealFactory(partner=partner_a))
        assert (
            page_client.as_user(partner_b_rep).get(reverse("portal:deal-attachment", args=[attachment.pk])).status_code
            == 404
        )
