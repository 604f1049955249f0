import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from partners.models import Application, Partner

from ..factories import PartnerFactory
from .factories import ApplicationFactory, ApplicationScoreFactory

pytestmark = pytest.mark.django_db

APPLICATIONS = reverse("application-list")


def _payload(**overrides):
    return {
        "company_name": "Contoso Ltd",
        "domain": "contoso.com",
        "country": "FR",
        "partner_type": "msp",
        "contact_name": "Claire Dubois",
        "contact_email": "claire@contoso.com",
        "expected_annual_revenue": "250000.00",
        "customer_segments": ["smb", "enterprise"],
        "regions_covered": ["western_europe"],
        "certified_staff": 4,
        "existing_vendors": "Acme, Globex",
        **overrides,
    }


def _detail(application, action=None):
    return reverse(f"application-{action}" if action else "application-detail", args=[application.pk])


class TestApply:
    def test_anyone_may_apply_and_gets_a_receipt_without_the_screening(self, api):
        response = api.post(APPLICATIONS, _payload(), format="json")

        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["status"], body["domain"], body["company_name"]) == ("submitted", "contoso.com", "Contoso Ltd")
        assert "fit_score" not in body and "scores" not in body
        application = Application.objects.get(pk=body["id"])
        assert application.customer_segments == ["enterprise", "smb"]

    def test_an_identical_resubmission_answers_200_with_the_same_application(self, api):
        first = api.post(APPLICATIONS, _payload(), format="json").json()
        again = api.post(APPLICATIONS, _payload(), format="json")

        assert again.status_code == 200
        assert again.json()["id"] == first["id"]
        assert "already applied" in again.json()["detail"]
        assert Application.objects.count() == 1

    def test_duplicates_of_a_partner_domain_are_flagged_for_staff(self, api, manager):
        partner = PartnerFactory(domain="contoso.com", name="Contoso Existing")
        api.post(APPLICATIONS, _payload(), format="json")

        [row] = api.as_user(manager).get(APPLICATIONS, {"flagged": "true"}).json()["results"]
        assert (row["flagged"], row["duplicate_of_partner"], row["duplicate_of_partner_name"]) == (
            True,
            partner.pk,
            "Contoso Existing",
        )

    @pytest.mark.parametrize(
        "overrides,field",
        [
            ({"company_name": ""}, "company_name"),
            ({"domain": "not a domain"}, "domain"),
            ({"country": "Atlantis"}, "country"),
            ({"partner_type": "wholesaler"}, "partner_type"),
            ({"contact_email": "nope"}, "contact_email"),
            ({"contact_name": "x" * 201}, "contact_name"),
            ({"expected_annual_revenue": "-5"}, "expected_annual_revenue"),
            ({"customer_segments": ["galactic"]}, "customer_segments"),
            ({"customer_segments": "smb"}, "customer_segments"),
            ({"regions_covered": ["mars"]}, "regions_covered"),
            ({"certified_staff": -1}, "certified_staff"),
            ({"website": "http://spam.example"}, "website"),
        ],
    )
    def test_bad_input_is_a_400_on_the_field(self, api, overrides, field):
        response = api.post(APPLICATIONS, _payload(**overrides), format="json")

        assert response.status_code == 400
        assert list(response.json()) == [field]
        assert Application.objects.count() == 0

    def test_the_public_endpoint_is_throttled_per_client(self, api):
        cache.clear()
        with override_settings(PRM_THROTTLE_RATES={"anon": "1000/min", "user": "1000/min", "apply": "3/hour"}):
            codes = [
                api.post(APPLICATIONS, _payload(contact_email=f"c{i}@contoso.com"), format="json").status_code
                for i in range(4)
            ]
        assert codes == [201, 201, 201, 429]
        assert Application.objects.count() == 3


class TestStaffOnly:
    def test_anonymous_and_partner_users_cannot_read_applications(self, api, partner_a_admin):
        application = ApplicationFactory()

        assert api.get(APPLICATIONS).status_code == 401
        assert api.get(_detail(application)).status_code == 401
        client = api.as_user(partner_a_admin)
        assert client.get(APPLICATIONS).status_code == 403
        assert client.get(_detail(application)).status_code == 404
        assert client.post(_detail(application, "approve")).status_code == 404

    def test_finance_reads_but_cannot_decide(self, api, finance):
        application = ApplicationFactory()
        client = api.as_user(finance)

        assert client.get(_detail(application)).status_code == 200
        assert client.post(_detail(application, "approve")).status_code == 403

    def test_filters_and_sorts_by_fit_score(self, api, manager):
        low = ApplicationFactory(company_name="Low", fit_score=20, status="screening", country="DE")
        high = ApplicationFactory(company_name="High", fit_score=90, status="screening", partner_type="msp")
        unscored = ApplicationFactory(company_name="Unscored")
        client = api.as_user(manager)

        def names(**params):
            return [r["company_name"] for r in client.get(APPLICATIONS, params).json()["results"]]

        assert names(ordering="-fit_score")[:2] == ["High", "Low"]
        assert names(fit_min=50) == ["High"]
        assert names(fit_max=50) == ["Low"]
        assert names(status="submitted") == ["Unscored"]
        assert names(country="DE") == ["Low"]
        assert names(partner_type="msp") == ["High"]
        assert {low.pk, high.pk, unscored.pk} == {r["id"] for r in client.get(APPLICATIONS).json()["results"]}

    def test_the_list_query_count_does_not_grow_with_rows(self, api, manager, django_assert_max_num_queries):
        client = api.as_user(manager)
        for _ in range(5):
            ApplicationScoreFactory(application=ApplicationFactory(duplicate_of_partner=PartnerFactory()))
        with django_assert_max_num_queries(8) as small:
            client.get(APPLICATIONS)
        for _ in range(20):
            ApplicationScoreFactory(application=ApplicationFactory(duplicate_of_partner=PartnerFactory()))
        with django_assert_max_num_queries(8) as large:
            assert len(client.get(APPLICATIONS).json()["results"]) == 25
        assert len(small.captured_queries) == len(large.captured_queries)


class TestScreenAndDecide:
    def test_score_then_approve(self, api, manager, five_cs, django_capture_on_commit_callbacks):
        application = ApplicationFactory(domain="contoso.com", contact_email="claire@contoso.com")
        client = api.as_user(manager)

        scored = client.post(
            _detail(application, "score"),
            {"scores": [{"criterion": c.pk, "score": 4} for c in five_cs]},
            format="json",
        )
        assert scored.status_code == 200, scored.json()
        assert (scored.json()["status"], scored.json()["fit_score"]) == ("screening", "75.0")
        assert len(scored.json()["scores"]) == 5

        with django_capture_on_commit_callbacks(execute=True):
            approved = client.post(_detail(application, "approve"))
        assert approved.status_code == 200, approved.json()
        partner = Partner.objects.get(pk=approved.json()["partner"])
        assert (partner.domain, partner.status) == ("contoso.com", "onboarding")
        assert mail.outbox[0].to == ["claire@contoso.com"]

        again = client.post(_detail(application, "approve"))
        assert again.status_code == 409
        assert "already approved" in again.json()["detail"]
        assert client.post(_detail(application, "reject"), {"reason": "x"}, format="json").status_code == 409

    @pytest.mark.parametrize(
        "body,field",
        [
            ({"scores": []}, "scores"),
            ({"scores": [{"criterion": 99999, "score": 3}]}, "scores"),
            ({"scores": "high"}, "scores"),
        ],
    )
    def test_bad_scores_are_400(self, api, manager, five_cs, body, field):
        response = api.as_user(manager).post(_detail(ApplicationFactory(), "score"), body, format="json")
        assert response.status_code == 400
        assert field in response.json()

    def test_a_score_out_of_range_is_400(self, api, manager, five_cs):
        response = api.as_user(manager).post(
            _detail(ApplicationFactory(), "score"),
            {"scores": [{"criterion": five_cs[0].pk, "score": 6}]},
            format="json",
        )
        assert response.status_code == 400
        assert "score" in response.json()["scores"]["0"]

    def test_approving_a_domain_now_taken_is_a_409_with_a_clear_message(self, api, manager):
        application = ApplicationFactory(domain="contoso.com")
        PartnerFactory(domain="contoso.com", name="Contoso Existing")

        response = api.as_user(manager).post(_detail(application, "approve"))

        assert response.status_code == 409
        assert "Contoso Existing" in response.json()["detail"]
        assert Partner.objects.filter(domain="contoso.com").count() == 1

    def test_reject_needs_a_reason(self, api, manager, django_capture_on_commit_callbacks):
        application = ApplicationFactory()
        client = api.as_user(manager)

        assert client.post(_detail(application, "reject"), {}, format="json").status_code == 400
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(_detail(application, "reject"), {"reason": "Not a fit yet"}, format="json")
        assert response.status_code == 200
        assert response.json()["status"] == "rejected"
        assert "Not a fit yet" in mail.outbox[0].body

    def test_history_shows_the_decision(self, api, manager):
        application = ApplicationFactory()
        client = api.as_user(manager)
        client.post(_detail(application, "reject"), {"reason": "Not a fit yet"}, format="json")

        history = client.get(_detail(application, "history")).json()
        assert any(e["changes"].get("status", {}).get("after") == "rejected" for e in history)


class TestCriteria:
    def test_only_the_program_admin_manages_criteria(self, api, program_admin, manager):
        url = reverse("screeningcriterion-list")
        assert api.as_user(manager).post(url, {"name": "Culture", "weight": 2}, format="json").status_code == 403
        response = api.as_user(program_admin).post(url, {"name": "Culture", "weight": 2}, format="json")
        assert response.status_code == 201
        bad = api.as_user(program_admin).post(url, {"name": "Zero", "weight": 0}, format="json")
        assert bad.status_code == 400 and "weight" in bad.json()
