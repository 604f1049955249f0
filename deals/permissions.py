"""Who may do what with deals, leads and exchange rates (merged into prm.permissions.PERMISSIONS)."""

from prm.accounts.roles import ALL_ROLES, PARTNER_ROLES, STAFF_ROLES, Role

# (not imported from prm.permissions, which imports this module while it is being built)
ADMIN = frozenset({Role.PROGRAM_ADMIN})
MANAGERS = frozenset({Role.PROGRAM_ADMIN, Role.PARTNER_MANAGER})

PERMISSIONS = {
    "deal.view": ALL_ROLES,
    "deal.register": PARTNER_ROLES,
    "deal.approve": MANAGERS,
    # win / lose: the owning partner (tenancy limits a partner user to its own deals) or a manager
    "deal.close": PARTNER_ROLES | MANAGERS,
    "deal.comment": PARTNER_ROLES | MANAGERS,
    "deal.export": STAFF_ROLES,
    "lead.view": ALL_ROLES,
    "lead.manage": MANAGERS,
    "lead.respond": PARTNER_ROLES,
    "exchangerate.view": ALL_ROLES,
    "exchangerate.manage": ADMIN,
}
