"""What each role may do in recruit (applications, screening), engage (announcements, surveys) and dispute cases."""

from prm.accounts.roles import ADMIN, ALL_ROLES, MANAGERS, PARTNER_ROLES, STAFF_ROLES

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
    # cases: partner users open, write and withdraw (close) their own organization's cases (tenancy);
    # the vendor's staff review, resolve, close and assign them, and write internal notes partners never see
    "case.view": ALL_ROLES,
    "case.open": ALL_ROLES,
    "case.message": ALL_ROLES,
    "case.close": ALL_ROLES,
    "case.manage": STAFF_ROLES,
    "case.internal_note": STAFF_ROLES,
}
