import csv
import io

import pytest
from django.core import mail
from django.urls import reverse

from partners.models import Agreement, Partner, Tier
from prm.accounts.models import User

from ..factories import TEST_PASSWORD, AgreementFactory, PartnerFactory, TierFactory

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("manage:partner-list")


def _names(response) -> list[str]:
    return [p.name for p in response.context["page"].object_list]


class TestDirectory:
    def test_filters_search_and_sort(self, page_client, manager, partner_a, partner_b, gold_tier):
        PartnerFactory(
            name="Charlie Cloud", domain="charlie.example", partner_type="msp", country="FR", status="churned"
        )
        client = page_client.as_user(manager)

        assert _names(client.get(DIRECTORY)) == ["Alpha Networks", "Bravo Systems", "Charlie Cloud"]
        assert _names(client.get(DIRECTORY, {"sort": "-name"})) == ["Charlie Cloud", "Bravo Systems", "Alpha Networks"]
        assert _names(client.get(DIRECTORY, {"status": "churned"})) == ["Charlie Cloud"]
        assert _names(client.get(DIRECTORY, {"tier": gold_tier.pk})) == ["Alpha Networks"]
        assert _names(client.get(DIRECTORY, {"partner_type": "msp"})) == ["Charlie Cloud"]
        assert _names(client.get(DIRECTORY, {"country": "DE"})) == ["Bravo Systems"]
        assert _names(client.get(DIRECTORY, {"search": "bravo"})) == ["Bravo Systems"]
        assert _names(client.get(DIRECTORY, {"search": "nothing-like-this"})) == []

    def test_pages_of_25_and_an_htmx_request_gets_only_the_table(self, page_client, manager):
        PartnerFactory.create_batch(30)
        client = page_client.as_user(manager)

        second = client.get(DIRECTORY, {"page": 2})
        assert len(second.context["page"].object_list) == 5
        partial = client.get(DIRECTORY, {"page": 2}, HTTP_HX_REQUEST="true")
        assert b"<html" not in partial.content
        assert b'data-testid="partner-table"' in partial.content

    def test_the_query_count_does_not_grow_with_the_number_of_partners(
        self, page_client, manager, django_assert_max_num_queries
    ):
        tier = TierFactory(name="Plat", rank=4)
        PartnerFactory.create_batch(25, tier=tier, manager=manager)
        client = page_client.as_user(manager)
        with django_assert_max_num_queries(10) as small:
            client.get(DIRECTORY, {"status": "active"})
        PartnerFactory.create_batch(25, tier=tier, manager=manager)
        with django_assert_max_num_queries(10) as large:
            client.get(DIRECTORY, {"status": "active"})
        assert len(small.captured_queries) == len(large.captured_queries)

    def test_csv_export_streams_the_filtered_rows(self, page_client, manager, partner_a, partner_b):
        response = page_client.as_user(manager).get(reverse("manage:partner-export"), {"country": "GB"})

        assert response.streaming
        assert response["Content-Type"] == "text/csv"
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows[0][:3] == ["id", "name", "domain"]
        assert [r[1] for r in rows[1:]] == ["Alpha Networks"]
        assert rows[1][7] == "Gold"


class TestPartnerForms:
    def test_bad_input_shows_each_error_and_saves_nothing(self, page_client, manager, partner_a):
        response = page_client.as_user(manager).post(
            reverse("manage:partner-create"),
            {"name": "", "domain": "alpha.example", "partner_type": "reseller", "status": "active", "country": "ZZ"},
        )

        assert response.status_code == 400
        form = response.context["form"]
        assert "name" in form.errors and "country" in form.errors
        assert Partner.objects.count() == 1
        html = response.content.decode()
        assert "This field may not be blank." in html and 'class="form-control is-invalid"' in html

    def test_a_duplicate_domain_is_reported_on_the_domain_field(self, page_client, manager, partner_a):
        response = page_client.as_user(manager).post(
            reverse("manage:partner-create"),
            {
                "name": "Copycat",
                "domain": "Alpha.Example",
                "partner_type": "reseller",
                "status": "active",
                "country": "GB",
            },
        )
        assert response.context["form"].errors["domain"] == ["A partner with this domain already exists."]

    def test_create_then_edit_and_the_history_shows_it(self, page_client, manager, gold_tier):
        client = page_client.as_user(manager)
        created = client.post(
            reverse("manage:partner-create"),
            {
                "name": "Delta Data",
                "domain": "delta.example",
                "partner_type": "integrator",
                "status": "onboarding",
                "country": "NL",
                "tier": gold_tier.pk,
                "manager": manager.pk,
            },
        )
        partner = Partner.objects.get(domain="delta.example")
        assert created["Location"] == reverse("manage:partner-detail", args=[partner.pk])

        edit = reverse("manage:partner-edit", args=[partner.pk])
        form = client.get(edit).context["form"]
        assert form.initial["tier"] == gold_tier.pk
        client.post(
            edit, {**{k: v for k, v in form.initial.items() if v is not None}, "status": "active", "city": "Utrecht"}
        )

        partner.refresh_from_db()
        assert (partner.status, partner.city, partner.tier) == ("active", "Utrecht", gold_tier)
        page = client.get(reverse("manage:partner-detail", args=[partner.pk])).content.decode()
        assert "cam@vendor.example</strong> updated partner" in page
        assert "onboarding → active" in page

    def test_agreements_are_added_from_the_partner_page(self, page_client, manager, partner_a):
        client = page_client.as_user(manager)
        url = reverse("manage:agreement-create", args=[partner_a.pk])

        bad = client.post(
            url, {"title": "MSA", "kind": "reseller", "starts_on": "2026-05-01", "expires_on": "2026-01-01"}
        )
        assert bad.status_code == 400 and "expires_on" in bad.context["form"].errors
        good = client.post(
            url,
            {
                "title": "MSA",
                "kind": "reseller",
                "starts_on": "2026-05-01",
                "expires_on": "2027-05-01",
                "auto_renew": "on",
            },
        )
        assert good.status_code == 302
        agreement = Agreement.objects.get(title="MSA")
        assert (agreement.partner, agreement.auto_renew) == (partner_a, True)

    def test_tiers_are_managed_by_the_program_admin_only(self, page_client, program_admin, manager):
        body = {
            "name": "Diamond",
            "rank": 9,
            "min_revenue": "5000000",
            "min_won_deals": 100,
            "min_certified_users": 20,
            "deal_protection_days": 365,
            "rebate_percent": "10",
        }
        assert page_client.as_user(manager).post(reverse("manage:tier-create"), body).status_code == 403
        assert page_client.as_user(program_admin).post(reverse("manage:tier-create"), body).status_code == 302
        assert Tier.objects.get(name="Diamond").deal_protection_days == 365


class TestPartnerPortal:
    def test_signing_in_lands_each_role_in_its_portal(self, client, partner_a_rep, manager):
        response = client.post(
            reverse("login"), {"username": partner_a_rep.email, "password": TEST_PASSWORD}, follow=True
        )
        assert response.redirect_chain[-1][0] == reverse("portal:home")
        client.logout()
        response = client.post(reverse("login"), {"username": manager.email, "password": TEST_PASSWORD}, follow=True)
        assert response.redirect_chain[-1][0] == reverse("manage:dashboard")

    def test_home_and_agreements_show_only_the_own_organization(self, page_client, partner_a_rep, partner_b):
        AgreementFactory(partner=partner_a_rep.partner, title="Alpha reseller terms")
        AgreementFactory(partner=partner_b, title="Bravo secret terms")
        client = page_client.as_user(partner_a_rep)

        home = client.get(reverse("portal:home")).content.decode()
        agreements = client.get(reverse("portal:agreements")).content.decode()
        assert "Alpha Networks" in home and "Bravo" not in home
        assert "Alpha reseller terms" in agreements and "Bravo secret terms" not in agreements

    def test_a_partner_admin_invites_and_deactivates_colleagues(
        self, page_client, partner_a_admin, partner_a_rep, django_capture_on_commit_callbacks
    ):
        client = page_client.as_user(partner_a_admin)

        with django_capture_on_commit_callbacks(execute=True):  # the invitation goes out after the commit
            invited = client.post(
                reverse("portal:users"), {"email": "new.rep@alpha.example", "role": "partner_rep", "first_name": "Nia"}
            )
        assert invited.status_code == 302
        user = User.objects.get(email="new.rep@alpha.example")
        assert (user.partner_id, user.role, user.has_usable_password()) == (
            partner_a_admin.partner_id,
            "partner_rep",
            False,
        )
        assert mail.outbox[-1].to == ["new.rep@alpha.example"]

        client.post(reverse("portal:user-deactivate", args=[partner_a_rep.pk]))
        partner_a_rep.refresh_from_db()
        assert partner_a_rep.is_active is False

    def test_an_invitation_with_a_taken_email_says_so(self, page_client, partner_a_admin, partner_b_rep):
        response = page_client.as_user(partner_a_admin).post(
            reverse("portal:users"), {"email": partner_b_rep.email.upper(), "role": "partner_rep"}
        )
        assert response.status_code == 400
        assert response.context["form"].errors["email"] == ["A user with this email already exists."]

    def test_a_rep_sees_colleagues_but_cannot_invite_or_deactivate(self, page_client, partner_a_rep, partner_a_admin):
        client = page_client.as_user(partner_a_rep)
        page = client.get(reverse("portal:users"))
        assert page.status_code == 200 and "Invite a colleague" not in page.content.decode()
        assert (
            client.post(reverse("portal:users"), {"email": "x@alpha.example", "role": "partner_rep"}).status_code == 403
        )
        assert client.post(reverse("portal:user-deactivate", args=[partner_a_admin.pk])).status_code == 403
        partner_a_admin.refresh_from_db()
        assert partner_a_admin.is_active


def test_an_api_key_is_shown_once_on_the_page_and_can_be_revoked(page_client, partner_a_admin):
    client = page_client.as_user(partner_a_admin)
    created = client.post(reverse("account:api-keys"), {"name": "BI export", "read_only": "on"})

    secret = created.context["new_key"]
    assert secret in created.content.decode()
    listing = client.get(reverse("account:api-keys")).content.decode()
    assert "BI export" in listing and secret not in listing
    key = partner_a_admin.api_keys.get()
    client.post(reverse("account:api-key-revoke", args=[key.prefix]))
    key.refresh_from_db()
    assert key.revoked
