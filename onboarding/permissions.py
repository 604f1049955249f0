"""What each role may do in onboarding and enablement. Which rows is tenancy's business: a partner user
completes steps, takes courses and downloads resources of (or for) its own organization only."""

from prm.accounts.roles import ADMIN, ALL_ROLES, MANAGERS, PARTNER_ROLES, STAFF_ROLES

PERMISSIONS = {
    # onboarding plans: everyone reads (tenancy scopes), partners do their steps, managers do the vendor's
    "onboarding.view": ALL_ROLES,
    "onboarding.directory": STAFF_ROLES,
    "onboarding.complete_step": MANAGERS | PARTNER_ROLES,  # some steps: which ones, the step's owner says
    "onboarding.complete_vendor_step": MANAGERS,
    "onboarding.complete_partner_step": PARTNER_ROLES,
    "onboarding.nudge": MANAGERS,
    "onboarding_template.view": STAFF_ROLES,
    "onboarding_template.manage": ADMIN,
    # enablement
    "course.view": ALL_ROLES,
    "course.manage": MANAGERS,
    "course.take": PARTNER_ROLES,
    "certification.view": ALL_ROLES,
    "resource.view": ALL_ROLES,
    "resource.manage": MANAGERS,
}

#: Completing one step asks the map for the permission of the step's side (`OnboardingStep.owner`).
COMPLETE_STEP_PERMISSIONS = {"vendor": "onboarding.complete_vendor_step", "partner": "onboarding.complete_partner_step"}
