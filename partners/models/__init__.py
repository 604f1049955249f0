"""The partners app's models, one module per sub-domain (like `recruit/`, `engage/` and `cases/` beside it).

Everything is re-exported here, so `from partners.models import Partner` keeps working and Django finds every
model under the `partners` app label; a new model goes in its sub-domain's module and in `__all__` below.
"""

from .cases import ACTIVE_CASE_STATUSES, CASE_STATES, Case, CaseKind, CaseMessage, CaseStatus
from .core import Agreement, AgreementKind, Partner, PartnerStatus, PartnerType, Tier
from .engage import NPS_QUESTION, Announcement, AnnouncementKind, AnnouncementRead, Survey, SurveyResponse
from .recruit import (
    APPLICATION_STATES,
    OPEN_APPLICATION_STATUSES,
    Application,
    ApplicationScore,
    ApplicationStatus,
    CustomerSegment,
    Region,
    ScreeningCriterion,
)

__all__ = [
    # core
    "Agreement",
    "AgreementKind",
    "Partner",
    "PartnerStatus",
    "PartnerType",
    "Tier",
    # recruit
    "APPLICATION_STATES",
    "OPEN_APPLICATION_STATUSES",
    "Application",
    "ApplicationScore",
    "ApplicationStatus",
    "CustomerSegment",
    "Region",
    "ScreeningCriterion",
    # engage
    "NPS_QUESTION",
    "Announcement",
    "AnnouncementKind",
    "AnnouncementRead",
    "Survey",
    "SurveyResponse",
    # cases
    "ACTIVE_CASE_STATUSES",
    "CASE_STATES",
    "Case",
    "CaseKind",
    "CaseMessage",
    "CaseStatus",
]
