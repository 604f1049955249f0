"""Who may do what with incentive programs, accruals, payouts, MDF and recognition (merged into
prm.permissions.PERMISSIONS). Partners read only their own money: tenancy, not this map, says which rows."""

from prm.accounts.roles import ADMIN, ALL_ROLES, MANAGERS, PARTNER_ROLES, STAFF_ROLES, Role

FINANCE = frozenset({Role.FINANCE})

PERMISSIONS = {
    "incentive_program.view": ALL_ROLES,
    "incentive_program.manage": STAFF_ROLES,
    "accrual.view": ALL_ROLES,
    "accrual.recompute": ADMIN,
    "accrual.adjust": FINANCE,
    "payout.view": ALL_ROLES,
    "payout.generate": FINANCE | ADMIN,
    # only finance approves statements and marks them paid
    "payout.approve": FINANCE,
    "payout.mark_paid": FINANCE,
    "payout.export": FINANCE | ADMIN,
    "mdf.view": ALL_ROLES,
    "mdf_fund.manage": MANAGERS,
    "mdf_request.create": PARTNER_ROLES,
    "mdf_request.decide": STAFF_ROLES,
    "mdf_claim.create": PARTNER_ROLES,
    "mdf_claim.decide": FINANCE,
    "recognition.view": ALL_ROLES,
    "award.grant": MANAGERS,
    "badge.manage": ADMIN,
}
