from rest_framework import permissions

from prm.accounts.models import ApiKey
from prm.permissions import PUBLIC, has_perm


class RolePermission(permissions.BasePermission):
    """Reads the view's `action_permissions` ({action: permission name}) against prm.permissions.

    An action missing from the map is refused: a new endpoint is closed until someone says who may use it.
    A read-only API key can only read."""

    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        permission = self._permission_for(view)
        if permission == PUBLIC:
            return True
        if not request.user or not request.user.is_authenticated:
            return False
        if (
            isinstance(request.auth, ApiKey)
            and request.auth.read_only
            and request.method not in permissions.SAFE_METHODS
        ):
            self.message = "This API key is read-only."
            return False
        if permission is None:
            return False
        return has_perm(request.user, permission)

    def has_object_permission(self, request, view, obj) -> bool:
        return self.has_permission(request, view)

    @staticmethod
    def _permission_for(view) -> str | None:
        action_permissions = getattr(view, "action_permissions", {})
        action = getattr(view, "action", None) or request_method_action(view)
        return action_permissions.get(action)


def request_method_action(view) -> str | None:
    """Plain APIViews (not viewsets) name their actions by HTTP method."""
    request = getattr(view, "request", None)
    return request.method.lower() if request is not None else None
