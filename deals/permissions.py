"""Who may do what with deals, leads and exchange rates (merged into prm.permissions.PERMISSIONS)."""

from prm.accounts.roles import ADMIN, ALL_ROLES, MANAGERS, PARTNER_ROLES, STAFF_ROLES

PERMISSIONS = {
    "deal.view": ALL_ROLES,
    "deal.register": PARTNER_ROLES,
    "deal.approve": MANAGERS,
    # win / lose: the owning partner (tenancy limits a partner user to its own deals) or a manager
    "deal.close": PARTNER_ROLES | MANAGERS,
    # undoing a close is the vendor's: reopening a won or lost deal, correcting the amount it was won for
    "deal.reopen": MANAGERS,
    "deal.correct": MANAGERS,
    "deal.comment": PARTNER_ROLES | MANAGERS,
    "deal.export": STAFF_ROLES,
    "lead.view": ALL_ROLES,
    "lead.manage": MANAGERS,
    "lead.respond": PARTNER_ROLES,
    "exchangerate.view": ALL_ROLES,
    "exchangerate.manage": ADMIN,
}
