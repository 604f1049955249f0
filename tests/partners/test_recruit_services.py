from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from partners.models import Application, Partner
from partners.recruit import services
from partners.recruit.services import fit_score
from prm.accounts.models import User
from prm.errors import Conflict, InvalidTransition
from prm.events.models import OutboxEvent

from ..factories import PartnerFactory, TierFactory
from .factories import ApplicationFactory, ScreeningCriterionFactory

pytestmark = pytest.mark.django_db


def _data(**overrides):
    return {
        "company_name": "Contoso Ltd",
        "domain": "https://www.Contoso.com/about",
        "country": "FR",
        "partner_type": "msp",
        "contact_name": "Claire Dubois",
        "contact_email": "claire@contoso.com",
        "customer_segments": ["smb"],
        "regions_covered": ["western_europe"],
        "certified_staff": 4,
        **overrides,
    }


class TestSubmit:
    def test_stores_a_normalized_domain_and_emits_an_event(self):
        application, created = services.application_submit(data=_data())

        assert created
        assert (application.domain, application.status) == ("contoso.com", "submitted")
        assert not application.is_flagged
        event = OutboxEvent.objects.get(name="application.submitted")
        assert event.payload["domain"] == "contoso.com"

    def test_an_identical_resubmission_returns_the_open_application(self):
        first, _ = services.application_submit(data=_data())
        again, created = services.application_submit(
            data=_data(contact_email="CLAIRE@contoso.com", domain="contoso.com")
        )

        assert (again.pk, created) == (first.pk, False)
        assert Application.objects.count() == 1

    def test_a_new_application_after_a_rejection_is_allowed(self, manager):
        first, _ = services.application_submit(data=_data())
        services.application_reject(actor=manager, application=first, reason="Too early", notify=False)

        second, created = services.application_submit(data=_data())

        assert created and second.pk != first.pk

    def test_the_domain_of_a_partner_or_of_another_open_application_is_flagged(self):
        partner = PartnerFactory(domain="contoso.com")
        first, _ = services.application_submit(data=_data())
        second, _ = services.application_submit(data=_data(contact_email="other@contoso.com"))

        assert first.duplicate_of_partner == partner
        assert second.duplicate_of_partner == partner
        assert second.duplicate_of_application == first
        assert Application.objects.count() == 2

    def test_an_invalid_domain_is_refused(self):
        with pytest.raises(ValidationError) as exc:
            services.application_submit(data=_data(domain="not a domain"))
        assert "domain" in exc.value.message_dict


class TestFitScore:
    def test_weighted_from_one_to_five(self):
        assert fit_score([]) is None
        assert fit_score([(1, 3), (1, 1)]) == Decimal("0.0")
        assert fit_score([(5, 3), (5, 1)]) == Decimal("100.0")
        # (4-1)*3 + (2-1)*1 = 10 points of 16
        assert fit_score([(4, 3), (2, 1)]) == Decimal("62.5")

    @given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 10)), min_size=1, max_size=8))
    def test_always_between_0_and_100_and_never_down_when_a_score_goes_up(self, pairs):
        score = fit_score(pairs)
        assert Decimal(0) <= score <= Decimal(100)
        raised = [(min(s + 1, 5), w) for s, w in pairs]
        assert fit_score(raised) >= score


class TestScreening:
    def test_scores_store_the_fit_score_and_move_to_screening(self, manager, five_cs):
        application = ApplicationFactory()
        capability, commitment, compatibility, coverage, credibility = five_cs

        services.application_score(
            actor=manager,
            application=application,
            scores=[{"criterion": capability, "score": 5}, {"criterion": credibility, "score": 1, "note": "unknown"}],
        )
        application.refresh_from_db()
        # capability weight 3 at 100 %, credibility weight 1 at 0 % -> 75
        assert (application.status, application.fit_score) == ("screening", Decimal("75.0"))

        services.application_score(actor=manager, application=application, scores=[{"criterion": coverage, "score": 3}])
        application.refresh_from_db()
        # 12 + 0 + 2*2 = 16 of 4*(3+1+2) = 24
        assert application.fit_score == Decimal("66.7")
        assert application.scores.count() == 3

    def test_changing_a_weight_refreshes_the_stored_fit_scores(self, manager, program_admin, five_cs):
        application = ApplicationFactory()
        capability, *_, credibility = five_cs
        services.application_score(
            actor=manager,
            application=application,
            scores=[{"criterion": capability, "score": 5}, {"criterion": credibility, "score": 1}],
        )
        services.criterion_update(actor=program_admin, criterion=credibility, data={"weight": 3})

        application.refresh_from_db()
        assert application.fit_score == Decimal("50.0")

    def test_a_decided_application_cannot_be_scored(self, manager, five_cs):
        application = ApplicationFactory(status="rejected")
        with pytest.raises(InvalidTransition, match="already rejected"):
            services.application_score(
                actor=manager, application=application, scores=[{"criterion": five_cs[0], "score": 3}]
            )


class TestApprove:
    def test_creates_the_partner_its_admin_and_its_plan_and_invites_after_commit(
        self, manager, django_capture_on_commit_callbacks
    ):
        TierFactory(name="Platinum", rank=40)
        registered = TierFactory(name="Registered", rank=1)
        application = ApplicationFactory(company_name="Contoso Ltd", domain="contoso.com", contact_name="Claire Dubois")

        with (
            mock.patch("onboarding.services.onboarding_plan_create") as plan_create,
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.application_approve(actor=manager, application=application)
            assert mail.outbox == []  # nothing leaves before the transaction commits

        application.refresh_from_db()
        partner = application.partner
        assert (partner.name, partner.status, partner.tier, partner.manager) == (
            "Contoso Ltd",
            "onboarding",
            registered,
            manager,
        )
        admin = User.objects.get(email=application.contact_email)
        assert (admin.partner, admin.role, admin.first_name, admin.last_name) == (
            partner,
            "partner_admin",
            "Claire",
            "Dubois",
        )
        assert not admin.has_usable_password()
        plan_create.assert_called_once_with(actor=manager, partner=partner)
        assert (application.status, application.decided_by) == ("approved", manager)
        [email] = mail.outbox
        assert email.to == [application.contact_email]
        assert "/reset/" in email.body and "approved" in email.subject
        assert set(OutboxEvent.objects.values_list("name", flat=True)) >= {
            "application.approved",
            "partner.created",
            "user.created",
        }

    def test_a_domain_taken_by_a_partner_meanwhile_is_a_conflict_and_nothing_is_saved(self, manager):
        application = ApplicationFactory(domain="contoso.com")
        PartnerFactory(domain="contoso.com")

        with pytest.raises(Conflict, match="already belongs to the partner"):
            services.application_approve(actor=manager, application=application)

        application.refresh_from_db()
        assert application.status == "submitted"
        assert Partner.objects.filter(domain="contoso.com").count() == 1
        assert not User.objects.filter(email=application.contact_email).exists()

    def test_a_failing_onboarding_plan_leaves_nothing_half_saved(self, manager):
        application = ApplicationFactory(domain="contoso.com")
        with (
            mock.patch("onboarding.services.onboarding_plan_create", side_effect=RuntimeError("boom")),
            pytest.raises(RuntimeError),
        ):
            services.application_approve(actor=manager, application=application)

        assert not Partner.objects.filter(domain="contoso.com").exists()
        assert not User.objects.filter(email=application.contact_email).exists()
        application.refresh_from_db()
        assert application.status == "submitted"

    @pytest.mark.parametrize("status", ["approved", "rejected"])
    def test_a_decided_application_cannot_be_approved(self, manager, status):
        with pytest.raises(InvalidTransition, match=f"already {status}"):
            services.application_approve(actor=manager, application=ApplicationFactory(status=status))


class TestReject:
    def test_needs_a_reason_and_emails_it_to_the_applicant(self, manager, django_capture_on_commit_callbacks):
        application = ApplicationFactory()
        with pytest.raises(ValidationError) as exc:
            services.application_reject(actor=manager, application=application, reason="  ")
        assert "reason" in exc.value.message_dict

        with django_capture_on_commit_callbacks(execute=True):
            services.application_reject(actor=manager, application=application, reason="We cover your region already.")

        application.refresh_from_db()
        assert (application.status, application.rejection_reason) == ("rejected", "We cover your region already.")
        [email] = mail.outbox
        assert email.to == [application.contact_email]
        assert "We cover your region already." in email.body
        assert OutboxEvent.objects.filter(name="application.rejected").exists()

    def test_a_rejected_application_cannot_be_rejected_again(self, manager):
        with pytest.raises(InvalidTransition):
            services.application_reject(actor=manager, application=ApplicationFactory(status="rejected"), reason="x")


def test_inactive_criteria_are_not_scored(manager):
    retired = ScreeningCriterionFactory(name="Retired", active=False)
    with pytest.raises(ValidationError):
        services.application_score(
            actor=manager, application=ApplicationFactory(), scores=[{"criterion": retired, "score": 4}]
        )
