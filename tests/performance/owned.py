"""Performance rows for the isolation, permission and list walks (tests/core/)."""

from performance.models import BusinessPlan, PartnerActivity, PlanObjective, RecalcJob, Scorecard, TierProposal
from prm.accounts.roles import Role

from ..factories import PartnerUserFactory, StaffFactory
from .factories import (
    BusinessPlanFactory,
    PartnerActivityFactory,
    PlanObjectiveFactory,
    RecalcJobFactory,
    ScorecardFactory,
    TierProposalFactory,
)


def _rep(org):
    return PartnerUserFactory(partner=org, role=Role.PARTNER_REP)


def _scorecard(org):
    return ScorecardFactory(partner=org), _rep(org)


def _proposal(org):
    # staff decide tier proposals; a partner never sees one (tenancy lets staff see all)
    return TierProposalFactory(partner=org), StaffFactory()


def _plan(org):
    # a partner's admin: it opens every plan page of its own organization, the edit form and "agree" included
    return BusinessPlanFactory(partner=org), PartnerUserFactory(partner=org, role=Role.PARTNER_ADMIN)


def _objective(org):
    return PlanObjectiveFactory(plan=BusinessPlanFactory(partner=org)), _rep(org)


def _activity(org):
    return PartnerActivityFactory(partner=org), _rep(org)


def _job(org):
    # jobs belong to no organization: staff only
    return RecalcJobFactory(), StaffFactory(role=Role.PROGRAM_ADMIN)


MAKERS = {
    Scorecard: _scorecard,
    TierProposal: _proposal,
    BusinessPlan: _plan,
    PlanObjective: _objective,
    PartnerActivity: _activity,
    RecalcJob: _job,
}
