"""Issue 3's chain through the real API, across the apps: apply → screen → approve → the invited admin sets a
password and signs in → completes the partner's steps (the vendor does its own) → the partner is active."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from onboarding.models import StepOwner
from partners.models import Partner
from prm.events.models import OutboxEvent

from ..onboarding.factories import OnboardingTemplateFactory, OnboardingTemplateStepFactory
from ..partners.factories import ScreeningCriterionFactory

pytestmark = pytest.mark.django_db


def test_from_application_to_active_partner(api, manager, client, django_capture_on_commit_callbacks):
    template = OnboardingTemplateFactory(partner_type="msp")
    OnboardingTemplateStepFactory(template=template, order=1, title="Company profile", owner=StepOwner.PARTNER)
    OnboardingTemplateStepFactory(template=template, order=2, title="Kick-off call", owner=StepOwner.VENDOR)
    criteria = [
        ScreeningCriterionFactory(name=name, weight=weight) for name, weight in [("Capability", 3), ("Coverage", 1)]
    ]

    # a visitor applies, with no account
    applied = APIClient().post(
        reverse("application-list"),
        {
            "company_name": "Contoso Cloud",
            "domain": "contoso-cloud.example",
            "country": "NL",
            "partner_type": "msp",
            "contact_name": "Dana Visser",
            "contact_email": "dana@contoso-cloud.example",
        },
        format="json",
    )
    assert applied.status_code == 201, applied.json()
    application_id = applied.json()["id"]

    # a manager screens and approves it
    staff = api.as_user(manager)
    scored = staff.post(
        reverse("application-score", args=[application_id]),
        {"scores": [{"criterion": criteria[0].pk, "score": 5}, {"criterion": criteria[1].pk, "score": 3}]},
        format="json",
    )
    assert scored.status_code == 200 and scored.json()["status"] == "screening"
    assert float(scored.json()["fit_score"]) == pytest.approx(87.5)  # (3×100 + 1×50) / 4
    with django_capture_on_commit_callbacks(execute=True):  # the welcome email leaves once the approval commits
        assert staff.post(reverse("application-approve", args=[application_id])).status_code == 200
    partner = Partner.objects.get(domain="contoso-cloud.example")
    assert partner.status == "onboarding"

    # the first admin gets an email with a set-password link, sets a password and signs in
    invitation = next(m for m in mail.outbox if m.to == ["dana@contoso-cloud.example"])
    path = "/" + re.search(r"https?://[^/]+/(reset/\S+/)", invitation.body).group(1)
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    assert (
        client.post(set_url, {"new_password1": "Tulip-canal-2026", "new_password2": "Tulip-canal-2026"}).status_code
        == 302
    )
    token = (
        APIClient()
        .post(
            reverse("api-token"),
            {"username": "dana@contoso-cloud.example", "password": "Tulip-canal-2026"},
            format="json",
        )
        .json()["token"]
    )
    dana = APIClient()
    dana.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert dana.get(reverse("api-me")).json()["partner"] == partner.pk

    # the plan came from the MSP template; each side completes its own steps
    plan = dana.get(reverse("onboardingplan-list")).json()["results"][0]
    steps = {s["title"]: s["id"] for s in plan["steps"]}
    assert set(steps) == {"Company profile", "Kick-off call"}
    assert dana.post(reverse("onboardingstep-complete", args=[steps["Kick-off call"]])).status_code == 403
    assert dana.post(reverse("onboardingstep-complete", args=[steps["Company profile"]])).status_code == 200
    partner.refresh_from_db()
    assert partner.status == "onboarding"
    assert staff.post(reverse("onboardingstep-complete", args=[steps["Kick-off call"]])).status_code == 200

    partner.refresh_from_db()
    assert partner.status == "active"
    assert dana.get(reverse("onboardingplan-list")).json()["results"][0]["progress_percent"] == 100
    names = set(OutboxEvent.objects.values_list("name", flat=True))
    assert {
        "application.submitted",
        "application.approved",
        "partner.created",
        "onboarding.completed",
        "partner.status_changed",
    } <= names
