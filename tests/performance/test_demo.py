"""The demo shows the feature: scorecards with a history for every active demo partner, tier changes to review,
a partner at risk — all made by the real engine from the demo's deals."""

import pytest
from django.core.management import call_command

from partners.models import Partner, PartnerStatus
from performance.models import BusinessPlan, ProposalStatus, Scorecard, TierProposal

pytestmark = pytest.mark.django_db


def test_the_demo_has_scorecards_with_history_proposals_and_a_partner_at_risk():
    call_command("seed_demo", "--quiet")

    active = Partner.objects.filter(status=PartnerStatus.ACTIVE)
    quarterly = Scorecard.objects.filter(period_kind="quarter")
    assert active.count() > 3
    for partner in active:
        assert quarterly.filter(partner=partner).count() >= 8, partner  # this quarter and the ones before it
    assert TierProposal.objects.filter(status=ProposalStatus.OPEN).exists()
    latest = quarterly.order_by("-period_start").first().period_start
    at_risk = quarterly.filter(period_start=latest, health_status="red")
    assert at_risk.exists()
    reasons = {r["code"] for card in at_risk for r in card.health_reasons}
    assert {"registrations_falling", "no_sign_ins"} <= reasons

    plans = BusinessPlan.objects.order_by("id")
    assert [plan.status for plan in plans] == ["agreed", "agreed", "draft"]
    assert all(plan.objectives.exists() for plan in plans)

    count = Scorecard.objects.count()
    call_command("seed_demo", "--quiet")  # a second run adds nothing
    assert Scorecard.objects.count() == count


def test_the_recalculate_command_brings_every_partner_current():
    from io import StringIO

    from ..factories import PartnerFactory

    PartnerFactory(status="active")
    PartnerFactory(status="onboarding")
    out = StringIO()
    call_command("recalculate_scorecards", stdout=out)
    assert out.getvalue().strip() == "6 scorecards recalculated."
    assert Scorecard.objects.count() == 6
