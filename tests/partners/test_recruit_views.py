from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from partners.models import Application, Partner

from ..factories import PartnerFactory
from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db

APPLY = reverse("apply")
QUEUE = reverse("manage:applications")


def _form(**overrides):
    return {
        "company_name": "Contoso Ltd",
        "domain": "contoso.com",
        "country": "FR",
        "partner_type": "msp",
        "contact_name": "Claire Dubois",
        "contact_email": "claire@contoso.com",
        "expected_annual_revenue": "",
        "customer_segments": ["smb"],
        "regions_covered": ["western_europe", "eastern_europe"],
        "certified_staff": "2",
        "website": "",
        **overrides,
    }


class TestPublicForm:
    def test_a_visitor_applies_without_signing_in(self, client):
        page = client.get(APPLY)
        assert page.status_code == 200
        assert b"Become a partner" in page.content

        response = client.post(APPLY, _form(), follow=True)

        assert response.redirect_chain[-1][0] == reverse("apply-thanks")
        assert b"Application received" in response.content
        application = Application.objects.get()
        assert (application.domain, application.customer_segments, application.regions_covered) == (
            "contoso.com",
            ["smb"],
            ["eastern_europe", "western_europe"],
        )
        assert application.expected_annual_revenue is None

    def test_errors_are_shown_on_their_fields(self, client):
        response = client.post(APPLY, _form(domain="not a domain", contact_email="nope", company_name=""))

        assert response.status_code == 400
        errors = response.context["form"].errors
        assert {"domain", "contact_email", "company_name"} <= set(errors)
        assert b'data-field-error="domain"' in response.content
        assert Application.objects.count() == 0

    def test_the_honeypot_stops_bots(self, client):
        assert client.post(APPLY, _form(website="http://buy-now.example")).status_code == 400
        assert Application.objects.count() == 0

    def test_the_form_is_throttled(self, client):
        cache.clear()
        with override_settings(PRM_THROTTLE_RATES={"anon": "1000/min", "user": "1000/min", "apply": "1/hour"}):
            assert client.post(APPLY, _form()).status_code == 302
            throttled = client.post(APPLY, _form(contact_email="other@contoso.com"))
        assert throttled.status_code == 429
        assert b"Too many applications" in throttled.content


class TestQueue:
    def test_filters_and_sorts(self, page_client, manager):
        ApplicationFactory(company_name="Low fit", fit_score=Decimal("20"), status="screening")
        ApplicationFactory(company_name="High fit", fit_score=Decimal("90"), status="screening", country="DE")
        ApplicationFactory(company_name="New one")
        client = page_client.as_user(manager)

        def names(**params):
            return [a.company_name for a in client.get(QUEUE, params).context["page"].object_list]

        assert names(sort="-fit") == ["High fit", "Low fit", "New one"]
        assert names(sort="fit") == ["Low fit", "High fit", "New one"]
        assert names(status="screening", fit_min="50") == ["High fit"]
        assert names(country="DE") == ["High fit"]
        assert names(status="submitted") == ["New one"]
        partial = client.get(QUEUE, HTTP_HX_REQUEST="true")
        assert b"<html" not in partial.content and b'data-testid="application-table"' in partial.content

    def test_a_duplicate_is_shown_as_a_warning(self, page_client, manager):
        partner = PartnerFactory(domain="contoso.com", name="Contoso Existing")
        ApplicationFactory(domain="contoso.com", duplicate_of_partner=partner)

        content = page_client.as_user(manager).get(QUEUE).content.decode()
        assert 'data-testid="flag-partner"' in content and "Contoso Existing" in content

    def test_pages_of_25_in_a_fixed_number_of_queries(self, page_client, manager, django_assert_max_num_queries):
        ApplicationFactory.create_batch(30, duplicate_of_partner=PartnerFactory())
        client = page_client.as_user(manager)
        with django_assert_max_num_queries(12):
            second = client.get(QUEUE, {"page": 2})
        assert len(second.context["page"].object_list) == 5


class TestScreeningPage:
    def test_a_manager_scores_and_approves(self, page_client, manager, five_cs):
        application = ApplicationFactory(domain="contoso.com")
        client = page_client.as_user(manager)
        url = reverse("manage:application-detail", args=[application.pk])

        page = client.get(url)
        assert page.status_code == 200
        assert b'data-testid="approve"' in page.content and b'data-testid="reject"' in page.content

        data = {f"score_{c.pk}": "5" for c in five_cs} | {f"note_{five_cs[0].pk}": "Strong team"}
        assert client.post(url, data).status_code == 302
        application.refresh_from_db()
        assert (application.status, application.fit_score) == ("screening", Decimal("100.0"))
        assert application.scores.get(criterion=five_cs[0]).note == "Strong team"

        response = client.post(reverse("manage:application-approve", args=[application.pk]), follow=True)
        assert b"is a partner now" in response.content
        assert Partner.objects.get(domain="contoso.com").status == "onboarding"
        assert b'data-testid="approve"' not in response.content

    def test_a_bad_score_is_an_error_message(self, page_client, manager, five_cs):
        application = ApplicationFactory()
        response = page_client.as_user(manager).post(
            reverse("manage:application-detail", args=[application.pk]), {f"score_{five_cs[0].pk}": "9"}
        )
        assert response.status_code == 400
        assert b"less than or equal to 5" in response.content

    def test_approving_a_taken_domain_says_why(self, page_client, manager):
        application = ApplicationFactory(domain="contoso.com")
        PartnerFactory(domain="contoso.com", name="Contoso Existing")

        response = page_client.as_user(manager).post(
            reverse("manage:application-approve", args=[application.pk]), follow=True
        )
        assert "already belongs to the partner “Contoso Existing”" in response.content.decode()

    def test_reject_with_and_without_a_reason(self, page_client, manager):
        application = ApplicationFactory()
        client = page_client.as_user(manager)
        url = reverse("manage:application-reject", args=[application.pk])

        assert b"Not rejected" in client.post(url, {"reason": ""}, follow=True).content
        client.post(url, {"reason": "Outside our regions"})
        application.refresh_from_db()
        assert (application.status, application.rejection_reason) == ("rejected", "Outside our regions")

    def test_finance_sees_but_cannot_score_or_decide(self, page_client, finance, five_cs):
        application = ApplicationFactory()
        client = page_client.as_user(finance)
        url = reverse("manage:application-detail", args=[application.pk])

        page = client.get(url)
        assert page.status_code == 200 and b'data-testid="approve"' not in page.content
        assert client.post(url, {f"score_{five_cs[0].pk}": "3"}).status_code == 403
        assert client.post(reverse("manage:application-approve", args=[application.pk])).status_code == 403


class TestCriteriaPages:
    def test_program_admin_adds_and_edits_a_criterion(self, page_client, program_admin, five_cs):
        client = page_client.as_user(program_admin)
        listing = client.get(reverse("manage:criteria"))
        assert b"Capability" in listing.content

        assert (
            client.post(
                reverse("manage:criterion-create"), {"name": "Culture", "weight": "2", "position": "9", "active": "on"}
            ).status_code
            == 302
        )
        response = client.post(
            reverse("manage:criterion-edit", args=[five_cs[0].pk]),
            {"name": "Capability", "weight": "0", "position": "0", "active": "on"},
        )
        assert response.status_code == 400

    def test_a_manager_reads_but_cannot_add(self, page_client, manager):
        client = page_client.as_user(manager)
        assert client.get(reverse("manage:criteria")).status_code == 200
        assert client.get(reverse("manage:criterion-create")).status_code == 403
