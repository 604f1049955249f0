"""The five roles and the groups of them that permissions talk about."""

from django.db import models


class Role(models.TextChoices):
    PROGRAM_ADMIN = "program_admin", "Program admin"
    PARTNER_MANAGER = "partner_manager", "Partner manager"
    FINANCE = "finance", "Finance"
    PARTNER_ADMIN = "partner_admin", "Partner admin"
    PARTNER_REP = "partner_rep", "Partner rep"


ADMIN = frozenset({Role.PROGRAM_ADMIN})
MANAGERS = frozenset({Role.PROGRAM_ADMIN, Role.PARTNER_MANAGER})
STAFF_ROLES = frozenset({Role.PROGRAM_ADMIN, Role.PARTNER_MANAGER, Role.FINANCE})
PARTNER_ROLES = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_REP})
ALL_ROLES = STAFF_ROLES | PARTNER_ROLES
