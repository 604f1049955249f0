"""What each role may do in recruit (applications, screening) and engage (announcements, surveys)."""

from prm.accounts.roles import ALL_ROLES, PARTNER_ROLES, STAFF_ROLES
from prm.permissions import ADMIN, MANAGERS

PERMISSIONS = {
    # recruit: applications are staff-only (the public form creates them without signing in)
    "application.view": STAFF_ROLES,
    "application.screen": MANAGERS,
    "application.decide": MANAGERS,
    "criterion.view": STAFF_ROLES,
    "criterion.manage": ADMIN,
    # engage
    "announcement.view": ALL_ROLES,
    "announcement.manage": MANAGERS,
    "announcement.read": ALL_ROLES,
    "survey.view": ALL_ROLES,
    "survey.manage": MANAGERS,
    "survey.results": STAFF_ROLES,
    "survey.respond": PARTNER_ROLES,
    "survey_response.view": ALL_ROLES,
}
