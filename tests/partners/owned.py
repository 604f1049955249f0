"""Recruit and engage rows for the isolation walk (tests/core/test_isolation.py)."""

from partners.models import Announcement, Application, Case, CaseMessage, SurveyResponse
from prm.accounts.roles import Role

from ..factories import PartnerUserFactory, StaffFactory
from .factories import AnnouncementFactory, ApplicationFactory, CaseFactory, CaseMessageFactory, SurveyResponseFactory


def _application(org):
    # Applications belong to no organization: no partner user ever sees one; staff do.
    return ApplicationFactory(), StaffFactory()


def _announcement(org):
    # Meant for organization A's tier (Gold) only: B (no tier) must not find it.
    return AnnouncementFactory(tiers=[org.tier]), PartnerUserFactory(partner=org, role=Role.PARTNER_REP)


def _survey_response(org):
    user = PartnerUserFactory(partner=org, role=Role.PARTNER_REP)
    return SurveyResponseFactory(user=user, partner=org), PartnerUserFactory(partner=org, role=Role.PARTNER_ADMIN)


def _case(org):
    return CaseFactory(partner=org), PartnerUserFactory(partner=org, role=Role.PARTNER_REP)


def _case_message(org):
    # A reply A may read (internal notes are hidden from A too: see tests/partners/test_cases_*.py).
    return CaseMessageFactory(case=CaseFactory(partner=org)), PartnerUserFactory(partner=org, role=Role.PARTNER_REP)


MAKERS = {
    Application: _application,
    Announcement: _announcement,
    SurveyResponse: _survey_response,
    Case: _case,
    CaseMessage: _case_message,
}
