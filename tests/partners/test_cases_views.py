"""Case pages: the manager's list (filters, SLA sort, pages) and case page (thread with internal notes,
actions, history); the partner's list, form and case page (never an internal note)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.models import Case

from ..deals.factories import DealFactory
from .factories import CaseFactory, CaseMessageFactory

pytestmark = pytest.mark.django_db


def _subjects(response):
    return [c.subject for c in response.context["page"].object_list]


class TestManagerList:
    def test_sidebar_links_to_cases_in_both_portals(self, page_client, manager, partner_a_rep):
        assert reverse("manage:cases") in page_client.as_user(manager).get(reverse("manage:dashboard")).content.decode()
        assert (
            reverse("portal:cases") in page_client.as_user(partner_a_rep).get(reverse("portal:home")).content.decode()
        )

    def test_active_cases_first_most_urgent_on_top_and_sort_by_age(self, page_client, manager, partner_a, partner_b):
        now = timezone.now()
        CaseFactory(
            partner=partner_a, subject="later", due_at=now + timedelta(days=4), created_at=now - timedelta(days=1)
        )
        CaseFactory(
            partner=partner_b, subject="overdue", due_at=now - timedelta(days=1), created_at=now - timedelta(days=8)
        )
        CaseFactory(
            partner=partner_a,
            subject="done",
            status="resolved",
            resolution="ok",
            due_at=now - timedelta(days=30),
            created_at=now - timedelta(days=40),
        )
        client = page_client.as_user(manager)

        response = client.get(reverse("manage:cases"))
        assert _subjects(response) == ["overdue", "later", "done"]
        assert "Overdue" in response.content.decode()
        assert _subjects(client.get(reverse("manage:cases"), {"sort": "age"})) == ["done", "overdue", "later"]
        assert _subjects(client.get(reverse("manage:cases"), {"sort": "-age"})) == ["later", "overdue", "done"]
        assert _subjects(client.get(reverse("manage:cases"), {"overdue": "true"})) == ["overdue"]
        assert _subjects(client.get(reverse("manage:cases"), {"status": "resolved"})) == ["done"]
        assert _subjects(client.get(reverse("manage:cases"), {"search": "Bravo"})) == ["overdue"]

    def test_pages_and_htmx_partial(self, page_client, manager, partner_a):
        CaseFactory.create_batch(30, partner=partner_a)
        client = page_client.as_user(manager)
        first = client.get(reverse("manage:cases"))
        assert len(first.context["page"].object_list) == 25
        assert len(client.get(reverse("manage:cases"), {"page": 2}).context["page"].object_list) == 5
        partial = client.get(reverse("manage:cases"), HTTP_HX_REQUEST="true")
        assert "<html" not in partial.content.decode() and 'data-testid="case-table"' in partial.content.decode()

    def test_the_list_costs_the_same_queries_for_5_or_25_rows(
        self, page_client, manager, partner_a, django_assert_max_num_queries
    ):
        CaseFactory.create_batch(5, partner=partner_a, owner=manager, deal=DealFactory(partner=partner_a))
        client = page_client.as_user(manager)
        with django_assert_max_num_queries(20) as few:
            client.get(reverse("manage:cases"))
        CaseFactory.create_batch(20, partner=partner_a, owner=manager, deal=DealFactory(partner=partner_a))
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(reverse("manage:cases"))


class TestManagerCase:
    def test_a_manager_opens_a_case_for_a_partner(self, page_client, manager, partner_b):
        deal = DealFactory(partner=partner_b)
        response = page_client.as_user(manager).post(
            reverse("manage:case-create"),
            {
                "partner": partner_b.pk,
                "kind": "deal_conflict",
                "subject": "Two registrations",
                "description": "See deal.",
                "deal": deal.pk,
            },
        )
        case = Case.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse("manage:case-detail", args=[case.pk])
        assert (case.partner, case.deal, case.opened_by) == (partner_b, deal, manager)

    def test_the_form_shows_field_errors(self, page_client, manager, partner_a):
        client = page_client.as_user(manager)
        url = reverse("manage:case-create")
        data = {"partner": partner_a.pk, "kind": "other", "subject": "", "description": "x"}
        response = client.post(url, data)
        assert response.status_code == 400 and "subject" in response.context["form"].errors

        response = client.post(url, {**data, "subject": "Wrong deal", "deal": DealFactory().pk})
        assert response.status_code == 400
        assert response.context["form"].errors["deal"] == ["The deal must be one of this partner's registrations."]
        assert not Case.objects.exists()

    def test_the_case_page_shows_internal_notes_to_staff_and_moves_the_case(
        self, page_client, manager, partner_a, partner_a_rep
    ):
        case = CaseFactory(partner=partner_a)
        CaseMessageFactory(case=case, author=partner_a_rep, body="Please look at the dates.")
        CaseMessageFactory(case=case, author=manager, body="Staff-only thoughts", internal=True)
        client = page_client.as_user(manager)

        page = client.get(reverse("manage:case-detail", args=[case.pk])).content.decode()
        assert "Please look at the dates." in page and "Staff-only thoughts" in page and "Internal note" in page
        assert 'data-testid="review"' in page

        client.post(reverse("manage:case-review", args=[case.pk]))
        client.post(reverse("manage:case-message", args=[case.pk]), {"body": "We agree with you.", "internal": "on"})
        response = client.post(reverse("manage:case-resolve", args=[case.pk]), {"resolution": ""}, follow=True)
        assert "This field may not be blank." in response.content.decode()
        client.post(reverse("manage:case-resolve", args=[case.pk]), {"resolution": "Protection restored."})

        case.refresh_from_db()
        assert (case.status, case.resolution) == ("resolved", "Protection restored.")
        assert case.messages.get(body="We agree with you.").internal is True
        page = client.get(reverse("manage:case-detail", args=[case.pk])).content.decode()
        assert 'data-testid="resolution"' in page and 'data-testid="history"' in page

    def test_an_illegal_move_from_the_page_is_a_message_not_an_error(self, page_client, manager, partner_a):
        case = CaseFactory(partner=partner_a, status="closed")
        response = page_client.as_user(manager).post(reverse("manage:case-review", args=[case.pk]), follow=True)
        assert response.status_code == 200
        assert "Cannot review a case that is closed" in response.content.decode()

    def test_partner_users_cannot_use_the_manager_actions(self, page_client, partner_a, partner_a_admin):
        case = CaseFactory(partner=partner_a)
        assert (
            page_client.as_user(partner_a_admin).post(reverse("manage:case-review", args=[case.pk])).status_code == 403
        )
        case.refresh_from_db()
        assert case.status == "open"


class TestPortal:
    def test_a_partner_opens_a_case_on_its_deal_from_the_form(self, page_client, partner_a, partner_a_rep):
        deal = DealFactory(partner=partner_a, customer_name="Globex")
        client = page_client.as_user(partner_a_rep)
        form = client.get(reverse("portal:case-open"), {"deal": deal.pk}).content.decode()
        assert f"#{deal.pk} Globex" in form

        response = client.post(
            reverse("portal:case-open"),
            {"kind": "deal_conflict", "subject": "Globex is ours", "description": "Registered first.", "deal": deal.pk},
        )
        case = Case.objects.get()
        assert response["Location"] == reverse("portal:case-detail", args=[case.pk])
        assert (case.partner, case.deal, case.opened_by) == (partner_a, deal, partner_a_rep)

    def test_the_list_shows_only_the_organizations_cases(self, page_client, partner_a, partner_b, partner_a_rep):
        CaseFactory(partner=partner_a, subject="ours")
        CaseFactory(partner=partner_b, subject="theirs")
        response = page_client.as_user(partner_a_rep).get(reverse("portal:cases"))
        assert _subjects(response) == ["ours"]
        assert "theirs" not in response.content.decode()

    def test_the_case_page_never_shows_internal_notes(self, page_client, manager, partner_a, partner_a_admin):
        case = CaseFactory(partner=partner_a)
        CaseMessageFactory(case=case, author=manager, body="Visible reply")
        CaseMessageFactory(case=case, author=manager, body="SECRET internal note", internal=True)

        page = page_client.as_user(partner_a_admin).get(reverse("portal:case-detail", args=[case.pk])).content.decode()

        assert "Visible reply" in page
        assert "SECRET" not in page and "Internal note" not in page and 'name="internal"' not in page

    def test_the_partner_replies_and_withdraws(self, page_client, partner_a, partner_a_rep):
        case = CaseFactory(partner=partner_a)
        client = page_client.as_user(partner_a_rep)
        client.post(reverse("portal:case-message", args=[case.pk]), {"body": "Here are the dates."})
        # a crafted internal flag is refused, not silently accepted
        client.post(reverse("portal:case-message", args=[case.pk]), {"body": "psst", "internal": "on"})
        client.post(reverse("portal:case-close", args=[case.pk]), {"reason": ""})

        case.refresh_from_db()
        assert case.status == "closed"
        assert [(m.body, m.internal) for m in case.messages.all()] == [("Here are the dates.", False)]
