"""Who may see and change scorecards, tier proposals, business plans and program analytics (merged into
prm.permissions.PERMISSIONS). A partner sees only its own rows: tenancy, not this map, says which."""

from prm.accounts.roles import ADMIN, ALL_ROLES, MANAGERS, STAFF_ROLES, Role

PERMISSIONS = {
    "kpi.view": ALL_ROLES,
    "scorecard.view": ALL_ROLES,
    "scorecard.recalculate": ADMIN,
    "scorecard.configure": ADMIN,
    "job.view": STAFF_ROLES,
    "tier_proposal.view": STAFF_ROLES,
    "tier_proposal.decide": MANAGERS,
    "business_plan.view": ALL_ROLES,
    # a partner's admin and its manager write and agree the plan together
    "business_plan.manage": MANAGERS | frozenset({Role.PARTNER_ADMIN}),
    "analytics.view": STAFF_ROLES,
}
