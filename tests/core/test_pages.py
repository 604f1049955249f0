"""The page vocabulary of prm/pages.py: errors as messages (each once), action pages, and the manager portal closed
to partner roles even for actions both portals share."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from rest_framework.exceptions import ValidationError as DrfValidationError

from deals.models import DealComment, DealStatus
from onboarding.models import OnboardingStep
from prm.errors import Conflict
from prm.pages import errors_as_messages
from tests.deals.factories import DealFactory
from tests.onboarding.factories import OnboardingPlanFactory, OnboardingStepFactory


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- errors_as_messages ----------------------------------------------------------------------------------------


def test_errors_as_messages_labels_fields_and_says_each_message_once():
    exc = DjangoValidationError(
        {"customer_name": ["Too short.", "Too short."], "__all__": ["Already registered."], "reason": ["Too short."]}
    )
    assert errors_as_messages(exc) == ["Customer name: Too short.", "Already registered.", "Reason: Too short."]


def test_errors_as_messages_reads_drf_nested_errors_and_domain_errors():
    exc = DrfValidationError({"scores": [{"score": ["Must be 0–10."]}, {"score": ["Must be 0–10."]}]})
    assert errors_as_messages(exc) == ["Scores: Must be 0–10."]
    assert errors_as_messages(DrfValidationError(["Pick one."])) == ["Pick one."]
    assert errors_as_messages(Conflict("This deal was decided already.")) == ["This deal was decided already."]
    assert errors_as_messages(DrfValidationError({"amount": ["Bad."]}), labels={"amount": "Won amount"}) == [
        "Won amount: Bad."
    ]


# --- action pages and form pages -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failed_page_action_shows_every_problem_once(page_client, partner_a, partner_a_rep):
    deal = DealFactory(partner=partner_a, registered_by=partner_a_rep, approved=True)

    response = page_client.as_user(partner_a_rep).post(reverse("portal:deal-win", args=[deal.pk]), {}, follow=True)

    assert _messages(response) == ["Amount: This field is required.", "Closed on: This field is required."]
    deal.refresh_from_db()
    assert deal.status == DealStatus.APPROVED


@pytest.mark.django_db
def test_a_form_page_shows_each_field_error_once(page_client, manager):
    response = page_client.as_user(manager).post(reverse("manage:lead-create"), {})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["customer_name"] == ["This field is required."]
    assert response.content.decode().count("This field is required.") == sum(
        len(v) for v in errors.values() if "This field is required." in v
    )


# --- the manager portal is for staff ---------------------------------------------------------------------------


@pytest.fixture
def own_approved_deal(partner_a, partner_a_rep):
    return DealFactory(partner=partner_a, registered_by=partner_a_rep, approved=True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("deal-comment", {"body": "Posted through the manager portal"}),
        ("deal-win", {"amount": "1000", "closed_on": "2026-01-01"}),
        ("deal-lose", {"reason": "Lost to a competitor"}),
    ],
)
def test_a_partner_user_cannot_use_shared_deal_actions_under_manage(
    page_client, partner_a_rep, own_approved_deal, url_name, data
):
    client = page_client.as_user(partner_a_rep)

    refused = client.post(reverse(f"manage:{url_name}", args=[own_approved_deal.pk]), data)

    assert refused.status_code == 403
    own_approved_deal.refresh_from_db()
    assert own_approved_deal.status == DealStatus.APPROVED
    assert not DealComment.objects.filter(deal=own_approved_deal).exists()
    # the same action from the partner's own portal still works
    assert client.post(reverse(f"portal:{url_name}", args=[own_approved_deal.pk]), data).status_code == 302


@pytest.mark.django_db
def test_a_partner_user_cannot_complete_its_step_under_manage(page_client, partner_a, partner_a_admin):
    step = OnboardingStepFactory(plan=OnboardingPlanFactory(partner=partner_a), title="Complete your profile")

    refused = page_client.as_user(partner_a_admin).post(reverse("manage:onboarding-step-complete", args=[step.pk]))

    assert refused.status_code == 403
    assert OnboardingStep.objects.get(pk=step.pk).completed_at is None


@pytest.mark.django_db
def test_every_manager_page_refuses_a_partner_user(page_client, partner_a_rep, own_approved_deal):
    client = page_client.as_user(partner_a_rep)

    assert client.get(reverse("manage:deal-detail", args=[own_approved_deal.pk])).status_code == 403
    assert client.get(reverse("manage:dashboard")).status_code == 403
