"""What each role may do: one map, read by the API's RolePermission and the pages' ScopedPageMixin.

Permissions are about kinds of action; which rows an action may touch is tenancy's business
(prm/tenancy.py). A partner_admin may "manage users", and tenancy makes that its own organization's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prm.accounts.roles import ADMIN, ALL_ROLES, MANAGERS, PARTNER_ROLES, STAFF_ROLES, Role
from prm.errors import NotPermitted

if TYPE_CHECKING:
    from prm.accounts.models import User

PUBLIC = "public"  # no sign-in needed (checked by the base classes, not in the map)
AUTHENTICATED = "authenticated"

PERMISSIONS: dict[str, frozenset[str]] = {
    AUTHENTICATED: ALL_ROLES,
    # portals
    "portal.manager": STAFF_ROLES,
    "portal.partner": PARTNER_ROLES,
    # partners
    "partner.view": ALL_ROLES,
    "partner.directory": STAFF_ROLES,
    "partner.manage": MANAGERS,
    "partner.export": STAFF_ROLES,
    "tier.view": ALL_ROLES,
    "tier.manage": ADMIN,
    "agreement.view": ALL_ROLES,
    "agreement.manage": MANAGERS,
    # people
    "user.view": ALL_ROLES,
    "user.manage": frozenset({Role.PROGRAM_ADMIN, Role.PARTNER_ADMIN}),
    "apikey.manage": ALL_ROLES,
    "audit.view": STAFF_ROLES | {Role.PARTNER_ADMIN},
}


# Each app declares its own permissions in <app>/permissions.py as `PERMISSIONS = {name: roles}`; they join
# the one map here (a name declared twice is an error, not a silent override).
def _merge_app_permissions() -> None:
    from prm.plugins import app_modules

    for module in app_modules("permissions"):
        for name, roles in module.PERMISSIONS.items():
            if name in PERMISSIONS:
                raise ValueError(f"Permission {name!r} is declared twice")
            PERMISSIONS[name] = frozenset(roles)


_merge_app_permissions()


def role_of(user: User) -> str | None:
    if not user or not user.is_authenticated or not user.is_active:
        return None
    return Role.PROGRAM_ADMIN if user.is_superuser else user.role


def has_perm(user: User, permission: str) -> bool:
    if permission == PUBLIC:
        return True
    role = role_of(user)
    if role is None:
        return False
    try:
        return role in PERMISSIONS[permission]
    except KeyError:
        raise KeyError(f"Unknown permission {permission!r}: add it to prm.permissions.PERMISSIONS") from None


def require_perm(user: User, permission: str, message: str = "Your role does not allow this action.") -> None:
    """Services call this for the role part of a check, so a service and the API/pages can never disagree about who
    may do what: the map answers both. Which rows (this partner's own deal) stays a tenancy/ownership comparison."""
    if not has_perm(user, permission):
        raise NotPermitted(message)
